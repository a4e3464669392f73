/// <reference types="@webgpu/types" />
/**
 * A function of tensors captured once on the WebGPU backend and replayed without TF.js.
 *
 * Every TF.js kernel launch costs CPU time before the GPU sees it: engine bookkeeping, the kernel's
 * shape logic, the shader key, a uniform buffer written from the CPU, a bind group. On a fast GPU
 * that cost (0.1-0.2 ms per launch, measured on an H100) is most of a BEFUnet forward pass. A
 * capture runs the function once with its GPU commands recorded (dispatch-recorder.ts); a replay
 * copies new inputs into the capture's input buffers and encodes the recorded dispatches again (a
 * pipeline, a bind group and a dispatch each), then copies the outputs into new tensors.
 *
 * A capture holds GPU buffers (about the peak memory of one call), not tensors: `tf.memory()`
 * counts them in its GPU bytes but not in `numTensors`. It is tied to the weights it read:
 * `isStale()` turns true once a watched variable is reassigned (training, loading) or a tensor it
 * read is disposed, and replaying a stale capture throws. With `state`, a captured training step
 * assigns its weights and optimizer slots at every replay, as the step through TF.js did.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ShapeError } from '../errors.js';
import {
  BYTES_PER_ELEMENT,
  bufferOf,
  copyEncoder,
  DispatchRecorder,
  type Recording,
  submitPending,
  type WebGpuBackendInternals,
  WebGpuCaptureError,
} from './dispatch-recorder.js';

export type TensorFunction = (inputs: tf.Tensor[]) => tf.Tensor | tf.Tensor[];

export interface CaptureOptions {
  /**
   * The variables `fn` depends on (a model's weights): assigning any of them makes the capture
   * stale. Default: every variable that exists at capture time. The check must cover variables
   * read only through a derived tensor cached before the capture (a converted PDC kernel), which
   * the capture's own dispatches never touch.
   */
  variables?: tf.Variable[];
  /**
   * Variables the function assigns (a training step's weights and optimizer slots). A replay leaves
   * each pointing at its new value, as the captured call did; their old values' buffers become the
   * capture's (nothing else may hold them). Call the function once before capturing, so that lazily
   * created slots exist.
   */
  state?: tf.Variable[];
}

/** An input or output of the captured call: its buffer belongs to the capture. */
interface CapturedTensor {
  shape: number[];
  dtype: tf.DataType;
  size: number;
  buffer: GPUBuffer;
}

function describe(t: { shape: number[]; dtype: string }): string {
  return `[${t.shape.join(', ')}] ${t.dtype}`;
}

export class CapturedCall {
  private disposed = false;

  private constructor(
    private readonly backend: WebGpuBackendInternals,
    private readonly inputs: CapturedTensor[],
    private readonly outputs: CapturedTensor[],
    private readonly returnsArray: boolean,
    private readonly recording: Recording,
    /** The variables the captured function depends on, with the data id each had then. */
    private readonly variables: { variable: tf.Variable; dataId: tf.DataId }[],
  ) {}

