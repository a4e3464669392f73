import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { nodeFileSystem } from '@befunet/common/node';
import { befunetConfigOf, pdc } from '@befunet/core';
import {
  expectClose,
  fixturePath,
  fixtureTensor,
  loadFixture,
  nchwToNhwc,
  TOLERANCE,
  testProject,
} from '@befunet/testing';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, describe, expect, it } from 'vitest';
import { filesOf, runCli, temporaryFolder } from '../run-cli.test-util.js';

const out = temporaryFolder('befunet-import-');
afterAll(out.remove);

// The CLI runs in child processes that pick their backend by flag: once, in the cpu project.
describe.runIf(testProject() === 'cpu')('befunet import', () => {
  it('imports the official .pth into a model folder whose logits are the official ones', async () => {
    const dir = join(out.path, 'official');
    const { stdout } = await runCli([
      'import',
      '--backend',
      'cpu',
      '--official',
      fixturePath('official/official_mini.pth'),
      '--out',
      dir,
    ]);
    expect(stdout).toMatch(/written to/);
    const report = JSON.parse(readFileSync(join(dir, 'import-report.json'), 'utf8'));
    expect(report.loaded).toBeGreaterThan(100);
    expect(report.skipped.some((s: { key: string }) => s.key.startsWith('All2Cross.blocks.'))).toBe(true);

    const model = await tfl.loadLayersModel(nodeFileSystem(dir));
    expect(befunetConfigOf(model).graph).toBe('official');
    const io = loadFixture('official/official_mini_io.safetensors');
    const logits = model.predict(nchwToNhwc(fixtureTensor(io, 'input'))) as tf.Tensor;
    await expectClose(logits, nchwToNhwc(fixtureTensor(io, 'logits')), TOLERANCE.network, 'imported logits');
    tf.dispose(logits);
    model.dispose();
  });

  it('initialises a tiny paper model from the PiDiNet weights, reporting what fitted', async () => {
    const dir = join(out.path, 'pidinet');
    const pidinet = fixturePath('official/pidinet_small_bsds.safetensors');
    await runCli([
      'import',
      '--backend',
      'cpu',
      '--pidinet',
      pidinet,
      '--preset',
      'tiny',
      '--size',
      '32',
      '--edge-channels',
      '30',
      '--out',
      dir,
    ]);
    const report = JSON.parse(readFileSync(join(dir, 'import-report.json'), 'utf8'));
    expect(report.pidinet.loaded).toContain('init_block.weight');
    const model = await tfl.loadLayersModel(nodeFileSystem(dir));
    const encoder = model.getLayer('edge_encoder') as unknown as pdc.EdgeEncoder;
    const stem = pdc.pidinetKeys(encoder).find((k) => k.key === 'init_block.weight')!;
    const expected = fixtureTensor(
      loadFixture('official/pidinet_small_bsds.safetensors'),
      'init_block.weight',
    );
    // The saved and reloaded stem holds PiDiNet's stem, in TF.js layout.
    await expectClose(stem.variable.read(), stem.fromTorch(expected), TOLERANCE.exact, 'init_block');
    model.dispose();
  });

  it('never overwrites a model: refuses without --force, moves it aside whole with it', async () => {
    const parent = join(out.path, 'again');
    const dir = join(parent, 'model');
    const official = ['import', '--backend', 'cpu', '--official', fixturePath('official/official_mini.pth')];
    await runCli([...official, '--out', dir]);
    const first = filesOf(dir);
    await expect(runCli([...official, '--out', dir])).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/already holds a model \(model\.json\); pass --force/),
    });
    const { stderr } = await runCli([...official, '--out', dir, '--force']);
    const aside = readdirSync(parent).filter((f) => f.startsWith('model.replaced-'));
    expect(aside, stderr).toHaveLength(1);
    expect(stderr).toContain(`was moved to ${join(parent, aside[0]!)}`);
    const moved = join(parent, aside[0]!);
    expect(filesOf(moved)).toEqual(first);
    expect(readdirSync(dir).sort()).toEqual([...first.keys()].sort());
  });

  it('names what is wrong with its arguments and files', async () => {
    await expect(runCli(['import', '--backend', 'cpu', '--out', out.path])).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/give either --official FILE, or --swin FILE and\/or --pidinet FILE/),
    });
    await expect(
      runCli(['import', '--backend', 'cpu', '--official', fixturePath('official/official_mini.pth')]),
    ).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/--out FOLDER is required/) });
    const notCheckpoint = fixturePath('official/README.md');
    await expect(
      runCli(['import', '--backend', 'cpu', '--official', notCheckpoint, '--out', out.path]),
    ).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/README\.md: neither a PyTorch/) });
    await expect(
      runCli([
        'import',
        '--backend',
        'cpu',
        '--official',
        fixturePath('official/pidinet_small_bsds.safetensors'),
        '--out',
        out.path,
      ]),
    ).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/not an official BEFUnet checkpoint/) });
  });
});
