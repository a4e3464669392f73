import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/** The packages the modules of the main entry point may import: none of them reaches for Node. */
const ALLOWED = new Set(['dcmjs', 'fflate', 'fast-png', 'jpeg-js/lib/decoder.js', 'nifti-reader-js']);

describe('the modules of @befunet/io', () => {
  it('import nothing from Node (they must run in browsers)', () => {
    const dir = new URL('./', import.meta.url);
    // hdf5.ts is the Node-only subpath `@befunet/io/hdf5`; the main entry must not reach it.
    // testing/ holds test helpers, not built into dist (tsconfig.build.json excludes it).
    expect(readFileSync(new URL('index.ts', dir), 'utf8')).not.toMatch(/hdf5|dicom-folder/);
    const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter(
      (f) =>
        f.endsWith('.ts') &&
        !f.endsWith('.test.ts') &&
        !f.endsWith('.d.ts') &&
        f !== 'hdf5.ts' &&
        f !== 'dicom-folder.ts' &&
        !f.startsWith('testing/'),
    );
    expect(files).toContain('deflate.ts');
    expect(files).toContain('nifti/header.ts');
    for (const file of files) {
      const source = readFileSync(new URL(file, dir), 'utf8');
      const imports = [...source.matchAll(/from '([^']+)'/g)].map((m) => m[1]!);
      expect(
        imports.filter((i) => !i.startsWith('./') && !i.startsWith('../') && !ALLOWED.has(i)),
        file,
      ).toEqual([]);
    }
  });
});
