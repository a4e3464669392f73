/**
 * Asserting that a call fails with a given error class (and message), whatever it returns otherwise.
 */
import { expect } from 'vitest';

export function expectError(
  fn: () => unknown,
  type: abstract new (...args: never[]) => Error,
  message?: RegExp,
): void {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error, `expected a ${type.name}`).toBeInstanceOf(type);
  if (message) expect((error as Error).message).toMatch(message);
}
