// TF.js registers its gradients in Node.js ESM only through tfjs-layers (or the union package).
import '@tensorflow/tfjs-layers';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { testProject } from '../../../testing/src/backends.ts';
import { ShapeError } from '../errors.js';
import { gelu } from '../fused/gelu.js';
import { layerNorm } from '../fused/layer-norm.js';
import { CapturedCall } from './captured-call.js';
import { WebGpuCaptureError } from './dispatch-recorder.js';
import { redrawOnReplay } from './replay-redraws.js';
import { ReplayedCall } from './replayed-call.js';

const onWebGpu = testProject() === 'webgpu';

/**
 * A small network: conv, LayerNorm and GELU (our kernels), a matmul with a weight, a constant made
 * from CPU values (an upload the capture must keep), two outputs. Intermediates are freed inside
 * `tidy`, so TF.js's buffer pool reuses them within one call, as in a real model.
 */
function makeNetwork() {
  const filter = tf.variable(tf.randomNormal([3, 3, 4, 8], 0, 0.3, 'float32', 1));
  const gamma = tf.variable(tf.randomUniform([8], 0.5, 1.5, 'float32', 2));
  const beta = tf.variable(tf.randomNormal([8], 0, 0.1, 'float32', 3));
  const projection = tf.variable(tf.randomNormal([8, 5], 0, 0.3, 'float32', 4));
  const fn = ([x]: tf.Tensor[]) =>
    tf.tidy(() => {
      let h: tf.Tensor = tf.conv2d(x as tf.Tensor4D, filter as tf.Tensor4D, 1, 'same');
      h = tf.add(h, tf.tensor1d([0.1, -0.2, 0.3, 0, 0.5, -0.6, 0.7, 0.05]));
      h = gelu(layerNorm(h, gamma, beta));
      const logits = tf.matMul(tf.reshape(h, [-1, 8]), projection);
      return [tf.reshape(logits, [...x!.shape.slice(0, 3), 5]), tf.mean(h, [1, 2])];
    });
  return { fn, weights: [filter, gamma, beta, projection] };
}

/** Bytes of GPU buffers in use (TF.js's buffer manager). */
const gpuBytes = () => (tf.memory() as tf.MemoryInfo & { numBytesInGPU: number }).numBytesInGPU;

/** Submits the queued GPU work: buffers disposed meanwhile go back to the pool. */
async function settle() {
  const probe = tf.tidy(() => tf.mul(tf.ones([4]), 1));
  await probe.data();
  probe.dispose();
}

const input = (seed: number) => tf.randomUniform([2, 6, 6, 4], -1, 1, 'float32', seed);

async function expectSameValues(actual: tf.Tensor[], expected: tf.Tensor[]) {
  expect(actual.map((t) => t.shape)).toEqual(expected.map((t) => t.shape));
  for (let i = 0; i < actual.length; i++) {
    // The replay runs the very kernels of the TF.js call: equal to the last bit.
    expect(Array.from(await actual[i]!.data())).toEqual(Array.from(await expected[i]!.data()));
  }
}

