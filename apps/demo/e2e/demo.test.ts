/**
 * End to end: the built page (dist) served on localhost, driven in headless Chromium. On WebGPU
 * (SwiftShader) and on the cpu fallback, the page's label maps are compared with the Node.js
 * reference (same model files, same input, @befunet/core on TF.js's cpu backend).
 */
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeImage, encodeNifti, readNifti, sliceAxial, syntheticSample } from '@befunet/core';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DemoState } from '../src/main.js';
import { type Picture, pictureFromImage, pictureFromSlice, volumeWindow } from '../src/picture.js';
import type { Segmentation } from '../src/segmentation.js';
import { type Browser, launchChromium } from './chromium.js';
import { compareSegmentations, type PageSegmentation } from './compare.js';
import { nodeSegmenter } from './node-reference.js';
import { type StaticServer, serveStatic } from './static-server.js';

const appDir = join(import.meta.dirname, '..');
const dist = join(appDir, 'dist');
const artifacts = join(appDir, 'test-results');
const SAMPLE = 'synthetic-1.png';

let server: StaticServer;
let reference: (picture: Picture) => Promise<Segmentation>;

beforeAll(async () => {
  server = await serveStatic(dist);
  reference = await nodeSegmenter(join(dist, 'model'));
});
afterAll(() => server?.close());

/** The page's state once it settles (`#result[data-state]` idle/done, or error). */
async function settled(page: Page): Promise<DemoState> {
  await page.waitForFunction(
    () => {
      const state = (document.getElementById('result') as HTMLElement).dataset.state;
      return state === 'done' || state === 'error' || (state === 'idle' && window.befunetDemo.model);
    },
    undefined,
    { timeout: 150_000 },
  );
  const error = await page.locator('#error').textContent();
  if (await page.locator('#result[data-state="error"]').count()) throw new Error(`page error: ${error}`);
  return page.evaluate(() => structuredClone(window.befunetDemo));
}

async function openDemo(browser: Browser, query = ''): Promise<Page> {
  const page = await browser.context.newPage();
  await page.goto(`${server.url}index.html${query}`);
  await settled(page);
  return page;
}

async function runSample(page: Page): Promise<PageSegmentation & DemoState> {
  await page.getByLabel('Built-in sample').selectOption(SAMPLE);
  await page.getByRole('button', { name: 'Segment the sample' }).click();
  return (await settled(page)) as PageSegmentation & DemoState;
}

function samplePicture(): Picture {
  return pictureFromImage(decodeImage(readFileSync(join(dist, 'samples', SAMPLE)), SAMPLE));
}

