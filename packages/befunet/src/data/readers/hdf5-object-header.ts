/**
 * HDF5 object headers (File Format Specification 3.0, IV.A): version 1 (8-byte aligned messages)
 * and version 2 ("OHDR", with "OCHK" continuation chunks), following continuation messages.
 * Checksums of version 2 chunks are not verified.
 */
import { type Hdf5File, UNDEFINED_ADDRESS } from './hdf5-cursor.js';

export interface HeaderMessage {
  readonly type: number;
  readonly flags: number;
  readonly data: Uint8Array;
  /** Absolute position of `data`, for errors. */
  readonly at: number;
}

/** Message types read by this reader (spec IV.A.2). */
export const MESSAGE = {
  dataspace: 0x01,
  linkInfo: 0x02,
  datatype: 0x03,
  link: 0x06,
  layout: 0x08,
  filters: 0x0b,
  continuation: 0x10,
  symbolTable: 0x11,
} as const;

/** At most this many continuation chunks per object header (a guard against loops). */
const MAX_CHUNKS = 4096;

/** Reads every message of the object header at `address`. */
export function readObjectHeader(file: Hdf5File, address: number): HeaderMessage[] {
  const what = `object header at ${address}`;
  if (address === UNDEFINED_ADDRESS) file.fail(`${what}: undefined address`);
  const head = file.from(address, what);
  const messages: HeaderMessage[] = [];
  const chunks: [number, number][] = [];
  let version: number;
  if (head.bytes[0] === 1) {
    // Version 1: version, reserved, message count, reference count, header size, 4 padding bytes.
    head.skip(4);
    head.u32();
    const size = head.u32();
    head.skip(4);
    version = 1;
    chunks.push([address + 16, size]);
  } else {
    head.signature('OHDR');
    version = head.u8();
    if (version !== 2) file.fail(`${what}: unsupported object header version ${version}`);
    const flags = head.u8();
    if (flags & 0x20) head.skip(16); // access, modification, change, birth times
    if (flags & 0x10) head.skip(4); // attribute storage phase change values
    const size = head.uint(1 << (flags & 3));
    chunks.push([address + head.pos, size]);
  }
  const seen = new Set<number>();
  for (let i = 0; i < chunks.length; i++) {
    if (i >= MAX_CHUNKS) file.fail(`${what}: more than ${MAX_CHUNKS} continuation chunks`);
    let [at, size] = chunks[i]!;
    if (seen.has(at)) file.fail(`${what}: continuation chunks form a loop`);
    seen.add(at);
    if (version === 2 && i > 0) {
      file.at(at, 4, what).signature('OCHK');
      at += 4;
      size -= 8; // signature and checksum
    }
    const chunk = file.at(at, Math.max(0, size), what);
    const headerSize = version === 1 ? 8 : 4;
    while (chunk.remaining >= headerSize) {
      let type: number;
      let length: number;
      let flags: number;
      if (version === 1) {
        type = chunk.u16();
        length = chunk.u16();
        flags = chunk.u8();
        chunk.skip(3);
      } else {
        type = chunk.u8();
        length = chunk.u16();
        flags = chunk.u8();
        if (flags & 0x04) chunk.skip(2); // creation order
      }
      const dataAt = chunk.start + chunk.pos;
      const data = chunk.take(length);
      if (version === 1) chunk.skip(Math.min(chunk.remaining, (8 - (length % 8)) % 8));
      if (type === MESSAGE.continuation) {
        const c = file.at(dataAt, length, `continuation message at ${dataAt}`);
        chunks.push([c.address(), c.length()]);
      } else messages.push({ type, flags, data, at: dataAt });
    }
  }
  return messages;
}