  /**
   * Runs `fn` on copies of `inputs` with its GPU work recorded. `fn` must be synchronous, read
   * nothing back to the CPU, and leave no computed tensor alive besides its outputs (call it once
   * before capturing, so that lazily built caches exist already). Returns the capture and `fn`'s
   * outputs (copies: the capture keeps its own).
   */
  static capture(
    fn: TensorFunction,
    inputs: tf.Tensor[],
    options: CaptureOptions = {},
  ): { capture: CapturedCall; outputs: tf.Tensor[] } {
    if (tf.getBackend() !== 'webgpu') {
      throw new WebGpuCaptureError(`capturing needs the webgpu backend (active: ${tf.getBackend()})`);
    }
    const backend = tf.backend() as unknown as WebGpuBackendInternals;
    const ownInputs = inputs.map((input) => {
      const info = backend.makeTensorInfo(input.shape, input.dtype);
      backend.uploadToGPU(info.dataId);
      return tf.keep(tf.engine().makeTensorFromTensorInfo(info)); // kept even inside a caller's tidy
    });
    const inputBuffers = ownInputs.map((t) => bufferOf(backend, t.dataId));
    const previous = tf.env().getBool('WEBGPU_CPU_FORWARD');
    tf.env().set('WEBGPU_CPU_FORWARD', false); // a CPU-side kernel would bake its result in
    let capture: CapturedCall;
    try {
      encodeCopies(backend, inputs, inputBuffers);
      const recorder = new DispatchRecorder(backend);
      const { result, recording } = recorder.record(() => fn(ownInputs), {
        outputs: (out) => (Array.isArray(out) ? out : [out]),
        state: options.state,
      });
      const outputs = Array.isArray(result) ? result : [result];
      const watched = options.variables ?? Object.values(registeredVariables());
      // The capture's own inputs are not externals: it owns their buffers from here on.
      const ownInputBuffers = new Set(inputBuffers);
      recording.externals = recording.externals.filter((e) => !ownInputBuffers.has(e.buffer));
      capture = new CapturedCall(
        backend,
        detach(backend, ownInputs),
        detach(backend, outputs),
        Array.isArray(result),
        recording,
        watched.map((variable) => ({ variable, dataId: variable.dataId })),
      );
    } catch (error) {
      tf.dispose(ownInputs);
      throw error;
    } finally {
      tf.env().set('WEBGPU_CPU_FORWARD', previous);
    }
    capture.encodeStateCopies(); // the first replay reads the old values' buffers: bring them up to date
    return { capture, outputs: capture.copyOutputs() };
  }

  /** Number of GPU dispatches a replay encodes. */
  get dispatchCount(): number {
    return this.recording.commands.filter((c) => c.kind === 'dispatch').length;
  }

  /** Bytes of GPU buffers the capture holds: inputs, outputs, intermediates, uniforms, constants. */
  get heldBytes(): number {
    return this.heldBuffers().reduce((sum, b) => sum + b.size, 0);
  }

  /** Whether `inputs` have the shapes and dtypes of the captured call. */
  accepts(inputs: tf.Tensor[]): boolean {
    return (
      inputs.length === this.inputs.length &&
      inputs.every(
        (t, i) => t.dtype === this.inputs[i]!.dtype && tf.util.arraysEqual(t.shape, this.inputs[i]!.shape),
      )
    );
  }

  /** True once a tensor the capture reads (a weight, a cached constant) was reassigned or disposed. */
  isStale(): boolean {
    if (this.disposed || (tf.backend() as unknown) !== this.backend) return true;
    // An assigned variable points at new data while its old data may live on in another tensor.
    if (this.variables.some(({ variable, dataId }) => variable.isDisposed || variable.dataId !== dataId)) {
      return true;
    }
    const tensorMap = this.backend.tensorMap;
    return this.recording.externals.some(
      ({ buffer, dataId }) => !tensorMap.has(dataId) || tensorMap.get(dataId).resource !== buffer,
    );
  }

  /** The captured function's outputs for new `inputs` (same shapes and dtypes as at capture). */
  replay(inputs: tf.Tensor[]): tf.Tensor[] {
    if (!this.accepts(inputs)) {
      throw new ShapeError(
        `replay inputs ${inputs.map(describe).join(', ')} differ from the captured ` +
          `${this.inputs.map(describe).join(', ')}; capture again for new shapes`,
      );
    }
    if (this.isStale()) {
      throw new WebGpuCaptureError(
        'the capture is stale (disposed, another backend, or a weight it reads was reassigned); capture again',
      );
    }
    for (const { buffer, draw } of this.recording.redraws) {
      const values = draw();
      this.backend.queue.writeBuffer(buffer, 0, values.buffer, values.byteOffset, values.byteLength);
    }
    encodeCopies(
      this.backend,
      inputs,
      this.inputs.map((i) => i.buffer),
    );
    const encoder = this.backend.commandEncoder!;
    let pass: GPUComputePassEncoder | null = null;
    for (const command of this.recording.commands) {
      if (command.kind === 'dispatch') {
        pass ??= encoder.beginComputePass();
        pass.setPipeline(command.pipeline);
        pass.setBindGroup(0, command.bindGroup);
        pass.dispatchWorkgroups(...command.workgroups);
      } else {
        pass?.end();
        pass = null;
        encoder.copyBufferToBuffer(command.source, 0, command.destination, 0, command.size);
      }
    }
    pass?.end();
    this.encodeStateCopies();
    return this.copyOutputs();
  }

