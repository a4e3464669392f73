import { readFileSync } from 'node:fs';
import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { expectError, fixturePath, loadFixture } from '../../../testing/src/index.ts';
import { FileFormatError } from '../errors.js';
import { isTorchCheckpoint, readTorchCheckpoint, type TorchCheckpointOptions } from './torch-checkpoint.js';
import { crc32, ZipArchive } from './zip.js';

// ---- Hand-built checkpoints: a pickle assembled opcode by opcode, stored in a hand-written zip. ----

const ascii = (s: string) => [...new TextEncoder().encode(s)];
const le = (n: number | bigint, bytes: number) =>
  Array.from({ length: bytes }, (_, i) => Number((BigInt(n) >> BigInt(8 * i)) & 0xffn));

const op = {
  proto: [0x80, 0x02],
  mark: [0x28],
  tuple: [0x74],
  emptyTuple: [0x29],
  emptyList: [0x5d],
  appends: [0x65],
  reduce: [0x52],
  persid: [0x51],
  setitems: [0x75],
  newFalse: [0x89],
  newTrue: [0x88],
  pop: [0x30],
  stop: [0x2e],
  str: (s: string) => [0x58, ...le(ascii(s).length, 4), ...ascii(s)],
  int: (n: number) => [0x4a, ...le(n < 0 ? n + 2 ** 32 : n, 4)],
  float: (x: number) => {
    const b = new DataView(new ArrayBuffer(8));
    b.setFloat64(0, x, false);
    return [0x47, ...new Uint8Array(b.buffer)];
  },
  global: (module: string, name: string) => [0x63, ...ascii(`${module}\n${name}\n`)],
  put: (i: number) => [0x71, i],
  get: (i: number) => [0x68, i],
};
const ints = (xs: readonly number[]) => [...op.mark, ...xs.flatMap(op.int), ...op.tuple];
const orderedDict = (entries: [string, number[]][]) => [
  ...op.global('collections', 'OrderedDict'),
  ...op.emptyTuple,
  ...op.reduce,
  ...op.mark,
  ...entries.flatMap(([k, v]) => [...op.str(k), ...v]),
  ...op.setitems,
];

interface TensorSpec {
  key: string;
  type?: string;
  numel: number;
  offset?: number;
  size: number[];
  stride: number[];
}

/** `_rebuild_tensor_v2((storage pid), offset, size, stride, False, OrderedDict())`, as torch.save writes it. */
function tensor(t: TensorSpec): number[] {
  return [
    ...op.global('torch._utils', '_rebuild_tensor_v2'),
    ...op.mark,
    ...[...op.mark, ...op.str('storage'), ...op.global('torch', t.type ?? 'FloatStorage')],
    ...[...op.str(t.key), ...op.str('cpu'), ...op.int(t.numel), ...op.tuple, ...op.persid],
    ...op.int(t.offset ?? 0),
    ...ints(t.size),
    ...ints(t.stride),
    ...op.newFalse,
    ...orderedDict([]),
    ...op.tuple,
    ...op.reduce,
  ];
}

/** A contiguous tensor over its own storage. */
function contiguous(key: string, size: number[], type = 'FloatStorage'): number[] {
  const stride = size.map((_, k) => size.slice(k + 1).reduce((a, b) => a * b, 1));
  return tensor({ key, type, numel: size.reduce((a, b) => a * b, 1), size, stride });
}

