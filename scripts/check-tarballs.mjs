#!/usr/bin/env node
/**
 * Checks what every published package (each packages/* without "private": true) would put in its
 * tarball, from `pnpm pack --dry-run --json` and the built files (run after the build; `pnpm lint`
 * runs it after `turbo run lint`, which builds):
 *   - LICENSE (the Apache-2.0 text), README.md and dist (JavaScript and types) are in it;
 *   - no benchmark, reliability (fuzzers, zip bombs), test or fixture file, no .pyc or .tsbuildinfo;
 *   - every source map embeds its sources or points at files that are in the tarball.
 * Prints one line per problem and exits 1 when there is one.
 *
 * usage: node scripts/check-tarballs.mjs [--package DIR]...   (DIR: a folder name under packages/)
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, normalize, posix, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const only = args.flatMap((a, i) => (a === '--package' ? [args[i + 1]] : []));

/** Files that must never be published: benchmarks, reliability code, tests and their fixtures, build leftovers. */
const FORBIDDEN = [
  [/(^|\/)bench\//, 'benchmark code'],
  [/(^|\/)reliability\//, 'reliability code (fuzzers, zip bombs)'],
  [/\.test(-util)?\.[cm]?[jt]s(\.map)?$|\.test\.d\.[cm]?ts$/, 'a test file'],
  [/(^|\/)(__fixtures__|test-fixtures|__pycache__)\//, 'test fixtures or caches'],
  [/\.(pyc|tsbuildinfo)$/, 'a build leftover'],
];

/** The problems of one package's tarball: `files` (paths in the tarball), `read` reads one of them (undefined: absent). */
function tarballProblems(files, read) {
  const problems = [];
  const listed = new Set(files);
  for (const required of ['LICENSE', 'README.md', 'package.json']) {
    if (!listed.has(required)) problems.push(`${required} is missing (add it to "files")`);
  }
  const license = listed.has('LICENSE') ? read('LICENSE') : undefined;
  if (listed.has('LICENSE') && license === undefined) {
    problems.push('LICENSE is not in the package folder (pnpm would copy the root one in, npm would not)');
  } else if (license !== undefined && !/Apache License\s+Version 2\.0/.test(license)) {
    problems.push('LICENSE is not the Apache-2.0 text');
  }
  if (!files.some((f) => /^dist\/.*\.js$/.test(f))) problems.push('dist has no JavaScript (build first)');
  if (!files.some((f) => /^dist\/.*\.d\.ts$/.test(f))) problems.push('dist has no type declarations');
  for (const file of files) {
    for (const [pattern, what] of FORBIDDEN) {
      if (pattern.test(file)) problems.push(`${file} is ${what}`);
    }
  }
  for (const map of files.filter((f) => f.endsWith('.map'))) {
    let parsed;
    try {
      parsed = JSON.parse(read(map) ?? '');
    } catch (error) {
      problems.push(`${map} is not JSON: ${error.message}`);
      continue;
    }
    const sources = Array.isArray(parsed.sources) ? parsed.sources : [];
    const base = posix.join(posix.dirname(map), parsed.sourceRoot ?? '');
    sources.forEach((source, i) => {
      if (typeof parsed.sourcesContent?.[i] === 'string') return;
      const target = posix.normalize(posix.join(base, source));
      if (!listed.has(target)) problems.push(`${map} points at ${source}, which is not in the tarball`);
    });
  }
  return problems;
}

function packedFiles(dir) {
  const out = execFileSync('pnpm', ['pack', '--dry-run', '--json'], { cwd: dir, encoding: 'utf8' });
  return JSON.parse(out).files.map((f) => normalize(f.path).split('\\').join('/'));
}

const dirs = readdirSync(join(root, 'packages'))
  .filter((d) => existsSync(join(root, 'packages', d, 'package.json')))
  .filter((d) => only.length === 0 || only.includes(d))
  .sort();
let failed = 0;
let checked = 0;
for (const d of dirs) {
  const dir = join(root, 'packages', d);
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  if (manifest.private) continue;
  checked += 1;
  const files = packedFiles(dir);
  const read = (file) => (existsSync(join(dir, file)) ? readFileSync(join(dir, file), 'utf8') : undefined);
  const problems = tarballProblems(files, read);
  if (!manifest.files?.includes('LICENSE')) problems.push('"files" in package.json does not name LICENSE');
  if (manifest.license !== 'Apache-2.0')
    problems.push(`package.json "license" is ${manifest.license}, not Apache-2.0`);
  for (const problem of problems) console.error(`${manifest.name}: ${problem}`);
  if (problems.length) failed += 1;
  else console.log(`${manifest.name}: ${files.length} files, tarball clean`);
}
if (only.length && checked === 0) {
  console.error(`check-tarballs: no published package among ${only.join(', ')}`);
  process.exit(1);
}
if (failed) {
  console.error(`check-tarballs: ${failed} of ${checked} tarballs have problems`);
  process.exit(1);
}
