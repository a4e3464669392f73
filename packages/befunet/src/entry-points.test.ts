import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as main from './index.js';

/**
 * The main entry is the user API (issue 21): at most 80 names, values and types together, and
 * every subpath that package.json exports resolves to a built-in entry file of its own.
 */
describe('@befunet/core entry points', () => {
  it('exports at most 80 names from the main entry', () => {
    const source = readFileSync(new URL('./index.ts', import.meta.url), 'utf8');
    const types = [...source.matchAll(/\btype (\w+)/g)].map((m) => m[1]);
    const values = Object.keys(main);
    expect(values.length + types.length).toBeLessThanOrEqual(80);
    expect(values).toContain('createBefunet');
    expect(values).not.toContain('registerWebGpuKernels'); // kernel changes live on ./kernels
  });

  it('maps every subpath of package.json to a source entry that exists', () => {
    const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    for (const [subpath, target] of Object.entries<{ default: string }>(manifest.exports)) {
      if (subpath === './package.json') continue;
      const source = target.default.replace('./dist/', './').replace(/\.js$/, '.ts');
      expect(() => readFileSync(new URL(source, import.meta.url)), subpath).not.toThrow();
    }
  });
});