  /** The result as the captured function returned it (one tensor or an array). */
  shapeResult(outputs: tf.Tensor[]): tf.Tensor | tf.Tensor[] {
    return this.returnsArray ? outputs : outputs[0]!;
  }

  /** Frees the capture's buffers. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const backend = this.backend;
    if ((tf.findBackend('webgpu') as unknown) !== backend) return; // that backend (and its buffers) is gone
    // Commands already queued may still use the buffers: let them go before the buffers are reused.
    submitPending(backend);
    for (const buffer of this.heldBuffers()) backend.bufferManager.releaseBuffer(buffer);
  }

  private heldBuffers(): GPUBuffer[] {
    const own = [...this.inputs, ...this.outputs].map((t) => t.buffer);
    return [...new Set([...own, ...this.recording.owned])];
  }

  /** Copies each assigned state variable's new value to where the recorded commands read it. */
  private encodeStateCopies(): void {
    const encoder = copyEncoder(this.backend);
    for (const { from, to, size } of this.recording.stateCopies) {
      encoder.copyBufferToBuffer(from, 0, to, 0, size);
    }
  }

  /** New tensors holding copies of the capture's outputs, submitted with everything encoded so far. */
  private copyOutputs(): tf.Tensor[] {
    const backend = this.backend;
    const encoder = copyEncoder(backend);
    const infos = this.outputs.map((output) => {
      const info = backend.makeTensorInfo(output.shape, output.dtype);
      backend.uploadToGPU(info.dataId);
      const bytes = output.size * BYTES_PER_ELEMENT;
      if (bytes > 0) encoder.copyBufferToBuffer(output.buffer, 0, bufferOf(backend, info.dataId), 0, bytes);
      backend.commandQueueOwnedIds.add(info.dataId);
      return info;
    });
    backend.submitQueue();
    return infos.map((info) => tf.engine().makeTensorFromTensorInfo(info));
  }
}

function registeredVariables(): Record<string, tf.Variable> {
  return (tf.engine() as unknown as { state: { registeredVariables: Record<string, tf.Variable> } }).state
    .registeredVariables;
}

/**
 * Takes the buffers of `tensors` from TF.js: the tensors are disposed, their buffers marked as
 * external (TF.js does not return those to its pool) and handed to the capture.
 */
function detach(backend: WebGpuBackendInternals, tensors: tf.Tensor[]): CapturedTensor[] {
  const captured = tensors.map((t) => {
    const data = backend.tensorMap.get(t.dataId) as { external?: boolean };
    data.external = true;
    return { shape: t.shape, dtype: t.dtype, size: t.size, buffer: bufferOf(backend, t.dataId) };
  });
  for (const t of tensors) {
    tf.keep(t); // one disposal is final even for a tensor kept inside a caller's tidy
    t.dispose();
  }
  return captured;
}

/** Encodes copies of `sources` into `targets` (same sizes) on the backend's command encoder. */
function encodeCopies(backend: WebGpuBackendInternals, sources: tf.Tensor[], targets: GPUBuffer[]): void {
  for (const source of sources) backend.uploadToGPU(source.dataId);
  const encoder = copyEncoder(backend);
  sources.forEach((source, i) => {
    if (source.size === 0) return;
    encoder.copyBufferToBuffer(
      bufferOf(backend, source.dataId),
      0,
      targets[i]!,
      0,
      source.size * BYTES_PER_ELEMENT,
    );
    backend.commandQueueOwnedIds.add(source.dataId);
  });
}
