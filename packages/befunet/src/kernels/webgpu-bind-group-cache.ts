/**
 * A cache of bind groups for TF.js's WebGPU backend (opt-in, for measuring the launch cost).
 *
 * TF.js builds a new bind group for every kernel it launches (it asks the pipeline for its layout and
 * the device for a bind group each time), although a model in its steady state binds the same
 * buffers to the same pipelines pass after pass: the backend's buffer pool hands back the same
 * buffers in the same order. With the cache installed, each pipeline answers `getBindGroupLayout`
 * with one layout object per index, and `createBindGroup` returns the bind group already made for the
 * same layout and the same buffer ranges (a bounded least-recently-used map). A bind group only
 * names buffers; what they hold when the kernel runs is what it reads, so reuse is exact.
 */
import * as tf from '@tensorflow/tfjs-core';

export interface BindGroupCache {
  /** Bind groups found in the cache, and created. */
  stats(): { hits: number; misses: number; entries: number };
  /** Restores the device's own `createBindGroup` and pipeline creation. */
  uninstall(): void;
}

type Device = GPUDevice & Record<string, unknown>;

const MEMOIZED = Symbol('befunet.memoizedLayouts');

/** Makes `pipeline.getBindGroupLayout(i)` return the same object for the same index. */
function memoizeLayouts(pipeline: GPUComputePipeline): GPUComputePipeline {
  const p = pipeline as GPUComputePipeline & { [MEMOIZED]?: boolean };
  if (p[MEMOIZED]) return pipeline;
  const own = pipeline.getBindGroupLayout.bind(pipeline);
  const layouts = new Map<number, GPUBindGroupLayout>();
  p.getBindGroupLayout = (index: number) => {
    let layout = layouts.get(index);
    if (!layout) {
      layout = own(index);
      layouts.set(index, layout);
    }
    return layout;
  };
  p[MEMOIZED] = true;
  return pipeline;
}

/** Installs the cache on the active WebGPU backend's device (see the file comment). */
export function installBindGroupCache(maxEntries = 8192): BindGroupCache {
  const backend = tf.backend() as unknown as {
    device?: Device;
    pipelineCache?: Record<string, unknown>;
  };
  const device = backend.device;
  if (tf.getBackend() !== 'webgpu' || !device) {
    throw new Error(`installBindGroupCache needs the webgpu backend, the backend is '${tf.getBackend()}'`);
  }
  for (const p of Object.values(backend.pipelineCache ?? {})) {
    if (p && typeof (p as GPUComputePipeline).getBindGroupLayout === 'function') {
      memoizeLayouts(p as GPUComputePipeline);
    }
  }
  const ownCreateBindGroup = device.createBindGroup.bind(device);
  const ownCreatePipeline = device.createComputePipeline.bind(device);
  const ownCreatePipelineAsync = device.createComputePipelineAsync.bind(device);
  const ids = new WeakMap<object, number>();
  let nextId = 0;
  const idOf = (o: object) => {
    let id = ids.get(o);
    if (id === undefined) {
      id = nextId++;
      ids.set(o, id);
    }
    return id;
  };
  const entries = new Map<string, GPUBindGroup>();
  let hits = 0;
  let misses = 0;

  device.createComputePipeline = (descriptor: GPUComputePipelineDescriptor) =>
    memoizeLayouts(ownCreatePipeline(descriptor));
  device.createComputePipelineAsync = async (descriptor: GPUComputePipelineDescriptor) =>
    memoizeLayouts(await ownCreatePipelineAsync(descriptor));
  device.createBindGroup = (descriptor: GPUBindGroupDescriptor) => {
    const parts = [idOf(descriptor.layout)];
    for (const entry of descriptor.entries) {
      const resource = entry.resource as GPUBufferBinding | object;
      if ('buffer' in resource) {
        parts.push(entry.binding, idOf(resource.buffer), resource.offset ?? 0, resource.size ?? -1);
      } else {
        // Textures, samplers: not cached.
        misses++;
        return ownCreateBindGroup(descriptor);
      }
    }
    const key = parts.join(',');
    const found = entries.get(key);
    if (found) {
      hits++;
      entries.delete(key);
      entries.set(key, found);
      return found;
    }
    misses++;
    const group = ownCreateBindGroup(descriptor);
    entries.set(key, group);
    if (entries.size > maxEntries) entries.delete(entries.keys().next().value!);
    return group;
  };

  return {
    stats: () => ({ hits, misses, entries: entries.size }),
    uninstall: () => {
      // The device's own methods live on its prototype: removing the overrides restores them.
      for (const name of ['createBindGroup', 'createComputePipeline', 'createComputePipelineAsync']) {
        Reflect.deleteProperty(device, name);
      }
      entries.clear();
    },
  };
}
