// NRRD and MetaImage files written from their format specifications by scripts/clinical-fixtures.py
// (numpy, zlib, gzip; not our code); the expected affines are the script's, the voxels its formula.
import { afterAll, describe, expect, it } from 'vitest';
import { FileFormatError } from '../errors.js';
import type { NiftiVolume } from '../nifti/types.js';
import {
  type ClinicalCase,
  type ClinicalFiles,
  storedValue,
  writeClinicalFiles,
} from '../testing/clinical-files.js';
import { readMetaImage } from './metaimage.js';
import { readNrrd } from './nrrd.js';

const files: ClinicalFiles = writeClinicalFiles();
afterAll(() => files.remove());

function expectVolume(volume: NiftiVolume, want: ClinicalCase): void {
  expect(volume.shape).toEqual(want.size);
  for (const [r, row] of volume.header.affine.entries()) {
    for (const [c, v] of row.entries()) expect(v, `affine[${r}][${c}]`).toBeCloseTo(want.affine[r]![c]!, 6);
  }
  const [nx, ny, nz] = want.size;
  const wrong: number[] = [];
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++) {
        const at = i + nx * (j + ny * k);
        if (volume.data[at] !== storedValue(i, j, k)) wrong.push(at);
      }
  expect(wrong).toEqual([]);
  expect(volume.data).toHaveLength(nx * ny * nz);
}

const text = (s: string) => new TextEncoder().encode(s);

describe('readNrrd', () => {
  it('attached raw int16 in LPS', () =>
    expectVolume(readNrrd(files.load('raw.nrrd'), 'raw.nrrd'), files.expected['nrrd-lps']!));
  it('attached gzip in RAS', () =>
    expectVolume(readNrrd(files.load('gzip.nrrd'), 'gzip.nrrd'), files.expected['nrrd-ras']!));
  it('big-endian float', () =>
    expectVolume(readNrrd(files.load('float-big.nrrd')), files.expected['nrrd-lps']!));
  it('a detached .nhdr with its gzipped data file', () => {
    const volume = readNrrd(files.load('detached.nhdr'), 'detached.nhdr', files.load('detached.raw.gz'));
    expectVolume(volume, files.expected['nrrd-ras']!);
  });
  it('asks for the data file of a detached header', () => {
    expect(() => readNrrd(files.load('detached.nhdr'), 'detached.nhdr')).toThrow(
      /^detached\.nhdr: NRRD: detached header: pass the bytes of its data file "detached\.raw\.gz"/,
    );
  });
  it('refuses what it does not read, naming it', () => {
    const header = (extra: string) => text(`NRRD0004\ntype: short\ndimension: 3\nsizes: 2 2 2\n${extra}\n`);
    expect(() => readNrrd(text('P5 2 2\n'), 'x.nrrd')).toThrow(
      /^x\.nrrd: NRRD: the file does not start with a "NRRD000n" magic line/,
    );
    expect(() => readNrrd(header('encoding: bzip2\n'), 'b.nrrd')).toThrow(/encoding "bzip2" is not read/);
    expect(() => readNrrd(header('space: scanner-xyz\nspace directions: (1,0,0) (0,1,0) (0,0,1)\n'))).toThrow(
      /space "scanner-xyz" is not read/,
    );
    expect(() => readNrrd(text('NRRD0004\ntype: short\ndimension: 4\nsizes: 2 2 2 2\n\n'))).toThrow(
      /only 3-D scalar volumes/,
    );
    expect(() => readNrrd(header('encoding: raw\n'), 'short.nrrd')).toThrow(FileFormatError);
  });
});

describe('readMetaImage', () => {
  it('.mha with zlib-compressed data (CompressedData)', () => {
    expectVolume(readMetaImage(files.load('compressed.mha'), 'compressed.mha'), files.expected.metaimage!);
  });
  it('.mhd with its .raw', () => {
    expectVolume(
      readMetaImage(files.load('plain.mhd'), 'plain.mhd', files.load('plain.raw')),
      files.expected.metaimage!,
    );
  });
  it('refuses what it does not read, naming it', () => {
    const mha = (extra: string) =>
      text(`ObjectType = Image\nNDims = 3\nDimSize = 2 2 2\n${extra}ElementDataFile = LOCAL\n`);
    expect(() => readMetaImage(text('ObjectType = Image\nNDims = 3\n'), 'cut.mha')).toThrow(
      /^cut\.mha: MetaImage: the header has no ElementDataFile line/,
    );
    expect(() => readMetaImage(mha('ElementType = MET_LONG_LONG\n'))).toThrow(
      /ElementType "MET_LONG_LONG" is not read/,
    );
    expect(() => readMetaImage(mha('ElementType = MET_SHORT\nElementNumberOfChannels = 3\n'))).toThrow(
      /only one channel/,
    );
    expect(() => readMetaImage(files.load('plain.mhd'), 'plain.mhd')).toThrow(
      /the data are in "plain\.raw": pass its bytes/,
    );
    expect(() => readMetaImage(mha('ElementType = MET_SHORT\n'), 'short.mha')).toThrow(
      /^short\.mha: 8 int16 voxels need 16 bytes/,
    );
  });
});
