import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, FileFormatError, InvalidValueError, ShapeError } from '@befunet/common';
import { encodePng } from '@befunet/io';
import { afterEach, describe, expect, it } from 'vitest';
import { rejection, removeTestTrees, testTree } from './dataset-files.test-util.js';
import { FolderDataset, type FolderDatasetOptions } from './folder-dataset.js';

/** An 8-bit PNG (a Uint16Array of values makes a 16-bit one). */
function png(height: number, width: number, channels: 1 | 2 | 3 | 4, values: number[], sixteen = false) {
  const data = sixteen ? Uint16Array.from(values) : Uint8Array.from(values);
  return encodePng({ height, width, channels, data });
}
const grey = (h: number, w: number, values: number[]) => png(h, w, 1, values);

afterEach(removeTestTrees);

const tree = (files: Record<string, Uint8Array | string>) => testTree(['images', 'masks'], files);

function open(root: string, options: Partial<FolderDatasetOptions> = {}) {
  return FolderDataset.open({ images: join(root, 'images'), masks: join(root, 'masks'), ...options });
}

describe('FolderDataset', () => {
  it('pairs ISIC-style names, drops alpha, turns 0/255 and 0/1 masks into 0/1 labels', async () => {
    const root = tree({
      // RGBA 1 x 2: (10, 20, 30, 255), (200, 100, 0, 7): alpha dropped.
      'images/ISIC_0000000.png': png(1, 2, 4, [10, 20, 30, 255, 200, 100, 0, 7]),
      'images/ISIC_0000001.png': png(1, 2, 3, [0, 0, 0, 255, 255, 255]),
      'images/other.png': png(1, 1, 3, [51, 102, 153]),
      'images/LICENSE.txt': 'not an image',
      'masks/ISIC_0000000_segmentation.png': grey(1, 2, [255, 0]),
      'masks/ISIC_0000001_mask.png': grey(1, 2, [0, 1]),
      'masks/other.png': grey(1, 1, [255]),
    });
    const data = await open(root);
    expect([data.length, data.channels, data.numClasses]).toEqual([3, 3, 2]);
    const first = await data.get(0);
    expect(first.id).toBe('ISIC_0000000.png');
    expect([first.height, first.width, first.channels]).toEqual([1, 2, 3]);
    expect([...first.image]).toEqual([10, 20, 30, 200, 100, 0].map((v) => Math.fround(v / 255)));
    expect([...first.label]).toEqual([1, 0]);
    expect([...(await data.get(1)).label]).toEqual([0, 1]);
    const last = await data.get(2);
    expect([last.id, ...last.label]).toEqual(['other.png', 1]);
    await expect(data.get(3)).rejects.toThrow(/index 3 is outside 0..2/);
  });

  it('converts to the channels asked for: RGB -> grey by BT.601 luma, grey -> RGB by repetition', async () => {
    const root = tree({
      'images/a.png': png(1, 3, 3, [255, 0, 0, 0, 255, 0, 10, 20, 30]),
      'images/b.png': grey(1, 1, [51]),
      'masks/a.png': grey(1, 3, [0, 0, 0]),
      'masks/b.png': grey(1, 1, [0]),
    });
    const asGrey = await open(root, { channels: 1 });
    const luma = [0.299, 0.587, (0.299 * 10 + 0.587 * 20 + 0.114 * 30) / 255];
    (await asGrey.get(0)).image.forEach((v, i) => {
      expect(v).toBeCloseTo(luma[i]!, 6);
    });
    const asRgb = await open(root, { channels: 3 });
    expect([...(await asRgb.get(1)).image]).toEqual([0.2, 0.2, 0.2].map(Math.fround));
  });

  it('reads label maps as class ids, 8 or 16 bits, numClasses inferred or given', async () => {
    const root = tree({
      'images/a.png': grey(2, 2, [1, 2, 3, 4]),
      'images/b.png': grey(1, 2, [1, 2]),
      'masks/a_label.png': grey(2, 2, [0, 4, 2, 1]),
      'masks/b_label.png': png(1, 2, 1, [3, 0], true),
    });
    const inferred = await open(root, { maskKind: 'labels' });
    expect(inferred.numClasses).toBe(5);
    expect([...(await inferred.get(0)).label]).toEqual([0, 4, 2, 1]);
    expect([...(await inferred.get(1)).label]).toEqual([3, 0]);
    expect((await open(root, { maskKind: 'labels', numClasses: 9 })).numClasses).toBe(9);
    const tooFew = await open(root, { maskKind: 'labels', numClasses: 4 });
    const error = await rejection(tooFew.get(0));
    expect(error).toBeInstanceOf(InvalidValueError);
    expect(error.message).toMatch(
      /mask .*masks\/a_label\.png has the value 4 \(row 0, column 1\), not a class id below numClasses = 4/,
    );
  });

  it('takes images and masks from one folder when the mask names carry a suffix', async () => {
    const root = tree({ 'images/a.png': grey(1, 1, [9]), 'images/a_mask.png': grey(1, 1, [255]) });
    const data = await FolderDataset.open({ images: join(root, 'images'), masks: join(root, 'images') });
    expect(data.files).toEqual([{ image: 'a.png', label: 'a_mask.png' }]);
  });

  it('caches samples when asked to, and shares reads in flight', async () => {
    const root = tree({ 'images/a.png': grey(1, 1, [9]), 'masks/a.png': grey(1, 1, [0]) });
    const cached = await open(root, { cacheSize: 1 });
    expect(await cached.get(0)).toBe(await cached.get(0));
    const uncached = await open(root);
    const [x, y] = await Promise.all([uncached.get(0), uncached.get(0)]);
    expect(x).toBe(y);
    expect(await uncached.get(0)).not.toBe(x);
  });
});

