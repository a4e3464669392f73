/**
 * Writing a file so that readers (and a crash) see either its previous content or the new one,
 * never a partial file: write a temporary file next to it, then rename it over the target.
 */
import { rename, writeFile } from 'node:fs/promises';

export async function writeAtomically(path: string, data: Uint8Array | string): Promise<void> {
  const temporary = `${path}.tmp-${process.pid}-${Date.now()}`;
  await writeFile(temporary, data);
  await rename(temporary, path);
}
