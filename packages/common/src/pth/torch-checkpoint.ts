/**
 * Reader for PyTorch checkpoints written by `torch.save` (PyTorch >= 1.6, the zip format):
 * a zip archive holding `<archive>/data.pkl` (a protocol-2 pickle of the saved object),
 * `<archive>/data/<key>` (one raw storage per key), `<archive>/version` and, since PyTorch 1.12,
 * `<archive>/byteorder` (`little` or `big`; absent means little-endian).
 *
 * In the pickle a tensor is `torch._utils._rebuild_tensor_v2(storage, storage_offset, size, stride,
 * requires_grad, backward_hooks[, metadata])`, where `storage` is a persistent id
 * `('storage', torch.<Type>Storage, key, location, numel)`. Element (i0, .., in) of the tensor is
 * storage element `storage_offset + sum_k ik * stride_k`; this reader gathers those into a
 * contiguous row-major array. The result has the entry shape of `readSafetensors`: float storages
 * decode to Float32Array and integer and bool storages to Int32Array (int64 values outside the
 * int32 range are an error), with safetensors dtype names (`F32`, `I64`, ...).
 *
 * Only plain data, OrderedDict, tensors, parameters and storages may appear in the pickle: other
 * Python objects (an argparse Namespace, numpy scalars, a pickled nn.Module) are rejected with a
 * FileFormatError naming them, as `torch.load(weights_only=True)` rejects them. Every structural
 * problem is a FileFormatError naming the source; no allocation is sized from a declared number
 * without checking it against the file.
 */
import { FileFormatError } from '../errors.js';
import { BYTES_PER_ELEMENT, type SafetensorsDType, type SafetensorsEntry } from '../safetensors.js';
import {
  describe,
  PickleDict,
  PickleGlobal,
  PickleObject,
  PickleTuple,
  type PickleValue,
  unpickle,
} from './pickle.js';
import { ZipArchive } from './zip.js';

export interface TorchCheckpointOptions {
  /**
   * Where the state dict sits inside the saved object: a top-level key (`'state_dict'`, `'model'`)
   * or a path of keys (`['ema', 'model']`). Defaults to the whole object, with nested dicts (and
   * lists) flattened: `{state_dict: {'conv.weight': t}, epoch: 3}` gives `state_dict.conv.weight`.
   * Values that are not tensors (an epoch number, a learning rate) are skipped.
   */
  readonly select?: string | readonly string[];
  /** Verify the CRC-32 of the pickle and of every storage read. Defaults to true. */
  readonly verifyChecksums?: boolean;
  /** Most bytes the archive's compressed records may inflate to (see ZipReadOptions). Defaults to 1 GiB. */
  readonly maxInflatedBytes?: number;
  /**
   * Most elements decoded over all tensors. Views may share a storage (tied weights) or repeat
   * it (stride 0), so the output can exceed the file; this bounds it. Defaults to 4 elements per
   * byte of the archive's (uncompressed) records or of the file, whichever is larger.
   */
  readonly maxElements?: number;
}

/** Bytes per element of each storage type, and the safetensors dtype name it decodes as. */
const STORAGE_TYPES: Readonly<Record<string, SafetensorsDType>> = {
  FloatStorage: 'F32',
  DoubleStorage: 'F64',
  HalfStorage: 'F16',
  BFloat16Storage: 'BF16',
  LongStorage: 'I64',
  IntStorage: 'I32',
  ShortStorage: 'I16',
  CharStorage: 'I8',
  ByteStorage: 'U8',
  BoolStorage: 'BOOL',
};

const ITEM_SIZE: Readonly<Record<SafetensorsDType, number>> = BYTES_PER_ELEMENT;

/** A storage as the pickle references it; its bytes are read from the archive when a tensor needs them. */
interface StorageRef {
  readonly key: string;
  readonly dtype: SafetensorsDType;
  readonly numel: number;
}

/** A strided view of a storage, as `_rebuild_tensor_v2` describes it. */
interface TensorRef {
  readonly storage: StorageRef;
  readonly offset: number;
  readonly shape: readonly number[];
  readonly stride: readonly number[];
}

