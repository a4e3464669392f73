/**
 * A TF.js layer made of child layers whose weights it owns.
 *
 * tfjs-layers only counts weights a layer created with its own `addWeight`: a child layer held in a
 * field is invisible to `countParams()`, `fit()` and `model.save()`. A CompositeLayer tracks its
 * children and reports their weights as its own, in a fixed order (children in tracking order), and
 * builds each child through `apply()` inside its own `build`, which names the child's weights
 * `parent/child/kernel`: unique and stable across save and load.
 */
import type { Shape } from '@tensorflow/tfjs-layers';
import { type LayerVariable, layers, SymbolicTensor } from '@tensorflow/tfjs-layers';

export abstract class CompositeLayer extends layers.Layer {
  private children: layers.Layer[] = [];

  /** Registers a child whose weights this layer owns. Create children in the constructor with fixed names. */
  protected track<T extends layers.Layer>(child: T): T {
    this.children.push(child);
    return child;
  }

  /** The tracked children, in tracking order. */
  protected get sublayers(): readonly layers.Layer[] {
    return this.children;
  }

  /**
   * Builds `child` for an input of `shape` (batch dimension included, `null` allowed) and returns
   * its output shape. Call it from `build`, so that the child's weights are named under this layer.
   */
  protected buildSublayer(child: layers.Layer, shape: Shape | Shape[]): Shape | Shape[] {
    const symbolic = (s: Shape) => new SymbolicTensor('float32', s, null!, [], null!);
    const input = isShapeList(shape) ? shape.map(symbolic) : symbolic(shape);
    const output = child.apply(input) as SymbolicTensor | SymbolicTensor[];
    return Array.isArray(output) ? output.map((o) => o.shape) : output.shape;
  }

  /**
   * Builds `child` in this layer's own name scope, as if its children were this layer's: their
   * weights are `parent/fc1/kernel`, not `parent/child/fc1/kernel`. For a child that took over
   * sublayers this layer used to hold itself, so that the names of saved weights do not change.
   */
  protected buildSublayerInline(child: layers.Layer, shape: Shape): Shape {
    child.build(shape);
    child.built = true;
    return child.computeOutputShape(shape) as Shape;
  }

  override get trainableWeights(): LayerVariable[] {
    if (!this.trainable) return [];
    return [...super.trainableWeights, ...this.children.flatMap((c) => c.trainableWeights)];
  }

  override get nonTrainableWeights(): LayerVariable[] {
    // A frozen composite reports every child weight as non-trainable.
    return [
      ...super.nonTrainableWeights,
      ...this.children.flatMap((c) => (this.trainable ? c.nonTrainableWeights : c.weights)),
    ];
  }

  /**
   * Frees what this layer and its children derived from their weights and keep between calls
   * (inference caches; rebuilt on the next call). The weights stay.
   */
  disposeDerived(): void {
    for (const child of this.children) (child as { disposeDerived?: () => void }).disposeDerived?.();
  }

  /** Frees the derived tensors, then the weights (Layer.dispose() disposes `this.weights`, the children's included). */
  override dispose(): ReturnType<layers.Layer['dispose']> {
    this.disposeDerived();
    return super.dispose();
  }
}

function isShapeList(shape: Shape | Shape[]): shape is Shape[] {
  return Array.isArray(shape[0]);
}

/** The base arguments of every layer (`name`, `trainable`, `inputShape`, ...), which tfjs-layers does not export. */
export type LayerArgs = NonNullable<ConstructorParameters<typeof layers.Layer>[0]>;

/**
 * The name of `weight` relative to `layer` (`attn/qkv/kernel`), whatever the layer is nested in and
 * whether it was built through apply() (names scoped `layer/...`) or build() (names unscoped).
 */
export function relativeWeightName(layer: layers.Layer, weight: LayerVariable): string {
  const parts = weight.originalName.split('/');
  const at = parts.indexOf(layer.name);
  return (at >= 0 ? parts.slice(at + 1) : parts).join('/');
}

const nameCounters = new Map<string, number>();

/**
 * `args` with a unique default name (`swin_block_1`, `swin_block_2`, ...) when none is given.
 * tfjs-layers derives default names from the class name, and a namespaced class name such as
 * `befunet>SwinBlock` is not a valid weight-name scope, so every layer of ours passes its args
 * through this in its constructor.
 */
export function withDefaultName<T extends LayerArgs>(args: T, base: string): T {
  if (args.name != null) return args;
  const n = (nameCounters.get(base) ?? 0) + 1;
  nameCounters.set(base, n);
  return { ...args, name: `${base}_${n}` };
}
