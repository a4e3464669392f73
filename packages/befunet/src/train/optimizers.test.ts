import { ConfigError, WeightLoadError } from '@befunet/common';
import { expectClose, expectError, testProject } from '@befunet/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it } from 'vitest';
import { AdamW } from './adamw.js';
import { createOptimizer } from './optimizer.js';
import { SGD_BUFFER_KERNEL, SGD_PARAMETER_KERNEL, Sgd } from './sgd.js';
import type { SlotOptimizer } from './slot-optimizer.js';

const W0 = [1, -2, 0.5, 3];
const GRADS = [
  [0.1, -0.3, 0.2, 0],
  [-0.5, 0.25, 0.1, 1],
  [0.05, 0.05, -0.4, -2],
];
const LRS = [0.1, 0.05, 0.02];

/** PyTorch's SGD, element by element in float64 (torch/optim/sgd.py, dampening 0, no Nesterov). */
function referenceSgd(momentum: number, wd: number): number[] {
  const w = [...W0];
  const buf = W0.map(() => 0);
  GRADS.forEach((g, t) => {
    for (let i = 0; i < w.length; i++) {
      const d = g[i]! + wd * w[i]!;
      buf[i] = t === 0 ? d : momentum * buf[i]! + d;
      w[i] = w[i]! - LRS[t]! * buf[i]!;
    }
  });
  return w;
}

/** PyTorch's AdamW, element by element in float64 (torch/optim/adamw.py, single-tensor path). */
function referenceAdamW(b1: number, b2: number, eps: number, wd: number): number[] {
  const w = [...W0];
  const m = W0.map(() => 0);
  const v = W0.map(() => 0);
  GRADS.forEach((g, k) => {
    const t = k + 1;
    const lr = LRS[k]!;
    for (let i = 0; i < w.length; i++) {
      w[i] = w[i]! * (1 - lr * wd);
      m[i] = m[i]! + (g[i]! - m[i]!) * (1 - b1);
      v[i] = v[i]! * b2 + (1 - b2) * g[i]! * g[i]!;
      const denom = Math.sqrt(v[i]!) / Math.sqrt(1 - b2 ** t) + eps;
      w[i] = w[i]! - (lr / (1 - b1 ** t)) * (m[i]! / denom);
    }
  });
  return w;
}

const created: tf.Tensor[] = [];
afterEach(() => {
  tf.dispose(created.splice(0));
});

function runSteps(opt: SlotOptimizer, w: tf.Variable, steps: number[]): void {
  for (const t of steps) {
    const gradient = tf.tensor1d(GRADS[t]!);
    opt.apply([{ name: 'w', variable: w, gradient }], LRS[t]!);
    gradient.dispose();
  }
}

