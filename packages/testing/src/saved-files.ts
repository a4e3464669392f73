/** What a failed write may leave in a folder, and exact comparisons of saved bytes. */
import { readdirSync } from 'node:fs';
import { nodeFileSystem } from '@befunet/common/node';
import { loadLayersModel } from '@tensorflow/tfjs-layers';
import { expect } from 'vitest';

/** Temporary files (`.tmp-*`, `*.partial`) left anywhere under `dir`. */
export function temporaryLeftovers(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((p) => /\.tmp|\.partial/.test(p));
}

/** The weights of the model saved in `dir`, one buffer a weight (loading it proves it loads). */
export async function savedModelWeights(dir: string): Promise<Buffer[]> {
  const model = await loadLayersModel(nodeFileSystem(dir));
  const weights = model.getWeights().map((w) => Buffer.from(w.dataSync().slice().buffer));
  model.dispose();
  return weights;
}

/** Exact byte equality (vitest's deep equality walks megabytes element by element). */
export function expectSameBytes(actual: readonly Uint8Array[], expected: readonly Uint8Array[]): void {
  expect(actual.length).toBe(expected.length);
  const differing = actual.flatMap((a, i) =>
    Buffer.from(a).equals(Buffer.from(expected[i] as Uint8Array)) ? [] : [i],
  );
  expect(differing).toEqual([]);
}
