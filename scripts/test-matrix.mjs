#!/usr/bin/env node
/**
 * The test command: runs every package's vitest suite on every backend (cpu, webgpu), then the
 * demo page's end-to-end test in headless Chromium and the smoke test of the built packages, and
 * prints a package x backend table of passed/failed counts ending with `N passed, N failed`. Exits non-zero when anything failed or a cell ran no test.
 *
 * usage: node scripts/test-matrix.mjs [--package NAME]... [--backend cpu|webgpu]... [--no-smoke] [--no-demo]
 * Each cell's full output goes to .test-results/<package>.<backend>.log; failing cells are printed.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const resultsDir = join(root, '.test-results');
const args = process.argv.slice(2);
const picked = (flag) => args.flatMap((a, i) => (a === flag ? [args[i + 1]] : []));
const backends = picked('--backend').length ? picked('--backend') : ['cpu', 'webgpu'];
const onlyPackages = picked('--package');

const packages = readdirSync(join(root, 'packages'))
  .filter((d) => existsSync(join(root, 'packages', d, 'vitest.config.ts')))
  .filter((d) => onlyPackages.length === 0 || onlyPackages.includes(d))
  .sort();

function run(command, commandArgs, cwd, logFile) {
  return new Promise((done) => {
    const started = Date.now();
    const child = spawn(command, commandArgs, { cwd, env: { ...process.env, FORCE_COLOR: '0' } });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('close', (code) => {
      writeFileSync(logFile, output);
      done({ code, output, seconds: (Date.now() - started) / 1000 });
    });
  });
}

rmSync(resultsDir, { recursive: true, force: true });
mkdirSync(resultsDir, { recursive: true });
const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');
const rows = [];

/** Runs one vitest cell (a package on a backend, or an app's end-to-end tests) and records its row. */
async function vitestCell(pkg, backend, cwd, vitestArgs) {
  const json = join(resultsDir, `${pkg}.${backend}.json`);
  const log = join(resultsDir, `${pkg}.${backend}.log`);
  process.stdout.write(`  ${pkg} x ${backend} ... `);
  const { code, output, seconds } = await run(
    process.execPath,
    [vitest, 'run', ...vitestArgs, '--reporter=default', '--reporter=json', `--outputFile=${json}`],
    cwd,
    log,
  );
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  if (existsSync(json)) {
    const report = JSON.parse(readFileSync(json, 'utf8'));
    passed = report.numPassedTests;
    failed = report.numFailedTests;
    skipped = report.numPendingTests + report.numTodoTests;
    // A file that failed to load (or a failing hook) has no failed test but fails the suite.
    failed += report.testResults.filter(
      (f) => f.status === 'failed' && f.assertionResults.every((a) => a.status !== 'failed'),
    ).length;
  }
  const problem =
    code !== 0 && failed === 0 ? `vitest exited ${code}` : passed + failed === 0 ? 'no test ran' : '';
  if (problem) failed += 1;
  rows.push({ pkg, backend, passed, failed, skipped, seconds, problem });
  console.log(
    `${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''} (${seconds.toFixed(1)} s)${problem ? ` [${problem}]` : ''}`,
  );
  if (failed > 0) console.log(output.split('\n').slice(-80).join('\n'));
}

for (const pkg of packages) {
  for (const backend of backends) {
    await vitestCell(pkg, backend, join(root, 'packages', pkg), ['--project', backend]);
  }
}

// The demo page in headless Chromium (WebGPU on SwiftShader, and the cpu fallback), built by
// `turbo run build` before this script runs.
if (!args.includes('--no-demo') && onlyPackages.length === 0) {
  await vitestCell('demo', 'chromium', join(root, 'apps', 'demo'), ['--config', 'vitest.e2e.config.ts']);
}

/** Runs a script that prints `N passed, N failed` as its own row of the table. */
async function scriptCell(pkg, backend, script) {
  process.stdout.write(`  ${pkg} x ${backend} ... `);
  const log = join(resultsDir, `${pkg}.log`);
  const { code, output, seconds } = await run(process.execPath, [join(root, script)], root, log);
  const summary = output.match(/^(\d+) passed, (\d+) failed$/m);
  const passed = summary ? Number(summary[1]) : 0;
  let failed = summary ? Number(summary[2]) : 0;
  const problem =
    code !== 0 && failed === 0 ? `${pkg} exited ${code}` : passed + failed === 0 ? 'no test ran' : '';
  if (problem) failed += 1;
  rows.push({ pkg, backend, passed, failed, skipped: 0, seconds, problem });
  console.log(
    `${passed} passed, ${failed} failed (${seconds.toFixed(1)} s)${problem ? ` [${problem}]` : ''}`,
  );
  if (failed > 0) console.log(output);
}

if (!args.includes('--no-smoke') && onlyPackages.length === 0) {
  await scriptCell('smoke', 'node-esm+bundle', 'scripts/smoke/run.mjs');
  // Every README code block, run from the packed tarballs installed with plain npm.
  await scriptCell('readmes', 'npm-tarballs', 'scripts/readmes/run.mjs');
}

const pad = (s, n) => String(s).padEnd(n);
const lpad = (s, n) => String(s).padStart(n);
console.log(
  `\n${pad('package', 10)} ${pad('backend', 16)} ${lpad('passed', 7)} ${lpad('failed', 7)} ${lpad('skipped', 8)} ${lpad('seconds', 8)}`,
);
for (const r of rows) {
  console.log(
    `${pad(r.pkg, 10)} ${pad(r.backend, 16)} ${lpad(r.passed, 7)} ${lpad(r.failed, 7)} ${lpad(r.skipped, 8)} ${lpad(r.seconds.toFixed(1), 8)}${r.problem ? `  ${r.problem}` : ''}`,
  );
}
const total = (k) => rows.reduce((s, r) => s + r[k], 0);
const skipped = total('skipped');
console.log(`\n${total('passed')} passed, ${total('failed')} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(total('failed') > 0 || rows.length === 0 ? 1 : 0);
