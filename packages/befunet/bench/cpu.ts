/**
 * The CPU benchmark (not published, not a test): this project's official forward (batch 1, 224 px)
 * and training step (batch 2, SGD, cross-entropy) on TF.js, interleaved round by round with
 * PyTorch CPU eager (forward and step) and ONNX Runtime (node; web wasm at 1 and `--threads`
 * threads) on the same model and weights, exported to ONNX by the official code. Prints medians,
 * minimums, ours / each peer, the logits' max abs differences and the load average.
 *
 * usage: pnpm --filter @befunet/core bench:cpu [--rounds N] [--threads T] [--python P] [--no-train]
 * (needs a PyTorch 2.x venv and the official code: see the core README's "CPU benchmark")
 */

import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { intOption } from '../../cli/src/args.js';
import { backendOption, type Command } from '../../cli/src/command.js';
import type { Peer } from './lib/cpu/peer.js';
import {
  DEFAULT_CACHE,
  DEFAULT_PYTHON,
  type OrtRuntime,
  ortLogitsPath,
  ortPeer,
  torchPeer,
} from './lib/cpu/peers.js';
import { interleave, type Sampled, timeOnce } from './lib/cpu/rounds.js';
import { maxAbs, maxAbsDiff } from './lib/cpu/stats.js';
import { formatTable, rowsOf } from './lib/cpu/table.js';
import { readF32, tfjsSystem } from './lib/cpu/tfjs-system.js';
import { runScriptCommand } from './lib/script-command.js';

const load = () =>
  loadavg()
    .map((v) => v.toFixed(2))
    .join(' / ');
const log = (line: string) => console.error(line);

function parity(cache: string, ours: Float32Array, setups: [OrtRuntime, number][]): string[] {
  const against = (label: string, file: string) => {
    const theirs = readF32(file);
    return `${label}: max |diff| ${maxAbsDiff(ours, theirs).toExponential(2)} (logits up to ${maxAbs(theirs).toFixed(3)})`;
  };
  return [
    against('TF.js vs PyTorch', join(cache, 'torch-logits.f32')),
    ...setups.map(([rt, t]) => against(`TF.js vs onnxruntime-${rt} (${t})`, ortLogitsPath(cache, rt, t))),
  ];
}

const cpuCommand: Command = {
  summary: 'CPU: TF.js official forward / training step interleaved with PyTorch and ONNX Runtime',
  options: {
    ...backendOption,
    rounds: { type: 'string', default: '5', description: 'timed rounds (one sample of each system each)' },
    threads: {
      type: 'string',
      default: '2',
      description: 'threads of PyTorch, onnxruntime-node and the threaded onnxruntime-web',
    },
    python: {
      type: 'string',
      default: DEFAULT_PYTHON,
      description: 'python of a venv with torch 2.x, onnx, safetensors, timm, einops',
    },
    cache: {
      type: 'string',
      default: DEFAULT_CACHE,
      description: 'folder for the exported model and tensors (gitignored)',
    },
    'no-train': { type: 'boolean', default: false, description: 'skip the training steps' },
  },
  async run(o) {
    const rounds = intOption(o, 'rounds', 1, 1000);
    const threads = intOption(o, 'threads', 1, 64);
    const cache = String(o.cache);
    log(`load average (1/5/15 min) at start: ${load()} on ${cpus().length} cores`);
    const start = load();
    const torch = torchPeer(String(o.python), cache, threads, 2);
    const peers: Peer[] = [torch];
    try {
      const info = await torch.ready();
      log(`PyTorch ${info.torch} ready; exported ${join(cache, 'official.onnx')}`);
      const setups: [OrtRuntime, number][] = [
        ['node', threads],
        ['web', 1],
        ['web', threads],
      ];
      const orts = setups.map(([rt, t]) => ortPeer(rt, t, cache));
      peers.push(...orts);
      for (const p of orts) await p.ready();
      const ours = tfjsSystem(cache, 2);
      const diffs = parity(cache, ours.logits(), setups);
      const peerSample = (p: Peer, op: string): Sampled => ({ name: p.name, sample: () => p.sample(op) });
      const forward = await interleave(
        [
          { name: 'this project, TF.js', sample: () => timeOnce(ours.forward) },
          ...orts.map((p) => peerSample(p, 'forward')),
          peerSample(torch, 'forward'),
        ],
        rounds,
        1,
        log,
      );
      const step = o['no-train']
        ? undefined
        : await interleave(
            [
              { name: 'this project, TF.js', sample: () => timeOnce(ours.training.step) },
              peerSample(torch, 'step'),
            ],
            rounds,
            1,
            log,
          );
      ours.dispose();
      console.log(
        `CPU benchmark, official model (224 px, 9 classes), ${cpus().length} cores, ${rounds} rounds`,
      );
      console.log(`load average (1/5/15 min): start ${start}, end ${load()}\n`);
      console.log(formatTable('forward, batch 1', rowsOf(forward), 'this project, TF.js'));
      if (step)
        console.log(
          `\n${formatTable('training step, batch 2 (SGD, CE)', rowsOf(step), 'this project, TF.js')}`,
        );
      console.log(`\n${diffs.join('\n')}`);
    } finally {
      for (const p of peers) p.close();
    }
  },
};

await runScriptCommand('bench/cpu.ts', cpuCommand);
