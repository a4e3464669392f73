/**
 * Whether this Linux machine has a GPU device node, so that `auto` does not ask Dawn for a Vulkan
 * adapter that cannot exist. Mesa's Vulkan drivers (intel, radeon, lavapipe) install on machines
 * without a GPU; Dawn then loads them, refuses lavapipe (it lacks
 * shaderUniform*ArrayDynamicIndexing) and prints that refusal, and Mesa's Wayland probe prints
 * "XDG_RUNTIME_DIR is invalid or not set", on every command. A hardware Vulkan driver needs a
 * device node: a DRM render node (`/dev/dri/renderD*`: Intel, AMD, and NVIDIA's open driver),
 * NVIDIA's `/dev/nvidia0`, or WSL's `/dev/dxg`. Other systems are assumed to have a GPU.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export function gpuDeviceNodeFound(platform: string = process.platform, devDir = '/dev'): boolean {
  if (platform !== 'linux') return true;
  if (['nvidia0', 'dxg'].some((name) => existsSync(join(devDir, name)))) return true;
  try {
    return readdirSync(join(devDir, 'dri')).some((name) => name.startsWith('renderD'));
  } catch {
    return false; // no /dev/dri: no DRM device at all
  }
}
