import { join } from 'node:path';
import { ConfigError, FileFormatError, InvalidValueError, ShapeError } from '@befunet/common';
import { encodeNifti, gzip, type NiftiHeader, type NiftiOutput, readNiftiHeader } from '@befunet/io';
import { afterEach, describe, expect, it } from 'vitest';
import { rejection, removeTestTrees, testTree } from './dataset-files.test-util.js';
import { NiftiDataset, type NiftiDatasetOptions } from './nifti-dataset.js';

// Volumes of nx = 3, ny = 2 and nz slices, voxel (x, y, z) at x + 3 (y + 2 z).
const NX = 3;
const NY = 2;
/** CT intensities in HU: -200 + 50 x + 100 y + 30 z. */
const hu = (x: number, y: number, z: number) => -200 + 50 * x + 100 * y + 30 * z;
/** Labels: slice 1 has class 1 at (x 1, y 0); slice 2 has 2 at (2, 1) and 3 at (0, 0); the rest 0. */
function labelAt(x: number, y: number, z: number): number {
  if (z === 1 && x === 1 && y === 0) return 1;
  if (z === 2 && x === 2 && y === 1) return 2;
  if (z === 2 && x === 0 && y === 0) return 3;
  return 0;
}
function volume(nz: number, f: (x: number, y: number, z: number) => number): number[] {
  return Array.from({ length: NX * NY * nz }, (_, i) =>
    f(i % NX, Math.floor(i / NX) % NY, Math.floor(i / (NX * NY))),
  );
}
const ct = (nz: number): NiftiOutput => ({ shape: [NX, NY, nz], data: volume(nz, hu), dtype: 'int16' });
const labels = (nz: number): NiftiOutput => ({ shape: [NX, NY, nz], data: volume(nz, labelAt) });

afterEach(removeTestTrees);

const tree = (files: Record<string, Uint8Array | string>) => testTree(['images', 'labels'], files);

/** img0001.nii (4 slices) and img0002.nii.gz (3 slices) with their labels. */
const SYNAPSE_LIKE = {
  'images/img0001.nii': encodeNifti(ct(4)),
  'labels/label0001.nii': encodeNifti(labels(4)),
  'images/img0002.nii.gz': gzip(encodeNifti(ct(3))),
  'labels/label0002.nii.gz': gzip(encodeNifti(labels(3))),
};
function open(root: string, options: Partial<NiftiDatasetOptions> = {}) {
  return NiftiDataset.open({ images: join(root, 'images'), labels: join(root, 'labels'), ...options });
}
/** The windowed intensity, clip((v - lo) / (hi - lo), 0, 1), as float32. */
const windowed = (v: number, lo = -125, hi = 275) =>
  Math.fround(Math.min(1, Math.max(0, (v - lo) / (hi - lo))));

describe('NiftiDataset', () => {
  it('pairs img/label volumes (.nii and .nii.gz) and gives every axial slice, CT-windowed', async () => {
    const data = await open(tree(SYNAPSE_LIKE));
    expect([data.length, data.channels, data.numClasses]).toEqual([7, 1, 4]);
    for (const [index, file, z] of [
      [0, 'img0001.nii', 0],
      [2, 'img0001.nii', 2],
      [6, 'img0002.nii.gz', 2],
    ] as const) {
      const s = await data.get(index);
      expect(s.id).toBe(`${file}#slice ${z}`);
      expect([s.height, s.width, s.channels]).toEqual([NY, NX, 1]);
      for (let y = 0; y < NY; y++) {
        for (let x = 0; x < NX; x++) {
          expect(s.image[y * NX + x]).toBeCloseTo(windowed(hu(x, y, z)), 6);
          expect(s.label[y * NX + x]).toBe(labelAt(x, y, z));
        }
      }
    }
  });

  it('skips slices without foreground, remaps labels, takes other windows', async () => {
    const root = tree(SYNAPSE_LIKE);
    const foreground = await open(root, { skipEmptySlices: true });
    expect(await Promise.all([0, 1, 2, 3].map(async (i) => (await foreground.get(i)).id))).toEqual([
      'img0001.nii#slice 1',
      'img0001.nii#slice 2',
      'img0002.nii.gz#slice 1',
      'img0002.nii.gz#slice 2',
    ]);
    const remapped = await open(root, { labelMap: { 2: 1, 3: 2 }, skipEmptySlices: true });
    // Class 1 is not listed: it becomes background, and slice 1 is empty.
    expect([remapped.length, remapped.numClasses]).toEqual([2, 3]);
    expect([...(await remapped.get(0)).label]).toEqual([2, 0, 0, 0, 0, 1]);
    const wide = await open(root, { window: [-1000, 1000] });
    expect((await wide.get(1)).image[4]).toBeCloseTo(windowed(hu(1, 1, 1), -1000, 1000), 6);
    // 'minmax': the volume img0001 spans -200 .. -200 + 100 + 100 + 90 = 90.
    const minmax = await open(root, { window: 'minmax' });
    expect((await minmax.get(0)).image[1]).toBeCloseTo((hu(1, 0, 0) + 200) / 290, 6);
  });

  it('takes explicit pairs, and a given numClasses', async () => {
    const root = tree(SYNAPSE_LIKE);
    const data = await NiftiDataset.open({
      pairs: [{ image: join(root, 'images/img0002.nii.gz'), label: join(root, 'labels/label0002.nii.gz') }],
      numClasses: 300,
      cacheVolumes: Number.POSITIVE_INFINITY,
    });
    expect([data.length, data.numClasses, data.name]).toEqual([3, 300, join(root, 'images/img0002.nii.gz')]);
    expect((await data.get(2)).label[5]).toBe(2);
  });
});

