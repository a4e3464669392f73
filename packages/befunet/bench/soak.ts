/**
 * The soak of bench/lib/soak.ts from the command line: prints a progress line every `--every` steps
 * (stderr) and a markdown table of the samples (stdout); `--out FILE` also writes them as JSON.
 *
 * usage: node ../../node_modules/tsx/dist/cli.mjs bench/soak.ts [--backend wasm|webgpu|cpu]
 *        [--steps 1000] [--size 32] [--every 100] [--out FILE]
 */
import { writeFileSync } from 'node:fs';
import { intOption } from '../../cli/src/args.js';
import { backendOption, type Command } from '../../cli/src/command.js';
import { runScriptCommand } from './lib/script-command.js';
import { formatSoakTable, runSoak } from './lib/soak.js';

const soakCommand: Command = {
  summary: 'training steps (replayed on WebGPU) with tensors, RSS, heap and GPU bytes sampled along the way',
  options: {
    ...backendOption,
    steps: { type: 'string', default: '1000', description: 'steps after the warm-up' },
    size: { type: 'string', default: '32', description: 'image side in pixels (a multiple of 32)' },
    every: { type: 'string', default: '100', description: 'steps between samples' },
    out: { type: 'string', description: 'also write the samples as JSON to this file' },
  },
  async run(o) {
    const t0 = Date.now();
    const result = await runSoak({
      steps: intOption(o, 'steps', 1, 1_000_000),
      size: intOption(o, 'size', 32, 4096),
      every: intOption(o, 'every', 1, 1_000_000),
      log: (line) => console.error(`[${((Date.now() - t0) / 1000).toFixed(0)} s] ${line}`),
    });
    console.log(formatSoakTable(result));
    console.log(`wall time ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    if (o.out) writeFileSync(o.out as string, `${JSON.stringify(result, null, 2)}\n`);
  },
};

await runScriptCommand('bench/soak.ts', soakCommand);