describe.runIf(onWebGpu)('CapturedCall on WebGPU', () => {
  afterEach(() => {
    tf.disposeVariables();
  });

  it('replays a function on new inputs with the results of running it through TF.js', async () => {
    expect(tf.getBackend()).toBe('webgpu');
    const { fn } = makeNetwork();
    tf.dispose(fn([input(10)])); // settle: compile shaders
    const first = input(11);
    const { capture, outputs } = CapturedCall.capture(fn, [first]);
    await expectSameValues(outputs, fn([first]) as tf.Tensor[]);
    expect(capture.dispatchCount).toBeGreaterThanOrEqual(5);

    // Several replays queued before any read: each keeps its own results.
    const inputs = [input(12), input(13), input(14)];
    const replays = inputs.map((x) => capture.replay([x]));
    for (let i = 0; i < inputs.length; i++) {
      await expectSameValues(replays[i]!, fn([inputs[i]!]) as tf.Tensor[]);
    }
    capture.dispose();
  });

  it('keeps uniforms and uploaded constants while TF.js reuses its pool for other work', async () => {
    const { fn } = makeNetwork();
    tf.dispose(fn([input(20)]));
    const { capture, outputs } = CapturedCall.capture(fn, [input(21)]);
    tf.dispose(outputs);
    // Other work of the same sizes between capture and replay (buffers and uniforms from the pool).
    const bystanders = tf.tidy(() => [tf.mul(input(22), 3), tf.add(tf.ones([8, 5]), 1), tf.neg(input(23))]);
    const bystanderValues = await Promise.all(bystanders.map((t) => t.data()));
    const x = input(24);
    await expectSameValues(capture.replay([x]), fn([x]) as tf.Tensor[]);
    for (let i = 0; i < bystanders.length; i++) {
      expect(Array.from(await bystanders[i]!.data())).toEqual(Array.from(bystanderValues[i]!));
    }
    capture.dispose();
  });

  it('holds GPU buffers, not tensors, frees them, and replays allocate only their outputs', async () => {
    const { fn } = makeNetwork();
    tf.dispose(fn([input(30)]));
    const x = input(31);
    const probe = tf.mul(x, 1); // uploads x, and submits the queued work (see settle)
    await probe.data();
    probe.dispose();
    const tensors = tf.memory().numTensors;
    const bytes = gpuBytes();
    const { capture, outputs } = CapturedCall.capture(fn, [x]);
    tf.dispose(outputs);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(gpuBytes()).toBe(bytes + capture.heldBytes);
    for (let i = 0; i < 3; i++) tf.dispose(capture.replay([x]));
    expect(tf.memory().numTensors).toBe(tensors);
    capture.dispose();
    expect(gpuBytes()).toBe(bytes);
    x.dispose();
  });

  it('turns stale when a weight it reads is reassigned, and refuses to replay', async () => {
    const { fn, weights } = makeNetwork();
    tf.dispose(fn([input(40)]));
    const { capture } = CapturedCall.capture(fn, [input(41)]);
    expect(capture.isStale()).toBe(false);
    weights[3]!.assign(tf.randomNormal([8, 5], 0, 0.3, 'float32', 5));
    expect(capture.isStale()).toBe(true);
    expect(() => capture.replay([input(42)])).toThrow(WebGpuCaptureError);
    capture.dispose();
  });

  it('names a shape or dtype that differs from the capture', () => {
    const { fn } = makeNetwork();
    tf.dispose(fn([input(50)]));
    const { capture } = CapturedCall.capture(fn, [input(51)]);
    expect(() => capture.replay([tf.zeros([1, 6, 6, 4])])).toThrow(
      /\[1, 6, 6, 4\] float32 differ from the captured \[2, 6, 6, 4\] float32/,
    );
    expect(() => capture.replay([tf.zeros([2, 6, 6, 4], 'int32')])).toThrow(ShapeError);
    capture.dispose();
  });

  it('refuses functions whose work a replay cannot repeat', () => {
    const kept: tf.Tensor[] = [];
    const leaky = ([x]: tf.Tensor[]) => {
      const y = tf.mul(x!, 2);
      kept.push(tf.add(y, 1)); // a computed tensor outliving the call: replays would overwrite it
      return y;
    };
    expect(() => CapturedCall.capture(leaky, [input(60)])).toThrow(
      /left a tensor it computed \(shape \[2, 6, 6, 4\]\) alive/,
    );
    const identity = ([x]: tf.Tensor[]) => x!;
    expect(() => CapturedCall.capture(identity, [input(61)])).toThrow(/not computed by it/);
    const asynchronous = (([x]: tf.Tensor[]) => Promise.resolve(x)) as unknown as (
      x: tf.Tensor[],
    ) => tf.Tensor;
    expect(() => CapturedCall.capture(asynchronous, [input(62)])).toThrow(/synchronous/);
    tf.dispose(kept);
  });
});

/**
 * A training step: a loss through a random per-sample factor (drawn on the CPU, like drop path),
 * its gradient, and momentum SGD assigning the weight and its slot, the learning rate an input.
 */
