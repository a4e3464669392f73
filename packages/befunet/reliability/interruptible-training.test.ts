/**
 * Issue 12 (`interruptible-training.ts`): training killed (SIGKILL) at random moments, then resumed. Each interrupted run must
 * leave no checkpoint (killed before the first save) or a complete, valid latest checkpoint, at
 * least as recent as the last save it reported finished; resumed, it must end with the same files,
 * byte for byte, as an uninterrupted run with the same seed; and the next save must remove what
 * the killed one left behind.
 *
 * Kill moments are seeded and tied to the run's own progress lines (so that a loaded machine does
 * not shift them): a random delay after the seeded initial weights (inside step 1, before any
 * checkpoint), after a random step, and right after "checkpoint writing k" (inside a save).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SeededRandom } from '@befunet/common';
import { testProject } from '@befunet/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBefunet } from '../src/model/befunet.js';
import { weightsDigest } from '../src/model/weights-digest.js';
import { CHECKPOINT_FILES, readCheckpointState } from '../src/train/checkpoint.js';
import { fileCheckpointStore } from '../src/train/file-checkpoint-store.js';
import { INTERRUPTIBLE_MODEL } from './interruptible-training.js';

const STEPS = 8;
const SEED = 3;
// tsx as a loader in the script's own process: its CLI would run the script in a child process, out
// of reach of the SIGKILL.
const TSX_LOADER = new URL('../../../node_modules/tsx/dist/loader.mjs', import.meta.url).href;
const SCRIPT = fileURLToPath(new URL('./interruptible-training.ts', import.meta.url));

interface RunLog {
  lines: string[];
  signal: NodeJS.Signals | null;
  code: number | null;
  stderr: string;
}

/**
 * Starts the training script on `dir`; `onLine` sees each event line as it arrives (with the
 * child, to kill it). Resolves when the child has exited.
 */
function runTraining(
  dir: string,
  onLine: (line: string, child: ChildProcess) => void = () => {},
): Promise<RunLog> {
  const child = spawn(
    process.execPath,
    ['--import', TSX_LOADER, SCRIPT, '--dir', dir, '--steps', String(STEPS), '--seed', String(SEED)],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const lines: string[] = [];
  let stderr = '';
  let pending = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    stderr += chunk;
    pending += chunk;
    const complete = pending.split('\n');
    pending = complete.pop()!;
    for (const line of complete) {
      lines.push(line);
      onLine(line, child);
    }
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ lines, code, signal, stderr }));
  });
}

/** The number in the last line starting with `prefix` (`checkpoint written 3 9.2` -> 3). */
function lastStep(lines: string[], prefix: string): number | undefined {
  const line = lines.filter((l) => l.startsWith(prefix)).at(-1);
  return line === undefined ? undefined : Number(line.slice(prefix.length).split(' ')[0]);
}

const sha256 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');

/** sha256 of the three files of `dir`'s latest checkpoint. */
async function latestDigests(dir: string): Promise<Record<string, string>> {
  const files = await fileCheckpointStore(dir).load('latest');
  if (!files) throw new Error(`${dir}: no latest checkpoint`);
  return {
    [CHECKPOINT_FILES.model]: sha256(files.model),
    [CHECKPOINT_FILES.optimizer]: sha256(files.optimizer),
    [CHECKPOINT_FILES.state]: sha256(files.state),
  };
}

/**
 * A kill plan: after the first line starting with `after`, wait `delayMs`, or `stepFraction` of the
 * time the last step took (so that the kill lands inside the next step on a fast or slow machine),
 * then SIGKILL.
 */
interface Kill {
  after: string;
  delayMs?: number;
  stepFraction?: number;
}

const random = new SeededRandom(12);
const pick = (lo: number, hi: number) => lo + Math.floor(random.next() * (hi - lo + 1));
const [writeA, writeB] = [pick(1, 3), pick(4, STEPS - 1)];
const KILLS: Kill[] = [
  { after: 'initial ', delayMs: random.uniform(0, 300) },
  { after: `step ${pick(2, STEPS - 2)}`, stepFraction: random.next() },
  { after: `checkpoint writing ${writeA}`, delayMs: random.uniform(0, 5) },
  { after: `checkpoint writing ${writeB}`, delayMs: random.uniform(0, 5) },
];

