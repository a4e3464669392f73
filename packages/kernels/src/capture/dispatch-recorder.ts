/// <reference types="@webgpu/types" />
/**
 * Records what TF.js's WebGPU backend sends to the GPU while a function runs (the compute dispatches
 * and buffer copies, in order) and keeps every buffer those commands touch alive, so that the same
 * commands can be encoded again later without going through TF.js (see captured-call.ts).
 *
 * Why replaying is valid: a recorded dispatch reads and writes GPU buffers only. Its pipeline, bind
 * group (which buffers, at which binding) and workgroup counts are fixed objects; re-encoding them
 * in the same order recomputes every intermediate from the inputs and weights. What must not change
 * between replays is every buffer whose content came from somewhere other than a recorded command:
 * - uniform buffers and constants uploaded from the CPU ("pinned"): the recording owns them and
 *   never lets them be reused, so their content stays as recorded;
 * - buffers of tensors that existed before the recording (weights, cached derived tensors):
 *   "externals", checked before each replay to still belong to the same tensor (a reassigned
 *   variable or a disposed cache makes the recording stale);
 * - buffers of intermediates: the recording owns them once TF.js releases them, and hands them out
 *   again only within the recording, as TF.js's pool did, so that the recorded aliasing (a buffer
 *   freed by one tensor and reused by a later one) is the same at every replay.
 *
 * Anything the recorder cannot replay faithfully (a read-back to the CPU, a CPU write into a buffer
 * that a recorded command also writes, a tensor computed inside the function and left alive besides
 * its outputs, GPU profiling) throws a WebGpuCaptureError naming it.
 */

import { BefunetError } from '@befunet/io';
import * as tf from '@tensorflow/tfjs-core';
import { collectRedraws } from './replay-redraws.js';

/** A function cannot be captured for replay (the message says what it did that a replay cannot repeat). */
export class WebGpuCaptureError extends BefunetError {}

// GPUBufferUsage flags (numbers, so that this file does not need the WebGPU globals at import).
const MAP_READ = 0x1;
const MAP_WRITE = 0x2;
const UNIFORM = 0x40;

interface TensorData {
  resource: GPUBuffer | GPUTexture | null;
  shape: number[];
  dtype: tf.DataType;
}

interface BufferManager {
  acquireBuffer(size: number, usage: number, mappedAtCreation?: boolean, reuse?: boolean): GPUBuffer;
  releaseBuffer(buffer: GPUBuffer, reuse?: boolean): void;
}

/** The parts of tfjs-backend-webgpu 4.22's `WebGPUBackend` that recording and replaying use. */
export interface WebGpuBackendInternals {
  device: GPUDevice;
  queue: GPUQueue;
  bufferManager: BufferManager;
  tensorMap: { has(dataId: tf.DataId): boolean; get(dataId: tf.DataId): TensorData };
  commandEncoder: GPUCommandEncoder | null;
  commandQueueOwnedIds: WeakSet<tf.DataId>;
  activeTimers: unknown;
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  submitQueue(): void;
  recordAndSubmit(program: unknown, output: tf.TensorInfo, inputs: tf.TensorInfo[], uniforms?: unknown): void;
  uploadToGPU(dataId: tf.DataId): void;
  makeTensorInfo(shape: number[], dtype: tf.DataType): tf.TensorInfo;
}

export type ReplayCommand =
  | {
      kind: 'dispatch';
      pipeline: GPUComputePipeline;
      bindGroup: GPUBindGroup;
      workgroups: [number, number, number];
    }
  | { kind: 'copy'; source: GPUBuffer; destination: GPUBuffer; size: number };

/** What a finished recording hands over: the commands, and the buffers they need. */
export interface Recording {
  commands: ReplayCommand[];
  /** Buffers the recording owns: released by TF.js during the recording, or pinned. */
  owned: GPUBuffer[];
  /** Buffers of tensors the recording reads but does not own, with the data id each belongs to. */
  externals: { buffer: GPUBuffer; dataId: tf.DataId }[];
  /** Uploaded buffers drawn anew before each replay (see replay-redraws.ts). */
  redraws: { buffer: GPUBuffer; draw: () => Float32Array }[];
  /**
   * State variables the function assigned: after each replay, the new value (`from`, the variable's
   * buffer now) is copied to where the recorded commands read the old one (`to`).
   */
  stateCopies: { from: GPUBuffer; to: GPUBuffer; size: number }[];
}

