import { describe, expect, it } from 'vitest';
import { expectError } from '../../../testing/src/index.ts';
import { DTypeError } from '../errors.js';
import type { SafetensorsEntry } from '../safetensors.js';
import { readTorchCheckpoint } from './torch-checkpoint.js';
import { writeTorchCheckpoint } from './torch-save.js';

describe('writeTorchCheckpoint', () => {
  const state = new Map<string, SafetensorsEntry>([
    [
      'conv.weight',
      { dtype: 'F32', shape: [2, 1, 3], values: Float32Array.from([0.5, -1, 2, 3.25, 1e-3, -7]) },
    ],
    ['conv.bias', { dtype: 'F32', shape: [2], values: Float32Array.from([1, -1]) }],
    ['steps', { dtype: 'I32', shape: [], values: Int32Array.from([42]) }],
    ['empty', { dtype: 'F32', shape: [0, 4], values: new Float32Array(0) }],
  ]);

  it('writes a checkpoint the torch.save reader (checked on real torch files) reads back exactly', () => {
    const back = readTorchCheckpoint(writeTorchCheckpoint(state), 'w.pth');
    expect([...back.keys()]).toEqual([...state.keys()]);
    for (const [k, v] of state) {
      expect(back.get(k)!.dtype).toBe(v.dtype);
      expect(back.get(k)!.shape).toEqual(v.shape);
      expect([...back.get(k)!.values]).toEqual([...v.values]);
    }
  });

  it('refuses dtypes it does not write', () => {
    const f16 = new Map([
      ['h', { dtype: 'F16', shape: [1], values: Float32Array.from([1]) } as SafetensorsEntry],
    ]);
    expectError(() => writeTorchCheckpoint(f16), DTypeError, /'h' is F16; only F32 and I32/);
  });
});
