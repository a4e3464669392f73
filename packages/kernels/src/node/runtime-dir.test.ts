import { statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ensureRuntimeDir } from './runtime-dir.js';

describe('ensureRuntimeDir', () => {
  it('makes a private empty directory when XDG_RUNTIME_DIR is unset', () => {
    const env: Record<string, string | undefined> = {};
    const dir = ensureRuntimeDir(env);
    expect(env.XDG_RUNTIME_DIR).toBe(dir);
    const stat = statSync(dir!);
    expect(stat.isDirectory()).toBe(true);
    expect(stat.mode & 0o777).toBe(0o700);
  });

  it('leaves a variable already set alone', () => {
    const env = { XDG_RUNTIME_DIR: '/run/user/1000' };
    expect(ensureRuntimeDir(env)).toBeUndefined();
    expect(env.XDG_RUNTIME_DIR).toBe('/run/user/1000');
  });
});
