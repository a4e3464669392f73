/**
 * A real full disk: a 64 MiB tmpfs (root only; skipped with the reason otherwise), filled so that the
 * next save runs out of space. The library's saves must fail with a FileWriteError naming the file
 * and ENOSPC, and leave the previous checkpoint and model as they were (the CLI's `job` on a full
 * disk: @befunet/cli's test/full-disk.test.ts).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { FileWriteError } from '@befunet/common';
import { nodeFileSystem } from '@befunet/common/node';
import {
  expectSameBytes,
  fillDisk,
  savedModelWeights,
  smallDisk,
  temporaryLeftovers,
  testProject,
} from '@befunet/testing';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { createBefunet } from '../src/model/befunet.js';
import { fileCheckpointStore } from '../src/train/file-checkpoint-store.js';

const disk = smallDisk('befunet-full-disk-');
const mountPoint = disk.path;
let notMounted: string | undefined = 'not mounted yet';

function freshFolder(name: string): string {
  const dir = join(mountPoint, name);
  mkdirSync(dir);
  return dir;
}

function skipUnlessMounted(context: TestContext) {
  if (notMounted) context.skip(notMounted);
}

describe.runIf(testProject() === 'cpu')('a full disk (tmpfs)', () => {
  beforeAll(() => {
    notMounted = disk.mount();
  });
  afterAll(() => disk.remove());

  it('a model save fails with ENOSPC naming the file and keeps the previous model', async (context) => {
    skipUnlessMounted(context);
    const dir = join(freshFolder('model'), 'model');
    const previous = createBefunet('tiny', { imageSize: 32 }, { seed: 0 });
    const next = createBefunet('tiny', { imageSize: 32 }, { seed: 1 });
    const expected = previous.getWeights().map((w) => Buffer.from(w.dataSync().slice().buffer));
    await previous.save(nodeFileSystem(dir));
    const empty = fillDisk(mountPoint, 64 << 10);
    try {
      const error = await next.save(nodeFileSystem(dir)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(FileWriteError);
      expect((error as FileWriteError).code).toBe('ENOSPC');
      expect((error as Error).message).toMatch(new RegExp(`^${dir}/weights\\.[0-9a-f]+\\.bin: .*ENOSPC`));
      expect(temporaryLeftovers(dir)).toEqual([]);
      expectSameBytes(await savedModelWeights(dir), expected);
    } finally {
      empty();
      previous.dispose();
      next.dispose();
    }
  }, 60_000);

  it('a checkpoint save fails with ENOSPC naming the file and keeps the previous checkpoint', async (context) => {
    skipUnlessMounted(context);
    const dir = freshFolder('checkpoints');
    const store = fileCheckpointStore(dir);
    const previous = {
      model: new Uint8Array(1 << 20).fill(7),
      optimizer: new Uint8Array(2 << 20).fill(9),
      state: '{"step":1}',
    };
    await store.save('latest', previous);
    const empty = fillDisk(mountPoint, 512 << 10);
    try {
      const next = {
        model: new Uint8Array(1 << 20).fill(8),
        optimizer: new Uint8Array(2 << 20).fill(10),
        state: '{"step":2}',
      };
      const error = await store.save('latest', next).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(FileWriteError);
      expect((error as Error).message).toMatch(
        new RegExp(`^${dir}/latest\\.[0-9a-z-]+\\.partial/\\w+\\.safetensors: .*ENOSPC`),
      );
      expect(temporaryLeftovers(dir)).toEqual([]);
      const loaded = await store.load('latest');
      expectSameBytes(
        [loaded?.model ?? new Uint8Array(), loaded?.optimizer ?? new Uint8Array()],
        [previous.model, previous.optimizer],
      );
      expect(loaded?.state).toBe(previous.state);
    } finally {
      empty();
    }
  });
});
