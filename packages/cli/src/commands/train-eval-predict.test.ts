import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodePng, encodeNifti, encodePng, readNifti } from '@befunet/core/io';
import { testProject } from '@befunet/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The clinical files of @befunet/io's fixture script (pydicom series, NRRD and MetaImage from the specs).
import { PYTHON, writeClinicalFiles } from '../../../io/src/testing/clinical-files.js';
import { CLI, filesOf, runCli, temporaryFolder } from '../run-cli.test-util.js';

/** An ISIC-style folder: RGB images (40x36, not the model's size) with a bright disc, binary masks. */
function writeSkinFolder(root: string, count: number): { images: string; masks: string } {
  const images = join(root, 'images');
  const masks = join(root, 'masks');
  mkdirSync(images, { recursive: true });
  mkdirSync(masks, { recursive: true });
  const [w, h] = [40, 36];
  for (let i = 0; i < count; i++) {
    const rgb = new Uint8Array(w * h * 3);
    const mask = new Uint8Array(w * h);
    const [cx, cy, r] = [12 + 2 * i, 14 + i, 6 + (i % 3)];
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const inside = (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
        mask[y * w + x] = inside ? 255 : 0;
        rgb.fill(inside ? 200 - 10 * i : 40 + ((x * y) % 17), 3 * (y * w + x), 3 * (y * w + x) + 3);
      }
    }
    const name = `ISIC_${String(i).padStart(7, '0')}`;
    writeFileSync(join(images, `${name}.png`), encodePng({ width: w, height: h, channels: 3, data: rgb }));
    writeFileSync(
      join(masks, `${name}_segmentation.png`),
      encodePng({ width: w, height: h, channels: 1, data: mask }),
    );
  }
  return { images, masks };
}

const tmp = temporaryFolder('befunet-train-');
afterAll(tmp.remove);

