/// <reference types="@webgpu/types" />
/**
 * TF.js on WebGPU inside Node.js, through Dawn (the `webgpu` npm package).
 *
 * Two paths, tried in this order unless one is forced:
 * - `vulkan`: a real GPU through its Vulkan driver (adapter feature level `core`);
 * - `opengl`: Dawn's OpenGL ES backend, which on a machine without a GPU runs on Mesa's llvmpipe
 *   (software). It needs `EGL_PLATFORM=surfaceless` and the `compatibility` feature level.
 * When neither yields an adapter, a WebGpuUnavailableError says what to install. `auto` skips
 * Vulkan on a Linux machine without the Vulkan loader (`vulkan-loader.ts`) or without a GPU device
 * node (`gpu-device-nodes.ts`), so that Dawn's and Mesa's warnings about it are not printed, and
 * gives the process a runtime directory before trying it (`runtime-dir.ts`).
 */
import * as tf from '@tensorflow/tfjs-core';
import { WebGpuUnavailableError } from '../errors.js';
import { watchDeviceLoss } from '../webgpu/device.js';
import { gpuDeviceNodeFound } from './gpu-device-nodes.js';
import { ensureRuntimeDir } from './runtime-dir.js';
import { vulkanLoaderFound } from './vulkan-loader.js';

export type WebGpuPath = 'vulkan' | 'opengl';

export interface NodeWebGpuOptions {
  /**
   * Which Dawn backend to use. `auto` (the default) tries Vulkan, then OpenGL. The environment
   * variable `BEFUNET_WEBGPU` (`auto`, `vulkan` or `opengl`) overrides it.
   */
  path?: 'auto' | WebGpuPath;
  /**
   * Let TF.js run small ops on the CPU (its `WEBGPU_CPU_FORWARD` flag). Defaults to false, so that
   * every op runs on the GPU; tests rely on that.
   */
  cpuForward?: boolean;
  /** Make the new backend the active one. Defaults to true. */
  activate?: boolean;
  /**
   * Extra Dawn instance flags, e.g. `enable-dawn-features=allow_unsafe_apis` (which exposes GPU
   * timestamp queries, so that `tf.profile` reports kernel times). Defaults to none.
   */
  dawnFlags?: string[];
}

export interface NodeWebGpu {
  /** The Dawn backend that produced the adapter. */
  readonly path: WebGpuPath;
  /** What the adapter reports about itself (vendor, architecture, device, description). */
  readonly adapterInfo: Readonly<Record<string, string>>;
  readonly device: GPUDevice;
  /** Resolves with the reason when the device is lost (destroyed, driver reset). */
  readonly lost: Promise<string>;
  /** Removes the TF.js backend and destroys the device, so that the process can exit. */
  dispose(): void;
}

type DawnModule = { create(flags: string[]): GPU; globals: Record<string, unknown> };

const SOFTWARE_HINT =
  'install the Mesa packages for software WebGPU (Debian: apt-get install libegl1 libegl-mesa0 libgl1-mesa-dri) ' +
  'or a GPU driver with Vulkan (and libvulkan1)';

/**
 * Creates a WebGPU device through Dawn and registers it as TF.js's `webgpu` backend.
 * Call `dispose()` at the end, or Node.js keeps running.
 */
export async function initNodeWebGpu(options: NodeWebGpuOptions = {}): Promise<NodeWebGpu> {
  const forced = process.env.BEFUNET_WEBGPU as NodeWebGpuOptions['path'] | undefined;
  const choice = forced || options.path || 'auto';
  if (!['auto', 'vulkan', 'opengl'].includes(choice)) {
    throw new WebGpuUnavailableError(`BEFUNET_WEBGPU must be auto, vulkan or opengl, got '${choice}'`);
  }
  const paths: WebGpuPath[] = choice === 'auto' ? ['vulkan', 'opengl'] : [choice as WebGpuPath];

  let dawn: DawnModule;
  try {
    dawn = (await import('webgpu')) as unknown as DawnModule;
  } catch (cause) {
    throw new WebGpuUnavailableError(
      "WebGPU in Node.js needs the 'webgpu' package (Dawn): npm i webgpu @tensorflow/tfjs-backend-webgpu",
      { cause },
    );
  }
  Object.assign(globalThis, dawn.globals);

  const tried: string[] = [];
  for (const path of paths) {
    const skipped = path === 'vulkan' && choice === 'auto' ? vulkanUnavailable() : undefined;
    if (skipped) {
      tried.push(`vulkan: ${skipped}`);
      continue;
    }
    if (path === 'vulkan') ensureRuntimeDir();
    const found = await requestAdapter(dawn, path, options.dawnFlags ?? []);
    if (typeof found === 'string') {
      tried.push(`${path}: ${found}`);
      continue;
    }
    return registerBackend(path, found.gpu, found.adapter, options);
  }
  throw new WebGpuUnavailableError(
    `no WebGPU adapter could be created (${tried.join('; ')}); ${SOFTWARE_HINT}`,
  );
}