/** What a recording is asked to keep: the function's outputs, and the variables it assigns. */
export interface RecordingTargets<T> {
  /** The tensors the recording's owner keeps, the only computed tensors allowed to outlive the call. */
  outputs: (result: T) => tf.TensorInfo[];
  /** Variables the function assigns (weights, optimizer slots): their new values may outlive the call. */
  state?: tf.Variable[];
}

/** Bytes per element of float32, int32 and bool tensors alike on the WebGPU backend. */
export const BYTES_PER_ELEMENT = 4;

/** The GPU buffer holding a tensor's data (a WebGpuCaptureError for data held as a texture). */
export function bufferOf(backend: WebGpuBackendInternals, dataId: tf.DataId): GPUBuffer {
  const resource = backend.tensorMap.get(dataId).resource;
  if (resource === null || !('mapState' in resource)) {
    throw new WebGpuCaptureError('a recorded kernel reads a tensor stored as a texture; only buffers replay');
  }
  return resource;
}

/** Ends the open compute pass and submits every command encoded so far. */
export function submitPending(backend: {
  commandEncoder: unknown;
  endComputePassEncoder(): void;
  submitQueue(): void;
}): void {
  backend.endComputePassEncoder();
  if (backend.commandEncoder) backend.submitQueue();
}

/** The backend's command encoder with no compute pass open, ready for buffer copies. */
export function copyEncoder(backend: WebGpuBackendInternals): GPUCommandEncoder {
  backend.ensureCommandEncoderReady();
  backend.endComputePassEncoder();
  return backend.commandEncoder!;
}

export class DispatchRecorder {
  private readonly commands: ReplayCommand[] = [];
  /** Buffers acquired during the recording. */
  private readonly acquired = new Set<GPUBuffer>();
  /** Acquired buffers whose content is written from the CPU (uniforms, uploaded values). */
  private readonly pinned = new Set<GPUBuffer>();
  /** Acquired buffers TF.js released during the recording (now the recording's). */
  private readonly released = new Set<GPUBuffer>();
  /**
   * Released unpinned buffers, by size and usage, for reuse within the recording. Only the same
   * size, as in TF.js's pool: TF.js 4.22's Conv2D (its matrix-product program) reads past the end of
   * its operands and multiplies what it finds there by zero, so a larger buffer with a stale NaN in
   * its tail changes the result. Best-fit reuse across sizes (up to 1.5x) would hold 17% less for an
   * official training step at batch 2 (1418 against 1712 MiB) but broke bit-identity (measured).
   */
  private readonly reusable = new Map<string, GPUBuffer[]>();
  /** Buffers written by a recorded command. */
  private readonly written = new Set<GPUBuffer>();
  /** Upload staging buffers (mapped for writing, copied from once, destroyed by TF.js). */
  private readonly staging = new Set<GPUBuffer>();
  /** The data id each buffer a recorded command read or wrote belonged to (the last one seen). */
  private readonly dataIds = new Map<GPUBuffer, tf.DataId>();
  /** Buffers of pre-existing tensors that were disposed during the recording: the recording keeps them. */
  private readonly adopted = new Set<GPUBuffer>();
  /** The buffer each data id a recorded command read had. */
  private readonly buffers = new Map<tf.DataId, GPUBuffer>();
  /** Values registered with `redrawOnReplay` during the recording. */
  private readonly redrawn: { dataId: tf.DataId; draw: () => Float32Array }[] = [];

  constructor(private readonly backend: WebGpuBackendInternals) {}

