/**
 * Fault injection at the `FileOps` seam of @befunet/common/node: a counting wrapper records the
 * operations a save performs, and a faulty wrapper makes the k-th operation fail the way a system
 * call does (an Error with `code`, `syscall` and `path`), without patching node:fs.
 */
import type { FileOps } from '@befunet/common/node';

export type FileOpName = keyof FileOps;

/** ENOSPC, EIO, EACCES fail the operation; a short write writes half the data, then fails with ENOSPC. */
export type FaultKind = 'ENOSPC' | 'EIO' | 'EACCES' | 'short write';

export interface FileCall {
  /** Position of the call among all the operations of the wrapped run, from 0. */
  index: number;
  op: FileOpName;
  path: string;
}

const MESSAGES: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EIO: 'i/o error',
  EACCES: 'permission denied',
};

const SYSCALLS: Record<FileOpName, string> = {
  writeFile: 'write',
  syncFile: 'fsync',
  syncFolder: 'fsync',
  rename: 'rename',
  mkdir: 'mkdir',
  rm: 'rm',
};

/** The kinds of fault that make sense for an operation: a short write only for writes. */
export function faultKindsFor(op: FileOpName): FaultKind[] {
  return op === 'writeFile' ? ['ENOSPC', 'EIO', 'EACCES', 'short write'] : ['ENOSPC', 'EIO', 'EACCES'];
}

/** The errno code a fault of `kind` raises. */
export function faultCode(kind: FaultKind): string {
  return kind === 'short write' ? 'ENOSPC' : kind;
}

export function systemError(code: string, op: FileOpName, path: string): NodeJS.ErrnoException {
  const syscall = SYSCALLS[op];
  return Object.assign(new Error(`${code}: ${MESSAGES[code] ?? 'failed'}, ${syscall} '${path}'`), {
    code,
    syscall,
    path,
  });
}

type Data = Uint8Array | string;

/**
 * Wraps every operation of `base` with `around(call, run)`; `run` performs the real operation (a
 * write with the data given to it, when given: a short write passes part of the data).
 */
function wrap(
  base: FileOps,
  around: (call: FileCall, run: (data?: Data) => Promise<void>) => Promise<void>,
): FileOps {
  let index = 0;
  const call = (op: FileOpName, path: string, run: (data?: Data) => Promise<void>) =>
    around({ index: index++, op, path }, run);
  return {
    writeFile: (path, data) => call('writeFile', path, (part) => base.writeFile(path, part ?? data)),
    syncFile: (path) => call('syncFile', path, () => base.syncFile(path)),
    syncFolder: (path) => call('syncFolder', path, () => base.syncFolder(path)),
    rename: (from, to) => call('rename', from, () => base.rename(from, to)),
    mkdir: (path, options) => call('mkdir', path, () => base.mkdir(path, options)),
    rm: (path) => call('rm', path, () => base.rm(path)),
  };
}

/** `base`, recording each call in `calls`. */
export function countingFileOps(base: FileOps): { ops: FileOps; calls: FileCall[] } {
  const calls: FileCall[] = [];
  const ops = wrap(base, async (c, run) => {
    calls.push(c);
    await run();
  });
  return { ops, calls };
}

/**
 * `base` with the call at position `at` failing with a fault of `kind` (a short write first writes
 * the first half of the data); `injected()` is that call once it happened.
 * Every other call, including the ones after the fault, runs normally.
 */
export function faultyFileOps(
  base: FileOps,
  at: number,
  kind: FaultKind,
): { ops: FileOps; injected: () => FileCall | undefined } {
  let injected: FileCall | undefined;
  let lastData: Data = '';
  const ops = wrap(base, async (c, run) => {
    if (c.index !== at) return run();
    injected = c;
    if (kind === 'short write' && c.op === 'writeFile') await run(halfOf(lastData));
    throw systemError(faultCode(kind), c.op, c.path);
  });
  return {
    ops: {
      ...ops,
      writeFile: (path, data) => {
        lastData = data;
        return ops.writeFile(path, data);
      },
    },
    injected: () => injected,
  };
}

function halfOf(data: Data): Data {
  return typeof data === 'string'
    ? data.slice(0, Math.floor(data.length / 2))
    : data.subarray(0, data.length >> 1);
}
