#!/usr/bin/env node
/**
 * The README check: every TypeScript/JavaScript block of every published package's README runs,
 * as a user would run it, from the packed tarballs installed with plain npm (no workspace links).
 * For each package: `pnpm pack` every published package; a scratch project installs what the
 * README's `npm i` line names (BEFUnet packages from the tarballs, the rest from the registry),
 * plus the cpu and wasm backends; each block (a complete program) runs in its own Node.js process
 * three times: as written (it must pick a backend itself, as a user's program must), then on cpu and
 * on wasm (a preloaded module sets the backend, and the run fails if the block ends on another).
 * Blocks marked `browser` are bundled for browsers with esbuild instead (they must resolve and
 * compile); `own-backend` blocks (about choosing a backend) run as written only; `no-run` blocks
 * need a file the reader brings, or are fragments. Built packages are expected (`turbo run build`).
 * Prints one line per block and backend, and `N passed, N failed`.
 *
 * usage: node scripts/readmes/run.mjs [--package DIR]...
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import * as esbuild from 'esbuild';
import { packTarballs } from '../pack-tarballs.mjs';
import { PUBLISHED, WITHOUT_TFJS } from '../smoke/packages.mjs';
import { codeBlocks, installLine } from './code-blocks.mjs';

const root = resolve(import.meta.dirname, '../..');
const exec = promisify(execFile);
const args = process.argv.slice(2);
const onlyDirs = args.flatMap((a, i) => (a === '--package' ? [args[i + 1]] : []));
const BACKENDS = ['cpu', 'wasm'];
const TF_VERSION = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).devDependencies[
  '@tensorflow/tfjs-core'
];
let passed = 0;
let failed = 0;

function report(ok, name, detail) {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? `: ${detail}` : ''}`);
}

/** Package folder and npm name of each published package. */
function publishedPackages() {
  return readdirSync(join(root, 'packages')).flatMap((dir) => {
    try {
      const { name } = JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8'));
      return PUBLISHED.includes(name) ? [{ dir, name }] : [];
    } catch {
      return [];
    }
  });
}

const PRELOAD = (backend) => `import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-${backend}';
if (!(await tf.setBackend('${backend}'))) throw new Error('README check: backend ${backend} did not start');
process.on('exit', () => {
  if (tf.getBackend() !== '${backend}') {
    console.error('README check: the block switched the backend from ${backend} to ' + tf.getBackend());
    process.exitCode = 1;
  }
});
`;

/** A scratch project holding what the README's install line names, from the tarballs where ours. */
async function scratchProject(pkg, install, tarballs) {
  const dir = mkdtempSync(join(tmpdir(), `befunet-readme-${pkg.dir}-`));
  const version = (n) =>
    tarballs.has(n) ? `file:${tarballs.get(n)}` : n.startsWith('@tensorflow/') ? TF_VERSION : '*';
  const dependencies = Object.fromEntries(install.map((n) => [n, version(n)]));
  for (const b of BACKENDS) dependencies[`@tensorflow/tfjs-backend-${b}`] ??= TF_VERSION;
  // BEFUnet packages that the installed ones depend on come from the tarballs too.
  const overrides = Object.fromEntries(
    [...tarballs].filter(([n]) => !(n in dependencies)).map(([n, t]) => [n, `file:${t}`]),
  );
  const manifest = { name: 'readme-check', private: true, type: 'module', dependencies, overrides };
  writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest, null, 2));
  await exec('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: dir,
    timeout: 300_000,
  });
  for (const b of BACKENDS) writeFileSync(join(dir, `backend-${b}.mjs`), PRELOAD(b));
  return dir;
}

/** Runs a block as written (`backend` undefined), or with a preload that sets the backend. */
async function runBlock(dir, file, backend) {
  const preload = backend ? ['--import', `./backend-${backend}.mjs`] : [];
  // Each run starts as a first run would: without the `runs/` folder an earlier run wrote.
  rmSync(join(dir, 'runs'), { recursive: true, force: true });
  try {
    await exec(process.execPath, [...preload, file], {
      cwd: dir,
      timeout: 180_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    return '';
  } catch (error) {
    const out = `${error.stderr ?? ''}${error.stdout ?? ''}`.trim().split('\n');
    return (error.killed ? 'timed out; ' : '') + out.slice(-8).join(' | ');
  }
}

async function checkPackage(pkg, tarballs) {
  const readme = readFileSync(join(root, 'packages', pkg.dir, 'README.md'), 'utf8');
  const install = installLine(readme);
  if (!install.includes(pkg.name)) {
    report(false, `${pkg.name} README`, `its first 'npm i' line does not install ${pkg.name}`);
    return;
  }
  if (!WITHOUT_TFJS.includes(pkg.name) && !install.some((n) => /^@tensorflow\/tfjs-backend-/.test(n))) {
    report(false, `${pkg.name} README`, "its 'npm i' line names no TF.js backend package");
  }
  const dir = await scratchProject(pkg, install, tarballs);
  try {
    for (const [i, block] of codeBlocks(readme).entries()) {
      const name = `${pkg.name} README block ${i + 1} (line ${block.line})`;
      if (block.mode === 'skip') continue;
      const js = (await esbuild.transform(block.code, { loader: 'ts', format: 'esm' })).code;
      const file = `block-${i + 1}.mjs`;
      writeFileSync(join(dir, file), js);
      if (block.mode === 'browser') {
        report(...(await bundleForBrowser(dir, file)), `${name} [browser bundle]`);
        continue;
      }
      // A block about choosing the backend, or of a package without TF.js, runs as written only.
      const asWrittenOnly = block.mode === 'own-backend' || WITHOUT_TFJS.includes(pkg.name);
      const backends = asWrittenOnly ? [undefined] : [undefined, ...BACKENDS];
      for (const backend of backends) {
        const problem = await runBlock(dir, file, backend);
        report(problem === '', `${name} [${backend ?? 'as written'}]`, problem);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function bundleForBrowser(dir, file) {
  try {
    await esbuild.build({
      entryPoints: [join(dir, file)],
      absWorkingDir: dir,
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      logLevel: 'silent',
    });
    return [true];
  } catch (error) {
    return [false, error.message.split('\n').slice(0, 4).join(' | ')];
  }
}

/** The packages whose READMEs are checked by default (all published ones); `--package DIR` picks some. */
const CHECKED_BY_DEFAULT = ['befunet', 'common', 'io', 'lcaf', 'dlf', 'swin', 'losses', 'pdc'];
const published = publishedPackages();
const isChecked = (p) => (onlyDirs.length === 0 ? CHECKED_BY_DEFAULT : onlyDirs).includes(p.dir);
const packages = published.filter(isChecked);
const unchecked = published.filter((p) => !isChecked(p));
if (unchecked.length) console.log(`not checked: ${unchecked.map((p) => p.name).join(', ')}`);
const packDir = mkdtempSync(join(tmpdir(), 'befunet-tarballs-'));
try {
  const tarballs = await packTarballs(published, packDir);
  for (const pkg of packages) await checkPackage(pkg, tarballs);
} finally {
  rmSync(packDir, { recursive: true, force: true });
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed || passed === 0 ? 1 : 0);