const MAX_DEPTH = 64;
const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04];

/** True when `bytes` start like a zip archive (the `torch.save` format since PyTorch 1.6). */
export function isTorchCheckpoint(bytes: Uint8Array): boolean {
  return bytes.byteLength >= 4 && ZIP_MAGIC.every((b, i) => bytes[i] === b);
}

/**
 * Reads the tensors of a `torch.save` checkpoint into a state dict (key -> dtype, shape, values),
 * in the order the pickle holds them. `source` names the file in error messages.
 */
export function readTorchCheckpoint(
  bytes: Uint8Array,
  source = '<torch checkpoint>',
  options: TorchCheckpointOptions = {},
): Map<string, SafetensorsEntry> {
  const fail = (problem: string): never => {
    throw new FileFormatError(source, problem);
  };
  const zip = openCheckpointArchive(bytes, source, options, fail);
  const pickleName = pickleRecord(zip, fail);
  const prefix = pickleName.slice(0, pickleName.length - 'data.pkl'.length);
  const littleEndian = readByteOrder(zip, `${prefix}byteorder`, fail);
  const root = unpickle(zip.read(pickleName), `${source} (${pickleName})`, {
    globals: torchGlobals(fail),
    persistentLoad: storageLoader(zip, prefix, fail),
  });
  const selected = selectPath(root, options.select, fail);
  const refs = new Map<string, TensorRef>();
  // Memo references can make a small pickle describe a huge (shared) tree: bound the walk by the
  // pickle size, which a tree without sharing never exceeds.
  const walk = { open: new Set<object>(), visitsLeft: zip.entries.get(pickleName)!.size + 16 };
  collectTensors(selected, '', 0, walk, refs, fail);
  let stored = 0;
  for (const entry of zip.entries.values()) stored += entry.size;
  const budget = options.maxElements ?? 4 * Math.max(bytes.byteLength, stored);
  return readTensors(zip, prefix, refs, { budget, littleEndian }, fail);
}

/** The zip archive of a `torch.save` file, after telling the other formats apart by name. */
function openCheckpointArchive(
  bytes: Uint8Array,
  source: string,
  options: TorchCheckpointOptions,
  fail: (p: string) => never,
): ZipArchive {
  if (!isTorchCheckpoint(bytes)) {
    if (bytes.byteLength >= 2 && bytes[0] === 0x80 && bytes[1]! <= 5) {
      fail(
        'this is the legacy (pre-1.6, non-zip) torch.save format, which is not supported; ' +
          're-save it with PyTorch >= 1.6',
      );
    }
    fail('not a zip archive, so not a torch.save checkpoint (PyTorch >= 1.6)');
  }
  return ZipArchive.open(bytes, source, {
    verifyChecksums: options.verifyChecksums ?? true,
    maxInflatedBytes: options.maxInflatedBytes,
  });
}

/** The name of the archive's one `data.pkl` record (`<folder>/data.pkl`). */
function pickleRecord(zip: ZipArchive, fail: (p: string) => never): string {
  const pickles = [...zip.entries.keys()].filter((n) => /^([^/]*\/)?data\.pkl$/.test(n));
  if (pickles.length !== 1) {
    const scripted = [...zip.entries.keys()].some((n) => /(^|\/)constants\.pkl$/.test(n));
    fail(
      pickles.length === 0
        ? scripted
          ? 'this is a TorchScript archive (torch.jit.save), not a torch.save checkpoint'
          : 'archive has no data.pkl record: not a torch.save checkpoint'
        : `archive has ${pickles.length} data.pkl records (${pickles.join(', ')})`,
    );
  }
  return pickles[0]!;
}

/**
 * The unpickler's `persistentLoad`: a `('storage', torch.<Type>Storage, key, location, numel)` id
 * becomes a reference to the record `<prefix>data/<key>`, checked to hold `numel` items.
 */
