/**
 * A tensor function that runs through TF.js the first time it sees an input shape, is captured the
 * second time, and replays the capture after that (captured-call.ts), on the WebGPU backend; on
 * other backends it always runs through TF.js.
 *
 * The first call with a shape is what builds lazily derived tensors (converted PDC kernels, gathered
 * relative position biases, optimizer slots) and compiles the shaders, so that the capture sees a
 * settled model. When the weights change other than by the replays themselves (a TF.js training
 * step, loading a checkpoint) the capture turns stale; the next call runs through TF.js again and
 * the one after recaptures.
 */
import * as tf from '@tensorflow/tfjs-core';
import { CapturedCall, type TensorFunction } from './captured-call.js';
import { WebGpuCaptureError } from './dispatch-recorder.js';

export interface ReplayedCallOptions {
  /**
   * Input signatures kept captured at once (sliding-window inference alternates a full batch of
   * tiles and a last, smaller one). Default 2.
   */
  maxCaptures?: number;
  /** The variables the function depends on (see CaptureOptions); default every variable. */
  variables?: () => tf.Variable[];
  /**
   * The variables the function assigns (see CaptureOptions: a training step's weights and
   * optimizer slots), asked for when capturing (after the first call has created lazy slots).
   */
  state?: () => tf.Variable[];
  /** Called after each replay (e.g. to count the optimizer steps a replayed training step applied). */
  onReplay?: () => void;
}

export class ReplayedCall {
  /** Captures by input signature, least recently used first. */
  private readonly captures = new Map<string, CapturedCall>();
  private readonly warmedUp = new Set<string>();
  /** Input signatures whose capture was refused (WebGpuCaptureError): always through TF.js. */
  private readonly uncapturable = new Set<string>();
  /** Calls answered by TF.js, by a new capture, and by a replay. */
  readonly counts = { direct: 0, captures: 0, replays: 0 };

  private readonly maxCaptures: number;

  constructor(
    private readonly fn: TensorFunction,
    private readonly options: ReplayedCallOptions = {},
  ) {
    this.maxCaptures = options.maxCaptures ?? 2;
  }

  /** `fn(inputs)`, replayed when possible (see the file comment). */
  run(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor | tf.Tensor[] {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    if (!canCapture()) return this.direct(list);
    if ([...this.captures.values()].some((c) => c.isStale())) {
      this.dispose(); // weights changed: derived tensors must be rebuilt by a TF.js call first
    }
    const signature = list.map((t) => `${t.dtype}[${t.shape.join(',')}]`).join(' ');
    const known = this.captures.get(signature);
    if (known) {
      this.captures.delete(signature); // most recently used last
      this.captures.set(signature, known);
      const outputs = known.replay(list);
      this.counts.replays++;
      this.options.onReplay?.();
      return known.shapeResult(outputs);
    }
    if (!this.warmedUp.has(signature)) {
      this.warmedUp.add(signature);
      return this.direct(list);
    }
    if (this.uncapturable.has(signature)) return this.direct(list);
    if (this.captures.size >= this.maxCaptures) {
      const [oldest, capture] = this.captures.entries().next().value!;
      capture.dispose();
      this.captures.delete(oldest);
    }
    let captured: ReturnType<typeof CapturedCall.capture>;
    try {
      captured = CapturedCall.capture(this.fn, list, {
        variables: this.options.variables?.(),
        state: this.options.state?.(),
      });
    } catch (error) {
      // A function a replay cannot repeat keeps running through TF.js. Not with state: the refused
      // call has already assigned it (a training step), and running it again would apply it twice.
      if (!(error instanceof WebGpuCaptureError) || this.options.state) throw error;
      this.uncapturable.add(signature);
      console.warn(`befunet: replay off for inputs ${signature}, running through TF.js: ${error.message}`);
      return this.direct(list);
    }
    const { capture, outputs } = captured;
    this.captures.set(signature, capture);
    this.counts.captures++;
    return capture.shapeResult(outputs);
  }

  /** Dispatches per call of the most recent capture, or undefined before the first. */
  get dispatchCount(): number | undefined {
    return [...this.captures.values()].at(-1)?.dispatchCount;
  }

  /** Bytes of GPU buffers the captures hold. */
  get heldBytes(): number {
    return [...this.captures.values()].reduce((sum, c) => sum + c.heldBytes, 0);
  }

  /** Frees the captures' GPU buffers; later calls start over (through TF.js, then capture). */
  dispose(): void {
    for (const capture of this.captures.values()) capture.dispose();
    this.captures.clear();
    this.warmedUp.clear();
  }

  private direct(inputs: tf.Tensor[]): tf.Tensor | tf.Tensor[] {
    this.counts.direct++;
    return this.fn(inputs);
  }
}

/** On the WebGPU backend, and not while tf.profile or tf.time look at kernels one by one. */
function canCapture(): boolean {
  const profiling = (tf.engine() as unknown as { state: { profiling: boolean } }).state.profiling;
  const timing = (tf.backend() as unknown as { activeTimers?: unknown }).activeTimers != null;
  return tf.getBackend() === 'webgpu' && !profiling && !timing;
}