function makeTrainingStep(seed: number, name: string) {
  const w = tf.variable(tf.randomNormal([4, 3], 0, 0.5, 'float32', seed), true, `w_${name}`);
  const m = tf.variable(tf.zeros([4, 3]), false, `m_${name}`);
  let random = 12345;
  const draw = () =>
    Float32Array.from({ length: 2 }, () => {
      random = (random * 16807) % 2147483647;
      return random / 2147483647 < 0.3 ? 0 : 1 / 0.7;
    });
  const step = ([x, lr]: tf.Tensor[]) =>
    tf.tidy(() => {
      const factors = tf.tensor(draw(), [2, 1]);
      redrawOnReplay(factors, draw);
      const { value, grads } = tf.variableGrads(
        () => tf.sum(tf.square(tf.mul(tf.matMul(x as tf.Tensor2D, w), factors))) as tf.Scalar,
        [w],
      );
      m.assign(tf.add(tf.mul(m, 0.9), grads[w.name]!));
      w.assign(tf.sub(w, tf.mul(lr!, m)));
      return value;
    });
  return { w, m, step };
}

describe.runIf(onWebGpu)('CapturedCall of a training step', () => {
  it('replays steps as TF.js runs them: new weights carried over, random factors drawn anew', async () => {
    const inputs = (i: number) => [
      tf.randomNormal([2, 4], 0, 1, 'float32', 100 + i),
      tf.scalar(0.1 / (i + 1)),
    ];
    const reference = makeTrainingStep(1, 'reference');
    const expectedLosses: number[] = [];
    for (let i = 0; i < 6; i++) expectedLosses.push((await reference.step(inputs(i)).data())[0]!);

    const replayed = makeTrainingStep(1, 'replayed');
    const losses = [(await replayed.step(inputs(0)).data())[0]!]; // creates nothing lazily here, but settles
    const { capture, outputs } = CapturedCall.capture(replayed.step, inputs(1), {
      state: [replayed.w, replayed.m],
    });
    losses.push((await outputs[0]!.data())[0]!);
    for (let i = 2; i < 6; i++) losses.push((await capture.replay(inputs(i))[0]!.data())[0]!);

    expect(losses).toEqual(expectedLosses);
    expect(Array.from(await replayed.w.data())).toEqual(Array.from(await reference.w.data()));
    expect(Array.from(await replayed.m.data())).toEqual(Array.from(await reference.m.data()));
    expect(capture.isStale()).toBe(false);
    capture.dispose();
    tf.disposeVariables();
  });

  it('refuses to take over an old value that another tensor still holds', () => {
    const { w, m, step } = makeTrainingStep(2, 'aliased');
    const alias = tf.clone(w); // shares w's data: a replay would overwrite it
    expect(() => CapturedCall.capture(step, [tf.ones([2, 4]), tf.scalar(0.1)], { state: [w, m] })).toThrow(
      /old value of state variable w_aliased is still held by another tensor/,
    );
    alias.dispose();
    tf.disposeVariables();
  });
});

describe.runIf(onWebGpu)('ReplayedCall on WebGPU', () => {
  it('runs through TF.js, captures, replays, and starts over when the weights change', async () => {
    const { fn, weights } = makeNetwork();
    const replayed = new ReplayedCall(fn);
    const check = async (seed: number) => {
      const x = input(seed);
      const out = replayed.run(x) as tf.Tensor[];
      await expectSameValues(out, fn([x]) as tf.Tensor[]);
      tf.dispose([x, ...out]);
    };
    await check(70);
    await check(71);
    await check(72);
    await check(73);
    expect(replayed.counts).toEqual({ direct: 1, captures: 1, replays: 2 });
    weights[0]!.assign(tf.randomNormal([3, 3, 4, 8], 0, 0.3, 'float32', 6));
    await check(74);
    await check(75);
    await check(76);
    expect(replayed.counts).toEqual({ direct: 2, captures: 2, replays: 3 });
    replayed.dispose();
    tf.disposeVariables();
  });
});

