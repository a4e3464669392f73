/**
 * Zip bombs: crafted `.npz` and `.pth` archives whose entries declare or inflate to absurd sizes
 * (beyond DEFLATE's 1032:1, gigabytes from a few kilobytes, thousands of entries, one kernel
 * shared by overlapping entries, more output than declared). Each must be refused with a typed error
 * naming the file, quickly and without allocating what it declares; `refuseBombs` runs them and
 * measures time and memory (ArrayBuffer and heap growth, read before any garbage collection).
 */
import { BefunetError, readTorchCheckpoint, writeZip, type ZipWriteEntry } from '@befunet/common';
import { readNpz } from '../src/data/readers/npz.js';
import { deflateBomb } from './deflate-bomb.js';
import type { FuzzStats } from './fuzz-readers.js';

export interface CraftedCase {
  /** What the file is. */
  readonly name: string;
  /** The file name passed as `source`. */
  readonly source: string;
  readonly bytes: Uint8Array;
  read(bytes: Uint8Array, source: string): unknown;
}

const MiB = 2 ** 20;
const GiB = 2 ** 30;

/** A DEFLATE entry holding `stream`, declaring `size` uncompressed bytes (with the CRC of that many zeros unknown, 0). */
const bombEntry = (name: string, stream: Uint8Array, size: number): ZipWriteEntry => ({
  name,
  stored: stream,
  size,
  method: 8,
  crc: 0,
});

/** The crafted bomb files, each with the reader it targets. */
export function zipBombCases(): CraftedCase[] {
  const npz = (name: string, entries: ZipWriteEntry[]): CraftedCase => ({
    name,
    source: 'bomb.npz',
    bytes: writeZip(entries),
    read: (b, s) => readNpz(b, s),
  });
  const pth = (name: string, entries: ZipWriteEntry[]): CraftedCase => ({
    name,
    source: 'bomb.pth',
    bytes: writeZip(entries),
    read: (b, s) => readTorchCheckpoint(b, s),
  });
  const gigabyte = deflateBomb(GiB); // about 1 MB of compressed zeros
  const megabyte = deflateBomb(MiB);
  const kernel = deflateBomb(512 * 1024);
  return [
    npz('entry declaring 1 TiB from 100 bytes (zip64)', [
      bombEntry('image.npy', new Uint8Array(100), 2 ** 40),
    ]),
    npz('two real 1 GiB DEFLATE streams (ratio 1032:1)', [
      bombEntry('image.npy', gigabyte, GiB),
      bombEntry('label.npy', gigabyte, GiB),
    ]),
    npz(
      '2048 entries of 1 MiB each',
      Array.from({ length: 2048 }, (_, i) => bombEntry(`a${i}.npy`, megabyte, MiB)),
    ),
    npz('100 overlapping entries sharing one 512 KiB kernel', [
      bombEntry('kernel.npy', kernel, 512 * 1024),
      ...Array.from({ length: 100 }, (_, i) => ({
        ...bombEntry(`copy${i}.npy`, kernel, 512 * 1024),
        localHeaderOffset: 0,
      })),
    ]),
    npz('stream inflating to 1 GiB, declared 1 MiB', [bombEntry('image.npy', gigabyte, MiB)]),
    pth('storage record of 2 GiB DEFLATE', [
      { name: 'archive/data.pkl', data: Uint8Array.from([0x80, 0x02, 0x7d, 0x2e]) },
      bombEntry('archive/data/0', gigabyte, GiB),
      bombEntry('archive/data/1', gigabyte, GiB),
    ]),
    pth('pickle record declaring 1 TiB', [bombEntry('archive/data.pkl', new Uint8Array(64), 2 ** 40)]),
  ];
}

export interface BombStats extends FuzzStats {
  /** Cases whose memory growth exceeded the bound. */
  overMemory: { case: string; bytes: number }[];
  /** The largest memory growth of a case, in bytes. */
  maxMemoryBytes: number;
  /** The slowest case, in ms. */
  maxMs: number;
}

export interface BombOptions {
  /** A case slower than this counts as a hang. Defaults to 2000 ms. */
  slowMs?: number;
  /** A case growing ArrayBuffers + heap by more than this fails. Defaults to 64 MiB. */
  memoryBytes?: number;
}

/** Runs every case: a typed error is a refusal, acceptance and any other error are failures. */
export function refuseBombs(cases: readonly CraftedCase[], options: BombOptions = {}): BombStats {
  const slowMs = options.slowMs ?? 2000;
  const memoryBytes = options.memoryBytes ?? 64 * MiB;
  const stats: BombStats = {
    reader: 'zip bombs',
    cases: 0,
    accepted: 0,
    clearErrors: 0,
    crashes: [],
    hangs: [],
    overMemory: [],
    maxMemoryBytes: 0,
    maxMs: 0,
  };
  const used = () => {
    const m = process.memoryUsage();
    return m.arrayBuffers + m.heapUsed;
  };
  for (const c of cases) {
    stats.cases++;
    const before = used();
    const t0 = performance.now();
    try {
      c.read(c.bytes, c.source);
      stats.accepted++;
    } catch (error) {
      if (BefunetError.isInstance(error) && error.message.startsWith(`${c.source}`)) stats.clearErrors++;
      else
        stats.crashes.push({
          case: c.name,
          error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
        });
    }
    const ms = performance.now() - t0;
    const grown = Math.max(0, used() - before);
    stats.maxMemoryBytes = Math.max(stats.maxMemoryBytes, grown);
    stats.maxMs = Math.max(stats.maxMs, ms);
    if (ms > slowMs) stats.hangs.push({ case: c.name, ms });
    if (grown > memoryBytes) stats.overMemory.push({ case: c.name, bytes: grown });
  }
  return stats;
}
