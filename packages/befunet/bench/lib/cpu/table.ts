/** The CPU benchmark's table: median and minimum per system, and ours over each peer. */
import { type SampleSummary, summarize } from './stats.js';

export interface Row {
  name: string;
  summary: SampleSummary;
}

export function rowsOf(samples: Map<string, number[]>): Row[] {
  return [...samples].map(([name, s]) => ({ name, summary: summarize(s) }));
}

const ms = (v: number) => (v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(0)} ms`);

/** A Markdown table; `ours` names the row the ratios are taken from (ours / that row's). */
export function formatTable(title: string, rows: readonly Row[], ours: string): string {
  const mine = rows.find((r) => r.name === ours)?.summary;
  const lines = [
    `| ${title} | median | min | runs | ours / it (median) | ours / it (min) |`,
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const { name, summary } of rows) {
    const ratio = (a: number | undefined, b: number) => (a === undefined ? '-' : `${(a / b).toFixed(2)}`);
    lines.push(
      `| ${name} | ${ms(summary.median)} | ${ms(summary.min)} | ${summary.runs} | ` +
        `${ratio(mine?.median, summary.median)} | ${ratio(mine?.min, summary.min)} |`,
    );
  }
  return lines.join('\n');
}
