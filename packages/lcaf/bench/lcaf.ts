/**
 * Benchmark: LCAF (7x7 windows) against global cross-attention with the same weights, at C = 96,
 * 3 heads, batch 1, on square maps of 28^2 to 224^2 tokens. Prints the median forward time, the
 * peak tensor memory of one forward pass (TF.js's own accounting, `tf.profile`), the attention
 * cost of eq. 10 / eq. 11, and each figure's growth relative to the smallest map (tokens grow 4x
 * per row: linear growth shows as 4x, quadratic as 16x).
 *
 *   node ../../node_modules/tsx/dist/cli.mjs bench/lcaf.ts [--backend cpu|webgpu] [--sizes 28,56,112,224]
 *        [--global-max 56] [--runs 3] [--budget 20]
 *
 * Global attention on an S^2 map holds 3 heads x S^4 float32 logits (1.9 GB at 112^2, 30 GB at
 * 224^2), so it runs only up to `--global-max` (default 56); larger maps report the formula alone. A case
 * whose first (profiled, cold) run exceeds `--budget` seconds is timed once more, else `--runs` times.
 */
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  flopsGlobalCrossAttention,
  flopsLocalCrossAttention,
  GlobalCrossAttention,
  Lcaf,
} from '../src/index.js';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2)
  args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1]!);
const backend = args.get('backend') ?? 'cpu';
const sizes = (args.get('sizes') ?? '28,56,112,224').split(',').map(Number);
const globalMax = Number(args.get('global-max') ?? 56);
const runs = Number(args.get('runs') ?? 3);
const budget = Number(args.get('budget') ?? 20);
const C = 96;
const HEADS = 3;
const WINDOW = 7;

interface Figures {
  ms: number | null;
  kernelMs?: number | null;
  n?: number;
  peakMiB: number | null;
  gflops: number;
}

