import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gpuDeviceNodeFound } from './gpu-device-nodes.js';

describe('gpuDeviceNodeFound', () => {
  const devWith = (...files: string[]) => {
    const dev = mkdtempSync(join(tmpdir(), 'dev-'));
    for (const file of files) {
      mkdirSync(join(dev, file, '..'), { recursive: true });
      writeFileSync(join(dev, file), '');
    }
    return dev;
  };

  it('finds a DRM render node, NVIDIA’s device or WSL’s', () => {
    expect(gpuDeviceNodeFound('linux', devWith('dri/renderD128'))).toBe(true);
    expect(gpuDeviceNodeFound('linux', devWith('nvidia0', 'nvidiactl'))).toBe(true);
    expect(gpuDeviceNodeFound('linux', devWith('dxg'))).toBe(true);
  });

  it('finds none where there is only a display card node or no /dev/dri', () => {
    expect(gpuDeviceNodeFound('linux', devWith('dri/card0'))).toBe(false);
    expect(gpuDeviceNodeFound('linux', devWith('null', 'nvidiactl'))).toBe(false);
  });

  it('assumes a GPU off Linux', () => {
    expect(gpuDeviceNodeFound('darwin', devWith())).toBe(true);
  });
});
