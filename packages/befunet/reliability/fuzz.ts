/**
 * Seeded fuzzing of the file readers and the zip bombs (formerly `befunet fuzz`; not published).
 * Exits 1 when a reader crashed, hung, or accepted a bomb.
 *
 * usage: pnpm --filter @befunet/core fuzz [--backend B] [--seed N] [--cases N]
 *        (from packages/befunet: node ../../node_modules/tsx/dist/cli.mjs reliability/fuzz.ts --help)
 */

import { backendOption, type Command, intOption } from '@befunet/common/node';
import { runScriptCommand } from '../bench/lib/script-command.js';
import { defaultFuzzTargets, formatFuzzTable, fuzzReaders } from './fuzz-readers.js';
import { refuseBombs, zipBombCases } from './zip-bombs.js';

const fuzzCommand: Command = {
  summary: 'seeded fuzzing of the file readers: cases, accepted, clear errors, crashes, hangs',
  options: {
    ...backendOption,
    seed: { type: 'string', default: '1', description: 'seed of the corruptions' },
    cases: {
      type: 'string',
      default: '100',
      description: 'cases of each kind (truncation, byte, header) per reader',
    },
  },
  async run(o) {
    const stats = await fuzzReaders(defaultFuzzTargets(), {
      seed: intOption(o, 'seed', 0, 2 ** 31 - 1),
      casesPerKind: intOption(o, 'cases', 1, 1_000_000),
    });
    const bombs = refuseBombs(zipBombCases());
    console.log(formatFuzzTable([...stats, bombs]));
    console.log(
      `zip bombs: slowest ${bombs.maxMs.toFixed(0)} ms, largest memory growth ${(bombs.maxMemoryBytes / 2 ** 20).toFixed(1)} MiB`,
    );
    const bad = [...stats, bombs].flatMap((s) => [
      ...s.crashes.map((c) => `${s.reader} crash: ${c.case}: ${c.error}`),
      ...s.hangs.map((h) => `${s.reader} hang: ${h.case}: ${h.ms.toFixed(0)} ms`),
    ]);
    if (bombs.accepted > 0) bad.push(`zip bombs: ${bombs.accepted} accepted instead of refused`);
    for (const o of bombs.overMemory) bad.push(`zip bombs: ${o.case} grew memory by ${o.bytes} bytes`);
    for (const line of bad) console.log(line);
    if (bad.length) process.exitCode = 1;
  },
};

await runScriptCommand('reliability/fuzz.ts', fuzzCommand);