describe('the demo page on WebGPU (SwiftShader)', () => {
  let browser: Browser;
  let page: Page;
  beforeAll(async () => {
    browser = await launchChromium({ webgpu: true });
    page = await openDemo(browser);
  });
  afterAll(() => browser?.close());

  it('loads the shipped model and runs on the webgpu backend', async () => {
    const state = await page.evaluate(() => window.befunetDemo);
    expect(state.backend).toBe('webgpu');
    expect(state.fallbackReason).toBeUndefined();
    await expect.poll(() => page.locator('#backend').textContent()).toBe('Backend: webgpu');
    expect(state.model).toMatch(/paper graph, (\d+)x\1 input, 4 classes/);
  });

  it('segments the built-in sample as the Node.js reference does, and saves a screenshot', async () => {
    const state = await runSample(page);
    const expected = await reference(samplePicture());
    const comparison = compareSegmentations(state, expected);
    console.log(
      `webgpu vs node cpu: max logit error ${comparison.maxLogitError.toExponential(2)}, ` +
        `${comparison.differing} of ${expected.labels.length} labels differ (${comparison.nonTies} not ties); ` +
        `inference ${state.ms?.toFixed(1)} ms, warm-up ${state.warmupMs?.toFixed(0)} ms`,
    );
    expect(comparison.logitMismatches).toBe(0);
    expect(comparison.nonTies).toBe(0);
    expect(comparison.differing / expected.labels.length).toBeLessThan(0.01);
    await expect.poll(() => page.locator('#timing').textContent()).toMatch(/inference [\d.]+ ms on webgpu/);
    await expect.poll(() => page.locator('#legend li').count()).toBe(4);
    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: join(artifacts, 'demo.png'), fullPage: true });
  });

  it('segments the chosen slice of a NIfTI volume as the Node.js reference does', async () => {
    const size = 48;
    const slices = [0, 1, 2].map((i) => syntheticSample(7, i, { size }).image);
    const data = Int16Array.from(slices.flatMap((s) => Array.from(s, (v) => Math.round(v * 1000))));
    const bytes = encodeNifti({ shape: [size, size, 3], data, dtype: 'int16' });
    await page.getByLabel(/Your image/).setInputFiles({
      name: 'volume.nii',
      mimeType: 'application/octet-stream',
      buffer: Buffer.from(bytes),
    });
    const state = (await settled(page)) as PageSegmentation & DemoState;
    await expect.poll(() => page.getByLabel('Axial slice').isVisible()).toBe(true);
    expect(await page.getByLabel('Axial slice').getAttribute('max')).toBe('2');
    expect(state.input).toBe('volume.nii, slice 1');
    const volume = readNifti(bytes, 'volume.nii');
    const expected = await reference(pictureFromSlice(sliceAxial(volume, 1), volumeWindow(volume)));
    const comparison = compareSegmentations(state, expected);
    expect(comparison.logitMismatches).toBe(0);
    expect(comparison.nonTies).toBe(0);
    // The warm-up ran through TF.js and the sample was captured: this slice was a replay, in the
    // browser (WebGPU on SwiftShader's Vulkan), and agrees with the Node.js reference all the same.
    expect(state.forwardPasses?.replays).toBeGreaterThanOrEqual(1);
  });

  it("shows the reader's error, naming the file, for a file that is not an image", async () => {
    await page.getByLabel(/Your image/).setInputFiles({
      name: 'notes.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from('not an image at all'),
    });
    await page.waitForSelector('#result[data-state="error"]');
    expect(await page.getByRole('alert').textContent()).toBe(
      'notes.txt: not a PNG or JPEG file (unknown magic bytes)',
    );
  });
  it('loads a TF.js model the user picks and segments with it', async () => {
    const modelDir = join(dist, 'model');
    const files = readdirSync(modelDir).map((f) => join(modelDir, f));
    await page.getByLabel(/TF.js model/).setInputFiles(files);
    const loaded = await settled(page);
    expect(loaded.model).toMatch(/^TF.js model model.json: paper graph, (\d+)x\1 input, 4 classes/);
    const state = await runSample(page);
    const comparison = compareSegmentations(state, await reference(samplePicture()));
    expect(comparison.logitMismatches).toBe(0);
    expect(comparison.nonTies).toBe(0);
  });

  const badFiles = [
    {
      control: /TF.js model/,
      name: 'weights.bin',
      message: 'weights.bin: pick one model.json and its weights files (found 0 .json files)',
    },
    {
      control: /Official BEFUnet checkpoint/,
      name: 'model.pth',
      message: 'model.pth: neither a PyTorch zip checkpoint nor a safetensors file',
    },
  ];
  for (const { control, name, message } of badFiles) {
    it(`shows the loader's error for a bad file in the '${control.source}' picker`, async () => {
      await page.getByLabel(control).setInputFiles({
        name,
        mimeType: 'application/octet-stream',
        buffer: Buffer.from('garbage'),
      });
      await page.waitForSelector('#result[data-state="error"]');
      expect(await page.getByRole('alert').textContent()).toBe(message);
    });
  }
});

describe('the fallback to the cpu backend', () => {
  const cases = [
    { name: 'forced by ?backend=cpu', webgpu: true, query: '?backend=cpu', reason: /requested/ },
    { name: 'in a Chromium without WebGPU', webgpu: false, query: '', reason: /no WebGPU adapter/ },
  ];
  for (const { name, webgpu, query, reason } of cases) {
    it(`${name}: says so and segments exactly as the Node.js cpu reference`, async () => {
      const browser = await launchChromium({ webgpu });
      try {
        const page = await openDemo(browser, query);
        const state = await runSample(page);
        expect(state.backend).toBe('cpu');
        expect(state.fallbackReason).toMatch(reason);
        expect(await page.locator('#backend').textContent()).toMatch(
          /^Backend: cpu \(fell back from WebGPU: /,
        );
        const expected = await reference(samplePicture());
        expect(state.labels).toEqual(Array.from(expected.labels));
        console.log(`${name}: inference ${state.ms?.toFixed(1)} ms on the cpu backend`);
      } finally {
        await browser.close();
      }
    });
  }
});
