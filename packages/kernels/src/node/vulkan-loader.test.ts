import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { vulkanLoaderFound } from './vulkan-loader.js';

describe('vulkanLoaderFound', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vulkan-loader-'));
  const cache = (text: string) => {
    const path = join(dir, `cache-${text.length}`);
    writeFileSync(path, `glibc-ld.so.cache1.1\0${text}\0`);
    return path;
  };

  it('reads the linker cache', () => {
    expect(vulkanLoaderFound({}, 'linux', cache('libvulkan.so.1\0/usr/lib/libvulkan.so.1'))).toBe(true);
    expect(vulkanLoaderFound({}, 'linux', cache('libEGL.so.1\0/usr/lib/libEGL.so.1'))).toBe(false);
  });

  it('looks in LD_LIBRARY_PATH first', () => {
    writeFileSync(join(dir, 'libvulkan.so.1'), '');
    expect(vulkanLoaderFound({ LD_LIBRARY_PATH: `/nowhere:${dir}` }, 'linux', cache('none'))).toBe(true);
  });

  it('lets Dawn try where it cannot tell', () => {
    expect(vulkanLoaderFound({}, 'linux', join(dir, 'missing'))).toBe(true);
    expect(vulkanLoaderFound({}, 'darwin', cache('none'))).toBe(true);
  });

  it('agrees with ldconfig -p on this machine', ({ skip }) => {
    let listed: string;
    try {
      listed = execFileSync('ldconfig', ['-p'], { encoding: 'utf8' });
    } catch {
      return skip('no ldconfig');
    }
    skip(process.platform !== 'linux' || !!process.env.LD_LIBRARY_PATH, 'the cache alone decides');
    expect(vulkanLoaderFound()).toBe(listed.includes('libvulkan.so.1'));
  });
});
