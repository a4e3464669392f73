/**
 * The tables of RELIABILITY.md, computed by running the checks (so the document shows what the code
 * does): the seeded fuzz harness over every reader, the zip bombs, and the bad-input cases.
 */

import { badInputModel, formatBadInputTable, runBadInputCases } from './bad-input-cases.js';
import { defaultFuzzTargets, type FuzzStats, formatFuzzTable, fuzzReaders } from './fuzz-readers.js';
import { refuseBombs, zipBombCases } from './zip-bombs.js';

export interface ReliabilityTablesOptions {
  /** Seed of the fuzz harness. Defaults to 1. */
  seed?: number;
  /** Fuzz cases of each kind per reader. Defaults to 100. */
  casesPerKind?: number;
}

/** Crashes and hangs of the fuzz harness, one line each (empty when there are none). */
function failures(stats: readonly FuzzStats[]): string[] {
  return stats.flatMap((s) => [
    ...s.crashes.map((c) => `- ${s.reader}, ${c.case}: crash ${c.error}`),
    ...s.hangs.map((h) => `- ${s.reader}, ${h.case}: ${h.ms.toFixed(0)} ms`),
  ]);
}

export async function reliabilityTables(options: ReliabilityTablesOptions = {}): Promise<string> {
  const seed = options.seed ?? 1;
  const casesPerKind = options.casesPerKind ?? 100;
  const fuzz = await fuzzReaders(defaultFuzzTargets(), { seed, casesPerKind });
  const bombs = refuseBombs(zipBombCases());
  const model = badInputModel();
  const outcomes = await runBadInputCases(model);
  model.dispose();
  const wrong = outcomes.filter((o) => !o.ok).map((o) => `- ${o.entryPoint}: ${o.case}: got ${o.errorClass}`);
  return [
    `### Malformed files (seed ${seed}, ${casesPerKind} cases of each kind per reader)`,
    '',
    '```',
    formatFuzzTable(fuzz),
    '```',
    ...failures(fuzz),
    '',
    '### Zip bombs',
    '',
    '```',
    formatFuzzTable([bombs]),
    '```',
    '',
    `Slowest case ${bombs.maxMs.toFixed(1)} ms; largest memory growth (ArrayBuffers + heap) ${(bombs.maxMemoryBytes / 2 ** 20).toFixed(1)} MiB.`,
    ...failures([bombs]),
    '',
    '### Bad tensors and arguments',
    '',
    formatBadInputTable(outcomes),
    ...(wrong.length ? ['', 'Cases that did not raise their expected error:', ...wrong] : []),
    '',
  ].join('\n');
}