  /** Runs `fn` with the backend's GPU traffic recorded and returns its result and the recording. */
  record<T>(fn: () => T, targets: RecordingTargets<T>): { result: T; recording: Recording } {
    const backend = this.backend;
    if (backend.activeTimers != null) {
      throw new WebGpuCaptureError('cannot capture while tf.profile or tf.time is measuring kernels');
    }
    const state = targets.state ?? [];
    for (const variable of state) backend.uploadToGPU(variable.dataId);
    const before = state.map((variable) => ({
      dataId: variable.dataId,
      buffer: bufferOf(backend, variable.dataId),
    }));
    submitPending(this.backend);
    const restore = this.install();
    let result: T;
    try {
      result = collectRedraws((tensor, draw) => this.redrawn.push({ dataId: tensor.dataId, draw }), fn);
      if (result instanceof Promise) {
        throw new WebGpuCaptureError('the captured function must be synchronous (it returned a promise)');
      }
      submitPending(this.backend); // TF.js releases buffers queued for disposal at submit: let the hooks see them.
    } catch (error) {
      restore();
      this.abandon();
      throw error;
    }
    restore();
    try {
      const stateCopies = state.flatMap((variable, i) => this.stateCopy(variable, before[i]!));
      // The assigned variables' new values outlive the call (even those whose old value was unread).
      const assigned = state.filter((variable, i) => variable.dataId !== before[i]!.dataId);
      const newValues = assigned.map((variable) => bufferOf(backend, variable.dataId));
      return { result, recording: this.finish(targets.outputs(result), newValues, stateCopies) };
    } catch (error) {
      tf.dispose(targets.outputs(result) as tf.Tensor[]); // refused: the caller never sees them
      this.abandon();
      throw error;
    }
  }

  /** Gives the buffers a refused recording took back to TF.js's pool. */
  private abandon(): void {
    for (const buffer of new Set([...this.released, ...this.adopted]))
      this.backend.bufferManager.releaseBuffer(buffer);
    this.released.clear();
    this.adopted.clear();
  }

  /** The copy that carries a state variable's new value to where the commands read its old one. */
  private stateCopy(variable: tf.Variable, before: { dataId: tf.DataId; buffer: GPUBuffer }) {
    if (variable.dataId === before.dataId) return []; // not assigned: an external like any other
    const from = bufferOf(this.backend, variable.dataId);
    if (!this.written.has(from)) {
      throw new WebGpuCaptureError(
        `state variable ${variable.name} was assigned a value the call did not compute`,
      );
    }
    if (!this.adopted.has(before.buffer)) {
      if (this.dataIds.has(before.buffer)) {
        throw new WebGpuCaptureError(
          `the old value of state variable ${variable.name} is still held by another tensor; replays would overwrite it`,
        );
      }
      return []; // the old value was never read: nothing to carry over
    }
    return [{ from, to: before.buffer, size: variable.size * BYTES_PER_ELEMENT }];
  }

