import { FileFormatError } from '@befunet/common';
import { everyByteCorruption, expectError } from '@befunet/testing';
import { describe, expect, it } from 'vitest';
import { befunetConfig } from '../model/config.js';
import { parseTrainState, type TrainState } from './train-state.js';
import { CHECKPOINT_FORMAT } from './version.js';

const STATE: TrainState = {
  format: CHECKPOINT_FORMAT,
  library: '@befunet/core@0.0.0',
  step: 4,
  epoch: 1,
  totalSteps: 8,
  seed: 3,
  batchSize: 2,
  accumulation: 1,
  learningRate: 0.01,
  schedule: { kind: 'poly', power: 0.9, warmupSteps: 0 },
  optimizer: { kind: 'sgd', momentum: 0.9, weightDecay: 1e-4 },
  loss: { edgeWeight: 0.5 },
  model: befunetConfig('tiny', { imageSize: 32 }),
  best: { metric: 'meanDice', value: 0.5, step: 4 },
  files: { 'model.safetensors': { bytes: 100, crc32: 12345 } },
};
const text = (s: unknown) => JSON.stringify(s);

describe('checkpoint state.json', () => {
  it('parses a valid state unchanged', () => {
    expect(parseTrainState(text(STATE), 'run/state.json')).toEqual(STATE);
  });

  it('rejects missing, unknown and ill-typed fields with the file and the field', () => {
    const { seed: _, ...noSeed } = STATE;
    expectError(
      () => parseTrainState(text(noSeed), 'run/state.json'),
      FileFormatError,
      /^run\/state\.json: missing field 'seed'/,
    );
    expectError(
      () => parseTrainState(text({ ...STATE, colour: 1 }), 's.json'),
      FileFormatError,
      /unknown field 'colour'/,
    );
    expectError(
      () => parseTrainState(text({ ...STATE, optimizer: { ...STATE.optimizer, nesterov: true } }), 's.json'),
      FileFormatError,
      /unknown field 'optimizer.nesterov'/,
    );
    expectError(
      () => parseTrainState(text({ ...STATE, step: -1 }), 's.json'),
      FileFormatError,
      /'step' must be an integer >= 0/,
    );
    expectError(
      () => parseTrainState(text({ ...STATE, step: 9 }), 's.json'),
      FileFormatError,
      /step 9 is past totalSteps 8/,
    );
    expectError(
      () => parseTrainState(text({ ...STATE, format: 99 }), 's.json'),
      FileFormatError,
      /format 99 is not supported/,
    );
    expectError(
      () => parseTrainState(text({ ...STATE, model: { ...STATE.model, imageSize: 33 } }), 's.json'),
      FileFormatError,
      /field 'model': imageSize \(33\)/,
    );
    expectError(() => parseTrainState('{"format": 1,', 's.json'), FileFormatError, /not valid JSON/);
    expectError(() => parseTrainState('[]', 's.json'), FileFormatError, /not a JSON object/);
  });

  it('every corrupted byte is either harmless or a FileFormatError', () => {
    const bytes = new TextEncoder().encode(text(STATE));
    const decoder = new TextDecoder();
    const rejected = everyByteCorruption(bytes, (b) => parseTrainState(decoder.decode(b), 's.json'));
    // Most single-byte changes break the JSON or a field; the rest (digits of numbers) are allowed.
    expect(rejected).toBeGreaterThan(bytes.length);
  });
});
