/** Folders of files written by a test, and the error a promise rejects with, for the data set tests. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { temporaryFolder } from '@befunet/testing';
import { expect } from 'vitest';

const made: { remove: () => void }[] = [];

/**
 * A fresh temporary folder holding the empty `folders` and `files` (path relative to the folder ->
 * bytes or text); `removeTestTrees` deletes every one made so far.
 */
export function testTree(folders: readonly string[], files: Record<string, Uint8Array | string>): string {
  const root = temporaryFolder('befunet-data-');
  made.push(root);
  for (const folder of folders) mkdirSync(join(root.path, folder), { recursive: true });
  for (const [name, bytes] of Object.entries(files)) writeFileSync(join(root.path, name), bytes);
  return root.path;
}

export function removeTestTrees(): void {
  for (const tree of made.splice(0)) tree.remove();
}

/** The error `promise` rejects with; fails the test when it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, 'expected a rejection').toBeInstanceOf(Error);
  return error as Error;
}