function storageLoader(
  zip: ZipArchive,
  prefix: string,
  fail: (p: string) => never,
): (pid: PickleValue) => PickleValue {
  const storages = new Map<string, StorageRef>();
  return (pid) => {
    const parts = pid instanceof PickleTuple ? pid.items : [];
    const [tag, type, key, , numel] = parts;
    if (parts.length !== 5 || tag !== 'storage') fail(`unsupported persistent id ${describe(pid)}`);
    if (!(type instanceof PickleGlobal) || !(type.name in STORAGE_TYPES) || type.module !== 'torch') {
      fail(`persistent id names ${describe(type!)}, not a storage type`);
    }
    if (typeof key !== 'string') fail(`storage key is ${describe(key!)}, not a string`);
    if (!Number.isSafeInteger(numel) || (numel as number) < 0) {
      fail(`storage '${key}' has an invalid element count ${describe(numel!)}`);
    }
    const dtype = STORAGE_TYPES[(type as PickleGlobal).name]!;
    const name = `${prefix}data/${key}`;
    const entry = zip.entries.get(name);
    if (!entry) fail(`storage '${key}' has no record '${name}' in the archive`);
    const nbytes = (numel as number) * ITEM_SIZE[dtype];
    if (entry!.size !== nbytes) {
      fail(`storage '${key}' record holds ${entry!.size} bytes but ${numel} x ${dtype} needs ${nbytes}`);
    }
    let storage = storages.get(key as string);
    if (!storage) {
      storage = { key: key as string, dtype, numel: numel as number };
      storages.set(key as string, storage);
    } else if (storage.dtype !== dtype || storage.numel !== numel) {
      fail(`storage '${key}' is referenced both as ${storage.dtype} and as ${dtype}`);
    }
    return new PickleObject('storage', storage);
  };
}

/** The values of every tensor, each storage record read once, within `budget` elements in all. */
function readTensors(
  zip: ZipArchive,
  prefix: string,
  refs: ReadonlyMap<string, TensorRef>,
  { budget, littleEndian }: { budget: number; littleEndian: boolean },
  fail: (p: string) => never,
): Map<string, SafetensorsEntry> {
  let used = 0;
  const storageBytes = new Map<string, Uint8Array>();
  const out = new Map<string, SafetensorsEntry>();
  for (const [name, ref] of refs) {
    used += ref.shape.reduce((a, b) => a * b, 1);
    if (used > budget) {
      fail(`tensors hold more than ${budget} elements in all (at '${name}'); raise maxElements if expected`);
    }
    let data = storageBytes.get(ref.storage.key);
    if (!data) {
      data = zip.read(`${prefix}data/${ref.storage.key}`);
      storageBytes.set(ref.storage.key, data);
    }
    out.set(name, {
      dtype: ref.storage.dtype,
      shape: ref.shape,
      values: gather(data, ref, littleEndian, (p) => fail(`tensor '${name}': ${p}`)),
    });
  }
  return out;
}

function readByteOrder(zip: ZipArchive, name: string, fail: (p: string) => never): boolean {
  if (!zip.has(name)) return true;
  const order = new TextDecoder().decode(zip.read(name)).trim();
  if (order !== 'little' && order !== 'big') fail(`byteorder record says '${order.slice(0, 20)}'`);
  return order === 'little';
}

/** The globals a state dict pickle may name, and what REDUCE does with them. */
function torchGlobals(fail: (p: string) => never): Map<string, PickleGlobal> {
  const globals = new Map<string, PickleGlobal>();
  const add = (g: PickleGlobal) => globals.set(g.qualifiedName, g);
  add(
    new PickleGlobal('collections', 'OrderedDict', (args) => {
      if (args.length !== 0) fail(`collections.OrderedDict called with ${args.length} arguments`);
      return new PickleDict();
    }),
  );
  add(new PickleGlobal('torch._utils', '_rebuild_tensor_v2', (args) => rebuildTensor(args, fail)));
  const parameter = (args: readonly PickleValue[]): PickleValue => {
    const data = args[0];
    if (!(data instanceof PickleObject) || data.kind !== 'tensor') {
      fail(`torch._utils._rebuild_parameter expects a tensor, got ${describe(data ?? null)}`);
    }
    return data!;
  };
  add(new PickleGlobal('torch._utils', '_rebuild_parameter', parameter));
  add(new PickleGlobal('torch._utils', '_rebuild_parameter_with_state', parameter));
  for (const type of Object.keys(STORAGE_TYPES)) add(new PickleGlobal('torch', type));
  return globals;
}

