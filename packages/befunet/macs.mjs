import '@tensorflow/tfjs-backend-cpu';
import { createBefunet, modelReport } from '@befunet/core';
import * as tf from '@tensorflow/tfjs-core';

await tf.setBackend('cpu');
for (const preset of ['official', 'paper']) {
  const model = createBefunet(preset);
  const t0 = performance.now();
  const r = await modelReport(model);
  console.log(
    preset,
    'params',
    r.parameters,
    'GMAC',
    (r.macsPerImage / 1e9).toFixed(3),
    'components',
    r.components.map((c) => `${c.name}:${c.parameters}`).join(' '),
    ((performance.now() - t0) / 1000).toFixed(0) + 's',
  );
  model.dispose();
}
