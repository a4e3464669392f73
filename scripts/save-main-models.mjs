// Saves small LCAF, SwinBlock, SwinStage, DLF and full BEFUnet ('tiny' preset, paper graph) models with
// the built code of the current commit, plus one input and its prediction, so a later refactor can assert they still load and predict bit for bit.
// Run from packages/befunet (so the workspace packages resolve): cp this file there, then
//   node save-main-models.mjs test-fixtures/main-models
import { mkdirSync, writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { befunetConfig, createBefunet } from '@befunet/core';
import { Dlf } from '@befunet/dlf';
import { Lcaf } from '@befunet/lcaf';
import { SwinBlock, SwinStage } from '@befunet/swin';
import * as tfl from '@tensorflow/tfjs-layers';

const out = process.argv[2];
mkdirSync(out, { recursive: true });
await tf.setBackend('cpu');

function seeded(model, seed) {
  for (const [i, w] of model.weights.entries())
    w.write(tf.randomNormal(w.shape, 0, 0.3, 'float32', seed + i));
}
async function save(name, model, shapes) {
  seeded(model, 7);
  const xs = shapes.map((s, i) => tf.randomNormal(s, 0, 1, 'float32', 100 + i));
  const ys = [model.predict(xs.length === 1 ? xs[0] : xs)].flat();
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      writeFileSync(
        `${out}/${name}.json`,
        JSON.stringify({ modelTopology: a.modelTopology, weightSpecs: a.weightSpecs }),
      );
      writeFileSync(`${out}/${name}.weights.bin`, Buffer.from(a.weightData));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  const io = {
    inputs: await Promise.all(xs.map(async (x) => ({ shape: x.shape, data: Array.from(await x.data()) }))),
    outputs: await Promise.all(ys.map(async (y) => ({ shape: y.shape, data: Array.from(await y.data()) }))),
  };
  writeFileSync(`${out}/${name}.io.json`, JSON.stringify(io));
}

{
  const e = tfl.input({ shape: [5, 7, 6] }),
    b = tfl.input({ shape: [5, 7, 8] });
  const l = new Lcaf({ heads: 2, window: [3, 4], shift: [1, 2], relativePositionBias: true });
  await save('lcaf', tfl.model({ inputs: [e, b], outputs: l.apply([e, b]) }), [
    [1, 5, 7, 6],
    [1, 5, 7, 8],
  ]);
}
{
  const x = tfl.input({ shape: [6, 6, 8] });
  const l = new SwinBlock({ dim: 8, numHeads: 2, windowSize: 3, shiftSize: 1 });
  await save('swin-block', tfl.model({ inputs: x, outputs: l.apply(x) }), [[1, 6, 6, 8]]);
}
{
  const x = tfl.input({ shape: [10, 10, 4] });
  const l = new SwinStage({ dim: 4, depth: 2, numHeads: 2, windowSize: 3, downsample: true });
  await save('swin-stage', tfl.model({ inputs: x, outputs: l.apply(x) }), [[1, 10, 10, 4]]);
}
{
  const a = tfl.input({ shape: [4, 4, 8] }),
    b = tfl.input({ shape: [2, 2, 16] });
  const l = new Dlf({
    largeDim: 8,
    smallDim: 16,
    largeGrid: [4, 4],
    smallGrid: [2, 2],
    largeHeads: 2,
    smallHeads: 4,
    seed: 1,
  });
  await save('dlf', tfl.model({ inputs: [a, b], outputs: l.apply([a, b]) }), [
    [1, 4, 4, 8],
    [1, 2, 2, 16],
  ]);
}
{
  const config = befunetConfig('tiny', {
    imageSize: 32,
    numClasses: 2,
    edgeChannels: 4,
    swin: { embedDim: 8, depths: [1, 2, 1, 1], numHeads: [1, 2, 2, 2], windowSize: 2 },
    lcaf: { window: 2, shifted: true, relativePositionBias: true },
    dlf: { largeHeads: 2, smallHeads: 2 },
    decoder: { width: 8, predChannels: 4, groups: 4 },
  });
  await save('befunet', createBefunet(config), [[1, 32, 32, 3]]);
}
console.log('saved to', out);
