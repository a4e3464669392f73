/**
 * The state of a restricted unpickle (pickle.ts): the input with its read position, the stack with
 * its marks, and the memo. Every read is bounded by the bytes left and every pop by the latest mark;
 * each problem is a FileFormatError naming the source, the opcode and its offset.
 */
import { FileFormatError } from '../errors.js';
import {
  describe,
  PickleDict,
  type PickleGlobal,
  type PickleKey,
  type PickleValue,
  type UnpickleOptions,
} from './pickle-values.js';

const MAX_LONG_BYTES = 64;

export class PickleMachine {
  private readonly view: DataView;
  private readonly utf8 = new TextDecoder('utf-8', { fatal: true });
  private readonly stack: PickleValue[] = [];
  /** MARK saves the stack height here; items above the latest mark are the only ones pop() reaches. */
  private readonly marks: number[] = [];
  private readonly memo = new Map<number, PickleValue>();
  pos = 0;
  /** The opcode being run and its offset, for messages. */
  opName = '';
  opAt = 0;

  constructor(
    readonly bytes: Uint8Array,
    readonly source: string,
    readonly options: UnpickleOptions,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  fail(problem: string): never {
    throw new FileFormatError(
      this.source,
      `pickle ${this.opName || 'stream'} at offset ${this.opAt}: ${problem}`,
    );
  }

  // Reading the input.

  /** Claims the next `n` bytes; returns where they start. */
  need(n: number): number {
    if (n < 0 || this.pos + n > this.bytes.byteLength) {
      this.fail(`needs ${n} bytes but only ${this.bytes.byteLength - this.pos} remain (truncated)`);
    }
    const at = this.pos;
    this.pos += n;
    return at;
  }
  u8(): number {
    return this.bytes[this.need(1)]!;
  }
  u16(): number {
    return this.view.getUint16(this.need(2), true);
  }
  u32(): number {
    return this.view.getUint32(this.need(4), true);
  }
  i32(): number {
    return this.view.getInt32(this.need(4), true);
  }
  /** An 8-byte length, which can be no longer than the pickle itself. */
  u64(): number {
    const v = this.view.getBigUint64(this.need(8), true);
    if (v > BigInt(this.bytes.byteLength))
      this.fail(`declared length ${v} exceeds the ${this.bytes.byteLength}-byte pickle`);
    return Number(v);
  }
  /** A big-endian IEEE double (BINFLOAT). */
  f64(): number {
    return this.view.getFloat64(this.need(8), false);
  }
  text(n: number): string {
    const at = this.need(n);
    try {
      return this.utf8.decode(this.bytes.subarray(at, at + n));
    } catch (cause) {
      throw new FileFormatError(
        this.source,
        `pickle ${this.opName} at offset ${this.opAt}: string is not valid UTF-8`,
        { cause },
      );
    }
  }
  raw(n: number): Uint8Array {
    const at = this.need(n);
    return this.bytes.slice(at, at + n);
  }
  /** Text up to the next newline (GLOBAL's operands). */
  line(): string {
    const end = this.bytes.indexOf(0x0a, this.pos);
    if (end < 0) this.fail('missing newline (truncated)');
    const s = this.text(end - this.pos);
    this.pos++;
    return s;
  }
  /** A little-endian two's-complement integer of `n` bytes (LONG1, LONG4). */
  long(n: number): number | bigint {
    if (n > MAX_LONG_BYTES) this.fail(`integer of ${n} bytes is larger than the ${MAX_LONG_BYTES} supported`);
    const at = this.need(n);
    let v = 0n;
    for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(this.bytes[at + i]!);
    if (n > 0 && this.bytes[at + n - 1]! & 0x80) v -= 1n << BigInt(8 * n);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  }

  // The stack, marks and memo.

  push(v: PickleValue): void {
    this.stack.push(v);
  }
  private floor(): number {
    return this.marks.length > 0 ? this.marks[this.marks.length - 1]! : 0;
  }
  /** Whether items lie above the latest mark (or the bottom). */
  hasItemAboveMark(): boolean {
    return this.stack.length > this.floor();
  }
  pop(): PickleValue {
    if (this.stack.length <= this.floor()) this.fail('stack underflow');
    return this.stack.pop()!;
  }
  top(): PickleValue {
    const v = this.pop();
    this.stack.push(v);
    return v;
  }
  mark(): void {
    this.marks.push(this.stack.length);
  }
  /** The items above the latest mark, which is removed. */
  popMark(): PickleValue[] {
    const at = this.marks.pop();
    if (at === undefined) this.fail('no MARK to pop to');
    return this.stack.splice(at);
  }
  /** Whether the stack and marks are empty (as they must be after STOP's pop). */
  isEmpty(): boolean {
    return this.stack.length === 0 && this.marks.length === 0;
  }
  memoGet(index: number): void {
    if (!this.memo.has(index)) this.fail(`memo entry ${index} was never stored`);
    this.push(this.memo.get(index)!);
  }
  memoPut(index: number): void {
    this.memo.set(index, this.top());
  }
  get memoSize(): number {
    return this.memo.size;
  }

  // Containers and globals.

  setItems(dict: PickleValue, items: PickleValue[]): void {
    if (!(dict instanceof PickleDict)) this.fail(`expected a dict, got ${describe(dict)}`);
    if (items.length % 2 !== 0) this.fail('odd number of items for key/value pairs');
    for (let i = 0; i < items.length; i += 2) dict.entries.set(this.asKey(items[i]!), items[i + 1]!);
  }
  append(list: PickleValue, items: PickleValue[]): void {
    if (!Array.isArray(list)) this.fail(`expected a list, got ${describe(list)}`);
    for (const item of items) list.push(item);
  }
  /** The allowed global `module.name`; any other is refused by name. */
  global(module: string, name: string): PickleGlobal {
    const found = this.options.globals?.get(`${module}.${name}`);
    if (!found)
      this.fail(`global '${module}.${name}' is not allowed (only plain data and known torch types are)`);
    return found;
  }
  private asKey(k: PickleValue): PickleKey {
    if (k === null || ['boolean', 'number', 'bigint', 'string'].includes(typeof k)) return k as PickleKey;
    return this.fail(`dict key of kind ${describe(k)} is not supported`);
  }
}
