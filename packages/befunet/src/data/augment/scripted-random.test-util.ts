/** A generator that returns given numbers, for tests that fix an augmentation's draws. */
import { SeededRandom } from '@befunet/common';

export class ScriptedRandom extends SeededRandom {
  private readonly values: number[];
  constructor(values: readonly number[]) {
    super(0);
    this.values = [...values];
  }
  /** The next scripted number; running out is an error of the test. */
  override next(): number {
    const v = this.values.shift();
    if (v === undefined) throw new Error('ScriptedRandom: no numbers left');
    return v;
  }
  /** How many scripted numbers were not drawn. */
  get left(): number {
    return this.values.length;
  }
}

/** A sample of `height` x `width` x `channels` from plain arrays (row-major), for tests. */
export function sampleOf(
  image: readonly number[],
  label: readonly number[],
  height: number,
  width: number,
  channels = 1,
): import('../dataset.js').SegmentationSample {
  return {
    image: Float32Array.from(image),
    label: Int32Array.from(label),
    height,
    width,
    channels,
    id: 'test',
  };
}