/** A `.hdr` + `.img` pair of `output`: encodeNifti's header with the pair magic "ni1" and vox_offset 0. */
function pairOf(output: NiftiOutput): { hdr: Uint8Array; img: Uint8Array } {
  const file = encodeNifti(output);
  const hdr = file.slice(0, 348);
  hdr.set(new TextEncoder().encode('ni1\0'), 344);
  new DataView(hdr.buffer).setFloat32(108, 0, true);
  return { hdr, img: file.slice(352) };
}

describe('NiftiDataset: .hdr/.img pairs', () => {
  it('reads a .hdr with the .img (or .img.gz) beside it, like the .nii it was made from', async () => {
    const image = pairOf(ct(4));
    const label = pairOf(labels(4));
    const root = tree({
      'images/img0001.hdr': image.hdr,
      'images/img0001.img': image.img,
      'labels/label0001.hdr': label.hdr,
      'labels/label0001.img.gz': gzip(label.img),
    });
    const pairs = await open(root);
    const single = await open(
      tree({ 'images/img0001.nii': encodeNifti(ct(4)), 'labels/label0001.nii': encodeNifti(labels(4)) }),
    );
    expect([pairs.length, pairs.numClasses]).toEqual([4, 4]);
    for (let i = 0; i < 4; i++) {
      const [a, b] = [await pairs.get(i), await single.get(i)];
      expect(a.id).toBe(`img0001.hdr#slice ${i}`);
      expect([a.image, a.label]).toEqual([b.image, b.label]);
    }
  });

  it('names the missing .img', async () => {
    const image = pairOf(ct(4));
    const missing = await rejection(
      open(tree({ 'images/img0001.hdr': image.hdr, 'labels/label0001.nii': encodeNifti(labels(4)) })),
    );
    expect(missing).toBeInstanceOf(FileFormatError);
    expect(missing.message).toMatch(
      /img0001\.hdr: NIfTI: a \.hdr\/\.img pair header, but neither .*img0001\.img nor .*img0001\.img\.gz/,
    );
  });
});

/** A header like that of `output`, with other voxel sizes. */
function spacedHeader(output: NiftiOutput, pixdim: number[]): NiftiHeader {
  return { ...readNiftiHeader(encodeNifti(output)), pixdim };
}

