import * as zlib from 'node:zlib';
import { FileFormatError } from '@befunet/common';
import { everyByteCorruption } from '@befunet/testing';
import { describe, expect, it } from 'vitest';
import { readNpz } from './npz.js';

/** A version 1.0 .npy file: magic, version, header length, dict padded to 64 bytes, data. */
function npyBytes(dict: string, payload: Uint8Array): Uint8Array {
  const padded = `${dict}${' '.repeat(63 - ((10 + dict.length) % 64))}\n`;
  const out = new Uint8Array(10 + padded.length + payload.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, padded.length, true);
  out.set(new TextEncoder().encode(padded), 10);
  out.set(payload, 10 + padded.length);
  return out;
}

/** A minimal zip writer (PKWARE APPNOTE): local headers, central directory, end record. */
function zip(members: [string, Uint8Array, 'stored' | 'deflate'][]): Uint8Array {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, data, method] of members) {
    const body = method === 'stored' ? Buffer.from(data) : zlib.deflateRawSync(data);
    const nameBytes = Buffer.from(name, 'utf8');
    const crc = zlib.crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(method === 'stored' ? 0 : 8, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(method === 'stored' ? 0 : 8, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, body);
    centrals.push(central, nameBytes);
    offset += 30 + nameBytes.length + body.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(members.length, 8);
  end.writeUInt16LE(members.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return new Uint8Array(Buffer.concat([...locals, directory, end]));
}

const f32 = (values: number[]) => new Uint8Array(Float32Array.from(values).buffer);
const image = npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", f32([0.5, 0.25, 1, 0]));
const label = npyBytes(
  "{'descr': '|u1', 'fortran_order': False, 'shape': (2, 2), }",
  Uint8Array.from([0, 1, 8, 3]),
);

describe('readNpz', () => {
  for (const method of ['stored', 'deflate'] as const) {
    it(`reads ${method} members keyed without .npy (a Synapse slice: image + label)`, () => {
      const arrays = readNpz(
        zip([
          ['image.npy', image, method],
          ['label.npy', label, method],
        ]),
        'case0005_slice060.npz',
      );
      expect([...arrays.keys()]).toEqual(['image', 'label']);
      expect(arrays.get('image')).toEqual({
        dtype: 'float32',
        shape: [2, 2],
        data: Float32Array.from([0.5, 0.25, 1, 0]),
      });
      expect(arrays.get('label')).toEqual({
        dtype: 'uint8',
        shape: [2, 2],
        data: Uint8Array.from([0, 1, 8, 3]),
      });
    });
  }

  it('reads an empty archive as an empty map and skips directory entries', () => {
    expect(readNpz(zip([])).size).toBe(0);
    expect([
      ...readNpz(
        zip([
          ['dir/', new Uint8Array(0), 'stored'],
          ['dir/x.npy', label, 'stored'],
        ]),
      ).keys(),
    ]).toEqual(['dir/x']);
  });

  it('rejects corrupt archives and members, naming the member', () => {
    const good = zip([['image.npy', image, 'stored']]);
    const badCrc = good.slice();
    badCrc[30 + 'image.npy'.length + image.length - 1]! ^= 1;
    expect(() => readNpz(badCrc, 's.npz')).toThrow(FileFormatError);
    expect(() => readNpz(badCrc, 's.npz')).toThrow(/s\.npz/);
    expect(() => readNpz(good.subarray(0, good.length - 30), 's.npz')).toThrow(FileFormatError);
    const notNpy = zip([['readme.txt', new TextEncoder().encode('hello world'), 'stored']]);
    expect(() => readNpz(notNpy, 's.npz')).toThrow(/s\.npz:readme\.txt: npy: missing magic/);
    const truncatedMember = zip([['image.npy', image.subarray(0, image.length - 4), 'deflate']]);
    expect(() => readNpz(truncatedMember, 's.npz')).toThrow(/image\.npy: npy: shape \(2, 2\)/);
    expect(() => readNpz(new Uint8Array(10), 's.npz')).toThrow(FileFormatError);
  });

  it('turns any single corrupted byte into a FileFormatError (or arrays), never another error', () => {
    for (const method of ['stored', 'deflate'] as const) {
      const file = zip([
        ['image.npy', image, method],
        ['label.npy', label, method],
      ]);
      expect(everyByteCorruption(file, (b) => readNpz(b), [0x00, 0xff])).toBeGreaterThan(0);
    }
  });
});
