/**
 * Edge encoder forward time: 224x224 input, batch 1 and 10, difference vs converted form, cpu vs
 * webgpu. Median of several runs after one warm-up run; every run reads the four outputs back.
 *
 *   node ../../node_modules/tsx/dist/cli.mjs bench/edge-encoder.ts \
 *     [--layout=official|paper] [--size=224] [--batches=1,10] [--runs=3] [--backends=cpu,webgpu] \
 *     [--forms=difference,converted] [--channels=N]
 *
 * On a machine without a GPU, `webgpu` is Mesa llvmpipe (a software rasteriser): its figures say
 * nothing about a real GPU.
 */
import '@tensorflow/tfjs-backend-cpu';
import { initNodeWebGpu } from '@befunet/kernels/node';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { EdgeEncoder, type EdgeLayout } from '../src/edge-encoder.js';
import type { PdcForm } from '../src/pdc-ops.js';

const arg = (name: string, fallback: string) =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const layout = arg('layout', 'official') as EdgeLayout;
const size = Number(arg('size', '224'));
const batches = arg('batches', '1,10').split(',').map(Number);
const runs = Number(arg('runs', '3'));
const backends = arg('backends', 'cpu,webgpu').split(',');
const forms = arg('forms', 'difference,converted').split(',') as PdcForm[];
const channels = process.argv.some((a) => a.startsWith('--channels='))
  ? Number(arg('channels', '0'))
  : undefined;

interface Row {
  backend: string;
  form: PdcForm;
  batch: number;
  medianMs: number;
  runs: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

async function measure(backend: string, form: PdcForm, batch: number): Promise<Row> {
  const encoder = new EdgeEncoder({ layout, form, ...(channels ? { channels } : {}) });
  encoder.apply(tfl.input({ shape: [size, size, 3] }));
  const x = tf.randomUniform([batch, size, size, 3], 0, 1, 'float32', 1);
  const once = async () => {
    const t0 = performance.now();
    const ys = encoder.apply(x) as tf.Tensor[];
    await Promise.all(ys.map((y) => y.data()));
    tf.dispose(ys);
    return performance.now() - t0;
  };
  await once();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(await once());
  x.dispose();
  encoder.dispose();
  const row = { backend, form, batch, medianMs: median(times), runs };
  console.error(`  ${backend} ${form} batch ${batch}: ${times.map((t) => t.toFixed(0)).join(', ')} ms`);
  return row;
}

const rows: Row[] = [];
for (const backend of backends) {
  let gpu: { dispose(): void } | undefined;
  if (backend === 'webgpu') gpu = await initNodeWebGpu();
  else await tf.setBackend(backend);
  await tf.ready();
  for (const batch of batches) for (const form of forms) rows.push(await measure(backend, form, batch));
  gpu?.dispose();
}

const find = (b: string, f: PdcForm, n: number) =>
  rows.find((r) => r.backend === b && r.form === f && r.batch === n);
console.log(`\nEdgeEncoder '${layout}' forward, ${size}x${size}, median of ${runs} runs after 1 warm-up`);
console.log('| backend | form | batch | median ms | ms / image | converted speed-up | webgpu vs cpu |');
console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: |');
for (const r of rows) {
  const diff = find(r.backend, 'difference', r.batch);
  const cpu = find('cpu', r.form, r.batch);
  const speedup = r.form === 'converted' && diff ? `${(diff.medianMs / r.medianMs).toFixed(2)}x` : '';
  const vsCpu = r.backend !== 'cpu' && cpu ? `${(cpu.medianMs / r.medianMs).toFixed(2)}x` : '';
  console.log(
    `| ${r.backend} | ${r.form} | ${r.batch} | ${r.medianMs.toFixed(0)} | ${(r.medianMs / r.batch).toFixed(0)} | ${speedup} | ${vsCpu} |`,
  );
}
