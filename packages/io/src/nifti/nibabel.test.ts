/**
 * Our reader against nibabel on nibabel's own test files: every expected value here is what
 * nibabel read (test-fixtures/nibabel/expected.json, written by scripts/nibabel-fixtures.py).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { everyByteCorruption } from '../../../testing/src/corruption.ts';
import { FileFormatError } from '../errors.js';
import { readNiftiHeader } from './header.js';
import { readNifti, readNiftiPair } from './read.js';
import type { NiftiHeader, NiftiVolume } from './types.js';

interface Expected {
  header: {
    dim: number[];
    pixdim: number[];
    datatype: number;
    bitpix: number;
    dtype: string;
    little_endian: boolean;
    vox_offset: number;
    xyzt_units: number;
    qform_code: number;
    sform_code: number;
    quatern: number[];
    qoffset: number[];
    qform: number[][];
    sform: number[][];
    descrip: string;
  };
  image?: string;
  voxels?: {
    shape: number[];
    sum: number;
    min: number;
    max: number;
    sha256_float32_le: string;
    samples: [number, number][];
    voxels?: number[];
  };
}

const FIXTURES = new URL('../../test-fixtures/nibabel/', import.meta.url);
const fixture = (name: string) => new Uint8Array(readFileSync(new URL(name, FIXTURES)));
const expected = JSON.parse(readFileSync(new URL('expected.json', FIXTURES), 'utf8')) as {
  files: Record<string, Expected>;
};
const files = Object.entries(expected.files).filter(([, e]) => e.header !== undefined);

const close = (actual: readonly number[], wanted: readonly number[]) => {
  expect(actual).toHaveLength(wanted.length);
  actual.forEach((x, k) => {
    expect(x).toBeCloseTo(wanted[k]!, 5);
  });
};

function expectHeader(h: NiftiHeader, e: Expected['header']): void {
  expect([...h.dim]).toEqual(e.dim);
  close(h.pixdim, e.pixdim);
  expect([h.datatype, h.bitpix, h.dtype, h.littleEndian]).toEqual([
    e.datatype,
    e.bitpix,
    e.dtype,
    e.little_endian,
  ]);
  expect([h.voxOffset, h.xyztUnits, h.qformCode, h.sformCode]).toEqual([
    e.vox_offset,
    e.xyzt_units,
    e.qform_code,
    e.sform_code,
  ]);
  close(h.quatern, e.quatern);
  close(h.qoffset, e.qoffset);
  close(h.qformMatrix.flat(), e.qform.flat());
  close(h.sformMatrix.flat(), e.sform.flat());
  // nibabel's best affine: the sform if sform_code > 0, else the qform (both set here).
  close(h.affine.flat(), (e.sform_code > 0 ? e.sform : e.qform).flat());
  expect(h.descrip).toBe(e.descrip.split('\0')[0]);
}

function expectVoxels(volume: NiftiVolume, e: NonNullable<Expected['voxels']>): void {
  expect([...volume.shape]).toEqual(e.shape);
  const bytes = new Uint8Array(volume.data.buffer, volume.data.byteOffset, volume.data.byteLength);
  expect(createHash('sha256').update(bytes).digest('hex')).toBe(e.sha256_float32_le);
  let sum = 0;
  for (const x of volume.data) sum += x;
  expect(sum).toBeCloseTo(e.sum, 0);
  for (const [i, value] of e.samples) expect(volume.data[i]).toBe(Math.fround(value));
  if (e.voxels) expect(Array.from(volume.data)).toEqual(e.voxels);
}

describe('NIfTI reading against nibabel (its own test files)', () => {
  it('covers NIfTI-1, NIfTI-2, .nii, .nii.gz, pairs and big-endian files', () => {
    const headers = files.map(([, e]) => e.header);
    expect(headers.some((h) => h.dim.length === 8 && h.vox_offset >= 540)).toBe(true);
    expect(files.map(([name]) => name)).toEqual(
      expect.arrayContaining([
        'example_nifti2.nii.gz',
        'nifti2_pair.hdr',
        'anatomical_pair.hdr',
        'anatomical.nii',
      ]),
    );
    expect(headers.some((h) => !h.little_endian)).toBe(true);
  });

  for (const [name, e] of files) {
    it(`reads the header of ${name} as nibabel does`, () => {
      const bytes = fixture(name);
      const raw = name.endsWith('.gz') ? readNifti(bytes, name).header : readNiftiHeader(bytes, name);
      expectHeader(raw, e.header);
      expect(raw.version).toBe(name.includes('nifti2') ? 2 : 1);
    });
    if (e.voxels) {
      it(`reads every voxel of ${name} as nibabel does`, () => {
        const volume = e.image
          ? readNiftiPair(fixture(name), fixture(e.image), { header: name, image: e.image })
          : readNifti(fixture(name), name);
        expectVoxels(volume, e.voxels!);
      });
    }
  }

  it("refuses nibabel's plain Analyze 7.5 header, saying why", () => {
    expect(expected.files['analyze.hdr']).toBeDefined();
    const read = () => readNiftiHeader(fixture('analyze.hdr'), 'analyze.hdr');
    expect(read).toThrow(FileFormatError);
    expect(read).toThrow(
      /^analyze\.hdr: NIfTI: .*plain Analyze 7\.5 header.*not supported: Analyze stores no orientation/,
    );
  });

  it('says a pair header read as a .nii needs its .img, and a missing or short .img names the .img', () => {
    expect(() => readNifti(fixture('nifti1.hdr'), 'nifti1.hdr')).toThrow(
      /nifti1\.hdr: NIfTI: .*\.hdr\/\.img pair.*readNiftiPair/,
    );
    const img = fixture('anatomical_pair.img');
    expect(() =>
      readNiftiPair(fixture('anatomical_pair.hdr'), img.subarray(0, img.length - 2), {
        header: 'anatomical_pair.hdr',
      }),
    ).toThrow(
      /^anatomical_pair\.img: NIfTI: dim \[33,41,25\] of int16 needs 67650 bytes from offset 0, file has 67648/,
    );
    expect(() => readNiftiPair(fixture('anatomical.nii'), img, { header: 'anatomical.nii' })).toThrow(
      /anatomical\.nii: NIfTI: magic "n\+1" marks a single-file \.nii/,
    );
  });

  it('turns any single corrupted byte of a NIfTI-2 pair header into a FileFormatError (or a header)', () => {
    const header = fixture('nifti2_pair.hdr');
    expect(everyByteCorruption(header, (b) => readNiftiHeader(b))).toBeGreaterThan(20);
  });

  it('names the file and says truncated for a cut .nii.gz (NIfTI-2)', () => {
    const gz = fixture('example_nifti2.nii.gz');
    const read = () => readNifti(gz.subarray(0, gz.length - 100), 'example_nifti2.nii.gz');
    expect(read).toThrow(FileFormatError);
    expect(read).toThrow(/^example_nifti2\.nii\.gz: truncated/);
  });
});
