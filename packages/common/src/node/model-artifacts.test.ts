import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, FileFormatError } from '../errors.js';
import { manifestBytes, parseModelJson } from '../model-artifacts.js';
import { nodeFileSystem } from './file-system.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A saved two-layer model: its folder, model.json path and weights file path. */
async function savedModel() {
  const dir = mkdtempSync(join(tmpdir(), 'befunet-artifacts-'));
  dirs.push(dir);
  const model = tfl.sequential({
    layers: [tfl.layers.dense({ units: 5, inputShape: [4] }), tfl.layers.dense({ units: 3 })],
  });
  await model.save(nodeFileSystem(dir));
  model.dispose();
  const weights = readdirSync(dir).find((f) => f.endsWith('.bin'))!;
  return { dir, json: join(dir, 'model.json'), weights: join(dir, weights) };
}

const load = (dir: string) => tfl.loadLayersModel(nodeFileSystem(dir));

type Weight = { shape: number[]; dtype: string };
interface EditableJson {
  modelTopology?: unknown;
  /** One group holding the two Dense layers' kernels and biases. */
  weightsManifest: [{ paths: string[]; weights: [Weight, Weight, ...Weight[]] }];
}

/** Rewrites model.json through `edit`. */
function editJson(path: string, edit: (json: EditableJson) => void) {
  const json = JSON.parse(readFileSync(path, 'utf8'));
  edit(json);
  writeFileSync(path, JSON.stringify(json));
}

describe('loading a saved TF.js model through nodeFileSystem', () => {
  it('computes the size TF.js itself wrote for the manifest (4 x (4x5 + 5 + 5x3 + 3) bytes)', async () => {
    const { json, weights } = await savedModel();
    const manifest = parseModelJson(readFileSync(json), json).weightsManifest;
    expect(manifestBytes(manifest)).toBe(4 * (20 + 5 + 15 + 3));
    expect(readFileSync(weights).length).toBe(manifestBytes(manifest));
  });

  it('names the weights file and says it is truncated when it is shorter than the manifest', async () => {
    const { dir, weights } = await savedModel();
    writeFileSync(weights, readFileSync(weights).subarray(0, 100));
    const error = await load(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FileFormatError);
    expect((error as FileFormatError).source).toBe(weights);
    expect((error as Error).message).toMatch(
      /weights files hold 100 bytes but model.json's manifest needs 172: truncated/,
    );
  });

  it('refuses a weights file longer than the manifest (not the weights of this model)', async () => {
    const { dir, weights } = await savedModel();
    writeFileSync(weights, new Uint8Array(400));
    await expect(load(dir)).rejects.toThrow(/hold 400 bytes but .* needs 172: not the weights of this model/);
  });

  it('names model.json when it is cut short, is not a model, or has absurd entries', async () => {
    const { dir, json } = await savedModel();
    const original = readFileSync(json);
    writeFileSync(json, original.subarray(0, original.length / 2));
    const cut = await load(dir).catch((e: unknown) => e);
    expect(cut).toBeInstanceOf(FileFormatError);
    expect((cut as Error).message).toMatch(
      new RegExp(`^${json.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not valid JSON`),
    );

    const cases: [(j: EditableJson) => void, RegExp][] = [
      [(j) => delete j.modelTopology, /not a TF.js layers model: modelTopology is missing/],
      [(j) => (j.weightsManifest[0].weights[0].shape = [1e9, 1e9]), /manifest needs 4000000000000000000/],
      [
        (j) => (j.weightsManifest[0].weights[0].shape = [-4, 5]),
        /has shape \[-4,5\], not a list of non-negative integers/,
      ],
      [(j) => (j.weightsManifest[0].weights[1].dtype = 'float64'), /has unknown dtype "float64"/],
      [
        (j) => (j.weightsManifest[0].paths = ['../../etc/passwd']),
        /names weights file "..\/..\/etc\/passwd", which is not a file name/,
      ],
      [
        (j) => (j.weightsManifest[0].paths = ['gone.bin']),
        /gone\.bin: cannot read the weights file named in model\.json/,
      ],
      [
        (j) => j.weightsManifest[0].weights.push(j.weightsManifest[0].weights[0]),
        /appears twice in the manifest/,
      ],
    ];
    for (const [edit, message] of cases) {
      writeFileSync(json, original);
      editJson(json, edit);
      const error = await load(dir).catch((e: unknown) => e);
      expect(error, String(message)).toBeInstanceOf(FileFormatError);
      expect((error as Error).message).toMatch(message);
    }
  });
});

describe('loading a model whose layer classes are not registered', () => {
  it('names the package to import instead of TF.js "Unknown layer"', async () => {
    const { dir, json } = await savedModel();
    const text = readFileSync(json, 'utf8').replaceAll('"Dense"', '"befunet>Lcaf"');
    writeFileSync(json, text);
    await expect(load(dir)).rejects.toThrow(ConfigError);
    await expect(load(dir)).rejects.toThrow(
      /befunet>Lcaf, not registered with TF\.js: add import '@befunet\/lcaf';/,
    );
  });
});
