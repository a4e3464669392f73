// Entry of the bundle check: imports every published package, then runs a few SGD steps on a tiny
// model on the cpu backend. Gradients missing from the bundle would make the loss not move (or throw).
import '@tensorflow/tfjs-backend-cpu';
import * as common from '@befunet/common';
import * as core from '@befunet/core';
import * as dlf from '@befunet/dlf';
import * as io from '@befunet/io';
import * as kernels from '@befunet/kernels';
import * as lcaf from '@befunet/lcaf';
import * as losses from '@befunet/losses';
import * as pdc from '@befunet/pdc';
import * as swin from '@befunet/swin';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

export async function trainStep() {
  await tf.setBackend('cpu');
  const exports = Object.fromEntries(
    Object.entries({ common, core, dlf, io, kernels, lcaf, losses, pdc, swin }).map(([k, m]) => [
      k,
      Object.keys(m).length,
    ]),
  );
  // A small step, so that the loss falls from any initialisation (the weights are random).
  const model = tfl.sequential({
    layers: [
      tfl.layers.conv2d({
        inputShape: [8, 8, 1],
        filters: 2,
        kernelSize: 3,
        padding: 'same',
        activation: 'relu',
      }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 1 }),
    ],
  });
  model.compile({ optimizer: tf.train.sgd(0.01), loss: 'meanSquaredError' });
  const x = tf.randomNormal([4, 8, 8, 1], 0, 1, 'float32', 1);
  const y = tf.ones([4, 1]);
  const history = await model.fit(x, y, { epochs: 10, batchSize: 4, verbose: 0 });
  const loss = history.history.loss;
  return { exports, firstLoss: loss[0], lastLoss: loss[loss.length - 1] };
}

if (process.argv[2] === '--run') console.log(JSON.stringify(await trainStep()));
