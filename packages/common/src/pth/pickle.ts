/**
 * A safe, restricted unpickler: it decodes the Python pickle opcodes that data files use
 * (protocols 2 to 4: containers, numbers, strings, memo, GLOBAL, REDUCE, BUILD, BINPERSID)
 * into plain values, and never executes or constructs anything the caller did not allow.
 *
 * GLOBAL names are looked up in a caller-supplied allow-list; any other name is a FileFormatError
 * naming it. REDUCE only calls the `call` function of an allowed global; BINPERSID goes to the
 * caller's `persistentLoad`. Every structural problem (truncation, stack underflow, a missing memo
 * entry, an unknown opcode, a value of the wrong kind) raises a FileFormatError naming the source,
 * the opcode and its offset. Work is linear in the input: each opcode reads at least one byte,
 * declared string lengths are checked against the bytes left, and memo gets do not copy.
 */
import { FileFormatError } from '../errors.js';

/** A decoded pickle value. Python ints become numbers when they are safe integers, else bigints. */
export type PickleValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PickleValue[]
  | PickleTuple
  | PickleDict
  | PickleGlobal
  | PickleObject;

/** The keys a PickleDict accepts (hashable scalars). */
export type PickleKey = null | boolean | number | bigint | string;

/** A Python tuple (immutable; distinct from a list, which decodes to a JS array). */
export class PickleTuple {
  constructor(readonly items: readonly PickleValue[]) {}
}

/** A Python dict (or OrderedDict): insertion-ordered, with scalar keys. */
export class PickleDict {
  readonly entries = new Map<PickleKey, PickleValue>();
  /** The state BUILD applied to it (for a torch state dict, `{_metadata: ...}`), if any. */
  state: PickleValue | undefined;
}

/** An allowed global (`module.name`), as GLOBAL pushes it. */
export class PickleGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
    /** What REDUCE does with it; a global without `call` cannot be called. */
    readonly call?: (args: readonly PickleValue[]) => PickleValue,
  ) {}
  get qualifiedName(): string {
    return `${this.module}.${this.name}`;
  }
}

/** A value an allowed `call` or `persistentLoad` returned that is none of the plain kinds. */
export class PickleObject {
  constructor(
    /** What it is, for error messages and type tests (e.g. 'tensor', 'storage'). */
    readonly kind: string,
    readonly value: unknown,
  ) {}
}

export interface UnpickleOptions {
  /**
   * The globals the stream may name, keyed `module.name` (e.g. `collections.OrderedDict`).
   * Any other name is rejected. Defaults to none.
   */
  readonly globals?: ReadonlyMap<string, PickleGlobal>;
  /** Resolves BINPERSID; without it, persistent ids are rejected. */
  readonly persistentLoad?: (pid: PickleValue) => PickleValue;
}

const MAX_LONG_BYTES = 64;

