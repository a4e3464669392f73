import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expectError, fixturePath } from '../../../testing/src/index.ts';
import { FileFormatError } from '../errors.js';
import {
  PickleDict,
  PickleGlobal,
  PickleObject,
  PickleTuple,
  type PickleValue,
  type UnpickleOptions,
  unpickle,
} from './pickle.js';
import { ZipArchive } from './zip.js';

const hex = (s: string) => Uint8Array.from(s.match(/../g)!.map((b) => Number.parseInt(b, 16)));
const ascii = (s: string) => [...new TextEncoder().encode(s)];
const u32 = (n: number) => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
/** BINUNICODE with its 4-byte little-endian length. */
const str = (s: string) => [0x58, ...u32(new TextEncoder().encode(s).length), ...ascii(s)];

/** A dict's entries as a plain object (string keys only), for readable expectations. */
function plain(v: PickleValue): unknown {
  if (v instanceof PickleDict)
    return Object.fromEntries([...v.entries].map(([k, x]) => [String(k), plain(x)]));
  if (v instanceof PickleTuple) return { tuple: v.items.map(plain) };
  if (Array.isArray(v)) return v.map(plain);
  return v;
}

/** Asserts a FileFormatError (with a matching message). */
const expectFormatError = (fn: () => unknown, message?: RegExp) => expectError(fn, FileFormatError, message);

