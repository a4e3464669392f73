/**
 * The members of an HDF5 group (File Format Specification 3.0, IV.A.2.c/g/r): old-style groups
 * (a symbol table message: version 1 B-tree of "SNOD" symbol nodes, names in a "HEAP" local
 * heap) and new-style compact groups (link messages in the object header). New-style dense
 * groups (links in a fractal heap, used past 8 links by default) are rejected.
 */

import { walkBtreeV1 } from './hdf5-btree.js';
import { type Hdf5File, UNDEFINED_ADDRESS } from './hdf5-cursor.js';
import { readLink, readLinkInfo, readSymbolTable } from './hdf5-messages.js';
import { type HeaderMessage, MESSAGE } from './hdf5-object-header.js';

export interface GroupMember {
  readonly name: string;
  /** Object header address of the member. */
  readonly address: number;
}

/** The hard-linked members of the group whose header messages are `messages`. */
export function readGroupMembers(file: Hdf5File, messages: readonly HeaderMessage[]): GroupMember[] {
  const members: GroupMember[] = [];
  for (const m of messages) {
    if (m.type === MESSAGE.symbolTable) members.push(...readSymbolTableGroup(file, m));
    else if (m.type === MESSAGE.link) {
      const link = readLink(file, m);
      if (link) members.push(link);
    } else if (m.type === MESSAGE.linkInfo && readLinkInfo(file, m) !== UNDEFINED_ADDRESS) {
      file.fail(`group at message ${m.at}: dense link storage (fractal heap) is not supported`);
    }
  }
  return members;
}

function readSymbolTableGroup(file: Hdf5File, message: HeaderMessage): GroupMember[] {
  const { btree, heap } = readSymbolTable(file, message);
  const names = localHeap(file, heap);
  const members: GroupMember[] = [];
  // Group node keys are heap offsets (one length); each child is a symbol table node.
  walkBtreeV1(file, btree, 0, file.lengthSize, (_key, child) => {
    const c = file.from(child, `symbol table node at ${child}`);
    c.signature('SNOD');
    const version = c.u8();
    if (version !== 1) file.fail(`${c.what}: unsupported version ${version}`);
    c.skip(1);
    const count = c.u16();
    for (let i = 0; i < count; i++) {
      const nameOffset = c.length();
      const address = c.address();
      c.skip(24); // cache type, reserved, scratch pad
      members.push({ name: names(nameOffset), address });
    }
  });
  return members;
}

/** A local heap ("HEAP", III.D): returns a reader of the null-terminated strings in its data segment. */
function localHeap(file: Hdf5File, address: number): (offset: number) => string {
  const c = file.from(address, `local heap at ${address}`);
  c.signature('HEAP');
  c.skip(4); // version, reserved
  const size = c.length();
  c.length(); // free list head
  const data = file.at(c.address(), size, `local heap data of ${address}`).bytes;
  return (offset) => {
    const end = data.indexOf(0, offset);
    if (offset >= data.length || end < 0)
      file.fail(`local heap at ${address}: name offset ${offset} is outside its data`);
    return new TextDecoder().decode(data.subarray(offset, end));
  };
}
