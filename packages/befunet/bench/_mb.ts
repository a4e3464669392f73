import { initNodeWebGpu } from '@befunet/common/node';
import * as tf from '@tensorflow/tfjs-core';

const gpu = await initNodeWebGpu({ cpuForward: false, path: (process.env.P ?? 'auto') as 'auto' });
if (process.env.BATCH) tf.env().set('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE', Number(process.env.BATCH));
console.log('path', gpu.path, JSON.stringify(gpu.adapterInfo));
const x = tf.ones([64]);
for (let round = 0; round < 3; round++) {
  let y = x;
  const t0 = performance.now();
  for (let i = 0; i < 1000; i++) {
    const z = tf.add(y, 1);
    if (y !== x) y.dispose();
    y = z;
  }
  const t1 = performance.now();
  await y.data();
  const t2 = performance.now();
  y.dispose();
  console.log(`1000 adds: enqueue ${(t1 - t0).toFixed(1)} ms, wait ${(t2 - t1).toFixed(1)} ms`);
}
gpu.dispose();