/** Decodes one pickle from `bytes`; `source` names the file in error messages. */
export function unpickle(bytes: Uint8Array, source = '<pickle>', options: UnpickleOptions = {}): PickleValue {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  const globals = options.globals ?? new Map<string, PickleGlobal>();
  const stack: PickleValue[] = [];
  // MARK saves the stack height here; items above the latest mark are the only ones pop() can reach.
  const marks: number[] = [];
  const memo = new Map<number, PickleValue>();
  let pos = 0;
  let opName = '';
  let opAt = 0;

  const fail = (problem: string): never => {
    throw new FileFormatError(source, `pickle ${opName || 'stream'} at offset ${opAt}: ${problem}`);
  };
  const need = (n: number): number => {
    if (n < 0 || pos + n > bytes.byteLength) {
      fail(`needs ${n} bytes but only ${bytes.byteLength - pos} remain (truncated)`);
    }
    const at = pos;
    pos += n;
    return at;
  };
  const u8 = () => bytes[need(1)]!;
  const u16 = () => view.getUint16(need(2), true);
  const u32 = () => view.getUint32(need(4), true);
  const i32 = () => view.getInt32(need(4), true);
  const u64 = (): number => {
    const v = view.getBigUint64(need(8), true);
    if (v > BigInt(bytes.byteLength))
      fail(`declared length ${v} exceeds the ${bytes.byteLength}-byte pickle`);
    return Number(v);
  };
  const text = (n: number): string => {
    const at = need(n);
    try {
      return utf8.decode(bytes.subarray(at, at + n));
    } catch (cause) {
      throw new FileFormatError(source, `pickle ${opName} at offset ${opAt}: string is not valid UTF-8`, {
        cause,
      });
    }
  };
  const raw = (n: number): Uint8Array => {
    const at = need(n);
    return bytes.slice(at, at + n);
  };
  const line = (): string => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) fail('missing newline (truncated)');
    const s = text(end - pos);
    pos++;
    return s;
  };
  const floor = (): number => (marks.length > 0 ? marks[marks.length - 1]! : 0);
  const pop = (): PickleValue => {
    if (stack.length <= floor()) fail('stack underflow');
    return stack.pop()!;
  };
  const top = (): PickleValue => {
    const v = pop();
    stack.push(v);
    return v;
  };
  const popMark = (): PickleValue[] => {
    const at = marks.pop();
    if (at === undefined) fail('no MARK to pop to');
    return stack.splice(at!);
  };
  const push = (v: PickleValue) => {
    stack.push(v);
  };
  const memoGet = (index: number): void => {
    if (!memo.has(index)) fail(`memo entry ${index} was never stored`);
    push(memo.get(index)!);
  };
  const memoPut = (index: number): void => {
    memo.set(index, top());
  };
  const asKey = (k: PickleValue): PickleKey => {
    if (k === null || ['boolean', 'number', 'bigint', 'string'].includes(typeof k)) return k as PickleKey;
    return fail(`dict key of kind ${describe(k)} is not supported`);
  };
  const setItems = (dict: PickleValue, items: PickleValue[]): void => {
    if (!(dict instanceof PickleDict)) fail(`expected a dict, got ${describe(dict)}`);
    if (items.length % 2 !== 0) fail('odd number of items for key/value pairs');
    for (let i = 0; i < items.length; i += 2)
      (dict as PickleDict).entries.set(asKey(items[i]!), items[i + 1]!);
  };
  const append = (list: PickleValue, items: PickleValue[]): void => {
    if (!Array.isArray(list)) fail(`expected a list, got ${describe(list)}`);
    for (const item of items) (list as PickleValue[]).push(item);
  };
  const global = (module: string, name: string): PickleGlobal => {
    const found = globals.get(`${module}.${name}`);
    if (!found) fail(`global '${module}.${name}' is not allowed (only plain data and known torch types are)`);
    return found!;
  };
  const int = (v: bigint): number | bigint =>
    v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  const long = (n: number): number | bigint => {
    if (n > MAX_LONG_BYTES) fail(`integer of ${n} bytes is larger than the ${MAX_LONG_BYTES} supported`);
    const at = need(n);
    let v = 0n;
    for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[at + i]!);
    if (n > 0 && bytes[at + n - 1]! & 0x80) v -= 1n << BigInt(8 * n);
    return int(v);
  };

  while (true) {
    opAt = pos;
    if (pos >= bytes.byteLength) {
      opName = '';
      fail('stream ends without STOP (truncated)');
    }
    const code = bytes[pos++]!;
    opName = OPCODE_NAMES.get(code) ?? `opcode 0x${code.toString(16).padStart(2, '0')}`;
    switch (code) {
      case 0x80: {
        // PROTO
        const protocol = u8();
        if (protocol > 5) fail(`unsupported protocol ${protocol}`);
        break;
      }
      case 0x95: // FRAME: an 8-byte frame length, informational only.
        u64();
        break;
      case 0x2e: {
        // STOP
        const result = pop();
        if (stack.length !== 0 || marks.length !== 0) fail('stack is not empty at STOP');
        return result;
      }
      case 0x28: // MARK
        marks.push(stack.length);
        break;
      case 0x4e: // NONE
        push(null);
        break;
      case 0x88: // NEWTRUE
        push(true);
        break;
      case 0x89: // NEWFALSE
        push(false);
        break;
      case 0x4a: // BININT
        push(i32());
        break;
      case 0x4b: // BININT1
        push(u8());
        break;
      case 0x4d: // BININT2
        push(u16());
        break;
      case 0x8a: // LONG1
        push(long(u8()));
        break;
      case 0x8b: {
        // LONG4
        const n = i32();
        if (n < 0) fail(`negative length ${n}`);
        push(long(n));
        break;
      }
      case 0x47: // BINFLOAT: big-endian IEEE double.
        push(view.getFloat64(need(8), false));
        break;
      case 0x58: // BINUNICODE
        push(text(u32()));
        break;
      case 0x8c: // SHORT_BINUNICODE
        push(text(u8()));
        break;
      case 0x8d: // BINUNICODE8
        push(text(u64()));
        break;
      case 0x42: // BINBYTES
        push(raw(u32()));
        break;
      case 0x43: // SHORT_BINBYTES
        push(raw(u8()));
        break;
      case 0x8e: // BINBYTES8
        push(raw(u64()));
        break;
      case 0x5d: // EMPTY_LIST
        push([]);
        break;
      case 0x7d: // EMPTY_DICT
        push(new PickleDict());
        break;
      case 0x29: // EMPTY_TUPLE
        push(new PickleTuple([]));
        break;
      case 0x74: // TUPLE
        push(new PickleTuple(popMark()));
        break;
      case 0x85: // TUPLE1
        push(new PickleTuple([pop()]));
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        const a = pop();
        push(new PickleTuple([a, b]));
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        const a = pop();
        push(new PickleTuple([a, b, c]));
        break;
      }
      case 0x6c: {
        // LIST
        push(popMark());
        break;
      }
      case 0x64: {
        // DICT
        const dict = new PickleDict();
        setItems(dict, popMark());
        push(dict);
        break;
      }
      case 0x73: {
        // SETITEM
        const value = pop();
        const key = pop();
        setItems(top(), [key, value]);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        setItems(top(), items);
        break;
      }
      case 0x61: {
        // APPEND
        const value = pop();
        append(top(), [value]);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        append(top(), items);
        break;
      }
      case 0x30: // POP: the top item, or the latest mark when nothing lies above it.
        if (stack.length > floor()) pop();
        else popMark();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        push(top());
        break;
      case 0x71: // BINPUT
        memoPut(u8());
        break;
      case 0x72: // LONG_BINPUT
        memoPut(u32());
        break;
      case 0x94: // MEMOIZE
        memoPut(memo.size);
        break;
      case 0x68: // BINGET
        memoGet(u8());
        break;
      case 0x6a: // LONG_BINGET
        memoGet(u32());
        break;
      case 0x63: {
        // GLOBAL: "module\nname\n"
        const module = line();
        const name = line();
        push(global(module, name));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail('module and name must be strings');
        push(global(module as string, name as string));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        const callable = pop();
        if (!(args instanceof PickleTuple)) fail(`arguments must be a tuple, got ${describe(args)}`);
        if (!(callable instanceof PickleGlobal) || !callable.call) {
          fail(`${describe(callable)} cannot be called`);
        }
        const g = callable as PickleGlobal;
        push(g.call!((args as PickleTuple).items));
        break;
      }
      case 0x62: {
        // BUILD: only a dict's state (torch's `_metadata` attribute) is accepted, and kept aside.
        const state = pop();
        const target = top();
        if (!(target instanceof PickleDict)) fail(`cannot set the state of ${describe(target)}`);
        (target as PickleDict).state = state;
        break;
      }
      case 0x51: {
        // BINPERSID
        const pid = pop();
        if (!options.persistentLoad) fail('persistent ids are not allowed here');
        push(options.persistentLoad!(pid));
        break;
      }
      default:
        fail('opcode is not supported by this restricted unpickler');
    }
  }
}

