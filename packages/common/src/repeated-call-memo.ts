/**
 * One computation per graph node for layers with several outputs.
 *
 * tfjs-layers' graph executor (`execute` in tfjs-layers engine/executor.ts, behind `model.predict`,
 * `model.apply` on tensors and `model.fit`) walks the graph one symbolic tensor at a time and calls
 * the source layer's `apply` for each output the graph uses. Only the first call's outputs are kept;
 * the others are computed and thrown away. A layer whose four outputs are all used (BEFUnet's edge
 * encoder) runs four times per forward pass, and in training the three wasted passes stay on the
 * gradient tape, their tensors alive, until the step ends.
 *
 * A multi-output layer runs its `call` through a `RepeatedCallMemo`: a call that repeats the last one
 * (the same input tensors, `training` flag and weight values, inside the same engine scope and
 * gradient tape) returns the last outputs again instead of computing them anew. The executor ignores
 * the outputs of the repeated calls (it already has them), so outputs it has disposed since are
 * harmless there. Outside any `tf.tidy` scope nothing is reused.
 *
 * Reuse is what a deterministic layer computes anyway; a stochastic one (drop path in training) gives
 * the same draw for a repeated call in the same scope, as one graph node should.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { layers } from '@tensorflow/tfjs-layers';

interface EngineState {
  activeScope: object | null;
  activeTape: object | null;
}

export class RepeatedCallMemo {
  private last?: { key: readonly unknown[]; outputs: tf.Tensor[] };

  /** `compute()`'s outputs, or the last call's when this call repeats it (see the file comment). */
  run(
    layer: layers.Layer,
    inputs: tf.Tensor | tf.Tensor[],
    kwargs: { training?: unknown },
    compute: () => tf.Tensor[],
  ): tf.Tensor[] {
    const state = (tf.engine() as unknown as { state: EngineState }).state;
    if (state.activeScope === null) {
      this.last = undefined;
      return compute();
    }
    const key = [
      state.activeScope,
      state.activeTape,
      kwargs.training === true,
      ...(Array.isArray(inputs) ? inputs : [inputs]),
      ...layer.weights.map((w) => w.read().dataId),
    ];
    const last = this.last;
    if (last && last.key.length === key.length && last.key.every((k, i) => k === key[i])) {
      return last.outputs;
    }
    const outputs = compute();
    this.last = { key, outputs };
    return outputs;
  }

  /** Forgets the last call (its tensors are the caller's; nothing is disposed). */
  clear(): void {
    this.last = undefined;
  }
}
