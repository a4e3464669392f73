#!/usr/bin/env node
/**
 * Smoke test of the BUILT packages as users get them:
 *  1. each published package imported alone from a plain Node.js ESM process: it loads, exports
 *     something, and TF.js gradients are registered (or, for the TF.js-free ones, TF.js is not loaded;
 *     for @befunet/kernels, nothing is registered);
 *  2. all packages bundled with esbuild for Node.js: the bundle runs a few SGD steps and the loss falls;
 *  3. all packages bundled with esbuild for browsers: the bundle builds (no Node.js built-ins leak in);
 *  4. the `befunet` command installed from the packed tarballs with plain npm (scripts/cli-from-tarballs.mjs).
 * Prints one line per check and `N passed, N failed`.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import * as esbuild from 'esbuild';
import { CHANGES_NOTHING_ON_IMPORT, PUBLISHED, WITHOUT_TFJS } from './packages.mjs';

const here = import.meta.dirname;
const root = resolve(here, '../..');
const exec = promisify(execFile);
let passed = 0;
let failed = 0;

async function check(name, fn) {
  try {
    const detail = await fn();
    passed++;
    console.log(`ok   ${name}${detail ? ` (${detail})` : ''}`);
  } catch (error) {
    failed++;
    console.log(`FAIL ${name}: ${error instanceof Error ? error.message : error}`);
  }
}

const lastJson = (stdout) => JSON.parse(stdout.trim().split('\n').at(-1));

for (const name of PUBLISHED) {
  await check(`plain node ESM: import '${name}'`, async () => {
    const { stdout } = await exec(process.execPath, [join(here, 'probe-one.mjs'), name], {
      cwd: root,
      timeout: 60_000,
    });
    const r = lastJson(stdout);
    if (r.exports === 0) throw new Error('the package exports nothing');
    if (WITHOUT_TFJS.includes(name)) {
      if (r.loadedTfjs) throw new Error('importing it loaded TF.js, which it must not depend on');
      return `${r.exports} exports, TF.js not loaded`;
    }
    if (CHANGES_NOTHING_ON_IMPORT.includes(name)) {
      if (r.gradients || r.ownKernels > 0) throw new Error('importing it registered gradients or kernels');
      return `${r.exports} exports, TF.js's registry unchanged`;
    }
    if (!r.gradients) throw new Error('TF.js gradients are not registered after importing it');
    return `${r.exports} exports, gradients registered`;
  });
}

const outDir = mkdtempSync(join(tmpdir(), 'befunet-smoke-'));
try {
  await check('esbuild bundle for node: trains', async () => {
    const outfile = join(outDir, 'node.mjs');
    await esbuild.build({
      entryPoints: [join(here, 'train-step.mjs')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      outfile,
      // As browser bundlers do: TF.js's backends list only their ESM files as side effects, so a Node
      // bundle that picks their CommonJS `main` drops the backend registration.
      mainFields: ['module', 'main'],
      logLevel: 'error',
      // The native Dawn module is loaded only by the ./node entries, which this bundle does not import.
      external: ['webgpu'],
      banner: {
        js: "import { createRequire as __cr } from 'module'; const require = __cr(import.meta.url);",
      },
    });
    const { stdout } = await exec(process.execPath, [outfile, '--run'], { cwd: root, timeout: 120_000 });
    const r = lastJson(stdout);
    const empty = Object.entries(r.exports)
      .filter(([, n]) => n === 0)
      .map(([k]) => k);
    if (empty.length) throw new Error(`bundled packages export nothing: ${empty.join(', ')}`);
    if (!(r.lastLoss < r.firstLoss)) throw new Error(`loss did not fall: ${r.firstLoss} -> ${r.lastLoss}`);
    return `loss ${r.firstLoss.toFixed(4)} -> ${r.lastLoss.toFixed(4)}`;
  });

  await check('esbuild bundle for browsers: builds', async () => {
    const result = await esbuild.build({
      entryPoints: [join(here, 'train-step.mjs')],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      outfile: join(outDir, 'browser.mjs'),
      logLevel: 'silent',
      metafile: true,
    });
    const bytes = Object.values(result.metafile.outputs).reduce((s, o) => s + o.bytes, 0);
    return `${(bytes / 1e6).toFixed(1)} MB`;
  });
} finally {
  rmSync(outDir, { recursive: true, force: true });
}

await check('befunet CLI from the packed tarballs (npm i @befunet/cli)', async () => {
  const script = join(root, 'scripts', 'cli-from-tarballs.mjs');
  try {
    const { stdout } = await exec(process.execPath, [script], { cwd: root, timeout: 600_000 });
    return stdout.trim().split('\n').at(-1);
  } catch (error) {
    const failures = `${error.stdout ?? ''}`.split('\n').filter((l) => l.startsWith('FAIL'));
    throw new Error(failures.join(' | ') || error.message);
  }
});

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
