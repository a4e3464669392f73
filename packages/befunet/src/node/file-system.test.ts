import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileFormatError } from '@befunet/common';
import { nodeFileSystem } from '@befunet/common/node';
import { expectClose, TOLERANCE } from '@befunet/testing';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, describe, expect, it } from 'vitest';
import { befunetConfigOf, createBefunet } from '../model/befunet.js';
import { befunetConfig } from '../model/config.js';

const SMALL = befunetConfig('official', {
  imageSize: 32,
  numClasses: 3,
  edgeChannels: 4,
  swin: { embedDim: 8, depths: [1, 1, 1, 1], numHeads: [1, 1, 1, 1], windowSize: 1 },
  decoder: { width: 8, predChannels: 4, groups: 4 },
});
const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'befunet-fs-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const input = () => tf.randomUniform([1, 32, 32, 3], 0, 1, 'float32', 4);

describe('nodeFileSystem', () => {
  it('saves a BEFUnet to a folder and loads it back with identical outputs and configuration', async () => {
    const dir = tempDir();
    const model = createBefunet(SMALL);
    const before = model.predict(input()) as tf.Tensor;
    await model.save(nodeFileSystem(dir));
    const reloaded = await tfl.loadLayersModel(nodeFileSystem(dir));
    expect(befunetConfigOf(reloaded)).toEqual(SMALL);
    await expectClose(reloaded.predict(input()) as tf.Tensor, before, TOLERANCE.exact, 'reloaded logits');
    model.dispose();
    reloaded.dispose();
  });

  it('replaces a previous save without ever leaving the folder without a complete model', async () => {
    const dir = tempDir();
    const first = createBefunet(SMALL);
    await first.save(nodeFileSystem(dir));
    const second = createBefunet(SMALL);
    await second.save(nodeFileSystem(dir));
    const files = readdirSync(dir).sort();
    expect(files.filter((f) => f.endsWith('.bin'))).toHaveLength(1);
    expect(files.some((f) => f.includes('.tmp-'))).toBe(false);
    const reloaded = await tfl.loadLayersModel(nodeFileSystem(dir));
    await expectClose(
      reloaded.predict(input()) as tf.Tensor,
      second.predict(input()) as tf.Tensor,
      TOLERANCE.exact,
      'latest save',
    );
    for (const m of [first, second, reloaded]) m.dispose();
  });

  it('loads the same folder over HTTP (as a browser would) with identical outputs', async () => {
    const dir = tempDir();
    const model = createBefunet(SMALL);
    await model.save(nodeFileSystem(dir));
    const server = createServer((req, res) => {
      const name = (req.url ?? '/').slice(1);
      if (!/^[\w.]+$/.test(name)) return void res.writeHead(404).end();
      try {
        res.writeHead(200).end(readFileSync(join(dir, name)));
      } catch {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const reloaded = await tfl.loadLayersModel(`http://127.0.0.1:${port}/model.json`);
      await expectClose(
        reloaded.predict(input()) as tf.Tensor,
        model.predict(input()) as tf.Tensor,
        TOLERANCE.exact,
        'over HTTP',
      );
      reloaded.dispose();
    } finally {
      server.close();
      model.dispose();
    }
  });

  it('saves over HTTP (a multipart POST, as tf.io.http does in browsers) and loads back over HTTP', async () => {
    const files = new Map<string, Uint8Array>();
    const server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      if (req.method === 'POST') {
        const form = await new Response(Buffer.concat(chunks), {
          headers: { 'content-type': req.headers['content-type'] ?? '' },
        }).formData();
        const entries: [string, FormDataEntryValue][] = [];
        form.forEach((value, name) => {
          entries.push([name, value]);
        });
        for (const [name, value] of entries)
          files.set(name, new Uint8Array(await (value as Blob).arrayBuffer()));
        return void res.writeHead(200).end('{}');
      }
      const file = files.get((req.url ?? '/').slice(1));
      if (file) res.writeHead(200).end(file);
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const model = createBefunet(SMALL);
    try {
      const { port } = server.address() as AddressInfo;
      await model.save(tf.io.http(`http://127.0.0.1:${port}/upload`));
      expect([...files.keys()].sort()).toEqual(['model.json', 'model.weights.bin']);
      const reloaded = await tfl.loadLayersModel(`http://127.0.0.1:${port}/model.json`);
      expect(befunetConfigOf(reloaded)).toEqual(SMALL);
      await expectClose(
        reloaded.predict(input()) as tf.Tensor,
        model.predict(input()) as tf.Tensor,
        TOLERANCE.exact,
        'HTTP round trip',
      );
      reloaded.dispose();
    } finally {
      server.close();
      model.dispose();
    }
  });

  it('says what is wrong with a folder that holds no model', async () => {
    const dir = tempDir();
    await expect(tfl.loadLayersModel(nodeFileSystem(dir))).rejects.toThrow(FileFormatError);
    writeFileSync(join(dir, 'model.json'), '{"weightsManifest": []}');
    await expect(tfl.loadLayersModel(nodeFileSystem(dir))).rejects.toThrow(/not a TF.js layers model/);
  });
});