/** `_rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])`. */
function rebuildTensor(args: readonly PickleValue[], fail: (p: string) => never): PickleValue {
  const what = 'torch._utils._rebuild_tensor_v2';
  if (args.length < 4 || args.length > 7) fail(`${what} called with ${args.length} arguments`);
  const [storage, offset, size, stride] = args;
  if (!(storage instanceof PickleObject) || storage.kind !== 'storage') {
    fail(`${what}: first argument is ${describe(storage!)}, not a storage`);
  }
  const ints = (v: PickleValue | undefined, name: string): number[] => {
    const items = v instanceof PickleTuple ? v.items : undefined;
    if (!items?.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) {
      return fail(`${what}: ${name} is ${describe(v ?? null)}, not a tuple of non-negative integers`);
    }
    return items as number[];
  };
  const shape = ints(size, 'size');
  const strides = ints(stride, 'stride');
  if (shape.length !== strides.length)
    fail(`${what}: size has ${shape.length} dims, stride ${strides.length}`);
  if (!Number.isSafeInteger(offset) || (offset as number) < 0) {
    fail(`${what}: storage offset ${describe(offset!)} is not a non-negative integer`);
  }
  const ref = (storage as PickleObject).value as StorageRef;
  if (shape.every((d) => d > 0)) {
    let last = offset as number;
    for (let k = 0; k < shape.length; k++) last += (shape[k]! - 1) * strides[k]!;
    if (last >= ref.numel) {
      fail(
        `${what}: view (offset ${offset}, size [${shape}], stride [${strides}]) reaches element ${last} ` +
          `of storage '${ref.key}', which has ${ref.numel}`,
      );
    }
  }
  const tensor: TensorRef = { storage: ref, offset: offset as number, shape, stride: strides };
  return new PickleObject('tensor', tensor);
}

function selectPath(
  root: PickleValue,
  select: string | readonly string[] | undefined,
  fail: (p: string) => never,
): PickleValue {
  const path = select === undefined ? [] : typeof select === 'string' ? [select] : select;
  let value = root;
  for (let i = 0; i < path.length; i++) {
    const where = i === 0 ? 'the checkpoint' : `'${path.slice(0, i).join("' > '")}'`;
    if (!(value instanceof PickleDict)) fail(`cannot select '${path[i]}': ${where} is ${describe(value)}`);
    const dict = value as PickleDict;
    if (!dict.entries.has(path[i]!)) {
      const keys = [...dict.entries.keys()].slice(0, 20).map((k) => `'${String(k)}'`);
      fail(`${where} has no key '${path[i]}'; its keys are ${keys.join(', ') || '(none)'}`);
    }
    value = dict.entries.get(path[i]!)!;
  }
  if (!(value instanceof PickleDict)) {
    fail(`${path.length ? `'${path.join("' > '")}'` : 'the checkpoint'} is ${describe(value)}, not a dict`);
  }
  return value;
}

/** Walks dicts, lists and tuples depth-first, recording every tensor under its dotted key path. */
function collectTensors(
  value: PickleValue,
  key: string,
  depth: number,
  walk: { open: Set<object>; visitsLeft: number },
  out: Map<string, TensorRef>,
  fail: (p: string) => never,
): void {
  if (--walk.visitsLeft < 0) fail('the pickle shares containers so often that walking it is unbounded');
  if (value instanceof PickleObject && value.kind === 'tensor') {
    if (out.has(key)) fail(`two tensors flatten to the same key '${key}'`);
    out.set(key, value.value as TensorRef);
    return;
  }
  let children: Iterable<[string, PickleValue]>;
  if (value instanceof PickleDict) {
    children = [...value.entries].map(([k, v]) => [String(k), v] as [string, PickleValue]);
  } else if (Array.isArray(value) || value instanceof PickleTuple) {
    const items = Array.isArray(value) ? value : value.items;
    children = items.map((v, i) => [String(i), v] as [string, PickleValue]);
  } else {
    return; // numbers, strings, None...: not tensors.
  }
  if (depth >= MAX_DEPTH) fail(`containers nest deeper than ${MAX_DEPTH} levels at '${key}'`);
  const { open } = walk;
  if (open.has(value as object)) fail(`a container contains itself at '${key}'`);
  open.add(value as object);
  for (const [k, v] of children) collectTensors(v, key ? `${key}.${k}` : k, depth + 1, walk, out, fail);
  open.delete(value as object);
}