describe.runIf(testProject() === 'cpu')('training killed with SIGKILL, then resumed', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'befunet-sigkill-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("never loses or corrupts a checkpoint, and reaches the uninterrupted run's files", async () => {
    const initial = createBefunet(INTERRUPTIBLE_MODEL, {}, { seed: SEED });
    const initialDigest = await weightsDigest(initial);
    initial.dispose();

    const straightDir = join(root, 'straight');
    const chains = KILLS.map((kill, i) => ({ kill, dir: join(root, `killed-${i}`) }));
    const started = performance.now();
    // Two at a time (one per core): the straight run, then the kill-and-resume chains.
    const results: { dir: string; killed: RunLog; found: string; leftovers: string[]; resumed: RunLog }[] =
      [];
    const chain = async ({ kill, dir }: (typeof chains)[number]) => {
      let delay: number | undefined;
      let stepStart = performance.now();
      let stepTime = 0;
      const killed = await runTraining(dir, (line, child) => {
        if (line.startsWith('step '))
          [stepTime, stepStart] = [performance.now() - stepStart, performance.now()];
        if (delay === undefined && line.startsWith(kill.after)) {
          delay = kill.delayMs ?? kill.stepFraction! * stepTime;
          setTimeout(() => child.kill('SIGKILL'), delay);
        }
      });
      expect(killed.signal, `killed after '${kill.after}': ${killed.stderr}`).toBe('SIGKILL');
      const written = lastStep(killed.lines, 'checkpoint written ');
      const writing = lastStep(killed.lines, 'checkpoint writing ');
      // What the kill left: no checkpoint only if none was reported saved; else a valid one, at
      // least the last reported saved and at most the last begun.
      const files = await fileCheckpointStore(dir).load('latest');
      let found = 'none';
      if (!files) {
        expect(
          written,
          `${dir}: checkpoint of step ${written} reported written, then missing`,
        ).toBeUndefined();
      } else {
        const state = readCheckpointState(files, dir);
        expect(state.step).toBeGreaterThanOrEqual(written ?? 1);
        expect(state.step).toBeLessThanOrEqual(writing!);
        found = `step ${state.step}`;
      }
      const leftovers = (await readdir(dir).catch(() => [] as string[])).filter(
        (e) => e.endsWith('.partial') || e.includes('.tmp-'),
      );
      const resumed = await runTraining(dir);
      expect(resumed.code, resumed.stderr).toBe(0);
      expect(resumed.lines).toContain(files ? `resumed ${JSON.parse(files.state).step}` : 'fresh');
      results.push({ dir, killed, found, leftovers, resumed });
      const last = killed.lines.at(-1);
      console.log(
        `kill ${results.length}: ${Math.round(delay!)} ms after '${kill.after.trim()}' (last line '${last}'), ` +
          `left ${found}${leftovers.length ? ` + ${leftovers.join(', ')}` : ''}; resumed -> ${resumed.lines.at(-1)}`,
      );
    };
    const [straight] = await Promise.all([
      runTraining(straightDir),
      chain(chains[0]!).then(() => chain(chains[1]!)),
    ]);
    await Promise.all([chain(chains[2]!), chain(chains[3]!)]);
    console.log(
      `${KILLS.length} kills and resumes in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );

    expect(straight.code, straight.stderr).toBe(0);
    expect(straight.lines.filter((l) => l.startsWith('step '))).toHaveLength(STEPS);
    const expected = await latestDigests(straightDir);
    const done = straight.lines.at(-1)!;
    for (const [i, { dir, killed, resumed }] of results.entries()) {
      // The same seeded initial weights in every process as in this one.
      for (const run of [killed, resumed]) expect(run.lines).toContain(`initial ${initialDigest}`);
      expect(await latestDigests(dir), `run ${i}`).toEqual(expected);
      expect(resumed.lines.at(-1), `run ${i}`).toBe(done);
      // The next save removed the killed run's leftovers: the pointer and the one folder it names.
      const { folder } = JSON.parse(await readFile(join(dir, 'latest.json'), 'utf8')) as { folder: string };
      expect((await readdir(dir)).sort(), `run ${i}`).toEqual(['latest.json', folder].sort());
    }
    expect(straight.lines).toContain(`initial ${initialDigest}`);
  }, 300_000);
});
