import { ConfigError } from '@befunet/common';
import { describe, expect, it } from 'vitest';
import { importOptional, isMissingPackage } from './optional-import.js';

// A package name that no install has: the loader is exercised without uninstalling anything.
const MISSING = '@befunet/no-such-backend-for-tests';

describe('importOptional', () => {
  it('turns a package that is not installed into a one-line ConfigError saying what to install', async () => {
    const error = await importOptional(MISSING, '--backend nothing').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe(
      `${MISSING} is not installed; npm i ${MISSING} to use --backend nothing`,
    );
    expect((error as ConfigError).message).not.toMatch(/\n/);
    expect(isMissingPackage((error as ConfigError).cause, MISSING)).toBe(true);
  });

  it('returns the module when it loads', async () => {
    const path = await importOptional('node:path', 'paths');
    expect((path as typeof import('node:path')).join('a', 'b')).toBe('a/b');
  });

  it('names a package that is installed but fails to load, keeping its error as the cause', async () => {
    const broken = new SyntaxError('Unexpected token in the backend\n    at somewhere');
    const error = await importOptional('@tensorflow/tfjs-backend-wasm', '--backend wasm', () =>
      Promise.reject(broken),
    ).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe(
      '@tensorflow/tfjs-backend-wasm could not be loaded: Unexpected token in the backend',
    );
    expect((error as ConfigError).cause).toBe(broken);
  });

  it('tells a missing package from a missing import inside an installed one', () => {
    const inner = Object.assign(
      new Error(`Cannot find package 'long' imported from /x/${MISSING}/index.js`),
      {
        code: 'ERR_MODULE_NOT_FOUND',
      },
    );
    expect(isMissingPackage(inner, MISSING)).toBe(false);
    expect(isMissingPackage(inner, 'long')).toBe(true);
    expect(isMissingPackage(new Error(`Cannot find package '${MISSING}'`), MISSING)).toBe(false);
  });
});
