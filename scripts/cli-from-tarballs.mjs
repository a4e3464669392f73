#!/usr/bin/env node
/**
 * The `befunet` command as a user installs it: `pnpm pack` of @befunet/cli, @befunet/core and core's
 * BEFUnet dependencies; a scratch project runs a bare `npm i @befunet/cli` (the other BEFUnet packages
 * from the tarballs too, TF.js from the registry or npm's cache; no optional backend); then
 * `npx befunet --version` (the version the cli's package.json says), `--help` and `info --preset tiny`
 * must exit 0 (`info` alone builds the 59M-parameter paper preset: minutes on the cpu backend),
 * `info --backend wasm` must exit 1 with a one-line hint to install the wasm backend, and no stderr
 * may hold a stack trace. Built packages are expected (`turbo run build`).
 * Prints one line per check and `N passed, N failed`.
 *
 * usage: node scripts/cli-from-tarballs.mjs
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { packTarballs } from './pack-tarballs.mjs';

const root = resolve(import.meta.dirname, '..');
const exec = promisify(execFile);
const DIRS = ['cli', 'befunet', 'common', 'dlf', 'io', 'kernels', 'lcaf', 'losses', 'pdc', 'swin'];
const STACK_LINE = /^\s+at /m;
const WASM_HINT =
  /^befunet: ConfigError: @tensorflow\/tfjs-backend-wasm is not installed; npm i @tensorflow\/tfjs-backend-wasm to use --backend wasm$/;
let passed = 0;
let failed = 0;

const manifestOf = (dir) => JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8'));

/** A scratch project with @befunet/cli installed from its tarball; the other BEFUnet packages by override. */
async function scratchProject(tarballs) {
  const dir = mkdtempSync(join(tmpdir(), 'befunet-cli-install-'));
  const overrides = Object.fromEntries(
    [...tarballs].filter(([n]) => n !== '@befunet/cli').map(([n, t]) => [n, `file:${t}`]),
  );
  const dependencies = { '@befunet/cli': `file:${tarballs.get('@befunet/cli')}` };
  const manifest = { name: 'cli-check', private: true, type: 'module', dependencies, overrides };
  writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest, null, 2));
  await exec('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], {
    cwd: dir,
    timeout: 300_000,
  });
  return dir;
}

/** Runs `npx befunet ...args` in `dir`: `{ code, stdout, stderr }`, never throws. */
async function befunet(dir, args) {
  try {
    const { stdout, stderr } = await exec('npx', ['--no-install', 'befunet', ...args], {
      cwd: dir,
      timeout: 180_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const stderr = `${error.killed ? `killed (${error.signal}) after 180 s\n` : ''}${error.stderr ?? String(error)}`;
    return { code: error.code ?? 1, stdout: error.stdout ?? '', stderr };
  }
}

/** One check: `problem` is '' when it passed. */
function report(name, problem) {
  if (problem) failed++;
  else passed++;
  console.log(`${problem ? 'FAIL' : 'ok  '} ${name}${problem ? `: ${problem}` : ''}`);
}

/** What is wrong with a run: its exit code, a stack trace in stderr, or what `expect` says. */
function problemOf(run, wantCode, expect) {
  if (run.code !== wantCode)
    return `exit code ${run.code}, expected ${wantCode}; stderr: ${run.stderr.trim()}`;
  if (STACK_LINE.test(run.stderr)) return `stderr holds a stack trace: ${run.stderr.trim()}`;
  return expect(run) ?? '';
}

async function checkCli(dir) {
  const version = manifestOf('cli').version;
  const checks = [
    [
      ['--version'],
      0,
      (r) => (r.stdout.trim() === `@befunet/cli ${version}` ? undefined : `printed '${r.stdout.trim()}'`),
    ],
    [['--help'], 0, (r) => (/usage: befunet COMMAND/.test(r.stdout) ? undefined : 'no usage line')],
    [
      ['info', '--preset', 'tiny'],
      0,
      (r) => (/backend: cpu/.test(r.stderr) ? undefined : `no 'backend: cpu' line: ${r.stderr.trim()}`),
    ],
    [
      ['info', '--backend', 'wasm'],
      1,
      (r) => (WASM_HINT.test(r.stderr.trim()) ? undefined : `not the one-line hint: ${r.stderr.trim()}`),
    ],
  ];
  for (const [args, code, expect] of checks) {
    report(`npx befunet ${args.join(' ')}`, problemOf(await befunet(dir, args), code, expect));
  }
}

const packDir = mkdtempSync(join(tmpdir(), 'befunet-cli-tarballs-'));
let dir;
try {
  const tarballs = await packTarballs(
    DIRS.map((d) => ({ dir: d, name: manifestOf(d).name })),
    packDir,
  );
  dir = await scratchProject(tarballs);
  await checkCli(dir);
} catch (error) {
  report('pack and install @befunet/cli', error.stderr?.trim() || error.message);
} finally {
  rmSync(packDir, { recursive: true, force: true });
  if (dir) rmSync(dir, { recursive: true, force: true });
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed || passed === 0 ? 1 : 0);