describe('FolderDataset errors say what to fix', () => {
  const ok = { 'images/a.png': grey(1, 1, [0]), 'masks/a.png': grey(1, 1, [0]) };

  it('missing, non-folder and empty folders', async () => {
    const root = tree({ ...ok, 'masks.txt': 'x' });
    const missing = await rejection(
      FolderDataset.open({ images: join(root, 'nope'), masks: join(root, 'masks') }),
    );
    expect(missing).toBeInstanceOf(ConfigError);
    expect(missing.message).toMatch(/FolderDataset: images folder .*nope does not exist/);
    const file = await rejection(
      FolderDataset.open({ images: join(root, 'images'), masks: join(root, 'masks.txt') }),
    );
    expect(file.message).toMatch(/FolderDataset: masks folder .*masks\.txt is not a folder/);
    mkdirSync(join(root, 'empty'));
    writeFileSync(join(root, 'empty', 'README.txt'), 'no images here');
    const empty = await rejection(
      FolderDataset.open({ images: join(root, 'empty'), masks: join(root, 'masks') }),
    );
    expect(empty).toBeInstanceOf(ConfigError);
    expect(empty.message).toMatch(/images folder .*empty holds no \.png \/ \.jpg \/ \.jpeg files/);
  });

  it('images without a mask (the first five listed) and masks without an image', async () => {
    const images = Object.fromEntries(
      ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((n) => [`images/${n}.png`, grey(1, 1, [0])]),
    );
    const lonely = await rejection(open(tree({ ...images, 'masks/d_segmentation.png': grey(1, 1, [0]) })));
    expect(lonely).toBeInstanceOf(ConfigError);
    expect(lonely.message).toMatch(
      /6 of 7 images have no mask in .*masks: a\.png, b\.png, c\.png, e\.png, f\.png, \.\.\. \(1 more\)\. A mask pairs with an image of the same name/,
    );
    const orphan = await rejection(open(tree({ ...ok, 'masks/z_mask.png': grey(1, 1, [0]) })));
    expect(orphan.message).toMatch(
      /1 masks in .*masks have no image in .*images: z_mask\.png; remove them or add their images/,
    );
    const twice = await rejection(open(tree({ ...ok, 'masks/a_mask.png': grey(1, 1, [0]) })));
    expect(twice.message).toMatch(
      /a\.png and a_mask\.png in .*masks are both masks of 'a'; keep one of them/,
    );
  });

  it('an image and its mask of different sizes', async () => {
    const data = await open(
      tree({
        'images/a.png': grey(2, 3, [0, 0, 0, 0, 0, 0]),
        'masks/a.png': grey(3, 3, new Array(9).fill(0)),
      }),
    );
    const error = await rejection(data.get(0));
    expect(error).toBeInstanceOf(ShapeError);
    expect(error.message).toMatch(
      /image .*images\/a\.png is 2x3 \(height x width\) but its mask .*masks\/a\.png is 3x3/,
    );
  });

  it('unreadable files, named', async () => {
    const text = await rejection(open(tree({ 'images/a.png': 'hello', 'masks/a.png': grey(1, 1, [0]) })));
    expect(text).toBeInstanceOf(FileFormatError);
    expect(text.message).toMatch(/images\/a\.png: not a PNG or JPEG file/);
    const cut = grey(4, 4, new Array(16).fill(7));
    const data = await open(
      tree({ ...ok, 'images/b.png': grey(1, 1, [0]), 'masks/b.png': cut.subarray(0, 40) }),
    );
    const truncated = await rejection(data.get(1));
    expect(truncated).toBeInstanceOf(FileFormatError);
    expect(truncated.message).toMatch(/masks\/b\.png: PNG: /);
    const dangling = tree(ok);
    symlinkSync(join(dangling, 'gone.png'), join(dangling, 'masks', 'c.png'));
    symlinkSync(join(dangling, 'images', 'a.png'), join(dangling, 'images', 'c.png'));
    const broken = await rejection((await open(dangling)).get(1));
    expect(broken).toBeInstanceOf(FileFormatError);
    expect(broken.message).toMatch(/masks\/c\.png: cannot read the file \(ENOENT/);
  });

  it('grey and colour images mixed, without channels', async () => {
    const data = await open(
      tree({ ...ok, 'images/b.png': png(1, 1, 3, [1, 2, 3]), 'masks/b.png': grey(1, 1, [0]) }),
    );
    const error = await rejection(data.get(1));
    expect(error).toBeInstanceOf(ShapeError);
    expect(error.message).toMatch(
      /image .*b\.png has 3 colour channel\(s\), the data set 1 \(from its first image\); pass channels: 1/,
    );
  });

  it('masks that are not binary, colour label maps', async () => {
    const labelsAsBinary = await open(
      tree({ 'images/a.png': grey(1, 2, [0, 0]), 'masks/a.png': grey(1, 2, [0, 3]) }),
    );
    const error = await rejection(labelsAsBinary.get(0));
    expect(error).toBeInstanceOf(InvalidValueError);
    expect(error.message).toMatch(
      /masks\/a\.png: binary mask with values up to 3 of 255, .*maskKind 'labels'/,
    );
    const colour = tree({
      'images/a.png': grey(1, 2, [0, 0]),
      'masks/a.png': png(1, 2, 3, [0, 0, 0, 1, 2, 1]),
    });
    const colourError = await rejection(open(colour, { maskKind: 'labels' }));
    expect(colourError).toBeInstanceOf(InvalidValueError);
    expect(colourError.message).toMatch(/masks\/a\.png: colour mask \(R 1, G 2, B 1 at row 0, column 1\)/);
  });

  it('bad options', async () => {
    const root = tree(ok);
    const cases: [Partial<FolderDatasetOptions>, RegExp][] = [
      [{ numClasses: 3 }, /binary masks have 2 classes, got numClasses = 3/],
      [{ maskKind: 'labels', numClasses: 1 }, /numClasses must be an integer >= 2, got 1/],
      [{ channels: 2 as 1 }, /channels must be 1 or 3, got 2/],
      [{ cacheSize: -1 }, /cacheSize must be an integer >= 0, got -1/],
      [{ maskKind: 'rgb' as 'binary' }, /maskKind must be 'binary' or 'labels', got 'rgb'/],
    ];
    for (const [options, message] of cases) {
      const error = await rejection(open(root, options));
      expect(error).toBeInstanceOf(ConfigError);
      expect(error.message).toMatch(message);
    }
  });
});
