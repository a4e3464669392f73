/** The built-in samples listed by `public/samples/samples.json` (written by scripts/make-samples.ts). */
import { common } from '@befunet/core';

export interface SampleEntry {
  /** Image file name in `samples/`. */
  file: string;
  /** Ground-truth label map (8-bit PNG, one class index per pixel) in `samples/`. */
  truth: string;
  /** What the picker shows. */
  title: string;
}

/** Reads and checks the sample list at `url`. */
export async function loadSampleList(url: URL): Promise<SampleEntry[]> {
  const response = await fetch(url);
  if (!response.ok) throw new common.FileFormatError(url.pathname, `HTTP ${response.status}`);
  const list: unknown = await response.json();
  const valid = (e: unknown): e is SampleEntry =>
    typeof e === 'object' &&
    e !== null &&
    ['file', 'truth', 'title'].every((k) => typeof (e as Record<string, unknown>)[k] === 'string');
  if (!Array.isArray(list) || !list.every(valid)) {
    throw new common.FileFormatError(url.pathname, 'expected an array of { file, truth, title }');
  }
  return list;
}

/** A file's name and bytes. */
export interface NamedBytes {
  name: string;
  bytes: Uint8Array;
}

/** The bytes of the file at `url` (a FileFormatError for an HTTP failure). */
export async function fetchBytes(url: URL): Promise<Uint8Array> {
  const response = await fetch(url);
  if (!response.ok) throw new common.FileFormatError(url.pathname, `HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

/** A sample's image and ground-truth files, from the folder `dir`. */
export async function sampleFiles(
  entry: SampleEntry,
  dir: URL,
): Promise<{ image: NamedBytes; truth: NamedBytes }> {
  const [image, truth] = await Promise.all([
    fetchBytes(new URL(entry.file, dir)),
    fetchBytes(new URL(entry.truth, dir)),
  ]);
  return { image: { name: entry.file, bytes: image }, truth: { name: entry.truth, bytes: truth } };
}