describe('NiftiDataset errors say what to fix', () => {
  it('image and label volumes of different geometry', async () => {
    const sizes = tree({
      'images/img0001.nii': encodeNifti(ct(4)),
      'labels/label0001.nii': encodeNifti(labels(3)),
    });
    const size = await rejection(open(sizes));
    expect(size).toBeInstanceOf(ShapeError);
    expect(size.message).toMatch(
      /image .*img0001\.nii has dim \[3,2,4\] but its labels .*label0001\.nii have dim \[3,2,3\]/,
    );
    const spacing = tree({
      'images/img0001.nii': encodeNifti(ct(4), spacedHeader(ct(4), [1, 0.8, 0.8, 2.5, 1, 1, 1, 1])),
      'labels/label0001.nii': encodeNifti(labels(4), spacedHeader(labels(4), [1, 0.8, 0.8, 5, 1, 1, 1, 1])),
    });
    const space = await rejection(open(spacing));
    expect(space).toBeInstanceOf(ShapeError);
    expect(space.message).toMatch(
      /voxel spacing \[0.8,0.8,2.5\] but its labels .*label0001\.nii have \[0.8,0.8,5\]/,
    );
  });

  it('volumes without a partner, empty folders, bad label values', async () => {
    const lonely = await rejection(
      open(tree({ ...SYNAPSE_LIKE, 'labels/label0003.nii': encodeNifti(labels(2)) })),
    );
    expect(lonely).toBeInstanceOf(ConfigError);
    expect(lonely.message).toMatch(/1 label volumes in .*labels have no image in .*images: label0003\.nii/);
    const empty = await rejection(open(tree({ 'labels/label0001.nii': encodeNifti(labels(2)) })));
    expect(empty.message).toMatch(
      /NiftiDataset: images folder .*images holds no \.nii\.gz \/ \.nii \/ \.hdr\.gz \/ \.hdr files/,
    );
    const fractional = { shape: [NX, NY, 1], data: [0, 0.5, 0, 0, 0, 0], dtype: 'float32' } as const;
    const half = await rejection(
      open(
        tree({ 'images/img0001.nii': encodeNifti(ct(1)), 'labels/label0001.nii': encodeNifti(fractional) }),
      ),
    );
    expect(half).toBeInstanceOf(InvalidValueError);
    expect(half.message).toMatch(/label volume .*label0001\.nii holds 0\.5 at voxel 1, not a label/);
    const tooFew = await rejection(open(tree(SYNAPSE_LIKE), { numClasses: 3 }));
    expect(tooFew).toBeInstanceOf(InvalidValueError);
    expect(tooFew.message).toMatch(/label volume .*label0001\.nii holds class 3, not below numClasses = 3/);
  });

  it('corrupt and 4-D files, named', async () => {
    const cut = gzip(encodeNifti(ct(4))).subarray(0, 30);
    const truncated = await rejection(
      open(tree({ 'images/img0001.nii.gz': cut, 'labels/label0001.nii': encodeNifti(labels(4)) })),
    );
    expect(truncated).toBeInstanceOf(FileFormatError);
    expect(truncated.message).toMatch(
      /images\/img0001\.nii\.gz: truncated: the gzip stream ends before its end marker/,
    );
    const series = { shape: [NX, NY, 1, 2], data: new Array(12).fill(0) };
    const fourD = await rejection(
      open(tree({ 'images/img0001.nii': encodeNifti(ct(1)), 'labels/label0001.nii': encodeNifti(series) })),
    );
    expect(fourD).toBeInstanceOf(ShapeError);
    expect(fourD.message).toMatch(
      /label0001\.nii has dim \[3,2,1,2\]; only 3-D volumes \(one channel\) are read/,
    );
  });

  it('bad options', async () => {
    const root = tree(SYNAPSE_LIKE);
    const cases: [Partial<NiftiDatasetOptions>, RegExp][] = [
      [{ window: [10, 10] }, /window must be 'minmax' or \[lo, hi\] with finite lo < hi, got \[10,10\]/],
      [{ numClasses: 1.5 }, /numClasses must be an integer >= 2, got 1.5/],
      [{ cacheVolumes: -2 }, /cacheVolumes must be an integer >= 0 or Infinity, got -2/],
      [{ labelMap: { 1: -1 } }, /labelMap maps 1 to -1, not a class id/],
      [{ labelMap: { 1: 5 }, numClasses: 4 }, /labelMap maps 1 to class 5, not below numClasses = 4/],
      [{ pairs: [] }, /give either pairs or the images and labels folders, not both/],
    ];
    for (const [options, message] of cases) {
      const error = await rejection(open(root, options));
      expect(error).toBeInstanceOf(ConfigError);
      expect(error.message).toMatch(message);
    }
    const neither = await rejection(NiftiDataset.open({}));
    expect(neither.message).toMatch(/give the images and labels folders, or pairs/);
    const none = await rejection(NiftiDataset.open({ pairs: [] }));
    expect(none.message).toMatch(/pairs is empty/);
  });
});