// The CLI runs in child processes that pick their backend by flag: once, in the cpu project.
describe.runIf(testProject() === 'cpu')('befunet train / eval / predict on a folder of images', () => {
  let data: { images: string; masks: string };
  const run = join(tmp.path, 'run');
  const common = ['--backend', 'cpu', '--preset', 'tiny', '--size', '32', '--batch', '2', '--seed', '3'];
  beforeAll(() => {
    data = writeSkinFolder(join(tmp.path, 'skin'), 6);
  });

  it('trains with validation, checkpoints, overlays and metrics, then resumes to more steps', async () => {
    const args = [
      'train',
      ...common,
      '--images',
      data.images,
      '--masks',
      data.masks,
      '--val-fraction',
      '0.34',
    ];
    const first = await runCli([...args, '--steps', '2', '--checkpoint-every', '1', '--out', run]);
    expect(first.stderr).toMatch(/epoch 1\/1 \[#{20}\] 2\/2 \| loss \d/);
    expect(first.stderr).toMatch(/validation at step 2: mean Dice \d\.\d{4}/);
    expect(first.stdout).toMatch(/validation mean Dice \d\.\d{4}/);
    for (const path of ['model/model.json', 'metrics.json', 'checkpoints/latest.json']) {
      expect(existsSync(join(run, path)), path).toBe(true);
    }
    const overlays = readdirSync(join(run, 'overlays'));
    expect(overlays).toHaveLength(2); // 6 images, a third held out
    // Overlay: the image at the model's size (32 px, magnified 8x to 256) with the prediction, a
    // gap, then the ground truth.
    const overlay = decodePng(readFileSync(join(run, 'overlays', overlays[0]!)));
    expect(overlay.height).toBe(256);
    expect(overlay.width).toBeGreaterThan(512);
    const metrics = JSON.parse(readFileSync(join(run, 'metrics.json'), 'utf8'));
    expect(metrics.steps).toBe(2);
    expect(metrics.data.trainImages).toBe(4);

    // Training again into the same --out without --resume is refused before any step, and the first
    // run's files stay byte for byte what they were.
    const before = filesOf(run);
    await expect(runCli([...args, '--steps', '1', '--out', run])).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(
        /already holds a training run \(model, checkpoints, metrics\.json\).*--resume.*--force/,
      ),
    });
    expect(filesOf(run)).toEqual(before);

    // A finished run resumed with more steps is extended (the first model is replaced only on
    // --resume); fewer steps are refused.
    await expect(runCli([...args, '--steps', '1', '--out', run, '--resume'])).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/already finished its 2 steps; to extend it, give more than 2 \(got 1\)/),
    });
    const resumed = await runCli([
      ...args,
      '--steps',
      '3',
      '--checkpoint-every',
      '1',
      '--out',
      run,
      '--resume',
    ]);
    expect(resumed.stderr).toMatch(/extending the finished run from 2 to 3 steps/);
    expect(resumed.stderr).toMatch(/resum\w* .*step 2 of 3/i);
    expect(JSON.parse(readFileSync(join(run, 'metrics.json'), 'utf8'))).toMatchObject({
      resumedFrom: 2,
      steps: 3,
    });
  });

  it('--force moves the finished run aside and trains afresh; Ctrl-C exits 130 naming the last checkpoint', async () => {
    const forced = join(tmp.path, 'forced');
    const args = ['train', ...common, '--images', data.images, '--masks', data.masks, '--val-fraction', '0'];
    await runCli([...args, '--steps', '1', '--out', forced]);
    const firstModel = readFileSync(join(forced, 'model', 'model.json'));
    const { stderr } = await runCli([...args, '--steps', '1', '--out', forced, '--force']);
    const aside = stderr.match(/was moved to (\S+)/)?.[1];
    expect(aside, stderr).toMatch(/forced\.replaced-/);
    expect(readFileSync(join(aside!, 'model', 'model.json')).equals(firstModel)).toBe(true);
    expect(existsSync(join(forced, 'model', 'model.json'))).toBe(true);

    // SIGINT once the first step is logged: the trainer stops after that step, saves, and the command fails.
    const interrupted = join(tmp.path, 'interrupted');
    const child = spawn(
      process.execPath,
      [CLI, ...args, '--steps', '100000', '--checkpoint-every', '1', '--out', interrupted],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let log = '';
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      if (!/loss \d/.test(log) && /loss \d/.test(log + chunk)) child.kill('SIGINT');
      log += chunk;
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code, log).toBe(130);
    expect(log).toMatch(
      /training stopped at step \d+\/100000; the latest checkpoint is in \S+checkpoints; resume .*--resume/,
    );
    expect(existsSync(join(interrupted, 'checkpoints', 'latest.json'))).toBe(true);
    expect(existsSync(join(interrupted, 'model'))).toBe(false);
  });

  it('refuses a mask of the wrong size before the first step, leaving --out untouched', async () => {
    const bad = writeSkinFolder(join(tmp.path, 'bad-skin'), 5);
    writeFileSync(
      join(bad.masks, 'ISIC_0000004_segmentation.png'),
      encodePng({ width: 20, height: 36, channels: 1, data: new Uint8Array(20 * 36) }),
    );
    const out = join(tmp.path, 'bad-run');
    const args = ['train', ...common, '--images', bad.images, '--masks', bad.masks, '--val-fraction', '0'];
    await expect(runCli([...args, '--steps', '50', '--out', out])).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(
        /checking .*\n.*ISIC_0000004\.png is 36x40 \(height x width\) but its mask \S+ISIC_0000004_segmentation\.png is 36x20/,
      ),
    });
    expect(existsSync(out)).toBe(false);
  });

  it('evaluates the model folder and its last checkpoint to the same metrics', async () => {
    const dataArgs = ['--images', data.images, '--masks', data.masks, '--json'];
    // The final model is the latest checkpoint's (the store folder alone would give the best one).
    const latest = JSON.parse(readFileSync(join(run, 'checkpoints', 'latest.json'), 'utf8')).folder;
    const fromModel = JSON.parse(
      (await runCli(['eval', '--backend', 'cpu', '--model', join(run, 'model'), ...dataArgs])).stdout,
    );
    const fromCheckpoint = JSON.parse(
      (await runCli(['eval', '--backend', 'cpu', '--model', join(run, 'checkpoints', latest), ...dataArgs]))
        .stdout,
    );
    expect(fromModel.cases).toBe(6);
    expect(fromModel.classes).toEqual([1]);
    expect(fromCheckpoint.mean).toEqual(fromModel.mean);
    const table = (
      await runCli([
        'eval',
        '--backend',
        'cpu',
        '--model',
        join(run, 'model'),
        '--images',
        data.images,
        '--masks',
        data.masks,
      ])
    ).stdout;
    expect(table).toMatch(/^mean\s+\d\.\d{4}/m);
  });

  it('predicts images of another size and a NIfTI volume, keeping sizes and geometry', async () => {
    const out = join(tmp.path, 'predicted');
    const { stdout } = await runCli([
      'predict',
      '--backend',
      'cpu',
      '--model',
      join(run, 'model'),
      '--input',
      data.images,
      '--out',
      out,
    ]);
    expect(stdout).toMatch(/ISIC_0000000\.png -> .*ISIC_0000000_labels\.png/);
    const labels = decodePng(readFileSync(join(out, 'ISIC_0000000_labels.png')));
    expect([labels.width, labels.height, labels.channels]).toEqual([40, 36, 1]);
    expect(Math.max(...labels.data)).toBeLessThanOrEqual(1);

    const shape = [40, 36, 3];
    const volume = Float32Array.from({ length: 40 * 36 * 3 }, (_, i) => (i % 97) / 97);
    const nii = join(tmp.path, 'volume.nii');
    writeFileSync(nii, encodeNifti({ shape, data: volume, dtype: 'float32' }));
    await runCli([
      'predict',
      '--backend',
      'cpu',
      '--model',
      join(run, 'model'),
      '--input',
      nii,
      '--out',
      out,
    ]);
    const written = readNifti(new Uint8Array(readFileSync(join(out, 'volume_labels.nii.gz'))));
    expect(written.shape).toEqual(shape);

    // The same volume as a .hdr/.img pair (pair magic "ni1", voxels from offset 0 of the .img).
    const file = encodeNifti({ shape, data: volume, dtype: 'float32' });
    const hdr = file.slice(0, 348);
    hdr.set(new TextEncoder().encode('ni1\0'), 344);
    new DataView(hdr.buffer).setFloat32(108, 0, true);
    writeFileSync(join(tmp.path, 'pair.hdr'), hdr);
    writeFileSync(join(tmp.path, 'pair.img'), file.subarray(352));
    const predictPair = ['predict', '--backend', 'cpu', '--model', join(run, 'model'), '--out', out];
    await runCli([...predictPair, '--input', join(tmp.path, 'pair.hdr')]);
    const fromPair = readNifti(new Uint8Array(readFileSync(join(out, 'pair_labels.nii.gz'))));
    expect(fromPair.data).toEqual(written.data);
  });

  it("predicts NRRD, MetaImage and a DICOM series folder: NIfTI labels with the writer's geometry, and a SEG", async () => {
    const clinical = writeClinicalFiles();
    try {
      const out = join(tmp.path, 'clinical');
      const predict = ['predict', '--backend', 'cpu', '--model', join(run, 'model'), '--out', out];
      const cases = [
        ['detached.nhdr', 'detached_labels.nii.gz', 'nrrd-ras'],
        ['plain.mhd', 'plain_labels.nii.gz', 'metaimage'],
        ['axial', 'axial_labels.nii.gz', 'axial'],
      ] as const;
      for (const [input, output, expectedCase] of cases) {
        await runCli([...predict, '--input', join(clinical.dir, input)]);
        const labels = readNifti(new Uint8Array(readFileSync(join(out, output))));
        const { affine, size } = clinical.expected[expectedCase]!;
        expect(labels.shape, input).toEqual(size);
        // The affine the writer computed (RAS), as the label file's sform carries it.
        for (const [r, row] of labels.header.sformMatrix.entries()) {
          for (const [c, v] of row.entries()) {
            expect(v, `${input} affine [${r}][${c}]`).toBeCloseTo(affine[r]![c]!, 4);
          }
        }
      }
      // pydicom reads the SEG: the model's one foreground class as one segment, the source series.
      const seg = join(out, 'axial_seg.dcm');
      const readBack = `import json, sys, pydicom
ds = pydicom.dcmread(sys.argv[1])
print(json.dumps({"series": ds.ReferencedSeriesSequence[0].SeriesInstanceUID,
  "segments": len(ds.SegmentSequence), "frames": int(ds.NumberOfFrames), "modality": ds.Modality}))`;
      const back = JSON.parse(execFileSync(PYTHON, ['-c', readBack, seg], { encoding: 'utf8' }));
      expect(back).toEqual({
        series: clinical.expected.axial!.series,
        segments: 1,
        frames: clinical.expected.axial!.size[2],
        modality: 'SEG',
      });
    } finally {
      clinical.remove();
    }
  });

  it('says what to fix: missing folder, image without mask, bad option, missing model', async () => {
    await expect(
      runCli(['train', ...common, '--images', join(tmp.path, 'nope'), '--masks', data.masks, '--steps', '1']),
    ).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/nope does not exist/) });
    const lonely = join(tmp.path, 'lonely');
    mkdirSync(lonely);
    writeFileSync(join(lonely, 'extra.png'), readFileSync(join(data.images, 'ISIC_0000000.png')));
    await expect(
      runCli(['train', ...common, '--images', lonely, '--masks', data.masks, '--steps', '1']),
    ).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/without a mask|no mask/i) });
    await expect(
      runCli([
        'predict',
        '--backend',
        'cpu',
        '--model',
        join(run, 'model'),
        '--input',
        data.images,
        '--mode',
        'zoom',
      ]),
    ).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/--mode must be sliding-window or resize/),
    });
    await expect(
      runCli(['eval', '--backend', 'cpu', '--model', join(tmp.path, 'missing')]),
    ).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/missing' does not exist/) });
  });
});
