/**
 * The leak check of bench/lib/leak-check.ts from the command line.
 *
 * usage: node ../../node_modules/tsx/dist/cli.mjs bench/leak-check.ts [--long] [--steps N] [--predictions N]
 *        [--batch N] [--size S] [--backend cpu|webgpu] [--out FILE]
 * Short mode: 20 steps and 20 predictions; --long: 1000 of each. Prints a markdown table (and JSON to --out).
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { useBackend } from '../src/node/backend.js';
import { formatLeakTable, runLeakCheck } from './lib/leak-check.js';

const { values: args } = parseArgs({
  options: {
    long: { type: 'boolean', default: false },
    steps: { type: 'string' },
    predictions: { type: 'string' },
    batch: { type: 'string', default: '2' },
    size: { type: 'string', default: '32' },
    backend: { type: 'string', default: 'cpu' },
    out: { type: 'string' },
  },
});
const n = args.long ? 1000 : 20;
const backend = await useBackend(args.backend as 'cpu' | 'webgpu');
try {
  const t0 = Date.now();
  const result = await runLeakCheck({
    steps: Number(args.steps ?? n),
    predictions: Number(args.predictions ?? n),
    batch: Number(args.batch),
    size: Number(args.size),
    log: (line) => console.error(`[${((Date.now() - t0) / 1000).toFixed(0)} s] ${line}`),
  });
  console.log(`${backend.description}\n${formatLeakTable(result)}`);
  if (args.out) writeFileSync(args.out, `${JSON.stringify(result, null, 2)}\n`);
} finally {
  backend.dispose();
}
