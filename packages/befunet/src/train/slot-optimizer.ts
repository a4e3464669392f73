/**
 * The base of the trainer's optimizers: per-variable state ("slots", e.g. SGD's momentum buffer)
 * held as tf.Variables keyed by the model variable's name, so that it can be saved and restored
 * exactly, and a learning rate given at each step (the schedule lives outside the optimizer).
 */
import { ConfigError, formatShape, ShapeError, WeightLoadError } from '@befunet/common';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

/** One parameter to update: its stable name (the checkpoint key), the variable, its gradient. */
export interface ParameterUpdate {
  name: string;
  variable: tf.Variable;
  gradient: tf.Tensor;
}

/** The optimizer's state: slot tensors keyed `<variable name>/<slot name>`, and the steps taken. */
export interface OptimizerState {
  steps: number;
  slots: Map<string, tf.Tensor>;
}

export abstract class SlotOptimizer {
  /** Optimizer steps applied so far (AdamW's bias correction uses it). */
  private stepsTaken = 0;
  private readonly slots = new Map<string, tf.Variable>();

  /** The slot names every variable gets, e.g. `['momentum_buffer']`. */
  protected abstract readonly slotNames: readonly string[];

  /**
   * The new value of `w` from gradient `g` and its slots (updated in place with `assign`), at
   * learning rate `lr` (a one-element tensor only where `learningRateAsTensor`) and step `t`
   * (1-based). Runs inside a tidy.
   */
  protected abstract update(
    w: tf.Variable,
    g: tf.Tensor,
    slots: tf.Variable[],
    lr: number | tf.Tensor,
    t: number,
  ): tf.Tensor;

  /**
   * Whether `apply` takes the learning rate as a one-element tensor (read on the device, so that a
   * replayed training step can be given a new rate without a new shader or upload).
   */
  protected readonly learningRateAsTensor: boolean = false;

  get steps(): number {
    return this.stepsTaken;
  }

  /** One optimizer step over `params` at learning rate `lr` (see `learningRateAsTensor`). */
  apply(params: readonly ParameterUpdate[], lr: number | tf.Tensor): void {
    if (typeof lr === 'number') {
      if (!(Number.isFinite(lr) && lr >= 0)) throw new ConfigError(`learning rate must be >= 0, got ${lr}`);
    } else if (!this.learningRateAsTensor) {
      throw new ConfigError(`${this.constructor.name} takes its learning rate as a number, not a tensor`);
    } else if (lr.size !== 1 || lr.dtype !== 'float32') {
      throw new ShapeError(
        `a learning rate tensor must be one float32 value, got ${formatShape(lr.shape)} ${lr.dtype}`,
      );
    }
    const t = this.stepsTaken + 1;
    for (const p of params) {
      const slots = this.slotNames.map((s) => this.slot(p, s));
      tf.tidy(() => {
        p.variable.assign(this.update(p.variable, p.gradient, slots, lr, t));
      });
    }
    this.stepsTaken = t;
  }

  /** Counts a step whose update was applied by replaying a captured `apply` (ReplayedTrainingStep). */
  countReplayedStep(): void {
    this.stepsTaken++;
  }

  private slot(p: ParameterUpdate, slotName: string): tf.Variable {
    const key = `${p.name}/${slotName}`;
    let v = this.slots.get(key);
    if (!v) {
      v = tf.tidy(() => tf.variable(tf.zerosLike(p.variable), false));
      this.slots.set(key, v);
    }
    return v;
  }

  /** The slot variables (the optimizer's own: read, do not dispose). */
  slotVariables(): tf.Variable[] {
    return [...this.slots.values()];
  }

  /** The state to save (the tensors are the optimizer's own: read, do not dispose). */
  getState(): OptimizerState {
    return { steps: this.stepsTaken, slots: new Map(this.slots) };
  }

  /**
   * Replaces the state with `state` for the parameters `variables` (name -> variable): every
   * parameter must have each of its slots, with the variable's shape, and no other key may appear.
   * `source` names the file in errors.
   */
  setState(state: OptimizerState, variables: ReadonlyMap<string, tf.Variable>, source: string): void {
    if (!(Number.isInteger(state.steps) && state.steps >= 0)) {
      throw new WeightLoadError(
        `${source}: optimizer step count must be an integer >= 0, got ${state.steps}`,
      );
    }
    const expected = new Map<string, readonly number[]>();
    for (const [name, v] of variables) for (const s of this.slotNames) expected.set(`${name}/${s}`, v.shape);
    for (const [key, t] of state.slots) {
      const shape = expected.get(key);
      if (!shape) throw new WeightLoadError(`${source}: unknown optimizer slot '${key}'`);
      if (!tf.util.arraysEqual([...shape], t.shape)) {
        throw new WeightLoadError(
          `${source}: optimizer slot '${key}' is ${formatShape(t.shape)}, its variable is ${formatShape(shape)}`,
        );
      }
    }
    // A variable the loss never reached has no slots (it was never updated); the others have all.
    for (const name of variables.keys()) {
      const present = this.slotNames.filter((s) => state.slots.has(`${name}/${s}`));
      if (present.length > 0 && present.length < this.slotNames.length) {
        const missing = this.slotNames.find((s) => !present.includes(s));
        throw new WeightLoadError(`${source}: missing optimizer slot '${name}/${missing}'`);
      }
    }
    this.disposeSlots();
    // A variable shares its initial tensor's data (reference-counted): the caller may dispose `t`.
    for (const [key, t] of state.slots) this.slots.set(key, tf.variable(t, false));
    this.stepsTaken = state.steps;
  }

  private disposeSlots(): void {
    for (const v of this.slots.values()) v.dispose();
    this.slots.clear();
  }

  dispose(): void {
    this.disposeSlots();
  }
}

/**
 * The variables a training step assigns: the model's weights and the optimizer's slots (the state
 * of a replayed step, and what the GPU memory of one counts besides the capture).
 */
export function trainingState(model: tfl.LayersModel, optimizer: SlotOptimizer): tf.Variable[] {
  return [...model.weights.map((w) => w.read() as tf.Variable), ...optimizer.slotVariables()];
}
