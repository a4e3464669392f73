/**
 * End to end, the Fine-tune panel: 20 steps on the built-in samples in the page's worker, with the
 * loss falling and the main thread ticking, on TF.js's cpu backend (`?backend=cpu`: on WebGPU over
 * SwiftShader the first training step alone, shader compilation included, takes about 120 s on the
 * 2-core build machine, beyond this test's time budget); the downloaded zip loaded in
 * Node.js (@befunet/core, TF.js cpu backend, an independent run) gives the page's logits; a mask of
 * the wrong size is the core's ShapeError in the page's alert, and the page goes on working.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeImage, encodePng } from '@befunet/core';
import { unzipSync } from 'fflate';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DemoState } from '../src/main.js';
import { pictureFromImage } from '../src/picture.js';
import { type Browser, launchChromium } from './chromium.js';
import { nodeSegmenter } from './node-reference.js';
import { type StaticServer, serveStatic } from './static-server.js';

const appDir = join(import.meta.dirname, '..');
const dist = join(appDir, 'dist');
const artifacts = join(appDir, 'test-results');
const SAMPLE = 'synthetic-1.png';
const STEPS = 20;

let server: StaticServer;
let browser: Browser;
let page: Page;

const demoState = (): Promise<DemoState> => page.evaluate(() => structuredClone(window.befunetDemo));

/** Waits for the page's task queue to settle (`#result[data-state]` not running). */
async function pageSettled(): Promise<string> {
  await page.waitForFunction(() => {
    const state = (document.getElementById('result') as HTMLElement).dataset.state;
    return state !== 'running' && window.befunetDemo.model !== undefined;
  });
  return (await page.locator('#result').getAttribute('data-state')) ?? '';
}

async function segmentSample(): Promise<DemoState> {
  await page.getByLabel('Built-in sample').selectOption(SAMPLE);
  await page.getByRole('button', { name: 'Segment the sample' }).click();
  const settled = await pageSettled();
  expect(`${settled} ${await page.getByRole('alert').textContent()}`).toBe('done ');
  return demoState();
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

beforeAll(async () => {
  server = await serveStatic(dist);
  browser = await launchChromium({ webgpu: true });
  page = await browser.context.newPage();
  page.setDefaultTimeout(200_000);
  await page.goto(`${server.url}index.html?backend=cpu`);
  expect(await pageSettled()).toBe('idle');
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('fine-tuning in the page (worker on the cpu backend)', () => {
  it("shows the core's ShapeError for a mask of another size than its image, and keeps working", async () => {
    const image = readFileSync(join(dist, 'samples', SAMPLE));
    const smallMask = encodePng({ width: 64, height: 64, channels: 1, data: new Uint8Array(64 * 64) });
    await page.getByLabel('Training data').selectOption('files');
    await page.getByLabel(/Training images and masks/).setInputFiles([
      { name: 'case1.png', mimeType: 'image/png', buffer: image },
      { name: 'case1_mask.png', mimeType: 'image/png', buffer: Buffer.from(smallMask) },
    ]);
    await page.getByRole('button', { name: 'Fine-tune', exact: true }).click();
    expect(await pageSettled()).toBe('error');
    expect(await page.getByRole('alert').textContent()).toBe(
      'sample case1.png with mask case1_mask.png (64x64): label map has 4096 values, but the 128x128 image needs 16384 (image and mask sizes differ)',
    );
    expect((await demoState()).fineTune?.status).toBe('error');
    const after = await segmentSample();
    expect(after.input).toMatch(/^Synthetic organs 1/);
    expect(await page.getByRole('alert').textContent()).toBe('');
  });

  it(`trains ${STEPS} steps in the worker: the loss falls and the main thread keeps ticking`, async () => {
    await page.getByLabel('Training data').selectOption('samples');
    await page.getByLabel('Steps').fill(String(STEPS));
    await page.getByLabel('Learning rate').fill('0.01');
    const before = await demoState();
    const started = Date.now();
    await page.getByRole('button', { name: 'Fine-tune', exact: true }).click();
    await page.waitForFunction((half) => (window.befunetDemo.fineTune?.steps.length ?? 0) >= half, STEPS / 2);
    mkdirSync(artifacts, { recursive: true });
    await page.locator('#fine-tune').screenshot({ path: join(artifacts, 'fine-tune.png') });
    await page.waitForFunction(() => window.befunetDemo.fineTune?.status !== 'running');
    expect(`${await pageSettled()} ${await page.getByRole('alert').textContent()}`).toBe('idle ');
    const seconds = (Date.now() - started) / 1000;
    const after = await demoState();
    const run = after.fineTune!;
    expect(run.status).toBe('done');
    expect(run.backend).toBe('cpu');
    expect(run.steps.map((s) => s.step)).toEqual(Array.from({ length: STEPS }, (_, i) => i + 1));
    expect(run.validations.length).toBeGreaterThanOrEqual(1);
    const losses = run.steps.map((s) => s.loss);
    const first = mean(losses.slice(0, 5));
    const last = mean(losses.slice(-5));
    const ticks = after.heartbeat - before.heartbeat;
    console.log(
      `fine-tune in the worker on cpu: ${STEPS} steps in ${seconds.toFixed(1)} s, ` +
        `${run.steps.at(-1)!.imagesPerSecond.toFixed(3)} steps/s (batch 1); loss first 5 ${first.toFixed(4)}, ` +
        `last 5 ${last.toFixed(4)}; validation Dice ${run.validations.map((v) => v.dice.toFixed(3)).join(' ')}; ` +
        `heartbeat ${ticks} ticks of 100 ms in ${seconds.toFixed(1)} s`,
    );
    expect(last).toBeLessThan(0.95 * first);
    // A main thread blocked by training would not tick; allow for a busy 2-core machine.
    expect(ticks).toBeGreaterThan(0.5 * seconds * 10);
    expect(after.model).toMatch(/^fine-tuned for 20 steps in this page/);
    await page.screenshot({ path: join(artifacts, 'fine-tune-page.png'), fullPage: true });
  });

  it('offers the fine-tuned model as a zip that Node.js loads and runs to the same logits', async () => {
    const pageResult = await segmentSample();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download the fine-tuned model' }).click(),
    ]);
    const dir = mkdtempSync(join(tmpdir(), 'befunet-fine-tuned-'));
    try {
      const zipPath = join(dir, 'model.zip');
      await download.saveAs(zipPath);
      const files = unzipSync(readFileSync(zipPath));
      expect(Object.keys(files).sort()).toEqual(['model.json', 'weights.bin']);
      for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, name), bytes);
      const reference = await nodeSegmenter(dir);
      const picture = pictureFromImage(decodeImage(readFileSync(join(dist, 'samples', SAMPLE)), SAMPLE));
      const expected = await reference(picture);
      const got = pageResult.logits!;
      expect(got.length).toBe(expected.logits.length);
      let maxDiff = 0;
      for (let i = 0; i < got.length; i++)
        maxDiff = Math.max(maxDiff, Math.abs(got[i]! - expected.logits[i]!));
      console.log(
        `fine-tuned model, page (worker-trained, page cpu backend) vs Node.js (cpu): max logit difference ${maxDiff.toExponential(2)}`,
      );
      expect(maxDiff).toBeLessThan(1e-5);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
