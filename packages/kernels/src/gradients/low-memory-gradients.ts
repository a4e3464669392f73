/**
 * Backpropagation that frees each intermediate gradient as soon as it has been used.
 *
 * TF.js 4.22's `Engine.gradients` walks the tape backwards and keeps the gradient of every
 * intermediate tensor alive until the whole backward pass ends: a training step then holds all
 * activations and all of their gradients at once. For the official preset at batch 10 that is
 * 27 GB of tensors on WebGPU (measured on an H100; PyTorch's step peaks at 2.6 GB). The gradient of
 * a tensor is needed only by the node that produced the tensor (the walk reaches that node after
 * every consumer has added its share), so once that node has turned it into its inputs' gradients
 * it can go.
 *
 * `installLowMemoryGradients()` replaces the engine's `gradients` (used by `tf.grad(s)`,
 * `tf.variableGrads` and every optimizer's `minimize`) with this walk for first-order gradients;
 * nested (higher-order) gradients, whose intermediate results the outer tape may still read, keep
 * TF.js's own. The tape semantics are TF.js's: the nodes that lead from xs to y, in tape order,
 * inputs not depending on xs pruned, gradients of several consumers summed.
 */
import * as tf from '@tensorflow/tfjs-core';

interface TapeNode {
  id: number;
  kernelName: string;
  outputs: tf.Tensor[];
  inputs: Record<string, tf.Tensor>;
  gradient?: (dys: (tf.Tensor | null)[]) => Record<string, () => tf.Tensor>;
  saved?: tf.Tensor[];
}

type GradientsFn = (
  f: () => tf.Tensor,
  xs: tf.Tensor[],
  dy?: tf.Tensor,
  allowNoGradients?: boolean,
) => { value: tf.Tensor; grads: tf.Tensor[] };

interface EngineInternals {
  state: { activeTape: TapeNode[] | null; gradientDepth: number };
  scopedRun<T>(start: () => void, end: () => void, f: () => T): T;
  startTape(): void;
  endTape(): void;
  tidy<T extends tf.TensorContainer>(nameOrFn: string | (() => T), fn?: () => T): T;
  gradients: GradientsFn;
}

/** The nodes of `tape` on a path from `xs` to `y`, each with only its inputs that depend on `xs`. */
function nodesFromXsToY(tape: TapeNode[], xs: tf.Tensor[], y: tf.Tensor): TapeNode[] {
  const dependsOnXs = new Set(xs.map((x) => x.id));
  const reachedFromXs = new Set<number>();
  for (const node of tape) {
    if (Object.values(node.inputs).some((t) => t != null && dependsOnXs.has(t.id))) {
      for (const o of node.outputs) dependsOnXs.add(o.id);
      reachedFromXs.add(node.id);
    }
  }
  const leadsToY = new Set([y.id]);
  const reachesY = new Set<number>();
  for (let i = tape.length - 1; i >= 0; i--) {
    const node = tape[i]!;
    if (node.outputs.some((o) => leadsToY.has(o.id))) {
      for (const t of Object.values(node.inputs)) if (t != null) leadsToY.add(t.id);
      reachesY.add(node.id);
    }
  }
  return tape
    .filter((node) => reachedFromXs.has(node.id) && reachesY.has(node.id))
    .map((node) => ({
      ...node,
      inputs: Object.fromEntries(
        Object.entries(node.inputs).filter(([, t]) => t != null && dependsOnXs.has(t.id)),
      ),
    }));
}

/**
 * Gradients of tensors by id, each tensor counted by how many entries hold it (a gradient function
 * may hand back its dy itself), so that a tensor is disposed only when no entry holds it any more.
 */
class GradientTable {
  private readonly byId = new Map<number, tf.Tensor>();
  private readonly holders = new Map<tf.Tensor, number>();

  get(id: number): tf.Tensor | undefined {
    return this.byId.get(id);
  }

  set(id: number, t: tf.Tensor): void {
    this.release(id);
    this.byId.set(id, t);
    this.holders.set(t, (this.holders.get(t) ?? 0) + 1);
  }

