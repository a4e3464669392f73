import * as tf from '@tensorflow/tfjs-core';
import { createBefunet } from '../src/model/befunet.js';
import { useBackend } from '../src/node/backend.js';
import { installLowMemoryGradients } from '../src/train/low-memory-gradients.js';

await useBackend('wasm');
const model = createBefunet('official');
const x = tf.randomUniform([1, 224, 224, 3]);
const labels = tf.oneHot(tf.randomUniform([1, 224, 224], 0, 9, 'int32'), 9);
const opt = tf.train.momentum(0.01, 0.9);
const step = () =>
  opt.minimize(
    () => tf.losses.softmaxCrossEntropy(labels, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar,
    true,
  );
step()?.dispose();
for (const low of [false, true]) {
  if (low) installLowMemoryGradients();
  const t0 = performance.now();
  const prof = await tf.profile(async () => {
    step()?.dispose();
  });
  console.log(
    low ? 'low-memory' : 'TF.js own',
    'peak MB',
    (prof.peakBytes / 2 ** 20).toFixed(0),
    'time',
    (performance.now() - t0).toFixed(0),
    'ms',
  );
}
