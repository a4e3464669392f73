import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/** The packages the modules of the main entry point may import: none of them reaches for Node. */
const ALLOWED = new Set(['fflate', 'fast-png', 'nifti-reader-js']);

describe('the modules of @befunet/io', () => {
  it('import nothing from Node (they must run in browsers)', () => {
    const dir = new URL('./', import.meta.url);
    const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter(
      (f) => f.endsWith('.ts') && !f.endsWith('.test.ts'),
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
