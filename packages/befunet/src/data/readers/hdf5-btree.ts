/**
 * Version 1 B-trees (File Format Specification 3.0, III.A.1): "TREE" nodes of group entries
 * (type 0) or raw data chunks (type 1). A walk visits each leaf entry once, guards against cycles
 * and depth beyond MAX_DEPTH, and never reads a node twice.
 */
import { type Cursor, type Hdf5File, UNDEFINED_ADDRESS } from './hdf5-cursor.js';

/** Deeper than any B-tree a real file needs (fan-out is at least 2 per level). */
const MAX_DEPTH = 64;

/**
 * Calls `leaf(key, child)` for each entry of the level-0 nodes under `address`, in key order;
 * `key` is a cursor at the entry's left key, `keySize` bytes long.
 */
export function walkBtreeV1(
  file: Hdf5File,
  address: number,
  nodeType: 0 | 1,
  keySize: number,
  leaf: (key: Cursor, child: number) => void,
): void {
  if (address === UNDEFINED_ADDRESS) return;
  const seen = new Set<number>();
  const visit = (at: number, expectedLevel: number | undefined, depth: number) => {
    const what = `B-tree node at ${at}`;
    if (seen.has(at)) file.fail(`${what} is reached twice (a cycle or shared subtree)`);
    if (depth > MAX_DEPTH) file.fail(`${what}: deeper than ${MAX_DEPTH} levels`);
    seen.add(at);
    const c = file.from(at, what);
    c.signature('TREE');
    const type = c.u8();
    const level = c.u8();
    const entries = c.u16();
    if (type !== nodeType) file.fail(`${what}: node type ${type}, expected ${nodeType}`);
    if (expectedLevel !== undefined && level !== expectedLevel)
      file.fail(`${what}: level ${level}, expected ${expectedLevel}`);
    c.address(); // left sibling
    c.address(); // right sibling
    for (let i = 0; i < entries; i++) {
      const key = file.at(c.start + c.pos, keySize, `${what} key ${i}`);
      c.skip(keySize);
      const child = c.address();
      if (level > 0) visit(child, level - 1, depth + 1);
      else leaf(key, child);
    }
  };
  visit(address, undefined, 0);
}
