/**
 * The function type TF.js models accept as a loss or metric (`LayersModel.compile({ loss })`).
 */
import type { Tensor } from '@tensorflow/tfjs-core';

/** Structurally tfjs-layers' `LossOrMetricFn` (not exported by its index): `(yTrue, yPred) => Tensor`. */
export type LossFn = (yTrue: Tensor, yPred: Tensor) => Tensor;