  /** Removes the entry of `id`, disposing its tensor when nothing else holds it. */
  release(id: number): void {
    const t = this.byId.get(id);
    if (!t) return;
    this.byId.delete(id);
    const n = this.holders.get(t)! - 1;
    if (n > 0) {
      this.holders.set(t, n);
    } else {
      this.holders.delete(t);
      t.dispose();
    }
  }

  /** Disposes `t` unless an entry holds it. */
  disposeUnlessHeld(t: tf.Tensor): void {
    if (!this.holders.has(t)) t.dispose();
  }
}

function lowMemoryGradients(engine: EngineInternals, original: GradientsFn): GradientsFn {
  return (f, xs, dy, allowNoGradients = false) => {
    // Inside another gradient computation the outer tape may read our intermediate tensors.
    if (engine.state.gradientDepth > 0 || engine.state.activeTape != null) {
      return original.call(engine, f, xs, dy, allowNoGradients);
    }
    if (xs.length === 0) throw new Error('gradients() received an empty list of xs.');
    if (dy != null && dy.dtype !== 'float32') {
      throw new Error(`dy must have 'float32' dtype, but has '${dy.dtype}'`);
    }
    const y = engine.scopedRun(
      () => engine.startTape(),
      () => engine.endTape(),
      () => engine.tidy('forward', f),
    );
    if (!(y instanceof tf.Tensor)) throw new Error('The result y returned by f() must be a tensor.');
    const tape = (engine.state.activeTape as TapeNode[] | null) ?? []; // set by startTape
    const nodes = nodesFromXsToY(tape, xs, y);
    if (!allowNoGradients && nodes.length === 0) {
      throw new Error(
        'Cannot compute gradient of y=f(x) with respect to x. Make sure that the f you passed encloses ' +
          'all operations that lead from x to y.',
      );
    }
    return engine.tidy('backward', () => {
      const table = new GradientTable();
      // A clone of the caller's dy: the table disposes what it releases.
      table.set(y.id, dy == null ? tf.onesLike(y) : tf.clone(dy));
      for (let i = nodes.length - 1; i >= 0; i--) {
        const node = nodes[i]!;
        if (!node.gradient) {
          throw new Error(`Cannot compute gradient: gradient function not found for ${node.kernelName}.`);
        }
        const inputGradients = node.gradient(node.outputs.map((o) => table.get(o.id) ?? null));
        for (const [name, x] of Object.entries(node.inputs)) {
          const gradient = inputGradients[name];
          if (!gradient) {
            throw new Error(
              `Cannot backprop through input ${name}. Available gradients found: ${Object.keys(inputGradients)}.`,
            );
          }
          const dx = engine.tidy(gradient);
          if (dx.dtype !== 'float32') {
            throw new Error(
              `Error in gradient for op ${node.kernelName}. The gradient of input ${name} must have 'float32' dtype, but has '${dx.dtype}'`,
            );
          }
          if (!tf.util.arraysEqual(dx.shape, x.shape)) {
            throw new Error(
              `Error in gradient for op ${node.kernelName}. The gradient of input '${name}' has shape '${dx.shape}', which does not match the shape of the input '${x.shape}'`,
            );
          }
          const previous = table.get(x.id);
          if (previous == null) {
            table.set(x.id, dx);
          } else {
            table.set(x.id, tf.add(previous, dx));
            table.disposeUnlessHeld(dx);
          }
        }
        // Every consumer of this node's outputs came later on the tape: their gradients are complete
        // and used now.
        for (const o of node.outputs) table.release(o.id);
      }
      const grads = xs.map((x) => table.get(x.id)!);
      // As TF.js does after a first-order pass: the tape's saved tensors are no longer needed.
      for (const node of tape) for (const t of node.saved ?? []) t.dispose();
      engine.state.activeTape = null;
      return { value: y, grads };
    });
  };
}

let restore: (() => void) | undefined;

/**
 * Makes first-order gradients free intermediate gradients early (see above) and returns the function
 * that puts TF.js's own `gradients` back. When already installed, it changes nothing and returns a no-op.
 */
export function installLowMemoryGradients(): () => void {
  if (restore) return () => {};
  const engine = tf.engine() as unknown as EngineInternals;
  const original = engine.gradients;
  engine.gradients = lowMemoryGradients(engine, original);
  restore = () => {
    engine.gradients = original;
    restore = undefined;
  };
  return restore;
}
