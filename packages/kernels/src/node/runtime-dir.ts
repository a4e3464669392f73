/**
 * Gives the process an XDG runtime directory when it has none, before Dawn loads Mesa's Vulkan
 * drivers: their Wayland probe prints "error: XDG_RUNTIME_DIR is invalid or not set in the
 * environment" (twice) when the variable is unset, as it is in containers, CI and cron jobs. The
 * directory is private (mode 0700, as the XDG Base Directory specification requires) and empty.
 * A variable already set is left alone. Returns the directory made, or undefined.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function ensureRuntimeDir(env: Record<string, string | undefined> = process.env): string | undefined {
  if (env.XDG_RUNTIME_DIR) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'befunet-runtime-')); // mkdtemp creates it with mode 0700
  env.XDG_RUNTIME_DIR = dir;
  return dir;
}
