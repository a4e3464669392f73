/**
 * Which NIfTI a header is, from its first bytes and before any field is read: the version and byte
 * order (sizeof_hdr is 348 for NIfTI-1, 540 for NIfTI-2, in the file's byte order) and the magic
 * string, which tells a single file ("n+1", "n+2") from the header of a `.hdr` + `.img` pair ("ni1",
 * "ni2"). A 348-byte header without NIfTI magic is Analyze 7.5, refused here with the reason.
 */
import { FileFormatError } from '../errors.js';

export interface NiftiLayout {
  readonly version: 1 | 2;
  readonly littleEndian: boolean;
  /** The header's size in bytes (348 or 540). */
  readonly size: number;
  /** Whether the magic is that of a `.hdr` + `.img` pair. */
  readonly pair: boolean;
}

const NIFTI1_SIZE = 348;
const NIFTI2_SIZE = 540;
/** NIfTI-2 magic after its first three bytes: "\0\r\n\032\n" (nifti2.h). */
const NIFTI2_MAGIC_TAIL = [0, 0x0d, 0x0a, 0x1a, 0x0a];

export const ANALYZE_NOT_SUPPORTED =
  'this is a plain Analyze 7.5 header (sizeof_hdr 348 without the NIfTI magic "n+1" or "ni1"), which is ' +
  'not supported: Analyze stores no orientation (no qform or sform), so its voxels cannot be placed in ' +
  'scanner space, and its origin and orientation fields mean different things to different tools; ' +
  'convert it to NIfTI (e.g. with nibabel or FSL) first';

const fail = (source: string, problem: string): never => {
  throw new FileFormatError(source, `NIfTI: ${problem}`);
};

const ascii = (bytes: Uint8Array) => String.fromCharCode(...bytes).replace(/\0+$/, '');

/** The version, byte order and kind of the header at the start of `bytes`. */
export function niftiLayout(bytes: Uint8Array, source: string): NiftiLayout {
  if (bytes.length < NIFTI1_SIZE) fail(source, `truncated header (${bytes.length} of ${NIFTI1_SIZE} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const littleEndian of [true, false]) {
    const size = view.getInt32(0, littleEndian);
    if (size === NIFTI1_SIZE) return nifti1Layout(bytes, littleEndian, source);
    if (size === NIFTI2_SIZE) return nifti2Layout(bytes, littleEndian, source);
  }
  return fail(source, `sizeof_hdr is ${view.getInt32(0, true)}, not 348 (NIfTI-1) or 540 (NIfTI-2)`);
}

function nifti1Layout(bytes: Uint8Array, littleEndian: boolean, source: string): NiftiLayout {
  const magic = ascii(bytes.subarray(344, 348));
  const single = magic === 'n+1';
  if (!single && magic !== 'ni1') {
    fail(
      source,
      `bad magic ${JSON.stringify(magic)}, expected "n+1" (or "ni1" in a .hdr); ${ANALYZE_NOT_SUPPORTED}`,
    );
  }
  if (bytes[347] !== 0) fail(source, `bad magic: byte 347 is ${bytes[347]}, not 0`);
  return { version: 1, littleEndian, size: NIFTI1_SIZE, pair: !single };
}

function nifti2Layout(bytes: Uint8Array, littleEndian: boolean, source: string): NiftiLayout {
  if (bytes.length < NIFTI2_SIZE) {
    fail(source, `truncated NIfTI-2 header (${bytes.length} of ${NIFTI2_SIZE} bytes)`);
  }
  const magic = ascii(bytes.subarray(4, 7));
  const tail = bytes.subarray(7, 12);
  if ((magic !== 'n+2' && magic !== 'ni2') || NIFTI2_MAGIC_TAIL.some((b, k) => tail[k] !== b)) {
    fail(
      source,
      `bad NIfTI-2 magic ${JSON.stringify(ascii(bytes.subarray(4, 12)))}, expected "n+2" or "ni2"`,
    );
  }
  return { version: 2, littleEndian, size: NIFTI2_SIZE, pair: magic === 'ni2' };
}
