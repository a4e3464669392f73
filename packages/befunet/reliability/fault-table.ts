/**
 * The fault table of RELIABILITY.md, from real outcomes: every kind of fault (ENOSPC, EIO, EACCES,
 * a short write) at every file operation of a checkpoint save, a model save, the run lock's write,
 * `--force`'s move aside, metrics.json and an overlay, with the error
 * and whether the previous version was still there. Prints the table; `--write` also replaces it in
 * RELIABILITY.md (between its fault-table markers). Exits 1 when a fault lost a run.
 *
 * usage: pnpm --filter @befunet/core fault-table [--write]
 *        (from packages/befunet: node ../../node_modules/tsx/dist/cli.mjs reliability/fault-table.ts --help)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { FileWriteError } from '@befunet/common';
import { backendOption, type Command } from '@befunet/common/node';
import { runScriptCommand } from '../bench/lib/script-command.js';
import { moveAsideSubject, runFileSubjects, runLockSubject } from './run-folder-faults.js';
import {
  checkpointSubject,
  type FaultOutcome,
  injectEverywhere,
  modelSubject,
  type SaveSubject,
} from './write-faults.js';

const RELIABILITY = fileURLToPath(new URL('../../../RELIABILITY.md', import.meta.url));
const BEGIN = '<!-- fault-table: begin (reliability/fault-table.ts --write) -->';
const END = '<!-- fault-table: end -->';

function previousIntact(o: FaultOutcome): string {
  if (o.found === 'previous') return 'yes';
  if (o.found === 'new' && o.afterCommit && o.subject === 'move aside') return 'yes (moved aside whole)';
  // After the rename that commits it, the new version is the run (it loads: `found` loaded it).
  if (o.found === 'new' && o.afterCommit) return 'yes (the new version: the fault came after its commit)';
  return `**no** (${o.found}${o.loadError ? `: ${o.loadError}` : ''})`;
}

function result(o: FaultOutcome): string {
  const leftovers = o.leftovers.length ? `; **leaves ${o.leftovers.join(', ')}**` : '';
  if (o.error === undefined)
    return `saved (the cleanup's failure leaves the old files to the next save)${leftovers}`;
  const kind =
    o.error instanceof FileWriteError ? 'FileWriteError' : `**${String((o.error as Error).name)}**`;
  const excerpt = (o.message ?? String(o.error)).replaceAll('|', '\\|');
  return `${kind}: \`${excerpt}\`${leftovers}`;
}

/** A fault lost the run: the previous version is gone before the commit, or temporary files remain. */
function lostTheRun(o: FaultOutcome): boolean {
  const expected = o.afterCommit ? 'new' : 'previous';
  const typed = o.call.op === 'rm' ? o.error === undefined : o.error instanceof FileWriteError;
  return o.found !== expected || o.leftovers.length > 0 || !typed;
}

export function formatFaultTable(outcomes: readonly FaultOutcome[]): string {
  const rows = outcomes.map(
    (o) =>
      `| ${o.kind} | ${o.subject}: #${o.call.index} \`${o.where}\` | ${result(o)} | ${previousIntact(o)} |`,
  );
  return [
    '| fault | where injected | result | run intact (loads) |',
    '| --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}

async function allOutcomes(): Promise<FaultOutcome[]> {
  const outcomes: FaultOutcome[] = [];
  const subjects: SaveSubject[] = [
    checkpointSubject(),
    modelSubject(),
    runLockSubject(),
    moveAsideSubject(),
    ...runFileSubjects(),
  ];
  for (const subject of subjects) {
    try {
      outcomes.push(...(await injectEverywhere(subject)));
    } finally {
      subject.dispose();
    }
  }
  return outcomes;
}

function replaceInReliability(table: string): void {
  const text = readFileSync(RELIABILITY, 'utf8');
  const start = text.indexOf(BEGIN);
  const end = text.indexOf(END);
  if (start < 0 || end < start)
    throw new Error(`${RELIABILITY}: no fault-table markers (${BEGIN} ... ${END})`);
  writeFileSync(RELIABILITY, `${text.slice(0, start + BEGIN.length)}\n\n${table}\n\n${text.slice(end)}`);
}

const faultTableCommand: Command = {
  summary:
    'faults at every file operation of a checkpoint save and a model save: the error, and whether the run was kept',
  options: {
    ...backendOption,
    write: { type: 'boolean', description: 'also replace the table in RELIABILITY.md' },
  },
  async run(o) {
    const outcomes = await allOutcomes();
    const table = formatFaultTable(outcomes);
    console.log(table);
    if (o.write) replaceInReliability(table);
    const lost = outcomes.filter(lostTheRun);
    for (const l of lost) console.error(`lost a run: ${l.kind} at ${l.subject} #${l.call.index} ${l.where}`);
    if (lost.length) process.exitCode = 1;
  },
};

await runScriptCommand('reliability/fault-table.ts', faultTableCommand);
