/**
 * A benchmark peer: a persistent child process that times one sample per request, so that every
 * system keeps its own threads, heap and warm caches while the samples of all are interleaved.
 * Protocol (JSON lines): the child prints `{"ready": true, ...}` once set up, then answers each
 * request line (`forward`, `step`) with `{"ms": t}` (or `{"error": message}`); `quit` ends it.
 */
import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { createInterface, type Interface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';

export type Reply = Record<string, unknown>;

export class Peer {
  private readonly child: ChildProcessByStdio<Writable, Readable, null>;
  private readonly lines: Interface;
  private readonly pending: ((line: string) => void)[] = [];
  private readonly queued: string[] = [];
  private exited: string | undefined;

  constructor(
    readonly name: string,
    command: string,
    args: string[],
    env: NodeJS.ProcessEnv = process.env,
  ) {
    this.child = spawn(command, args, { stdio: ['pipe', 'pipe', 'inherit'], env });
    this.lines = createInterface({ input: this.child.stdout });
    this.lines.on('line', (line) => this.deliver(line));
    this.child.on('exit', (code, signal) => {
      this.exited = `${name} exited (${signal ?? code})`;
      for (const waiter of this.pending.splice(0)) waiter('');
    });
  }

  /** The child's `ready` line (it may take a while: building the model, exporting it). */
  ready(): Promise<Reply> {
    return this.next();
  }

  /** Sends `op` and returns the child's reply; a reply with `error` or a dead child throws. */
  async request(op: string): Promise<Reply> {
    this.child.stdin.write(`${op}\n`);
    return this.next();
  }

  /** Times one `op` in the child: the milliseconds it measured around the work alone. */
  async sample(op: string): Promise<number> {
    const reply = await this.request(op);
    if (typeof reply.ms !== 'number') throw new Error(`${this.name}: no time in ${JSON.stringify(reply)}`);
    return reply.ms;
  }

  close(): void {
    if (this.exited === undefined) this.child.stdin.end('quit\n');
  }

  private async next(): Promise<Reply> {
    const line = this.queued.shift() ?? (await new Promise<string>((resolve) => this.pending.push(resolve)));
    if (line === '' && this.exited) throw new Error(this.exited);
    const reply = JSON.parse(line) as Reply;
    if (typeof reply.error === 'string') throw new Error(`${this.name}: ${reply.error}`);
    return reply;
  }

  private deliver(line: string): void {
    if (!line.startsWith('{')) {
      console.error(`[${this.name}] ${line}`);
      return;
    }
    const waiter = this.pending.shift();
    if (waiter) waiter(line);
    else this.queued.push(line);
  }
}