  private install(): () => void {
    const backend = this.backend;
    const manager = backend.bufferManager;
    const originalAcquire = manager.acquireBuffer.bind(manager);
    const originalRelease = manager.releaseBuffer.bind(manager);
    const originalQueue = backend.queue;
    const originalRecordAndSubmit = backend.recordAndSubmit.bind(backend);

    manager.acquireBuffer = (size, usage, mappedAtCreation = false, reuse = true) => {
      if (usage & MAP_READ) {
        throw new WebGpuCaptureError('the captured function reads tensor data back to the CPU');
      }
      if (usage & MAP_WRITE) {
        const buffer = originalAcquire(size, usage, mappedAtCreation, reuse);
        this.staging.add(buffer);
        return buffer;
      }
      const pinned = mappedAtCreation || (usage & UNIFORM) !== 0;
      const key = `${size}_${usage}`;
      const buffer =
        (!pinned && reuse && this.reusable.get(key)?.pop()) ||
        originalAcquire(size, usage, mappedAtCreation, reuse);
      this.acquired.add(buffer);
      this.released.delete(buffer);
      if (pinned) this.pinned.add(buffer);
      return buffer;
    };
    manager.releaseBuffer = (buffer, reuse = true) => {
      if (this.staging.delete(buffer)) return originalRelease(buffer, reuse);
      if (this.acquired.has(buffer)) {
        this.released.add(buffer);
        if (!this.pinned.has(buffer)) {
          const key = `${buffer.size}_${buffer.usage}`;
          const free = this.reusable.get(key) ?? [];
          free.push(buffer);
          this.reusable.set(key, free);
        }
        return;
      }
      if (this.dataIds.has(buffer)) {
        this.adopted.add(buffer); // read by a recorded command: its content must outlive the tensor
        return;
      }
      return originalRelease(buffer, reuse);
    };
    backend.queue = this.recordingQueue(originalQueue);
    backend.ensureCommandEncoderReady = () => {
      if (!backend.commandEncoder) {
        backend.commandEncoder = this.recordingEncoder(backend.device.createCommandEncoder());
      }
    };
    backend.recordAndSubmit = (program, output, inputs, uniforms) => {
      const outputBuffer = bufferOf(backend, output.dataId);
      if (!this.acquired.has(outputBuffer)) {
        throw new WebGpuCaptureError(
          'a recorded kernel writes into a tensor that existed before the capture',
        );
      }
      this.written.add(outputBuffer);
      this.dataIds.set(outputBuffer, output.dataId);
      for (const input of inputs) {
        const buffer = bufferOf(backend, input.dataId);
        this.dataIds.set(buffer, input.dataId);
        this.buffers.set(input.dataId, buffer);
      }
      originalRecordAndSubmit(program, output, inputs, uniforms);
    };

    return () => {
      delete (manager as Partial<BufferManager>).acquireBuffer;
      delete (manager as Partial<BufferManager>).releaseBuffer;
      delete (backend as Partial<WebGpuBackendInternals>).ensureCommandEncoderReady;
      delete (backend as Partial<WebGpuBackendInternals>).recordAndSubmit;
      backend.queue = originalQueue;
    };
  }

  /** The real queue, except that CPU writes must go to pinned buffers (uniforms, uploads). */
  private recordingQueue(queue: GPUQueue): GPUQueue {
    return forwardingProxy(
      queue,
      {
        writeBuffer: (buffer: GPUBuffer, ...rest: unknown[]) => {
          if (!this.pinned.has(buffer)) {
            throw new WebGpuCaptureError('the captured function writes from the CPU into a computed tensor');
          }
          (queue.writeBuffer as (...args: unknown[]) => void).call(queue, buffer, ...rest);
        },
      },
      'all',
    );
  }

  private recordingEncoder(encoder: GPUCommandEncoder): GPUCommandEncoder {
    return forwardingProxy(
      encoder,
      {
        beginComputePass: (descriptor?: GPUComputePassDescriptor) => {
          if (descriptor?.timestampWrites) {
            throw new WebGpuCaptureError('cannot capture while GPU timestamps are recorded');
          }
          return this.recordingPass(encoder.beginComputePass(descriptor));
        },
        copyBufferToBuffer: (
          source: GPUBuffer,
          sourceOffset: number,
          destination: GPUBuffer,
          destinationOffset: number,
          size: number,
        ) => {
          encoder.copyBufferToBuffer(source, sourceOffset, destination, destinationOffset, size);
          if (this.staging.has(source)) {
            if (!this.pinned.has(destination)) {
              throw new WebGpuCaptureError('an upload from the CPU goes into a buffer that is not constant');
            }
            return; // the uploaded constant stays in its pinned buffer: nothing to replay
          }
          if (sourceOffset !== 0 || destinationOffset !== 0) {
            throw new WebGpuCaptureError('cannot replay a buffer copy at an offset');
          }
          if (!this.acquired.has(source) && !this.dataIds.has(source)) {
            throw new WebGpuCaptureError('a recorded copy reads a buffer of unknown origin');
          }
          if (!this.acquired.has(destination)) {
            throw new WebGpuCaptureError(
              'a recorded copy writes into a buffer that existed before the capture',
            );
          }
          this.written.add(destination);
          this.commands.push({ kind: 'copy', source, destination, size });
        },
      },
      ['finish'],
    );
  }

