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
import { PickleMachine } from './pickle-machine.js';
import { OPCODES } from './pickle-opcodes.js';
import type { PickleValue, UnpickleOptions } from './pickle-values.js';

export {
  describe,
  PickleDict,
  PickleGlobal,
  type PickleKey,
  PickleObject,
  PickleTuple,
  type PickleValue,
  type UnpickleOptions,
} from './pickle-values.js';

/** Decodes one pickle from `bytes`; `source` names the file in error messages. */
export function unpickle(bytes: Uint8Array, source = '<pickle>', options: UnpickleOptions = {}): PickleValue {
  const m: PickleMachine = new PickleMachine(bytes, source, options);
  while (true) {
    m.opAt = m.pos;
    if (m.pos >= bytes.byteLength) {
      m.opName = '';
      m.fail('stream ends without STOP (truncated)');
    }
    const code = bytes[m.pos++]!;
    const opcode = OPCODES.get(code);
    m.opName = opcode?.name ?? `opcode 0x${code.toString(16).padStart(2, '0')}`;
    if (!opcode) m.fail('opcode is not supported by this restricted unpickler');
    const stop = opcode.run(m);
    if (stop) return stop.result;
  }
}