describe('unpickle', () => {
  it('decodes a protocol-2 pickle written by CPython', () => {
    // python3: pickle.dumps({'a': [1, -2, 3.5, None, True, False], 'b': (1, 2, 3), 't1': (7,), 'e': (),
    //   'big': 2**70, 'neg': -300, 'n65535': 65535, 'n65536': 65536, 'neg_big': -2**63, 's': 'héllo'},
    //   protocol=2).hex()
    const bytes = hex(
      '80027d71002858010000006171015d7102284b014afeffffff47400c0000000000004e88896558010000006271034b014b024b' +
        '038771045802000000743171054b07857106580100000065710729580300000062696771088a09000000000000000040580300' +
        '00006e656771094ad4feffff58060000006e3635353335710a4dffff58060000006e3635353336710b4a000001005807000000' +
        '6e65675f626967710c8a080000000000000080580100000073710d580600000068c3a96c6c6f710e752e',
    );
    const value = unpickle(bytes, 'cpython.pkl');
    expect(plain(value)).toEqual({
      a: [1, -2, 3.5, null, true, false],
      b: { tuple: [1, 2, 3] },
      t1: { tuple: [7] },
      e: { tuple: [] },
      big: 2n ** 70n,
      neg: -300,
      n65535: 65535,
      n65536: 65536,
      neg_big: -(2n ** 63n),
      s: 'héllo',
    });
  });

  it('decodes protocol-4 opcodes (FRAME, MEMOIZE, SHORT_BINUNICODE, SHORT_BINBYTES) and shares memo values', () => {
    // python3: shared = [0.25]; pickle.dumps({'by': b'\x00\xff', 'x': shared, 'y': shared, 'l': [1, 2],
    //   'pair': ('p', 2)}, protocol=4).hex()
    const bytes = hex(
      '80049540000000000000007d94288c02627994430200ff948c0178945d94473fd0000000000000618c01799468048c016c945d' +
        '94284b014b02658c0470616972948c0170944b028694752e',
    );
    const value = unpickle(bytes) as PickleDict;
    expect([...(value.entries.get('by') as Uint8Array)]).toEqual([0, 255]);
    expect(value.entries.get('x')).toEqual([0.25]);
    expect(value.entries.get('y')).toBe(value.entries.get('x'));
    expect(plain(value.entries.get('l')!)).toEqual([1, 2]);
    expect(plain(value.entries.get('pair')!)).toEqual({ tuple: ['p', 2] });
  });

  it('handles hand-built LONG_BINPUT/LONG_BINGET, SETITEM, APPEND, TUPLE, POP, DUP and BUILD', () => {
    const bytes = Uint8Array.from([
      0x80,
      0x02,
      0x7d, // EMPTY_DICT
      0x72,
      ...u32(70000), // LONG_BINPUT 70000
      ...str('k'),
      0x28,
      0x4b,
      5,
      0x4b,
      6,
      0x74, // MARK 5 6 TUPLE
      0x73, // SETITEM
      ...str('l'),
      0x5d,
      0x4b,
      9,
      0x61, // EMPTY_LIST 9 APPEND
      0x73,
      0x4b,
      1,
      0x30, // 1 POP
      0x28,
      0x4b,
      1,
      0x31, // MARK 1 POP_MARK
      ...str('self'),
      0x6a,
      ...u32(70000), // LONG_BINGET 70000: the dict itself (a cycle, as pickle allows)
      0x73,
      0x7d,
      0x32,
      0x30, // EMPTY_DICT DUP POP
      0x62, // BUILD: the dict's state becomes {}
      0x2e,
    ]);
    const value = unpickle(bytes) as PickleDict;
    expect(plain(value.entries.get('k')!)).toEqual({ tuple: [5, 6] });
    expect(value.entries.get('l')).toEqual([9]);
    expect(value.entries.get('self')).toBe(value);
    expect(value.state).toBeInstanceOf(PickleDict);
  });

  it('calls only allowed globals, and passes persistent ids to persistentLoad', () => {
    const calls: PickleValue[][] = [];
    const options: UnpickleOptions = {
      globals: new Map([
        [
          'm.f',
          new PickleGlobal('m', 'f', (args) => {
            calls.push([...args]);
            return new PickleObject('made', args);
          }),
        ],
        ['m.T', new PickleGlobal('m', 'T')],
      ]),
      persistentLoad: (pid) => new PickleObject('pid', pid),
    };
    const bytes = Uint8Array.from([
      0x80,
      0x02,
      0x63,
      ...ascii('m\nf\n'), // GLOBAL m.f
      0x4b,
      3,
      0x63,
      ...ascii('m\nT\n'),
      0x86, // (3, m.T)
      0x52, // REDUCE
      0x28,
      ...str('key'),
      0x74,
      0x51, // BINPERSID ('key',)
      0x86,
      0x2e,
    ]);
    const value = unpickle(bytes, 'x', options) as PickleTuple;
    expect(calls).toHaveLength(1);
    expect(calls[0]![0]).toBe(3);
    expect((calls[0]![1] as PickleGlobal).qualifiedName).toBe('m.T');
    expect((value.items[0] as PickleObject).kind).toBe('made');
    expect(plain((value.items[1] as PickleObject).value as PickleValue)).toEqual({ tuple: ['key'] });
  });

  it('rejects a disallowed GLOBAL by name, before anything is called', () => {
    const evil = Uint8Array.from([
      0x80,
      0x02,
      0x63,
      ...ascii('os\nsystem\n'),
      ...str('ls'),
      0x85,
      0x52,
      0x2e,
    ]);
    expectFormatError(() => unpickle(evil, 'evil.pkl'), /evil\.pkl: .*global 'os\.system' is not allowed/);
    const stack = Uint8Array.from([
      0x80,
      0x04,
      0x8c,
      8,
      ...ascii('builtins'),
      0x8c,
      4,
      ...ascii('eval'),
      0x93,
      0x2e,
    ]);
    expectFormatError(() => unpickle(stack), /global 'builtins\.eval' is not allowed/);
    // An allowed global without a `call` cannot be reduced.
    const globals = new Map([['m.T', new PickleGlobal('m', 'T')]]);
    const reduce = Uint8Array.from([0x80, 0x02, 0x63, ...ascii('m\nT\n'), 0x29, 0x52, 0x2e]);
    expectFormatError(() => unpickle(reduce, 'r', { globals }), /REDUCE .*global 'm\.T' cannot be called/);
  });

  it('rejects structural problems with a FileFormatError naming the opcode', () => {
    const cases: [number[], RegExp][] = [
      [[0x80, 0x02, 0x4b, 1], /without STOP/],
      [[0x80, 0x02, 0x2e], /STOP at offset 2: stack underflow/],
      [[0x80, 0x02, 0x4b, 1, 0x4b, 2, 0x2e], /not empty at STOP/],
      [[0x80, 0x02, 0x68, 3, 0x2e], /BINGET .*memo entry 3/],
      [[0x80, 0x02, 0x74, 0x2e], /TUPLE .*no MARK/],
      [[0x80, 0x02, 0x28, 0x85, 0x2e], /TUPLE1 .*underflow/],
      [[0x80, 0x02, 0x5d, 0x4b, 1, 0x4b, 2, 0x73, 0x2e], /SETITEM .*expected a dict/],
      [[0x80, 0x02, 0x7d, 0x4b, 1, 0x61, 0x2e], /APPEND .*expected a list/],
      [[0x80, 0x02, 0x7d, 0x5d, 0x4b, 1, 0x73, 0x2e], /dict key of kind a list/],
      [[0x80, 0x02, 0x4b, 1, 0x29, 0x52, 0x2e], /cannot be called/],
      [[0x80, 0x02, 0x4b, 1, 0x51, 0x2e], /persistent ids are not allowed/],
      [[0x80, 0x02, 0x81, 0x2e], /opcode 0x81 .*not supported/],
      [[0x80, 0x02, 0x69, 0x2e], /not supported/],
      [[0x80, 0x09, 0x2e], /unsupported protocol 9/],
      [[0x80, 0x02, 0x58, 0xff, 0xff, 0xff, 0xff, 0x2e], /BINUNICODE .*truncated/],
      [[0x80, 0x02, 0x58, 2, 0, 0, 0, 0xc3, 0x28, 0x2e], /not valid UTF-8/],
      [[0x80, 0x02, 0x8b, 0xff, 0xff, 0xff, 0x7f, 0x2e], /LONG4 .*larger than/],
      [[0x80, 0x02, 0x63, ...ascii('collections'), 0x2e], /GLOBAL .*newline/],
      [[0x80, 0x04, 0x95, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x2e], /FRAME .*exceeds/],
      [[0x80, 0x02, 0x4b, 1, 0x4b, 2, 0x62, 0x2e], /BUILD .*cannot set the state/],
    ];
    for (const [bytes, message] of cases) expectFormatError(() => unpickle(Uint8Array.from(bytes)), message);
  });

  describe('on the official checkpoint pickle', () => {
    const zip = ZipArchive.open(new Uint8Array(readFileSync(fixturePath('official/official_mini.pth'))));
    const pickle = zip.read('official_mini/data.pkl');
    // Stand-ins for the torch globals: enough to parse, nothing executed.
    const options: UnpickleOptions = {
      globals: new Map(
        [
          'collections.OrderedDict',
          'torch._utils._rebuild_tensor_v2',
          'torch.FloatStorage',
          'torch.LongStorage',
        ].map((q) => {
          const dot = q.lastIndexOf('.');
          const g = new PickleGlobal(q.slice(0, dot), q.slice(dot + 1), (args) =>
            q === 'collections.OrderedDict' ? new PickleDict() : new PickleObject('tensor', args),
          );
          return [q, g];
        }),
      ),
      persistentLoad: (pid) => new PickleObject('storage', pid),
    };

    it('parses it whole', () => {
      const root = unpickle(pickle, 'official', options) as PickleDict;
      expect(root.entries.size).toBe(345);
      expect(root.state).toBeInstanceOf(PickleDict); // the `_metadata` attribute
    });

    it('fails with a FileFormatError when truncated at any of 400 offsets', () => {
      const started = performance.now();
      for (let i = 0; i < 400; i++) {
        const cut = Math.floor((i * pickle.length) / 400);
        expectFormatError(() => unpickle(pickle.subarray(0, cut), 'cut', options));
      }
      expect(performance.now() - started).toBeLessThan(20_000);
    });

    it('never fails with anything but a FileFormatError when bytes are flipped', () => {
      const copy = pickle.slice();
      let rejected = 0;
      for (let i = 0; i < 300; i++) {
        const at = (i * 7919 * 13) % copy.length;
        const original = copy[at]!;
        copy[at] = original ^ (1 << (i % 8));
        try {
          unpickle(copy, 'flipped', options);
        } catch (e) {
          expect(e).toBeInstanceOf(FileFormatError);
          rejected++;
        }
        copy[at] = original;
      }
      // Most flips break the structure; a flip inside a key name or a number parses (the zip CRC catches those).
      expect(rejected).toBeGreaterThan(100);
    });
  });
});