/** Why no Vulkan adapter can exist here, or undefined when Dawn should try. */
function vulkanUnavailable(): string | undefined {
  if (!vulkanLoaderFound()) return 'no Vulkan loader (libvulkan.so.1) installed';
  if (!gpuDeviceNodeFound()) return 'no GPU device (/dev/dri/renderD*, /dev/nvidia0)';
  return undefined;
}

async function requestAdapter(
  dawn: DawnModule,
  path: WebGpuPath,
  flags: string[],
): Promise<{ gpu: GPU; adapter: GPUAdapter } | string> {
  if (path === 'opengl') process.env.EGL_PLATFORM ??= 'surfaceless';
  try {
    const gpu = dawn.create([`backend=${path}`, ...flags]);
    const featureLevel = path === 'opengl' ? 'compatibility' : 'core';
    const adapter = await gpu.requestAdapter({ featureLevel, powerPreference: 'high-performance' } as never);
    return adapter ? { gpu, adapter } : 'no adapter';
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

async function registerBackend(
  path: WebGpuPath,
  gpu: GPU,
  adapter: GPUAdapter,
  options: NodeWebGpuOptions,
): Promise<NodeWebGpu> {
  // TF.js's WebGPU module registers itself only when navigator.gpu exists at import time.
  Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  let WebGPUBackend: typeof import('@tensorflow/tfjs-backend-webgpu').WebGPUBackend;
  try {
    ({ WebGPUBackend } = await import('@tensorflow/tfjs-backend-webgpu'));
  } catch (cause) {
    throw new WebGpuUnavailableError(
      '@tensorflow/tfjs-backend-webgpu is not installed; npm i @tensorflow/tfjs-backend-webgpu to use --backend webgpu',
      { cause },
    );
  }

  // The same device request TF.js's own factory makes: optional features and the adapter's limits.
  const requiredFeatures = (['timestamp-query'] as GPUFeatureName[]).filter((f) => adapter.features.has(f));
  const limits = adapter.limits;
  const device = await adapter.requestDevice({
    requiredFeatures,
    requiredLimits: {
      maxComputeWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize,
      maxComputeWorkgroupsPerDimension: limits.maxComputeWorkgroupsPerDimension,
      maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
      maxBufferSize: limits.maxBufferSize,
      maxComputeWorkgroupSizeX: limits.maxComputeWorkgroupSizeX,
      maxComputeInvocationsPerWorkgroup: limits.maxComputeInvocationsPerWorkgroup,
    },
  });
  const info = adapter.info as unknown as Record<string, unknown>;
  const adapterInfo: Record<string, string> = {};
  for (const key of ['vendor', 'architecture', 'device', 'description'])
    adapterInfo[key] = String(info?.[key] ?? '');

  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  tf.registerBackend('webgpu', () => withoutTimestampHint(new WebGPUBackend(device, adapter.info)), 3);
  tf.env().set('WEBGPU_CPU_FORWARD', options.cpuForward ?? false);
  if (options.activate ?? true) {
    if (!(await tf.setBackend('webgpu'))) {
      device.destroy();
      throw new WebGpuUnavailableError(
        `TF.js could not initialise the webgpu backend on the ${path} adapter`,
      );
    }
  }
  watchDeviceLoss(device);
  let disposed = false;
  return {
    path,
    adapterInfo,
    device,
    lost: device.lost.then((l) => l.message || l.reason),
    dispose() {
      if (disposed) return;
      disposed = true;
      if (tf.findBackend('webgpu') || tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
      device.destroy();
    },
  };
}

/**
 * Marks TF.js's one-time hint about missing timestamp queries (printed by `tf.time`) as shown: it
 * names a Chrome flag, which means nothing in Node.js, where the option is `dawnFlags` (above).
 * `hasTimestampQueryWarned` is a field of TF.js 4.x's WebGPUBackend; if it is renamed, the hint
 * simply shows again.
 */
function withoutTimestampHint<T extends object>(backend: T): T {
  (backend as { hasTimestampQueryWarned?: boolean }).hasTimestampQueryWarned = true;
  return backend;
}
