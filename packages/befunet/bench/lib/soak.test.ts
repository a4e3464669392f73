/**
 * The short soak: 30 replayed steps on the webgpu project (20 on the cpu project) after the 6 warm-up steps. The
 * tensor count and the GPU buffers in use must not move; the JS heap (after a full collection) and
 * the GPU buffer pool may move by a little (allocator and pool noise, bounded below), never by a step's worth.
 */
import { testProject } from '@befunet/testing';
import { describe, expect, it } from 'vitest';
import { runSoak } from './soak.js';

const MiB = 2 ** 20;

describe('runSoak (short)', () => {
  const onWebGpu = testProject() === 'webgpu';
  const steps = onWebGpu ? 30 : 20;
  it(`keeps tensors, JS heap and GPU buffers flat over ${steps} steps`, async () => {
    const result = await runSoak({ steps, every: steps / 2 });
    const [start, middle, end] = result.samples;
    expect(result.samples.map((s) => s.step)).toEqual([0, steps / 2, steps]);
    expect(end!.numTensors).toBe(start!.numTensors);
    expect(middle!.numTensors).toBe(start!.numTensors);
    // Tensor leaks are caught exactly by the count; this catches a host-side leak of over 200 KiB a step.
    expect(end!.heapUsedBytes - middle!.heapUsedBytes).toBeLessThan(2 * MiB);
    expect(end!.arrayBuffersBytes - start!.arrayBuffersBytes).toBeLessThan(1 * MiB);
    if (onWebGpu) {
      expect(result.replayedSteps).toBe(steps);
      expect(end!.gpuBytesUsed).toBe(start!.gpuBytesUsed);
      expect(end!.gpuBytesAllocated).toBe(start!.gpuBytesAllocated);
      expect(end!.replayHeldBytes).toBe(start!.replayHeldBytes);
    }
  }, 180_000);
});
