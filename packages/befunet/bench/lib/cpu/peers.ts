/** Starting the CPU benchmark's peers: the PyTorch process and one process per ONNX Runtime setup. */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Peer } from './peer.js';

const REPO_ROOT = fileURLToPath(new URL('../../../../../', import.meta.url));
const TSX = join(REPO_ROOT, 'node_modules/tsx/dist/cli.mjs');
const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

export const DEFAULT_CACHE = join(REPO_ROOT, '.cache/cpu-bench');
export const DEFAULT_PYTHON = join(REPO_ROOT, '.cache/torch-venv/bin/python');

/** bench/cpu_peer.py: builds the official model, writes the weights, ONNX file and tensors into `cache`. */
export function torchPeer(python: string, cache: string, threads: number, stepBatch: number): Peer {
  const script = here('../../cpu_peer.py');
  const args = [script, '--cache', cache, '--threads', String(threads), '--batch', String(stepBatch)];
  return new Peer(`PyTorch, ${threads} threads`, python, args);
}

export type OrtRuntime = 'node' | 'web';

export function ortPeer(runtime: OrtRuntime, threads: number, cache: string): Peer {
  const name = `onnxruntime-${runtime}${runtime === 'web' ? ' wasm' : ''}, ${threads} thread${threads > 1 ? 's' : ''}`;
  const logits = join(cache, `ort-${runtime}-${threads}-logits.f32`);
  const args = [TSX, here('ort-peer.ts'), runtime, String(threads), join(cache, 'official.onnx')];
  return new Peer(name, process.execPath, [...args, join(cache, 'input.f32'), logits]);
}

export const ortLogitsPath = (cache: string, runtime: OrtRuntime, threads: number) =>
  join(cache, `ort-${runtime}-${threads}-logits.f32`);
