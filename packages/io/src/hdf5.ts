/**
 * HDF5 files on h5wasm (the HDF Group's C library compiled to wasm), for Node.js: the subpath
 * `@befunet/io/hdf5`, which loads h5wasm (4 MB of JavaScript with the wasm inlined) by a dynamic
 * import on the first read, so that nothing of it reaches a browser bundle of `@befunet/io`.
 *
 * The bytes are written to h5wasm's in-memory file system (never the disk), opened read-only, and
 * the numeric datasets read: integer (1, 2, 4, 8 bytes) and IEEE float (4, 8 bytes) types in either
 * byte order, any layout, filter (deflate, shuffle, Fletcher-32...), chunk index or group storage
 * the library reads. Refused with a FileFormatError naming the dataset and the feature: other
 * datatypes (strings, compound, enum...) and 2-byte floats (h5wasm 0.10.3 has no accessor for
 * them). Libraries errors (corrupt or truncated files) become FileFormatErrors with HDF5's own
 * reason (its innermost error message). External links are skipped, soft links followed.
 *
 * Bounds: a dataset may not hold more than MAX_EXPANSION times the file size (DEFLATE's ratio
 * limit) nor 2 GiB, checked from its metadata before it is read; groups nest at most MAX_DEPTH
 * deep (which also ends link cycles), MAX_OBJECTS objects in all.
 */
import { FileFormatError } from './errors.js';

/** The dtypes of the datasets read (named as NumPy names them). */
export type Hdf5DType =
  | 'int8'
  | 'uint8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'uint64'
  | 'float32'
  | 'float64';

/** A dataset's values in C order; 64-bit integers come as float64 (exact up to 2^53). */
export interface Hdf5Dataset {
  readonly dtype: Hdf5DType;
  /** Dimensions; `[]` for a scalar. */
  readonly shape: readonly number[];
  readonly data:
    | Int8Array
    | Uint8Array
    | Int16Array
    | Uint16Array
    | Int32Array
    | Uint32Array
    | Float32Array
    | Float64Array;
}

export interface Hdf5ReadOptions {
  /** Decode only these dataset paths (e.g. `['image', 'label']`); others are not read. Defaults to all. */
  readonly datasets?: readonly string[];
}

const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]; // \x89HDF\r\n\x1a\n
const MAX_DEPTH = 32;
const MAX_OBJECTS = 100_000;
/** The most one stored byte can expand to through DEFLATE (RFC 1951: 258 bytes per 2-bit code). */
const MAX_EXPANSION = 1032;
const MAX_DATASET_BYTES = 2 ** 31;
/** HDF5's datatype classes (H5T_class_t), for messages. */
const CLASSES = [
  'integer',
  'float',
  'time',
  'string',
  'bitfield',
  'opaque',
  'compound',
  'reference',
  'enum',
  'variable-length',
  'array',
];

/** The typed array of each dtype (64-bit integers as float64). */
const ARRAYS = {
  int8: Int8Array,
  uint8: Uint8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
  int64: Float64Array,
  uint64: Float64Array,
  float32: Float32Array,
  float64: Float64Array,
} as const;

/** True when `bytes` start with the HDF5 signature (a file without a user block). */
export function isHdf5(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && SIGNATURE.every((b, i) => bytes[i] === b);
}

type H5wasm = typeof import('h5wasm');
let loading: Promise<H5wasm> | undefined;

/** Loads h5wasm once; its errors then throw (with HDF5's error stack) instead of printing. */
function loadH5wasm(): Promise<H5wasm> {
  loading ??= import('h5wasm').then(async (h5wasm) => {
    const module = (await h5wasm.ready) as unknown as { activate_throwing_error_handler(): void };
    module.activate_throwing_error_handler();
    return h5wasm;
  });
  return loading;
}

let fileCounter = 0;

/**
 * Reads the datasets of the HDF5 file `bytes`, keyed by path from the root group without a
 * leading slash (`image`, `group/sub/data`); `source` names the file in error messages.
 */
