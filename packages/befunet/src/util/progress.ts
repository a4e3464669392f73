/**
 * A one-line progress display for long work: step, elapsed, throughput, ETA and any named values
 * (loss, Dice ...). On a terminal it redraws one line; elsewhere (CI logs) it prints a line every
 * `everySeconds`, and always the last step. No `\r` is ever written off a terminal.
 */
/** Where progress goes: Node's process.stderr, or anything with `write` (no Node types needed). */
export interface ProgressStream {
  write(text: string): unknown;
  /** True on a terminal: the line is then redrawn in place. */
  isTTY?: boolean;
}

/**
 * process.stderr in Node.js; in a browser (no `process`), a stream that logs each whole line with
 * console.info.
 */
export function defaultProgressStream(): ProgressStream {
  const node = (globalThis as { process?: { stderr?: ProgressStream } }).process?.stderr;
  if (node) return node;
  let pending = '';
  return {
    write(text: string) {
      pending += text;
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) console.info(line);
    },
  };
}

export interface ProgressOptions {
  /** What is counted, e.g. 'images'. */
  unit: string;
  /** Items per step (the batch size), for the throughput. Defaults to 1. */
  itemsPerStep?: number;
  /** Where to write. Defaults to `defaultProgressStream()` (process.stderr in Node.js). */
  stream?: ProgressStream;
  /** Minimum seconds between lines when not on a terminal. Defaults to 5. */
  everySeconds?: number;
}

export class Progress {
  private readonly started = performance.now();
  private lastPrinted = Number.NEGATIVE_INFINITY;
  private readonly stream: ProgressStream;

  constructor(
    private readonly label: string,
    private readonly totalSteps: number,
    private readonly options: ProgressOptions,
  ) {
    this.stream = options.stream ?? defaultProgressStream();
  }

  /** Reports that `step` (1-based) of `totalSteps` is done, with optional named values. */
  update(step: number, values: Record<string, number> = {}): void {
    const now = performance.now();
    const last = step >= this.totalSteps;
    const tty = !!this.stream.isTTY;
    if (!last && !tty && (now - this.lastPrinted) / 1000 < (this.options.everySeconds ?? 5)) return;
    this.lastPrinted = now;
    this.stream.write(
      `${tty ? '\r\x1b[2K' : ''}${this.format(step, values, (now - this.started) / 1000)}${tty && !last ? '' : '\n'}`,
    );
  }

  /** The line for `step` after `elapsed` seconds (exposed for tests). */
  format(step: number, values: Record<string, number>, elapsed: number): string {
    const rate = (step * (this.options.itemsPerStep ?? 1)) / Math.max(elapsed, 1e-9);
    const eta = step > 0 ? (elapsed / step) * (this.totalSteps - step) : Number.NaN;
    const width = 20;
    const filled = Math.round((width * step) / this.totalSteps);
    const shown = Object.entries(values).map(([k, v]) => `${k} ${formatValue(v)}`);
    return [
      `${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${step}/${this.totalSteps}`,
      ...shown,
      `${rate.toFixed(rate < 10 ? 2 : 1)} ${this.options.unit}/s`,
      `elapsed ${formatDuration(elapsed)}`,
      `ETA ${formatDuration(eta)}`,
    ].join(' | ');
  }
}

function formatValue(v: number): string {
  return Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(3) : v.toFixed(4);
}

/** Seconds as `1h02m03s`, `2m03s` or `4.5s`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}h${pad(m)}m${pad(s % 60)}s` : `${m}m${pad(s % 60)}s`;
}