/** A zip written by hand (APPNOTE 6.3), its entries STORED or (with `deflate`) compressed by zlib. */
function writeZip(files: [string, Uint8Array][], { deflate = false } = {}): Uint8Array {
  const parts: Uint8Array[] = [];
  const central: number[] = [];
  let length = 0;
  const add = (bytes: ArrayLike<number>) => {
    parts.push(Uint8Array.from(bytes));
    length += bytes.length;
  };
  for (const [name, data] of files) {
    const offset = length;
    const stored = deflate ? new Uint8Array(deflateRawSync(data)) : data;
    const header = [...le(20, 2), ...le(0, 2), ...le(deflate ? 8 : 0, 2), ...le(0, 4), ...le(crc32(data), 4)];
    const sizes = [...le(stored.length, 4), ...le(data.length, 4), ...le(ascii(name).length, 2)];
    add([...le(0x04034b50, 4), ...header, ...sizes, ...le(0, 2), ...ascii(name)]);
    add(stored);
    central.push(...le(0x02014b50, 4), ...le(20, 2), ...header, ...sizes, ...le(0, 2));
    central.push(...le(0, 2), ...le(0, 2), ...le(0, 2), ...le(0, 4), ...le(offset, 4), ...ascii(name));
  }
  const start = length;
  add(central);
  add([...le(0x06054b50, 4), ...le(0, 4), ...le(files.length, 2), ...le(files.length, 2)]);
  add([...le(central.length, 4), ...le(start, 4), ...le(0, 2)]);
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** A checkpoint archive; `pickle` is a whole pickle (Uint8Array) or opcodes to wrap in PROTO 2 ... STOP. */
function checkpoint(
  pickle: number[] | Uint8Array,
  storages: Record<string, Uint8Array>,
  { byteorder, archive = 'archive' }: { byteorder?: string; archive?: string } = {},
): Uint8Array {
  const data = pickle instanceof Uint8Array ? pickle : Uint8Array.from([...op.proto, ...pickle, ...op.stop]);
  const files: [string, Uint8Array][] = [[`${archive}/data.pkl`, data]];
  if (byteorder !== undefined) files.push([`${archive}/byteorder`, Uint8Array.from(ascii(byteorder))]);
  for (const [key, data] of Object.entries(storages)) files.push([`${archive}/data/${key}`, data]);
  files.push([`${archive}/version`, Uint8Array.from(ascii('3\n'))]);
  return writeZip(files);
}

/** Little-endian (or big-endian) bytes of values written with a DataView setter. */
function encode(
  values: readonly number[],
  size: number,
  set: (v: DataView, at: number, x: number, le: boolean) => void,
  littleEndian = true,
) {
  const view = new DataView(new ArrayBuffer(values.length * size));
  for (const [i, x] of values.entries()) set(view, i * size, x, littleEndian);
  return new Uint8Array(view.buffer);
}
const f32 = (values: readonly number[], littleEndian = true) =>
  encode(values, 4, (v, at, x, l) => v.setFloat32(at, x, l), littleEndian);

/** Asserts a FileFormatError (with a matching message). */
const expectFormatError = (fn: () => unknown, message?: RegExp) => expectError(fn, FileFormatError, message);

const read = (bytes: Uint8Array, options?: TorchCheckpointOptions) =>
  readTorchCheckpoint(bytes, 'test.pth', options);

// ---- Tests ----

describe('readTorchCheckpoint on the official checkpoint', () => {
  const pthBytes = new Uint8Array(readFileSync(fixturePath('official/official_mini.pth')));

  it('holds exactly the tensors of official_mini.safetensors: same keys, dtypes, shapes and values', () => {
    const pth = readTorchCheckpoint(pthBytes, 'official_mini.pth');
    const reference = loadFixture('official/official_mini.safetensors').tensors;
    expect(isTorchCheckpoint(pthBytes)).toBe(true);
    expect(pth.size).toBe(reference.size);
    expect([...pth.keys()].sort()).toEqual([...reference.keys()].sort());
    let mismatches = 0;
    let elements = 0;
    for (const [key, expected] of reference) {
      const actual = pth.get(key)!;
      expect(actual.dtype, key).toBe(expected.dtype);
      expect(actual.shape, key).toEqual(expected.shape);
      expect(actual.values.constructor, key).toBe(expected.values.constructor);
      expect(actual.values.length, key).toBe(expected.values.length);
      for (let i = 0; i < expected.values.length; i++) {
        if (!Object.is(actual.values[i], expected.values[i])) mismatches++;
      }
      elements += expected.values.length;
    }
    expect(mismatches).toBe(0);
    expect(elements).toBeGreaterThan(2_000_000);
    const dtypes = new Set([...pth.values()].map((e) => e.dtype));
    expect(dtypes).toEqual(new Set(['F32', 'I64'])); // float weights, int64 relative-position indices
  });

  it('fails with a FileFormatError when truncated at any of 100 offsets', () => {
    const started = performance.now();
    for (let i = 0; i < 100; i++) {
      const cut = Math.floor((i * pthBytes.length) / 100) + (i % 7);
      expectFormatError(() => read(pthBytes.subarray(0, cut)));
    }
    expect(performance.now() - started).toBeLessThan(20_000);
  });

  it('fails with a FileFormatError (the CRC check) when a byte of the pickle or a storage is flipped', () => {
    const copy = pthBytes.slice();
    const pickleStart = 0x40; // data.pkl is the first entry; its data follows a short local header
    for (let i = 0; i < 60; i++) {
      const at = i < 40 ? pickleStart + ((i * 1901) % 76000) : 76_300 + i * 100_000;
      copy[at]! ^= 0x10;
      expectFormatError(() => read(copy), /CRC-32 mismatch|pickle/);
      copy[at] = pthBytes[at]!;
    }
  });

  it('reads the same state dict from the archive re-zipped with DEFLATE compression', () => {
    const zip = ZipArchive.open(pthBytes);
    const files = [...zip.entries.keys()].map((name) => [name, zip.read(name)] as [string, Uint8Array]);
    const compressed = writeZip(files, { deflate: true });
    expect(compressed.length).toBeLessThan(pthBytes.length * 0.9);
    const fromStored = read(pthBytes);
    const fromCompressed = read(compressed);
    expect([...fromCompressed.keys()]).toEqual([...fromStored.keys()]);
    for (const [key, entry] of fromStored) {
      const other = fromCompressed.get(key)!;
      expect(other.shape, key).toEqual(entry.shape);
      expect(Buffer.from(other.values.buffer).equals(Buffer.from(entry.values.buffer)), key).toBe(true);
    }
  });

  it('names the keys when `select` does not match', () => {
    expectFormatError(
      () => read(pthBytes, { select: 'state_dict' }),
      /no key 'state_dict'; its keys are 'All2Cross/,
    );
  });
});

describe('the reader modules', () => {
  it('import nothing from Node (they must run in browsers; @befunet/io checks its own modules)', () => {
    for (const file of ['zip.ts', 'pickle.ts', 'torch-checkpoint.ts']) {
      const source = readFileSync(new URL(`./${file}`, import.meta.url), 'utf8');
      const imports = [...source.matchAll(/from '([^']+)'/g)].map((m) => m[1]);
      expect(
        imports.filter((i) => !i!.startsWith('./') && !i!.startsWith('../') && i !== '@befunet/io'),
        file,
      ).toEqual([]);
    }
  });
});

describe('readTorchCheckpoint on hand-built checkpoints', () => {
  const storage = Array.from({ length: 24 }, (_, i) => i * 1.5 - 3);

  /** Reference gather: flat output index -> multi-index by division -> storage element. */
  function reference(offset: number, size: number[], stride: number[]): number[] {
    const numel = size.reduce((a, b) => a * b, 1);
    return Array.from({ length: numel }, (_, flat) => {
      let at = offset;
      let rest = flat;
      for (let k = size.length - 1; k >= 0; k--) {
        at += (rest % size[k]!) * stride[k]!;
        rest = Math.floor(rest / size[k]!);
      }
      return storage[at]!;
    });
  }

  it('gathers strided, offset, expanded, scalar and empty views of a shared storage', () => {
    const views: [string, number, number[], number[]][] = [
      ['transposed', 2, [3, 4], [1, 3]],
      ['expanded', 5, [2, 3], [0, 1]],
      ['gapped', 1, [2, 2, 3], [12, 4, 1]],
      ['contiguous', 0, [4, 6], [6, 1]],
      ['column', 3, [4, 1], [5, 1]],
      ['scalar', 7, [], []],
      ['empty', 0, [0, 5], [5, 1]],
    ];
    const pickle = orderedDict(
      views.map(([name, offset, size, stride]) => [
        name,
        tensor({ key: '0', numel: 24, offset, size, stride }),
      ]),
    );
    const dict = read(checkpoint(pickle, { '0': f32(storage) }));
    expect([...dict.keys()]).toEqual(views.map((v) => v[0]));
    for (const [name, offset, size, stride] of views) {
      const entry = dict.get(name)!;
      expect(entry.shape, name).toEqual(size);
      expect(entry.dtype).toBe('F32');
      expect([...entry.values], name).toEqual(reference(offset, size, stride));
    }
  });

  it.each([
    [
      2,
      '80027d71002858050000006d6f64656c710163636f6c6c656374696f6e730a4f726465726564446963740a710229527103285801' +
        '00000077710463746f7263682e5f7574696c730a5f72656275696c645f74656e736f725f76320a71052828580700000073746f' +
        '72616765710663746f7263680a466c6f617453746f726167650a71075801000000307108580300000063707571094b0674710a' +
        '514b004b024b0386710b4b034b0186710c8968022952710d74710e52710f5802000000777471106805282868066807680868094b' +
        '06747111514b004b034b028671124b014b0386711389680229527114747115527116580100000070711763746f7263682e5f7574' +
        '696c730a5f72656275696c645f706172616d657465720a71186805282868066807680868094b06747119514b044b0285711a4b01' +
        '85711b8968022952711c74711d52711e8868022952711f8771205271215803000000696478712268052828680663746f7263680a' +
        '4c6f6e6753746f726167650a7123580100000031712468094b02747125514b00681a681b89680229527126747127527128757d71' +
        '2958090000005f6d65746164617461712a68022952712b5800000000712c7d712d580700000076657273696f6e712e4b01737373' +
        '62580500000065706f6368712f4b055804000000626573747130473fe8000000000000752e',
    ],
    [
      4,
      '8004959b010000000000007d94288c056d6f64656c948c0b636f6c6c656374696f6e73948c0b4f72646572656444696374949394' +
        '295294288c0177948c0c746f7263682e5f7574696c73948c125f72656275696c645f74656e736f725f763294939428288c077374' +
        '6f72616765948c05746f726368948c0c466c6f617453746f726167659493948c0130948c03637075944b067494514b004b024b03' +
        '86944b034b018694896804295294749452948c0277749468092828680a680d680e680f4b067494514b004b034b0286944b014b03' +
        '8694896804295294749452948c01709468078c125f72656275696c645f706172616d6574657294939468092828680a680d680e68' +
        '0f4b067494514b044b0285944b01859489680429529474945294886804295294879452948c036964789468092828680a680b8c0b' +
        '4c6f6e6753746f726167659493948c013194680f4b027494514b006821682289680429529474945294757d948c095f6d65746164' +
        '6174619468042952948c00947d948c0776657273696f6e944b01737373628c0565706f6368944b058c046265737494473fe80000' +
        '00000000752e',
    ],
  ])('reads a protocol-%i pickle written by CPython', (_protocol, hexText) => {
    // python3, with stand-in modules `torch` and `torch._utils` and a Pickler whose persistent_id returns
    // ('storage', torch.FloatStorage, key, 'cpu', numel): pickle.dump({'model': sd, 'epoch': 5, 'best': 0.75})
    // where sd = OrderedDict(w=T(s0, 0, (2, 3), (3, 1)), wt=T(s0, 0, (3, 2), (1, 3)),
    // p=Parameter(T(s0, 4, (2,), (1,))), idx=T(s1, 0, (2,), (1,))) with sd._metadata set.
    const pickle = Uint8Array.from(hexText.match(/../g)!.map((b) => Number.parseInt(b, 16)));
    const storages = {
      '0': f32([10, 11, 12, 13, 14, 15]),
      '1': encode([3, -4], 8, (v, a, x, l) => v.setBigInt64(a, BigInt(x), l)),
    };
    const dict = read(checkpoint(pickle, storages), { select: 'model' });
    expect([...dict.keys()]).toEqual(['w', 'wt', 'p', 'idx']);
    expect(dict.get('w')!.shape).toEqual([2, 3]);
    expect([...dict.get('w')!.values]).toEqual([10, 11, 12, 13, 14, 15]);
    expect(dict.get('wt')!.shape).toEqual([3, 2]);
    expect([...dict.get('wt')!.values]).toEqual([10, 13, 11, 14, 12, 15]);
    expect([...dict.get('p')!.values]).toEqual([14, 15]);
    expect(dict.get('idx')!.dtype).toBe('I64');
    expect([...dict.get('idx')!.values]).toEqual([3, -4]);
    expect([...read(checkpoint(pickle, storages)).keys()]).toEqual([
      'model.w',
      'model.wt',
      'model.p',
      'model.idx',
    ]);
  });

  it('decodes every storage type', () => {
    const cases: [string, string, Uint8Array, number[]][] = [
      ['f64', 'DoubleStorage', encode([1.5, -2], 8, (v, a, x, l) => v.setFloat64(a, x, l)), [1.5, -2]],
      [
        'f16',
        'HalfStorage',
        encode([0x3c00, 0xc000, 0x0001, 0x7c00], 2, (v, a, x, l) => v.setUint16(a, x, l)),
        [1, -2, 2 ** -24, Number.POSITIVE_INFINITY],
      ],
      ['bf16', 'BFloat16Storage', encode([0x3f80, 0xc040], 2, (v, a, x, l) => v.setUint16(a, x, l)), [1, -3]],
      [
        'i64',
        'LongStorage',
        encode([-1, 2147483647, -2147483648], 8, (v, a, x, l) => v.setBigInt64(a, BigInt(x), l)),
        [-1, 2147483647, -2147483648],
      ],
      ['i32', 'IntStorage', encode([-5, 7], 4, (v, a, x, l) => v.setInt32(a, x, l)), [-5, 7]],
      ['i16', 'ShortStorage', encode([-300], 2, (v, a, x, l) => v.setInt16(a, x, l)), [-300]],
      ['i8', 'CharStorage', Uint8Array.from([0xfe]), [-2]],
      ['u8', 'ByteStorage', Uint8Array.from([255, 0]), [255, 0]],
      ['bool', 'BoolStorage', Uint8Array.from([1, 0, 1]), [1, 0, 1]],
    ];
    const pickle = orderedDict(
      cases.map(([name, type, , values]) => [name, contiguous(name, [values.length], type)]),
    );
    const dict = read(checkpoint(pickle, Object.fromEntries(cases.map(([name, , bytes]) => [name, bytes]))));
    const dtypes = {
      f64: 'F64',
      f16: 'F16',
      bf16: 'BF16',
      i64: 'I64',
      i32: 'I32',
      i16: 'I16',
      i8: 'I8',
      u8: 'U8',
      bool: 'BOOL',
    };
    for (const [name, , , values] of cases) {
      const entry = dict.get(name)!;
      expect(entry.dtype, name).toBe(dtypes[name as keyof typeof dtypes]);
      expect(entry.values, name).toBeInstanceOf(
        name.startsWith('f') || name === 'bf16' ? Float32Array : Int32Array,
      );
      expect([...entry.values], name).toEqual(values);
    }
  });

  it('bounds the decoded elements with maxElements', () => {
    const expanded = orderedDict([['e', tensor({ key: '0', numel: 1, size: [10, 100], stride: [0, 0] })]]);
    const file = checkpoint(expanded, { '0': f32([2.5]) });
    const entry = read(file).get('e')!;
    expect(entry.shape).toEqual([10, 100]);
    expect(entry.values.every((v) => v === 2.5)).toBe(true);
    expectFormatError(() => read(file, { maxElements: 999 }), /more than 999 elements in all \(at 'e'\)/);
  });

  it('rejects int64 values outside the int32 range', () => {
    const bytes = encode([2 ** 31], 8, (v, a, x, l) => v.setBigInt64(a, BigInt(x), l));
    const file = checkpoint(orderedDict([['idx', contiguous('0', [1], 'LongStorage')]]), { '0': bytes });
    expectFormatError(
      () => read(file),
      /test\.pth: tensor 'idx': int64 value 2147483648 .* does not fit int32/,
    );
  });

  it('honours the byteorder record', () => {
    const pickle = orderedDict([['w', contiguous('0', [3])]]);
    const big = read(checkpoint(pickle, { '0': f32([1, -2.5, 3e-3], false) }, { byteorder: 'big' }));
    expect([...big.get('w')!.values]).toEqual([...Float32Array.from([1, -2.5, 3e-3])]);
    const little = read(checkpoint(pickle, { '0': f32([1, -2.5, 3e-3]) }, { byteorder: 'little' }));
    expect([...little.get('w')!.values]).toEqual([...Float32Array.from([1, -2.5, 3e-3])]);
    expectFormatError(
      () => read(checkpoint(pickle, { '0': f32([1, 2, 3]) }, { byteorder: 'middle' })),
      /byteorder/,
    );
  });

  it('unwraps parameters saved through _rebuild_parameter', () => {
    const parameter = [
      ...op.global('torch._utils', '_rebuild_parameter'),
      ...[...op.mark, ...contiguous('0', [2]), ...op.newTrue, ...orderedDict([]), ...op.tuple],
      ...op.reduce,
    ];
    const dict = read(checkpoint(orderedDict([['p', parameter]]), { '0': f32([4, 5]) }));
    expect([...dict.get('p')!.values]).toEqual([4, 5]);
  });

  describe('nested checkpoints', () => {
    const model = orderedDict([
      ['conv.weight', contiguous('0', [2])],
      ['conv.bias', contiguous('1', [1])],
    ]);
    const pickle = [
      0x7d, // EMPTY_DICT: a plain dict
      ...op.mark,
      ...[...op.str('state_dict'), ...model],
      ...[...op.str('epoch'), ...op.int(12)],
      ...[...op.str('optimizer'), ...orderedDict([['lr', op.float(0.01)]])],
      ...[...op.str('ema'), ...orderedDict([['model', orderedDict([['w', contiguous('2', [1])]])]])],
      ...[...op.str('extra'), ...op.emptyList, ...op.mark, ...contiguous('3', [1]), ...op.appends],
      ...op.setitems,
    ];
    const file = checkpoint(pickle, { '0': f32([1, 2]), '1': f32([3]), '2': f32([4]), '3': f32([5]) });

    it('flattens nested dicts and lists with dotted keys, skipping values that are not tensors', () => {
      const dict = read(file);
      expect([...dict.keys()]).toEqual([
        'state_dict.conv.weight',
        'state_dict.conv.bias',
        'ema.model.w',
        'extra.0',
      ]);
      expect([...dict.get('ema.model.w')!.values]).toEqual([4]);
    });

    it('selects a sub-dict by key or by path', () => {
      expect([...read(file, { select: 'state_dict' }).keys()]).toEqual(['conv.weight', 'conv.bias']);
      expect([...read(file, { select: ['ema', 'model'] }).keys()]).toEqual(['w']);
      expectFormatError(() => read(file, { select: 'epoch' }), /'epoch' is a number \(12\), not a dict/);
      expectFormatError(
        () => read(file, { select: ['ema', 'nope'] }),
        /'ema' has no key 'nope'; its keys are 'model'/,
      );
    });
  });

  it('rejects disallowed globals by name', () => {
    const namespace = [...op.global('argparse', 'Namespace'), ...op.emptyTuple, ...op.reduce];
    const withArgs = orderedDict([['args', namespace]]);
    expectFormatError(() => read(checkpoint(withArgs, {})), /global 'argparse\.Namespace' is not allowed/);
    const complex = orderedDict([['z', contiguous('0', [1], 'ComplexFloatStorage')]]);
    expectFormatError(
      () => read(checkpoint(complex, { '0': new Uint8Array(8) })),
      /'torch\.ComplexFloatStorage'/,
    );
    const system = [...op.global('posix', 'system'), ...op.str('echo hi'), 0x85, ...op.reduce];
    expectFormatError(() => read(checkpoint(system, {})), /global 'posix\.system' is not allowed/);
  });

  it('rejects structural problems, naming them', () => {
    const one = (t: number[]) => orderedDict([['t', t]]);
    const cases: [Uint8Array, RegExp][] = [
      [checkpoint(one(contiguous('0', [2])), {}), /storage '0' has no record 'archive\/data\/0'/],
      [
        checkpoint(one(contiguous('0', [2])), { '0': f32([1, 2, 3]) }),
        /record holds 12 bytes but 2 x F32 needs 8/,
      ],
      [
        checkpoint(one(tensor({ key: '0', numel: 4, offset: 1, size: [2, 2], stride: [2, 1] })), {
          '0': f32([1, 2, 3, 4]),
        }),
        /reaches element 4 of storage '0', which has 4/,
      ],
      [
        checkpoint(one(tensor({ key: '0', numel: 2, size: [2], stride: [1, 1] })), { '0': f32([1, 2]) }),
        /size has 1 dims, stride 2/,
      ],
      [
        checkpoint(one(tensor({ key: '0', numel: 2, offset: -1, size: [1], stride: [1] })), {
          '0': f32([1, 2]),
        }),
        /storage offset/,
      ],
      [
        checkpoint(one(tensor({ key: '0', numel: 2, size: [-2], stride: [1] })), { '0': f32([1, 2]) }),
        /size is a 1-tuple/,
      ],
      [
        checkpoint(
          orderedDict([
            ['a', contiguous('0', [2])],
            ['b', contiguous('0', [2], 'IntStorage')],
          ]),
          { '0': f32([1, 2]) },
        ),
        /storage '0' is referenced both as F32 and as I32/,
      ],
      [checkpoint([...op.mark, ...op.str('x'), ...op.tuple, ...op.persid], {}), /unsupported persistent id/],
      [checkpoint(contiguous('0', [1]), { '0': f32([1]) }), /the checkpoint is a tensor, not a dict/],
      [checkpoint(op.int(3), {}), /the checkpoint is a number \(3\), not a dict/],
      [
        checkpoint(one(tensor({ key: '0', numel: 1, size: [1e9], stride: [0] })), { '0': f32([1]) }),
        /more than .* elements/,
      ],
      [Uint8Array.from([0x80, 0x02, 0x8a, 0x0a]), /legacy \(pre-1\.6, non-zip\) torch\.save format/],
      [Uint8Array.from(ascii('not a checkpoint')), /not a zip archive/],
      [writeZip([['archive/constants.pkl', new Uint8Array(1)]]), /TorchScript archive/],
      [writeZip([['archive/other', new Uint8Array(1)]]), /no data\.pkl record/],
      [
        writeZip([
          ['a/data.pkl', new Uint8Array(1)],
          ['b/data.pkl', new Uint8Array(1)],
        ]),
        /2 data\.pkl records/,
      ],
    ];
    for (const [bytes, message] of cases) expectFormatError(() => read(bytes), message);
  });

  it('rejects self-containing and exponentially shared containers in bounded time', () => {
    // A list appended to itself.
    const cyclic = [...op.emptyList, ...op.put(0), ...op.get(0), 0x61 /* APPEND */];
    expectFormatError(() => read(checkpoint(orderedDict([['x', cyclic]]), {})), /contains itself/);
    // 40 levels of lists holding their predecessor twice: 2^40 paths through a few hundred bytes.
    const shared = [...op.emptyList, ...op.put(0), ...op.pop];
    for (let k = 1; k <= 40; k++) {
      shared.push(
        ...op.emptyList,
        ...op.mark,
        ...op.get(k - 1),
        ...op.get(k - 1),
        ...op.appends,
        ...op.put(k),
        ...op.pop,
      );
    }
    const started = performance.now();
    expectFormatError(
      () => read(checkpoint([...shared, ...orderedDict([['x', op.get(40)]])], {})),
      /unbounded|deeper than/,
    );
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('fails with a FileFormatError when truncated at every offset, or on any flipped byte', () => {
    const file = checkpoint(
      orderedDict([
        ['w', tensor({ key: '0', numel: 6, offset: 1, size: [2, 2], stride: [1, 2] })],
        ['i', contiguous('1', [2], 'LongStorage')],
      ]),
      {
        '0': f32([1, 2, 3, 4, 5, 6]),
        '1': encode([7, -8], 8, (v, a, x, l) => v.setBigInt64(a, BigInt(x), l)),
      },
      { byteorder: 'little' },
    );
    expect(read(file).size).toBe(2);
    for (let cut = 0; cut < file.length; cut++) expectFormatError(() => read(file.subarray(0, cut)));
    // With checksums on, every flip inside an entry's data is caught; with them off, the parser itself must
    // never fail with anything but a FileFormatError (or succeed: a flipped digit in a value is not structural).
    let rejected = 0;
    for (let at = 0; at < file.length; at++) {
      for (const mask of [0x01, 0x20, 0xff]) {
        const copy = file.slice();
        copy[at]! ^= mask;
        for (const verifyChecksums of [true, false]) {
          try {
            read(copy, { verifyChecksums });
          } catch (e) {
            expect(e).toBeInstanceOf(FileFormatError);
            rejected++;
          }
        }
      }
    }
    expect(rejected).toBeGreaterThan(file.length * 2);
  });
});
