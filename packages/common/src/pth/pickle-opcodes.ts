/**
 * The opcodes of the restricted unpickler (pickle.ts), by byte: each one's name (for messages) and
 * what it does to the machine. Only STOP ends the stream, by returning the result. The meaning of
 * each opcode is Python's `pickletools` documentation, protocols 2 to 4 (5 adds nothing used here).
 */
import type { PickleMachine } from './pickle-machine.js';
import { describe, PickleDict, PickleGlobal, PickleTuple, type PickleValue } from './pickle-values.js';

export interface Opcode {
  readonly name: string;
  /** Runs the opcode; STOP returns `{ result }`, every other opcode nothing. */
  run(m: PickleMachine): { result: PickleValue } | undefined;
}

const op = (code: number, name: string, run: (m: PickleMachine) => void): [number, Opcode] => [
  code,
  { name, run: (m) => void run(m) },
];

const FRAMING: [number, Opcode][] = [
  op(0x80, 'PROTO', (m) => {
    const protocol = m.u8();
    if (protocol > 5) m.fail(`unsupported protocol ${protocol}`);
  }),
  op(0x95, 'FRAME', (m) => void m.u64()), // an 8-byte frame length, informational only
  [
    0x2e,
    {
      name: 'STOP',
      run: (m) => {
        const result = m.pop();
        if (!m.isEmpty()) m.fail('stack is not empty at STOP');
        return { result };
      },
    },
  ],
  op(0x28, 'MARK', (m) => m.mark()),
];

const SCALARS: [number, Opcode][] = [
  op(0x4e, 'NONE', (m) => m.push(null)),
  op(0x88, 'NEWTRUE', (m) => m.push(true)),
  op(0x89, 'NEWFALSE', (m) => m.push(false)),
  op(0x4a, 'BININT', (m) => m.push(m.i32())),
  op(0x4b, 'BININT1', (m) => m.push(m.u8())),
  op(0x4d, 'BININT2', (m) => m.push(m.u16())),
  op(0x8a, 'LONG1', (m) => m.push(m.long(m.u8()))),
  op(0x8b, 'LONG4', (m) => {
    const n = m.i32();
    if (n < 0) m.fail(`negative length ${n}`);
    m.push(m.long(n));
  }),
  op(0x47, 'BINFLOAT', (m) => m.push(m.f64())),
  op(0x58, 'BINUNICODE', (m) => m.push(m.text(m.u32()))),
  op(0x8c, 'SHORT_BINUNICODE', (m) => m.push(m.text(m.u8()))),
  op(0x8d, 'BINUNICODE8', (m) => m.push(m.text(m.u64()))),
  op(0x42, 'BINBYTES', (m) => m.push(m.raw(m.u32()))),
  op(0x43, 'SHORT_BINBYTES', (m) => m.push(m.raw(m.u8()))),
  op(0x8e, 'BINBYTES8', (m) => m.push(m.raw(m.u64()))),
];

/** The last `n` items, in stack order. */
const popItems = (m: PickleMachine, n: number): PickleValue[] =>
  Array.from({ length: n }, () => m.pop()).reverse();

const CONTAINERS: [number, Opcode][] = [
  op(0x5d, 'EMPTY_LIST', (m) => m.push([])),
  op(0x7d, 'EMPTY_DICT', (m) => m.push(new PickleDict())),
  op(0x29, 'EMPTY_TUPLE', (m) => m.push(new PickleTuple([]))),
  op(0x74, 'TUPLE', (m) => m.push(new PickleTuple(m.popMark()))),
  op(0x85, 'TUPLE1', (m) => m.push(new PickleTuple(popItems(m, 1)))),
  op(0x86, 'TUPLE2', (m) => m.push(new PickleTuple(popItems(m, 2)))),
  op(0x87, 'TUPLE3', (m) => m.push(new PickleTuple(popItems(m, 3)))),
  op(0x6c, 'LIST', (m) => m.push(m.popMark())),
  op(0x64, 'DICT', (m) => {
    const dict = new PickleDict();
    m.setItems(dict, m.popMark());
    m.push(dict);
  }),
  op(0x73, 'SETITEM', (m) => {
    const pair = popItems(m, 2);
    m.setItems(m.top(), pair);
  }),
  op(0x75, 'SETITEMS', (m) => {
    const items = m.popMark();
    m.setItems(m.top(), items);
  }),
  op(0x61, 'APPEND', (m) => {
    const value = m.pop();
    m.append(m.top(), [value]);
  }),
  op(0x65, 'APPENDS', (m) => {
    const items = m.popMark();
    m.append(m.top(), items);
  }),
];

const STACK_AND_MEMO: [number, Opcode][] = [
  // POP: the top item, or the latest mark when nothing lies above it.
  op(0x30, 'POP', (m) => void (m.hasItemAboveMark() ? m.pop() : m.popMark())),
  op(0x31, 'POP_MARK', (m) => void m.popMark()),
  op(0x32, 'DUP', (m) => m.push(m.top())),
  op(0x71, 'BINPUT', (m) => m.memoPut(m.u8())),
  op(0x72, 'LONG_BINPUT', (m) => m.memoPut(m.u32())),
  op(0x94, 'MEMOIZE', (m) => m.memoPut(m.memoSize)),
  op(0x68, 'BINGET', (m) => m.memoGet(m.u8())),
  op(0x6a, 'LONG_BINGET', (m) => m.memoGet(m.u32())),
];

const OBJECTS: [number, Opcode][] = [
  op(0x63, 'GLOBAL', (m) => {
    const module = m.line(); // "module\nname\n"
    m.push(m.global(module, m.line()));
  }),
  op(0x93, 'STACK_GLOBAL', (m: PickleMachine) => {
    const [module, name] = popItems(m, 2) as [PickleValue, PickleValue];
    if (typeof module !== 'string' || typeof name !== 'string') m.fail('module and name must be strings');
    m.push(m.global(module, name));
  }),
  op(0x52, 'REDUCE', (m: PickleMachine) => {
    const [callable, args] = popItems(m, 2) as [PickleValue, PickleValue];
    if (!(args instanceof PickleTuple)) m.fail(`arguments must be a tuple, got ${describe(args)}`);
    if (!(callable instanceof PickleGlobal) || !callable.call)
      m.fail(`${describe(callable)} cannot be called`);
    m.push(callable.call(args.items));
  }),
  // BUILD: only a dict's state (torch's `_metadata` attribute) is accepted, and kept aside.
  op(0x62, 'BUILD', (m: PickleMachine) => {
    const state = m.pop();
    const target = m.top();
    if (!(target instanceof PickleDict)) m.fail(`cannot set the state of ${describe(target)}`);
    target.state = state;
  }),
  op(0x51, 'BINPERSID', (m: PickleMachine) => {
    const pid = m.pop();
    if (!m.options.persistentLoad) m.fail('persistent ids are not allowed here');
    m.push(m.options.persistentLoad(pid));
  }),
];

export const OPCODES: ReadonlyMap<number, Opcode> = new Map([
  ...FRAMING,
  ...SCALARS,
  ...CONTAINERS,
  ...STACK_AND_MEMO,
  ...OBJECTS,
]);
