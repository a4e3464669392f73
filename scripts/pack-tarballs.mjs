/**
 * `pnpm pack` of workspace packages into a folder, as the tarball checks install them with plain npm
 * (workspace: ranges become versions). Built packages are expected (`turbo run build`).
 */
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const root = resolve(import.meta.dirname, '..');
const exec = promisify(execFile);

/** Packs each `{ dir, name }` (dir: a folder under packages/) into `into`; returns name -> tarball path. */
export async function packTarballs(packages, into) {
  const tarballs = new Map();
  for (const { dir, name } of packages) {
    const { stdout } = await exec('pnpm', ['pack', '--pack-destination', into], {
      cwd: join(root, 'packages', dir),
    });
    const file = stdout.trim().split('\n').at(-1).trim();
    tarballs.set(name, resolve(into, file));
  }
  return tarballs;
}
