import { initNodeWebGpu } from '@befunet/common/node';
import * as tf from '@tensorflow/tfjs-core';
import { registerWebGpuKernels } from '../src/kernels/webgpu-kernels.js';
import { createBefunet } from '../src/model/befunet.js';

const gpu = await initNodeWebGpu({ path: (process.env.P ?? 'auto') as 'auto' });
registerWebGpuKernels();
console.log('path', gpu.path, tf.env().getBool('WEBGPU_CPU_FORWARD'));
const model = createBefunet('official');
const x = tf.randomUniform([1, 224, 224, 3]);
if (process.env.ENQ) {
  const o = model.predict(x) as tf.Tensor;
  await o.data();
  o.dispose();
  const t0 = performance.now();
  for (let i = 0; i < 5; i++) (model.predict(x) as tf.Tensor).dispose();
  console.log(`5 enqueues ${(performance.now() - t0).toFixed(1)} ms`);
  process.exit(0);
}
for (let i = 0; i < 4; i++) {
  const t0 = performance.now();
  const out = model.predict(x) as tf.Tensor;
  const t1 = performance.now();
  await out.data();
  const t2 = performance.now();
  out.dispose();
  console.log(`predict enqueue ${(t1 - t0).toFixed(1)} ms, wait ${(t2 - t1).toFixed(1)} ms`);
}
gpu.dispose();
