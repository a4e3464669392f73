/**
 * Whether the Vulkan loader (libvulkan.so.1) can be found on Linux, so that `auto` does not ask
 * Dawn for a Vulkan adapter that cannot exist: that attempt prints Dawn's native warning
 * ("Couldn't load Vulkan: libvulkan.so.1: cannot open shared object file") on every command.
 * The dynamic linker finds libraries through LD_LIBRARY_PATH and its cache /etc/ld.so.cache,
 * which lists every library name as plain text. Other systems are assumed to have a loader.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const LOADER = 'libvulkan.so.1';

export function vulkanLoaderFound(
  env: Record<string, string | undefined> = process.env,
  platform: string = process.platform,
  cacheFile = '/etc/ld.so.cache',
): boolean {
  if (platform !== 'linux') return true;
  const dirs = (env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean);
  if (dirs.some((dir) => existsSync(join(dir, LOADER)))) return true;
  try {
    return readFileSync(cacheFile).includes(LOADER);
  } catch {
    return true; // no cache to read: let Dawn try
  }
}