/** A short description of a value's kind for error messages. */
export function describe(v: PickleValue): string {
  if (v === null) return 'None';
  if (Array.isArray(v)) return 'a list';
  if (v instanceof Uint8Array) return 'bytes';
  if (v instanceof PickleTuple) return `a ${v.items.length}-tuple`;
  if (v instanceof PickleDict) return 'a dict';
  if (v instanceof PickleGlobal) return `global '${v.qualifiedName}'`;
  if (v instanceof PickleObject) return `a ${v.kind}`;
  return `a ${typeof v} (${String(v).slice(0, 40)})`;
}

const OPCODE_NAMES = new Map<number, string>([
  [0x80, 'PROTO'],
  [0x95, 'FRAME'],
  [0x2e, 'STOP'],
  [0x28, 'MARK'],
  [0x4e, 'NONE'],
  [0x88, 'NEWTRUE'],
  [0x89, 'NEWFALSE'],
  [0x4a, 'BININT'],
  [0x4b, 'BININT1'],
  [0x4d, 'BININT2'],
  [0x8a, 'LONG1'],
  [0x8b, 'LONG4'],
  [0x47, 'BINFLOAT'],
  [0x58, 'BINUNICODE'],
  [0x8c, 'SHORT_BINUNICODE'],
  [0x8d, 'BINUNICODE8'],
  [0x42, 'BINBYTES'],
  [0x43, 'SHORT_BINBYTES'],
  [0x8e, 'BINBYTES8'],
  [0x5d, 'EMPTY_LIST'],
  [0x7d, 'EMPTY_DICT'],
  [0x29, 'EMPTY_TUPLE'],
  [0x74, 'TUPLE'],
  [0x85, 'TUPLE1'],
  [0x86, 'TUPLE2'],
  [0x87, 'TUPLE3'],
  [0x6c, 'LIST'],
  [0x64, 'DICT'],
  [0x73, 'SETITEM'],
  [0x75, 'SETITEMS'],
  [0x61, 'APPEND'],
  [0x65, 'APPENDS'],
  [0x30, 'POP'],
  [0x31, 'POP_MARK'],
  [0x32, 'DUP'],
  [0x71, 'BINPUT'],
  [0x72, 'LONG_BINPUT'],
  [0x94, 'MEMOIZE'],
  [0x68, 'BINGET'],
  [0x6a, 'LONG_BINGET'],
  [0x63, 'GLOBAL'],
  [0x93, 'STACK_GLOBAL'],
  [0x52, 'REDUCE'],
  [0x62, 'BUILD'],
  [0x51, 'BINPERSID'],
]);
