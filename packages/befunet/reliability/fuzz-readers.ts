/**
 * A seeded fuzz harness over the file readers: each valid sample file is truncated at many offsets,
 * has bytes replaced at random positions, and has its header region (first 64 bytes) scrambled. Every
 * case must end in the reader's result or a FileFormatError; anything else is a crash. A case taking
 * longer than `slowMs` is counted as a hang (the readers are synchronous, so the harness can only
 * measure, not interrupt).
 */
import {
  BefunetError,
  FileFormatError,
  readSafetensors,
  readTorchCheckpoint,
  SeededRandom,
  writeSafetensors,
} from '@befunet/common';
import { decodeJpeg, decodePng, encodeNifti, encodePng, gzip, readNifti } from '@befunet/io';
import { readHdf5 } from '@befunet/io/hdf5';
import { encodeNpy, readNpy } from '../src/data/readers/npy.js';
import { readNpz } from '../src/data/readers/npz.js';
import { archiveFuzzTargets } from './fuzz-archive-targets.js';
import { FUZZ_HDF5, FUZZ_HDF5_LATEST, FUZZ_JPEG, FUZZ_NPZ } from './fuzz-samples.js';

export interface FuzzTarget {
  name: string;
  /** A valid file. */
  sample: Uint8Array;
  /** Reads the file; a reader may be asynchronous (h5wasm's HDF5 is). */
  read(bytes: Uint8Array, source: string): unknown;
}

export interface FuzzStats {
  reader: string;
  cases: number;
  /** Cases the reader accepted (the corruption left a valid file). */
  accepted: number;
  /** Cases rejected with a FileFormatError (or another typed error of the library). */
  clearErrors: number;
  crashes: { case: string; error: string }[];
  hangs: { case: string; ms: number }[];
}

export interface FuzzOptions {
  seed?: number;
  /** Cases of each kind (truncation, byte replacement, header scrambling) per reader. Defaults to 100. */
  casesPerKind?: number;
  /** A case slower than this counts as a hang. Defaults to 2000 ms. */
  slowMs?: number;
}

/** Small valid files of every format that has a reader here (a .pth needs PyTorch to write; pass one). */
export function defaultFuzzTargets(pth?: Uint8Array): FuzzTarget[] {
  const pixels = Uint8Array.from({ length: 16 * 12 * 3 }, (_, i) => (i * 37) % 256);
  const volume = {
    shape: [6, 5, 4],
    data: Float32Array.from({ length: 120 }, (_, i) => i % 4),
    dtype: 'uint8' as const,
  };
  const targets: FuzzTarget[] = [
    {
      name: 'safetensors',
      sample: writeSafetensors(
        { w: { shape: [4, 3], values: Float32Array.from({ length: 12 }, (_, i) => i / 7) } },
        { note: 'fuzz' },
      ),
      read: (b, s) => readSafetensors(b, s),
    },
    {
      name: 'png',
      sample: encodePng({ width: 16, height: 12, channels: 3, data: pixels }),
      read: (b, s) => decodePng(b, s),
    },
    { name: 'nifti', sample: encodeNifti(volume), read: (b, s) => readNifti(b, s) },
    { name: 'nifti.gz', sample: gzip(encodeNifti(volume)), read: (b, s) => readNifti(b, s) },
    {
      name: 'npy',
      sample: encodeNpy({
        dtype: 'float32',
        shape: [3, 4],
        data: Float32Array.from({ length: 12 }, (_, i) => i),
      }),
      read: (b, s) => readNpy(b, s),
    },
    { name: 'npz', sample: FUZZ_NPZ, read: (b, s) => readNpz(b, s) },
    { name: 'jpeg', sample: FUZZ_JPEG, read: (b, s) => decodeJpeg(b, s) },
    { name: 'hdf5', sample: FUZZ_HDF5, read: (b, s) => readHdf5(b, s) },
    { name: 'hdf5 (latest)', sample: FUZZ_HDF5_LATEST, read: (b, s) => readHdf5(b, s) },
    // PyTorch .pth, TF.js model.json and weights files.
    ...archiveFuzzTargets(),
  ];
  if (pth) targets.push({ name: 'pth (given file)', sample: pth, read: (b, s) => readTorchCheckpoint(b, s) });
  return targets;
}

export async function fuzzReaders(
  targets: readonly FuzzTarget[],
  options: FuzzOptions = {},
): Promise<FuzzStats[]> {
  const rng = new SeededRandom(options.seed ?? 1);
  const perKind = options.casesPerKind ?? 100;
  const slowMs = options.slowMs ?? 2000;
  const all: FuzzStats[] = [];
  for (const t of targets) {
    const stats: FuzzStats = {
      reader: t.name,
      cases: 0,
      accepted: 0,
      clearErrors: 0,
      crashes: [],
      hangs: [],
    };
    const cases: [string, Uint8Array][] = [];
    const n = t.sample.length;
    for (let i = 0; i < perKind; i++) {
      const cut = Math.floor(rng.next() * n);
      cases.push([`truncated at ${cut}`, t.sample.slice(0, cut)]);
      const flipped = t.sample.slice();
      const at = Math.floor(rng.next() * n);
      flipped[at] = Math.floor(rng.next() * 256);
      cases.push([`byte ${at} replaced`, flipped]);
      const scrambled = t.sample.slice();
      for (let k = 0; k < 4; k++)
        scrambled[Math.floor(rng.next() * Math.min(64, n))] = Math.floor(rng.next() * 256);
      cases.push(['header scrambled', scrambled]);
    }
    for (const [name, bytes] of cases) {
      stats.cases++;
      const t0 = performance.now();
      try {
        await t.read(bytes, `${t.name}:${name}`);
        stats.accepted++;
      } catch (error) {
        if (error instanceof FileFormatError || BefunetError.isInstance(error)) stats.clearErrors++;
        else
          stats.crashes.push({
            case: name,
            error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
          });
      }
      const ms = performance.now() - t0;
      if (ms > slowMs) stats.hangs.push({ case: name, ms });
    }
    all.push(stats);
  }
  return all;
}

/** The harness's table: reader, cases, accepted, clear errors, crashes, hangs. */
export function formatFuzzTable(stats: readonly FuzzStats[]): string {
  const rows = [
    ['reader', 'cases', 'accepted', 'clear errors', 'crashes', 'hangs'],
    ...stats.map((s) =>
      [s.reader, s.cases, s.accepted, s.clearErrors, s.crashes.length, s.hangs.length].map(String),
    ),
  ];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows
    .map((r) =>
      r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '),
    )
    .join('\n');
}