describe.runIf(onWebGpu)('refused captures', () => {
  it('give back every buffer they took, and leave no tensor behind', async () => {
    const { fn } = makeNetwork();
    const x = input(110);
    tf.dispose(fn([x]));
    const kept: tf.Tensor[] = [];
    const leaky = (inputs: tf.Tensor[]) => {
      const [logits, pooled] = fn(inputs) as tf.Tensor[];
      kept.push(pooled!); // computed, left alive: refused
      return logits!;
    };
    tf.dispose(leaky([x]));
    tf.dispose(kept.splice(0));
    await settle();
    const [bytes, tensors] = [gpuBytes(), tf.memory().numTensors];
    for (let i = 0; i < 3; i++) {
      expect(() => CapturedCall.capture(leaky, [x])).toThrow(WebGpuCaptureError);
      tf.dispose(kept.splice(0));
    }
    await settle();
    expect(tf.memory().numTensors).toBe(tensors);
    expect(gpuBytes()).toBe(bytes);
    x.dispose();
    tf.disposeVariables();
  });

  it('make ReplayedCall run the function through TF.js, with one warning', async () => {
    const { fn } = makeNetwork();
    const kept: tf.Tensor[] = [];
    const leaky = (inputs: tf.Tensor[]) => {
      const out = fn(inputs) as tf.Tensor[];
      kept.push(tf.mul(out[1]!, 1));
      return out;
    };
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const replayed = new ReplayedCall(leaky);
    for (let i = 0; i < 4; i++) {
      const x = input(120 + i);
      const out = replayed.run(x) as tf.Tensor[];
      await expectSameValues(out, fn([x]) as tf.Tensor[]);
      tf.dispose([x, ...out, ...kept.splice(0)]);
    }
    expect(replayed.counts).toEqual({ direct: 4, captures: 0, replays: 0 });
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]![0])).toMatch(
      /replay off for inputs float32\[2,6,6,4\], running through TF\.js: .*left a tensor/,
    );
    warn.mockRestore();
    tf.disposeVariables();
  });
});

describe.runIf(onWebGpu)('ReplayedCall under tf.profile', () => {
  it('runs through TF.js, so that the profile lists the kernels', async () => {
    const { fn } = makeNetwork();
    const replayed = new ReplayedCall(fn);
    const x = input(130);
    for (let i = 0; i < 3; i++) tf.dispose(replayed.run(x)); // direct, captured, replayed
    const profile = await tf.profile(() => tf.dispose(replayed.run(x)));
    expect(profile.kernels.map((k) => k.name)).toContain('Conv2D');
    expect(replayed.counts).toEqual({ direct: 2, captures: 1, replays: 1 });
    replayed.dispose();
    x.dispose();
    tf.disposeVariables();
  });
});

describe.runIf(onWebGpu)('ReplayedCall with several input shapes', () => {
  it('keeps a capture per shape up to maxCaptures, evicting the least recently used', async () => {
    const { fn } = makeNetwork();
    const replayed = new ReplayedCall(fn, { maxCaptures: 2 });
    const check = async (batch: number, seed: number) => {
      const x = tf.randomUniform([batch, 6, 6, 4], -1, 1, 'float32', seed);
      const out = replayed.run(x) as tf.Tensor[];
      await expectSameValues(out, fn([x]) as tf.Tensor[]);
      tf.dispose([x, ...out]);
    };
    // Sliding-window inference: full tile batches alternating with a smaller last one.
    for (const [i, batch] of [2, 1, 2, 1, 2, 1].entries()) await check(batch, 90 + i);
    expect(replayed.counts).toEqual({ direct: 2, captures: 2, replays: 2 });
    await check(3, 96);
    await check(3, 97); // a third shape: the batch-2 capture (least recently used) goes
    await check(1, 98);
    await check(2, 99);
    expect(replayed.counts).toEqual({ direct: 3, captures: 4, replays: 3 });
    replayed.dispose();
    tf.disposeVariables();
  });
});

describe.runIf(!onWebGpu)('capture off WebGPU', () => {
  it('ReplayedCall runs the function directly; CapturedCall explains why it cannot capture', async () => {
    const { fn } = makeNetwork();
    const replayed = new ReplayedCall(fn);
    for (let i = 0; i < 3; i++) tf.dispose(replayed.run(input(80 + i)));
    expect(replayed.counts).toEqual({ direct: 3, captures: 0, replays: 0 });
    expect(() => CapturedCall.capture(fn, [input(83)])).toThrow(/needs the webgpu backend \(active: cpu\)/);
    tf.disposeVariables();
  });
});