/** Copies the strided view `ref` of storage bytes `data` into a contiguous row-major array. */
function gather(
  data: Uint8Array,
  ref: TensorRef,
  littleEndian: boolean,
  fail: (p: string) => never,
): Float32Array | Int32Array {
  const { shape, stride, offset } = ref;
  const numel = shape.reduce((a, b) => a * b, 1);
  const dtype = ref.storage.dtype;
  // Row-major strides of `shape`: when the view has them, the elements are one run from `offset`.
  const rank = shape.length;
  let contiguous = true;
  for (let k = rank - 1, expected = 1; k >= 0; expected *= shape[k]!, k--) {
    if (shape[k]! !== 1 && stride[k]! !== expected) contiguous = false;
  }
  if (contiguous && (dtype === 'F32' || dtype === 'I32') && littleEndian && HOST_LITTLE_ENDIAN) {
    // Same bytes as the result: one copy (slice() also gives the 4-byte alignment views need).
    const copy = data.slice(4 * offset, 4 * (offset + numel)).buffer;
    return dtype === 'F32' ? new Float32Array(copy) : new Int32Array(copy);
  }
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const scratch = new DataView(new ArrayBuffer(4));
  const read = elementReader(dtype, view, littleEndian, scratch, fail);
  const out = isFloat(dtype) ? new Float32Array(numel) : new Int32Array(numel);
  if (numel === 0) return out;
  if (contiguous) {
    for (let i = 0; i < numel; i++) out[i] = read(offset + i);
    return out;
  }
  // Odometer over the multi-index, last dimension fastest.
  const index = new Array<number>(rank).fill(0);
  let at = offset;
  for (let i = 0; i < numel; i++) {
    out[i] = read(at);
    for (let k = rank - 1; k >= 0; k--) {
      index[k]!++;
      at += stride[k]!;
      if (index[k]! < shape[k]!) break;
      at -= stride[k]! * shape[k]!;
      index[k] = 0;
    }
  }
  return out;
}

function isFloat(dtype: SafetensorsDType): boolean {
  return dtype === 'F32' || dtype === 'F64' || dtype === 'F16' || dtype === 'BF16';
}

/** A function reading storage element `i` as a number (bounds were checked at rebuild). */
function elementReader(
  dtype: SafetensorsDType,
  view: DataView,
  le: boolean,
  scratch: DataView,
  fail: (p: string) => never,
): (i: number) => number {
  switch (dtype) {
    case 'F32':
      return (i) => view.getFloat32(4 * i, le);
    case 'F64':
      return (i) => view.getFloat64(8 * i, le);
    case 'F16':
      return (i) => halfToFloat(view.getUint16(2 * i, le));
    case 'BF16':
      // bfloat16 is the top half of a float32.
      return (i) => {
        scratch.setUint32(0, view.getUint16(2 * i, le) << 16);
        return scratch.getFloat32(0);
      };
    case 'I64':
      return (i) => {
        const v = view.getBigInt64(8 * i, le);
        if (v > 2147483647n || v < -2147483648n)
          fail(`int64 value ${v} at storage index ${i} does not fit int32`);
        return Number(v);
      };
    case 'I32':
      return (i) => view.getInt32(4 * i, le);
    case 'I16':
      return (i) => view.getInt16(2 * i, le);
    case 'I8':
      return (i) => view.getInt8(i);
    case 'U8':
    case 'BOOL':
      return (i) => view.getUint8(i);
  }
}

/** IEEE 754 half precision to a JS number. */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}
