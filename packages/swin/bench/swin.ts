/**
 * Benchmark: Swin-T encoder forward (patch embedding + four stages, all four levels read back) on a
 * 224x224 RGB image, batch 1 and 10, TF.js cpu against webgpu.
 *
 * Usage: node ../../node_modules/tsx/dist/cli.mjs bench/swin.ts [cpu|webgpu|both] [--batches 1,10]
 *        [--runs 3] [--warmup 1] [--preset tiny|mini]
 * Figures are medians of `runs` timed forwards after `warmup` untimed ones (which include shader
 * compilation). On the development machine the CPU backend is pure JS on 2 cores and WebGPU is Mesa
 * llvmpipe (a software rasteriser): expect seconds per image, and keep runs few.
 */
import '@tensorflow/tfjs-backend-cpu';
import { initNodeWebGpu } from '@befunet/kernels/node';
import * as tf from '@tensorflow/tfjs-core';
import { SwinEncoder, type SwinPreset, swinConfig } from '../src/index.js';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};
const which = args.find((a) => ['cpu', 'webgpu', 'both'].includes(a)) ?? 'both';
const batches = flag('batches', '1,10').split(',').map(Number);
const runs = Number(flag('runs', '3'));
const warmup = Number(flag('warmup', '1'));
const preset = flag('preset', 'tiny') as SwinPreset;
const SIZE = 224;

/** Multiply-adds of Swin at 224 (Liu et al. report 4.5 G for Swin-T), computed from the config. */
function swinGmacs(): number {
  const c = swinConfig(preset);
  let macs = 0;
  let side = SIZE / c.patchSize;
  let dim = c.embedDim;
  macs += side * side * dim * 3 * c.patchSize ** 2;
  c.depths.forEach((depth, k) => {
    if (k > 0) {
      macs += (side / 2) ** 2 * 4 * dim * 2 * dim;
      side /= 2;
      dim *= 2;
    }
    const n = side * side;
    const m = Math.min(c.windowSize, side) ** 2;
    macs += depth * (n * dim * 3 * dim + 2 * n * m * dim + n * dim * dim + 2 * n * dim * c.mlpRatio * dim);
  });
  return macs / 1e9;
}

async function median(fn: () => tf.Tensor[]): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < warmup + runs; i++) {
    const t0 = performance.now();
    const ys = fn();
    await Promise.all(ys.map((y) => y.data()));
    const dt = performance.now() - t0;
    tf.dispose(ys);
    if (i >= warmup) times.push(dt);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

async function run(backend: string): Promise<Map<number, number>> {
  const enc = new SwinEncoder(swinConfig(preset));
  const out = new Map<number, number>();
  for (const b of batches) {
    const x = tf.randomUniform([b, SIZE, SIZE, 3], -1, 1, 'float32', 1);
    const ms = await median(() => enc.apply(x) as tf.Tensor[]);
    out.set(b, ms);
    console.log(
      `${backend.padEnd(7)} | ${String(b).padStart(5)} | ${ms.toFixed(0).padStart(9)} | ${(ms / b).toFixed(0).padStart(8)} | ` +
        `${((swinGmacs() * b) / (ms / 1000)).toFixed(2).padStart(7)}`,
    );
    x.dispose();
  }
  enc.dispose();
  return out;
}

console.log(
  `Swin-${preset} encoder forward, ${SIZE}x${SIZE}x3, ${swinGmacs().toFixed(2)} GMAC/image; median of ${runs} after ${warmup} warm-up`,
);
console.log('backend | batch | median ms | ms/image | GMAC/s');
const results = new Map<string, Map<number, number>>();
if (which !== 'webgpu') {
  await tf.setBackend('cpu');
  results.set('cpu', await run('cpu'));
}
if (which !== 'cpu') {
  const gpu = await initNodeWebGpu();
  console.log(
    `(webgpu through Dawn ${gpu.path}: ${gpu.adapterInfo.description || gpu.adapterInfo.vendor || '?'})`,
  );
  results.set('webgpu', await run('webgpu'));
  gpu.dispose();
}
const cpu = results.get('cpu');
const gpu = results.get('webgpu');
if (cpu && gpu) {
  console.log('batch | cpu/webgpu time ratio');
  for (const b of batches)
    console.log(`${String(b).padStart(5)} | ${(cpu.get(b)! / gpu.get(b)!).toFixed(2)}`);
}
