import { dirname } from 'node:path';
import { FileWriteError } from '@befunet/common';
import { faultCode, testProject } from '@befunet/testing';
import { describe, expect, it } from 'vitest';
import {
  checkpointSubject,
  type FaultOutcome,
  injectEverywhere,
  modelSubject,
  recordSave,
  type SaveSubject,
} from './write-faults.js';

/** What is wrong with one outcome (empty when it is right). */
function problems(o: FaultOutcome): string[] {
  const found: string[] = [];
  const expected = o.afterCommit ? 'new' : 'previous';
  if (o.found !== expected)
    found.push(`holds ${o.found} (${o.loadError ?? ''}), expected the ${expected} version`);
  if (o.leftovers.length) found.push(`leaves ${o.leftovers.join(', ')}`);
  if (o.call.op === 'rm') {
    // Removing what the new version replaced is cleanup: its failure leaves the files to the next save.
    if (o.error !== undefined) found.push(`a failed cleanup failed the save: ${String(o.error)}`);
    return found;
  }
  if (!(o.error instanceof FileWriteError))
    return [...found, `threw ${String(o.error)}, not a FileWriteError`];
  // A file's path, which its temporary file's path starts with; a folder's fsync names the file renamed in it.
  const named = o.call.op === 'syncFolder' ? dirname(o.error.path) : o.error.path;
  if (!o.call.path.startsWith(named)) found.push(`the error names ${o.error.path}, not ${o.call.path}`);
  if (!o.error.message.startsWith(`${o.error.path}: `))
    found.push(`the message does not start with the file`);
  if (o.error.code !== faultCode(o.kind) || !o.error.message.includes(faultCode(o.kind))) {
    found.push(`the error does not name ${faultCode(o.kind)}: ${o.error.message}`);
  }
  return found;
}

async function expectEveryFaultKeepsARun(subject: SaveSubject, operations: string[]) {
  try {
    const { where } = await recordSave(subject);
    expect(where).toEqual(operations);
    const outcomes = await injectEverywhere(subject);
    const wrong = outcomes.flatMap((o) =>
      problems(o).map((p) => `${o.kind} at #${o.call.index} ${o.where}: ${p}`),
    );
    expect(wrong).toEqual([]);
    expect(outcomes.length).toBeGreaterThan(3 * operations.length);
  } finally {
    subject.dispose();
  }
}

describe.runIf(testProject() === 'cpu')('faults at every file operation of a save', () => {
  it('a checkpoint save keeps the previous checkpoint until its pointer is replaced', async () => {
    await expectEveryFaultKeepsARun(checkpointSubject(), [
      'mkdir checkpoints',
      'mkdir checkpoints/latest.<id>.partial',
      'writeFile checkpoints/latest.<id>.partial/model.safetensors',
      'syncFile checkpoints/latest.<id>.partial/model.safetensors',
      'writeFile checkpoints/latest.<id>.partial/optimizer.safetensors',
      'syncFile checkpoints/latest.<id>.partial/optimizer.safetensors',
      'writeFile checkpoints/latest.<id>.partial/state.json',
      'syncFile checkpoints/latest.<id>.partial/state.json',
      'syncFolder checkpoints/latest.<id>.partial',
      'rename checkpoints/latest.<id>.partial',
      'writeFile checkpoints/latest.json.tmp-*',
      'syncFile checkpoints/latest.json.tmp-*',
      'rename checkpoints/latest.json.tmp-*',
      'syncFolder checkpoints',
      'rm checkpoints/latest.<id>',
    ]);
  });

  it('a model save keeps the previous model until model.json is replaced', async () => {
    await expectEveryFaultKeepsARun(modelSubject(), [
      'mkdir model',
      'writeFile model/weights.<hash>.bin.tmp-*',
      'syncFile model/weights.<hash>.bin.tmp-*',
      'rename model/weights.<hash>.bin.tmp-*',
      'syncFolder model',
      'writeFile model/model.json.tmp-*',
      'syncFile model/model.json.tmp-*',
      'rename model/model.json.tmp-*',
      'syncFolder model',
      'rm model/weights.<hash>.bin',
    ]);
  }, 60_000);
});