export async function readHdf5(
  bytes: Uint8Array,
  source = '<hdf5>',
  options: Hdf5ReadOptions = {},
): Promise<Map<string, Hdf5Dataset>> {
  const fail = (problem: string): never => {
    throw new FileFormatError(source, `HDF5: ${problem}`);
  };
  if (!hasSignature(bytes)) fail('no HDF5 signature (\\x89HDF\\r\\n\\x1a\\n) found');
  const h5wasm = await loadH5wasm();
  const FS = h5wasm.FS!;
  const name = `/befunet-${fileCounter++}.h5`;
  FS.writeFile(name, bytes);
  let file: InstanceType<H5wasm['File']> | undefined;
  try {
    const datasets = new Map<string, Hdf5Dataset>();
    library(() => {
      file = new h5wasm.File(name, 'r');
    }, fail);
    const limit = Math.min(MAX_DATASET_BYTES, MAX_EXPANSION * bytes.length);
    const read = (dataset: InstanceType<H5wasm['Dataset']>, path: string) =>
      datasets.set(
        path,
        library(() => readDataset(dataset, path, limit, fail), fail),
      );
    if (options.datasets) {
      for (const path of options.datasets) {
        const entity = library(() => file!.get(path), fail);
        if (entity instanceof h5wasm.Dataset) read(entity, path);
      }
      return datasets;
    }
    let objects = 0;
    const visit = (group: InstanceType<H5wasm['Group']>, prefix: string, depth: number) => {
      if (depth > MAX_DEPTH) fail(`groups nest deeper than ${MAX_DEPTH} at '${prefix}' (or a link cycle)`);
      for (const key of library(() => group.keys(), fail)) {
        if (++objects > MAX_OBJECTS) fail(`more than ${MAX_OBJECTS} objects`);
        const path = prefix ? `${prefix}/${key}` : key;
        const entity = library(() => group.get(key), fail);
        if (entity instanceof h5wasm.Dataset) read(entity, path);
        else if (entity instanceof h5wasm.Group) visit(entity, path, depth + 1);
      }
    };
    visit(file!, '', 0);
    return datasets;
  } finally {
    try {
      file?.close();
    } finally {
      FS.unlink(name);
    }
  }
}

/** The signature at 0 or, after a user block, at 512, 1024, 2048... */
function hasSignature(bytes: Uint8Array): boolean {
  for (let at = 0; at + SIGNATURE.length <= bytes.length; at = at === 0 ? 512 : at * 2) {
    if (SIGNATURE.every((b, i) => bytes[at + i] === b)) return true;
  }
  return false;
}

/** Runs a call into h5wasm; its errors become a FileFormatError with HDF5's innermost reason. */
function library<T>(call: () => T, fail: (problem: string) => never): T {
  try {
    return call();
  } catch (error) {
    if (FileFormatError.isInstance(error)) throw error;
    const message = error instanceof Error ? error.message : String(error);
    // HDF5's error stack lists `#000: file line N in function(): what` from the API call down.
    const reasons = [...message.matchAll(/#\d+: .* in (\w+)\(\): (.*)/g)].map((m) => `${m[2]} (${m[1]})`);
    return fail(
      reasons.length ? `cannot be read: ${reasons.at(-1)}` : `cannot be read: ${message.split('\n')[0]}`,
    );
  }
}

function readDataset(
  dataset: InstanceType<typeof import('h5wasm').Dataset>,
  path: string,
  limit: number,
  fail: (problem: string) => never,
): Hdf5Dataset {
  const meta = dataset.metadata;
  const shape = meta.shape ?? fail(`dataset '${path}' has no dataspace (null)`);
  const kind = CLASSES[meta.type] ?? `${meta.type}`;
  if (meta.type !== 0 && meta.type !== 1) {
    fail(`dataset '${path}': unsupported datatype class ${kind}${meta.vlen ? ' (variable-length)' : ''}`);
  }
  if (meta.type === 1 && meta.size !== 4 && meta.size !== 8) {
    fail(`dataset '${path}': unsupported ${meta.size * 8}-bit floats (h5wasm reads 32 and 64)`);
  }
  const size = meta.size * meta.total_size;
  if (!Number.isSafeInteger(size) || size > limit) {
    fail(`dataset '${path}' of shape [${shape}] x ${meta.size} bytes exceeds what a file this size can hold`);
  }
  const value = dataset.value;
  // h5wasm returns a typed array in native order, or a number (bigint for 64-bit) for a scalar.
  const values = (ArrayBuffer.isView(value) ? value : [value]) as ArrayLike<number | bigint>;
  const dtype = (
    meta.type === 1 ? `float${meta.size * 8}` : `${meta.signed ? '' : 'u'}int${meta.size * 8}`
  ) as Hdf5DType;
  const Type = ARRAYS[dtype];
  const data =
    ArrayBuffer.isView(value) && !(value instanceof BigInt64Array || value instanceof BigUint64Array)
      ? (value as Hdf5Dataset['data'])
      : (Type as Float64ArrayConstructor).from(values, Number); // every Type.from takes a map function
  if (data.length !== meta.total_size)
    fail(`dataset '${path}': read ${data.length} values, expected ${meta.total_size}`);
  return { dtype, shape, data };
}
