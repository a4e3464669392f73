/**
 * LAYER_PACKAGES (in @befunet/common) tells a user which package to import for a saved model's
 * layer class. It is written by hand, so it is checked here against the sources: every class a
 * package declares (`static className = 'befunet>X'`) maps to that package's npm name, and every
 * BEFUnet class registered once core (which imports all packages) is loaded is in the table.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LAYER_PACKAGES } from '@befunet/common';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import '../index.js';

const PACKAGES = fileURLToPath(new URL('../../../', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const path = join(dir, f);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return f.endsWith('.ts') && !f.endsWith('.test.ts') ? [path] : [];
  });
}

/** Class name (without prefix) to the npm name of the package whose sources declare it. */
function declaredClasses(): Map<string, string> {
  const declared = new Map<string, string>();
  for (const dir of readdirSync(PACKAGES)) {
    const src = join(PACKAGES, dir, 'src');
    if (!statSync(join(PACKAGES, dir)).isDirectory() || !statSync(src, { throwIfNoEntry: false })) continue;
    const name = JSON.parse(readFileSync(join(PACKAGES, dir, 'package.json'), 'utf8')).name as string;
    for (const file of sourceFiles(src)) {
      for (const m of readFileSync(file, 'utf8').matchAll(
        /static (?:override )?className = 'befunet>(\w+)'/g,
      )) {
        declared.set(m[1]!, name);
      }
    }
  }
  return declared;
}

describe('LAYER_PACKAGES', () => {
  it('maps every class a package declares to that package', () => {
    const declared = declaredClasses();
    expect(declared.size).toBeGreaterThan(20);
    expect(Object.fromEntries(declared)).toEqual(LAYER_PACKAGES);
  });

  it('lists every BEFUnet class registered by importing core', () => {
    const registered = Object.keys(tf.serialization.SerializationMap.getMap().classNameMap)
      .filter((c) => c.startsWith('befunet>'))
      .map((c) => c.slice('befunet>'.length));
    expect(registered.length).toBeGreaterThan(20);
    expect(registered.filter((c) => !(c in LAYER_PACKAGES))).toEqual([]);
  });
});