  private recordingPass(pass: GPUComputePassEncoder): GPUComputePassEncoder {
    let pipeline: GPUComputePipeline | undefined;
    let bindGroup: GPUBindGroup | undefined;
    return forwardingProxy(
      pass,
      {
        setPipeline: (p: GPUComputePipeline) => {
          pipeline = p;
          pass.setPipeline(p);
        },
        setBindGroup: (index: number, group: GPUBindGroup, ...offsets: unknown[]) => {
          if (index !== 0 || offsets.length > 0) {
            throw new WebGpuCaptureError('only bind group 0 without dynamic offsets replays');
          }
          bindGroup = group;
          pass.setBindGroup(0, group);
        },
        dispatchWorkgroups: (x: number, y = 1, z = 1) => {
          if (!pipeline || !bindGroup)
            throw new WebGpuCaptureError('a dispatch without pipeline or bind group');
          this.commands.push({ kind: 'dispatch', pipeline, bindGroup, workgroups: [x, y, z] });
          pass.dispatchWorkgroups(x, y, z);
        },
      },
      ['end'],
    );
  }

  private finish(
    outputs: tf.TensorInfo[],
    stateValues: GPUBuffer[],
    stateCopies: Recording['stateCopies'],
  ): Recording {
    const outputBuffers = new Set(outputs.map((o) => bufferOf(this.backend, o.dataId)));
    const stateBuffers = new Set(stateValues);
    const externals: Recording['externals'] = [];
    for (const [buffer, dataId] of this.dataIds) {
      if (this.acquired.has(buffer) || this.adopted.has(buffer)) continue;
      externals.push({ buffer, dataId });
    }
    for (const buffer of this.acquired) {
      if (this.released.has(buffer) || outputBuffers.has(buffer) || stateBuffers.has(buffer)) continue;
      // Alive after the function returned and not an output: a weight or constant uploaded during
      // the capture (read-only, checked like an external) or a computed tensor someone kept.
      const dataId = this.dataIds.get(buffer);
      if (this.written.has(buffer) || dataId === undefined) {
        const shape =
          dataId && this.backend.tensorMap.has(dataId) ? this.backend.tensorMap.get(dataId).shape : undefined;
        throw new WebGpuCaptureError(
          `the captured function left a tensor it computed (${shape ? `shape [${shape.join(', ')}]` : `${buffer.size} bytes`}) ` +
            'alive besides its outputs (a cache or a leak); replays would overwrite it',
        );
      }
      externals.push({ buffer, dataId });
    }
    for (const buffer of outputBuffers) {
      if (!this.acquired.has(buffer) || !this.written.has(buffer)) {
        throw new WebGpuCaptureError(
          'an output of the captured function is not computed by it (an input or weight?)',
        );
      }
    }
    const redraws = this.redrawn.flatMap(({ dataId, draw }) => {
      const buffer = this.buffers.get(dataId);
      if (buffer === undefined) return []; // never reached the GPU
      if (!this.pinned.has(buffer)) {
        throw new WebGpuCaptureError('a value registered for redrawing was not uploaded from the CPU');
      }
      return [{ buffer, draw }];
    });
    return {
      commands: this.commands,
      owned: [...this.released, ...this.adopted],
      externals,
      redraws,
      stateCopies,
    };
  }
}

/**
 * A stand-in for a native WebGPU object: the listed methods are replaced, the `passThrough` ones (or
 * all others) go to the object, any other method throws (a call the recorder cannot replay).
 */
function forwardingProxy<T extends object>(
  target: T,
  replaced: Record<string, (...args: never[]) => unknown>,
  passThrough: string[] | 'all',
): T {
  return new Proxy(target, {
    get(object, property) {
      if (typeof property === 'string' && property in replaced) return replaced[property];
      const value = Reflect.get(object, property, object) as unknown;
      if (typeof value !== 'function') return value;
      if (passThrough === 'all' || (typeof property === 'string' && passThrough.includes(property))) {
        return value.bind(object);
      }
      throw new WebGpuCaptureError(`cannot capture a call to ${String(property)}`);
    },
  });
}
