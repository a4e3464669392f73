/**
 * A model's inference forward pass replayed on WebGPU: after one call through TF.js and one
 * captured call per input shape, `predict` re-encodes the captured GPU dispatches instead of running
 * the layers (ReplayedCall in @befunet/common), which removes TF.js's CPU cost per kernel launch.
 * The results are the same to the last bit; on other backends `predict` is `model.predict`.
 *
 * `replayedPredictor(model)` keeps one predictor per model; the capture holds about one forward
 * pass's memory until `releaseReplay(model)` or `model.dispose()`. Weight changes (training,
 * loading) are noticed: the next call runs through TF.js and the one after captures again.
 */
import { ReplayedCall } from '@befunet/kernels';
import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

export class ReplayedPredictor {
  private readonly forward: ReplayedCall;

  constructor(readonly model: tfl.LayersModel) {
    this.forward = new ReplayedCall(([x]) => model.predict(x!) as tf.Tensor | tf.Tensor[], {
      variables: () => model.weights.map((w) => w.read() as tf.Variable),
    });
  }

  /** `model.predict(x)` (inference mode), replayed when possible. The caller owns the result. */
  predict(x: tf.Tensor): tf.Tensor | tf.Tensor[] {
    return this.forward.run(x);
  }

  /** Calls answered through TF.js, by a new capture, and by a replay. */
  get counts(): Readonly<ReplayedCall['counts']> {
    return this.forward.counts;
  }

  /** GPU dispatches per replayed call, once captured. */
  get dispatchCount(): number | undefined {
    return this.forward.dispatchCount;
  }

  /** Bytes of GPU buffers the captures hold (intermediates, uniforms, constants). */
  get heldBytes(): number {
    return this.forward.heldBytes;
  }

  /** Frees the capture (later calls capture again). */
  dispose(): void {
    this.forward.dispose();
  }
}

const predictors = new WeakMap<tfl.LayersModel, ReplayedPredictor>();

/** The model's shared predictor; `model.dispose()` also frees its capture. */
export function replayedPredictor(model: tfl.LayersModel): ReplayedPredictor {
  let predictor = predictors.get(model);
  if (!predictor) {
    predictor = new ReplayedPredictor(model);
    predictors.set(model, predictor);
    const disposeModel = model.dispose.bind(model);
    model.dispose = () => {
      releaseReplay(model);
      return disposeModel();
    };
  }
  return predictor;
}

/** Frees the GPU memory of the model's shared capture (the next calls capture again). */
export function releaseReplay(model: tfl.LayersModel): void {
  predictors.get(model)?.dispose();
}
