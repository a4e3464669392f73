/**
 * The short soak: 30 replayed steps on the webgpu project (10 on the slower cpu project, after 2 warm-up steps rather than 6: nothing is replayed there) after the warm-up. The
 * tensor count and the GPU buffers in use must not move; the JS heap (after a full collection) and
 * the GPU buffer pool may move by a little (allocator and pool noise, bounded below), never by a step's worth.
 */
import { testProject } from '@befunet/testing';
import { describe, expect, it } from 'vitest';
import { runSoak } from './soak.js';

const MiB = 2 ** 20;

describe('runSoak (short)', () => {
  const onWebGpu = testProject() === 'webgpu';
  const steps = onWebGpu ? 30 : 10;
  it(`keeps tensors, JS heap and GPU buffers flat over ${steps} steps`, async () => {
    const result = await runSoak({ steps, every: steps / 2, warmups: onWebGpu ? 6 : 2 });
    const [start, middle, end] = result.samples;
    expect(result.samples.map((s) => s.step)).toEqual([0, steps / 2, steps]);
    expect(end!.numTensors).toBe(start!.numTensors);
    expect(middle!.numTensors).toBe(start!.numTensors);
    // A leak of one 32x32x4 float map's host copy (16 KiB) per step would add 0.2-0.5 MiB.
    expect(end!.heapUsedBytes - middle!.heapUsedBytes).toBeLessThan(1 * MiB);
    expect(end!.arrayBuffersBytes - start!.arrayBuffersBytes).toBeLessThan(1 * MiB);
    if (onWebGpu) {
      expect(result.replayedSteps).toBe(steps);
      expect(end!.gpuBytesUsed).toBe(start!.gpuBytesUsed);
      expect(end!.gpuBytesAllocated).toBe(start!.gpuBytesAllocated);
      expect(end!.replayHeldBytes).toBe(start!.replayHeldBytes);
    }
  }, 180_000);
});
