/**
 * Benchmark: cost of the class-token cross-attention against the number of tokens it visits.
 *
 * One class token of width C = 64 (own level) visits N tokens of width C' = 96 (the other level),
 * for growing N; the FLOP formula (cls-cross-attention.ts) is linear in N, and so should the time be.
 * For contrast, one global self-attention (qkv + scores + proj, as in the level encoders) on the same
 * N tokens, whose cost grows with N^2 (up to N = 784 on the CPU backend, where it takes seconds).
 *
 * Usage: node ../../node_modules/tsx/dist/cli.mjs bench/dlf.ts [cpu|webgpu|both]
 * Figures are medians of several runs after warm-up. On this machine the CPU backend is pure JS on
 * 2 cores and WebGPU is Mesa llvmpipe (a software rasteriser), so sizes are modest.
 */
import '@tensorflow/tfjs-backend-cpu';
import { initNodeWebGpu } from '@befunet/kernels/node';
import * as tf from '@tensorflow/tfjs-core';
import { ClsCrossAttention, clsCrossAttentionFlops, DlfSelfAttention } from '../src/index.js';

const DIM = 64;
const OTHER = 96;
const HEADS = 4;
const TOKENS = [196, 392, 784, 1568, 3136, 6272];
const WARMUP = 2;
const RUNS = 5;

const selfAttentionFlops = (n: number, c: number) => 2 * n * c * 3 * c + 2 * 2 * n * n * c + 2 * n * c * c;

async function median(fn: () => tf.Tensor): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < WARMUP + RUNS; i++) {
    const t0 = performance.now();
    const y = fn();
    await y.data();
    const dt = performance.now() - t0;
    y.dispose();
    if (i >= WARMUP) times.push(dt);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

async function run(backend: string, selfMax: number): Promise<void> {
  const cross = new ClsCrossAttention({ dim: DIM, otherDim: OTHER, numHeads: HEADS, seed: 1 });
  const self = new DlfSelfAttention({ dim: OTHER, numHeads: HEADS, seed: 2 });
  const cls = tf.randomNormal([1, 1, DIM], 0, 1, 'float32', 3);
  console.log(
    `\n${backend}: class token C=${DIM} visiting N tokens of width C'=${OTHER}, ${HEADS} heads, batch 1`,
  );
  console.log(
    'N      | cross ms | cross MFLOP | ms/1k tok | x time vs prev (x N) | self-attn ms | self MFLOP | self/cross time',
  );
  let prev: { n: number; ms: number } | undefined;
  for (const n of TOKENS) {
    const other = tf.randomNormal([1, n, OTHER], 0, 1, 'float32', 4);
    const ms = await median(() => cross.apply([cls, other]) as tf.Tensor);
    const growth = prev ? `${(ms / prev.ms).toFixed(2)} (x${n / prev.n})` : '-';
    let selfCols = '-            | -          | -';
    if (n <= selfMax) {
      const sms = await median(() => self.apply(other) as tf.Tensor);
      selfCols = `${sms.toFixed(1).padStart(12)} | ${(selfAttentionFlops(n, OTHER) / 1e6).toFixed(0).padStart(10)} | ${(sms / ms).toFixed(1)}`;
    }
    console.log(
      `${String(n).padEnd(6)} | ${ms.toFixed(2).padStart(8)} | ${(clsCrossAttentionFlops(n, DIM, OTHER) / 1e6).toFixed(1).padStart(11)} | ` +
        `${((ms / n) * 1000).toFixed(2).padStart(9)} | ${growth.padEnd(20)} | ${selfCols}`,
    );
    prev = { n, ms };
    other.dispose();
  }
  cls.dispose();
  cross.dispose();
  self.dispose();
}

const which = process.argv[2] ?? 'both';
if (which === 'cpu' || which === 'both') {
  await tf.setBackend('cpu');
  await run('cpu (tfjs-backend-cpu, 2 cores)', 784);
}
if (which === 'webgpu' || which === 'both') {
  const gpu = await initNodeWebGpu();
  try {
    await run(
      `webgpu (${gpu.path}, ${gpu.adapterInfo.description || gpu.adapterInfo.device || 'adapter'})`,
      3136,
    );
  } finally {
    gpu.dispose();
  }
}