describe('optimizers', () => {
  it('SGD matches the PyTorch update computed by hand (momentum 0.9, weight decay 1e-4)', async () => {
    const w = tf.variable(tf.tensor1d(W0));
    created.push(w);
    const sgd = new Sgd();
    expect(sgd.config).toEqual({ kind: 'sgd', momentum: 0.9, weightDecay: 1e-4 });
    runSteps(sgd, w, [0, 1, 2]);
    await expectClose(w, referenceSgd(0.9, 1e-4), { atol: 1e-6, rtol: 1e-6 }, 'sgd weights');
    sgd.dispose();
  });

  it('SGD matches PyTorch on a [2, 2] parameter (vec4 lanes on WebGPU) and a [4, 1] one (scalar lanes)', async () => {
    for (const shape of [
      [2, 2],
      [4, 1],
    ]) {
      const w = tf.variable(tf.tensor(W0, shape));
      created.push(w);
      const sgd = new Sgd({ momentum: 0.8, weightDecay: 0.01 });
      for (const t of [0, 1, 2]) {
        const gradient = tf.tensor(GRADS[t]!, shape);
        sgd.apply([{ name: 'w', variable: w, gradient }], LRS[t]!);
        gradient.dispose();
      }
      await expectClose(w, tf.tensor(referenceSgd(0.8, 0.01), shape), { atol: 1e-6, rtol: 1e-6 }, `${shape}`);
      sgd.dispose();
    }
  });

  it.runIf(testProject() === 'webgpu')('SGD updates a parameter with two kernels on WebGPU', async () => {
    const w = tf.variable(tf.tensor1d(W0));
    const gradient = tf.tensor1d(GRADS[0]!);
    created.push(w, gradient);
    const sgd = new Sgd();
    sgd.apply([{ name: 'w', variable: w, gradient }], 0.1); // creates the slot
    const profile = await tf.profile(() => sgd.apply([{ name: 'w', variable: w, gradient }], 0.1));
    expect(profile.kernels.map((k) => k.name)).toEqual([SGD_BUFFER_KERNEL, SGD_PARAMETER_KERNEL]);
    sgd.dispose();
  });

  it('AdamW matches the PyTorch update computed by hand (defaults and another setting)', async () => {
    for (const hyper of [{}, { beta1: 0.8, beta2: 0.99, epsilon: 1e-3, weightDecay: 0.1 }]) {
      const w = tf.variable(tf.tensor1d(W0));
      created.push(w);
      const adamw = new AdamW(hyper);
      const c = adamw.config;
      runSteps(adamw, w, [0, 1, 2]);
      await expectClose(
        w,
        referenceAdamW(c.beta1, c.beta2, c.epsilon, c.weightDecay),
        { atol: 1e-6, rtol: 1e-6 },
        'adamw weights',
      );
      adamw.dispose();
    }
    expect(new AdamW().config).toEqual({
      kind: 'adamw',
      beta1: 0.9,
      beta2: 0.999,
      epsilon: 1e-8,
      weightDecay: 1e-2,
    });
  });

  it('a saved and restored state continues exactly like the uninterrupted optimizer', async () => {
    for (const kind of ['sgd', 'adamw'] as const) {
      const straight = tf.variable(tf.tensor1d(W0));
      const resumed = tf.variable(tf.tensor1d(W0));
      created.push(straight, resumed);
      const a = createOptimizer({ kind });
      runSteps(a, straight, [0, 1, 2]);
      const first = createOptimizer({ kind });
      runSteps(first, resumed, [0, 1]);
      const second = createOptimizer({ kind });
      second.setState(first.getState(), new Map([['w', resumed]]), 'test');
      first.dispose();
      expect(second.steps).toBe(2);
      runSteps(second, resumed, [2]);
      expect(Array.from(await resumed.data())).toEqual(Array.from(await straight.data()));
      a.dispose();
      second.dispose();
    }
  });

  it('restoring a state that does not fit the variables is a WeightLoadError naming the slot', () => {
    const w = tf.variable(tf.tensor1d(W0));
    const wrong = tf.zeros([3]);
    created.push(w, wrong);
    const sgd = new Sgd();
    const vars = new Map([['w', w]]);
    expectError(
      () => sgd.setState({ steps: 1, slots: new Map([['v/momentum_buffer', wrong]]) }, vars, 'opt.st'),
      WeightLoadError,
      /opt\.st: unknown optimizer slot 'v\/momentum_buffer'/,
    );
    expectError(
      () => sgd.setState({ steps: 1, slots: new Map([['w/momentum_buffer', wrong]]) }, vars, 'opt.st'),
      WeightLoadError,
      /'w\/momentum_buffer' is \[3\], its variable is \[4\]/,
    );
    const adamw = new AdamW();
    const m = tf.zeros([4]);
    created.push(m);
    expectError(
      () => adamw.setState({ steps: 1, slots: new Map([['w/exp_avg', m]]) }, vars, 'opt.st'),
      WeightLoadError,
      /missing optimizer slot 'w\/exp_avg_sq'/,
    );
    expectError(() => createOptimizer({ kind: 'adam' } as never), ConfigError, /'sgd' or 'adamw'/);
    expectError(() => new Sgd({ momentum: 1 }), ConfigError, /momentum/);
    expectError(() => sgd.apply([], Number.NaN), ConfigError, /learning rate/);
  });

  it('leaves no tensor behind: slots are made once, then the count stays', () => {
    const w = tf.variable(tf.tensor1d(W0));
    const g = tf.tensor1d(GRADS[0]!);
    created.push(w, g);
    const adamw = new AdamW();
    adamw.apply([{ name: 'w', variable: w, gradient: g }], 0.1);
    const after = tf.memory().numTensors;
    adamw.apply([{ name: 'w', variable: w, gradient: g }], 0.1);
    adamw.apply([{ name: 'w', variable: w, gradient: g }], 0.1);
    expect(tf.memory().numTensors).toBe(after);
    adamw.dispose();
    expect(tf.memory().numTensors).toBe(after - 2);
  });
});