async function measure(
  layer: tfl.layers.Layer,
  x: tf.Tensor[],
): Promise<{ ms: number; peakMiB: number; n: number; kernelMs: number | null }> {
  const forward = async () => {
    const y = layer.apply(x) as tf.Tensor;
    await y.data();
    y.dispose();
  };
  // A first (cold) pass under tf.profile: the peak of live tensor bytes above what was live
  // before (weights and inputs). It also serves as warm-up.
  const before = tf.memory().numBytes;
  let t0 = performance.now();
  const info = await tf.profile(forward);
  const cold = (performance.now() - t0) / 1000;
  const peakMiB = (info.peakBytes - before) / 2 ** 20;
  // The median of the timed runs; one run when the cold pass took more than the budget.
  const times: number[] = [];
  const n = cold > budget ? 1 : runs;
  for (let i = 0; i < n; i++) {
    t0 = performance.now();
    await forward();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  // On WebGPU, wall time includes dispatch and read-back; the GPU's own kernel time (timestamp
  // queries, when the adapter has them) shows the growth of the work itself.
  let kernelMs: number | null = null;
  if (tf.getBackend() === 'webgpu') {
    const kernel: number[] = [];
    for (let i = 0; i < n; i++) {
      const timing = await tf.time(() => {
        tf.tidy(() => {
          layer.apply(x);
        });
      });
      if (typeof timing.kernelMs === 'number' && timing.kernelMs > 0) kernel.push(timing.kernelMs);
    }
    kernel.sort((a, b) => a - b);
    kernelMs = kernel.length ? kernel[Math.floor(kernel.length / 2)]! : null;
  }
  return { ms: times[Math.floor(times.length / 2)]!, peakMiB, n, kernelMs };
}

async function main() {
  let dispose = () => {};
  if (backend === 'webgpu') {
    const { initNodeWebGpu } = await import('@befunet/kernels/node');
    const gpu = await initNodeWebGpu({ cpuForward: false });
    dispose = () => gpu.dispose();
    console.log(`webgpu adapter: ${JSON.stringify(gpu.adapterInfo)} (${gpu.path})`);
  } else {
    await tf.setBackend(backend);
  }
  await tf.ready();
  console.log(
    `backend ${tf.getBackend()}, C = ${C}, heads ${HEADS}, window ${WINDOW}x${WINDOW}, batch 1, runs ${runs}`,
  );

  const rows: { size: number; local: Figures; global: Figures }[] = [];
  for (const s of sizes) {
    const shape = [1, s, s, C];
    const x = [tf.randomNormal(shape, 0, 1, 'float32', 1), tf.randomNormal(shape, 0, 1, 'float32', 2)];
    const lcaf = new Lcaf({ heads: HEADS, window: WINDOW });
    const global = new GlobalCrossAttention({ heads: HEADS });
    for (const l of [lcaf, global])
      l.apply([tfl.input({ shape: [s, s, C] }), tfl.input({ shape: [s, s, C] })]);
    global.setWeights(lcaf.getWeights());
    const local = {
      ...(await measure(lcaf, x)),
      gflops: flopsLocalCrossAttention(s, s, C, WINDOW, WINDOW) / 1e9,
    };
    console.log(
      `  ${s}^2 LCAF: ${local.ms.toFixed(1)} ms (median of ${local.n}), peak ${local.peakMiB.toFixed(1)} MiB`,
    );
    let globalFigures: Figures = {
      ms: null,
      peakMiB: null,
      gflops: flopsGlobalCrossAttention(s, s, C) / 1e9,
    };
    if (s <= globalMax) {
      try {
        globalFigures = { ...globalFigures, ...(await measure(global, x)) };
      } catch (error) {
        console.log(`  ${s}^2 global: failed (${(error as Error).message.split('\n')[0]})`);
      }
    }
    if (globalFigures.ms != null) {
      console.log(
        `  ${s}^2 global: ${globalFigures.ms!.toFixed(1)} ms (median of ${globalFigures.n}), peak ${globalFigures.peakMiB!.toFixed(1)} MiB`,
      );
    }
    rows.push({ size: s, local, global: globalFigures });
    tf.dispose(x);
    lcaf.dispose();
    global.dispose();
  }

  const fmt = (v: number | null, digits = 1) => (v == null ? 'n/m' : v.toFixed(digits));
  const ratio = (v: number | null, base: number | null) =>
    v == null || base == null ? 'n/m' : `${(v / base).toFixed(1)}x`;
  const base = rows[0]!;
  console.log(
    '\n| tokens | eq.10 LCAF GFLOP | eq.11 global GFLOP | LCAF ms | global ms | LCAF peak MiB | global peak MiB | global/LCAF time | growth LCAF time | growth global time | growth LCAF mem | growth global mem | growth eq.10 | growth eq.11 |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(
      `| ${r.size}^2 | ${fmt(r.local.gflops, 3)} | ${fmt(r.global.gflops, 3)} | ${fmt(r.local.ms)} | ${fmt(r.global.ms)} | ` +
        `${fmt(r.local.peakMiB)} | ${fmt(r.global.peakMiB)} | ${ratio(r.global.ms, r.local.ms)} | ` +
        `${ratio(r.local.ms, base.local.ms)} | ${ratio(r.global.ms, base.global.ms)} | ` +
        `${ratio(r.local.peakMiB, base.local.peakMiB)} | ${ratio(r.global.peakMiB, base.global.peakMiB)} | ` +
        `${ratio(r.local.gflops, base.local.gflops)} | ${ratio(r.global.gflops, base.global.gflops)} |`,
    );
  }
  if (tf.getBackend() === 'webgpu') {
    console.log(
      '\n| tokens | LCAF GPU kernel ms | global GPU kernel ms | global/LCAF | growth LCAF | growth global |',
    );
    console.log('|---|---|---|---|---|---|');
    for (const r of rows) {
      const [l, g] = [r.local.kernelMs ?? null, r.global.kernelMs ?? null];
      console.log(
        `| ${r.size}^2 | ${fmt(l, 2)} | ${fmt(g, 2)} | ${ratio(g, l)} | ${ratio(l, base.local.kernelMs ?? null)} | ` +
          `${ratio(g, base.global.kernelMs ?? null)} |`,
      );
    }
  }
  console.log(
    'n/m: not measured (global attention above --global-max, or no GPU timestamp queries); eq. 10/11 GFLOP as the paper counts them (multiply-adds).',
  );
  dispose();
}

await main();
