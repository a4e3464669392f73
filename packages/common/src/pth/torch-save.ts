/**
 * Writes a state dict as a `torch.save` checkpoint (the zip format of PyTorch >= 1.6, see
 * torch-checkpoint.ts for the layout): `torch.load` gives back an OrderedDict of contiguous float32
 * or int32 tensors. The pickle (protocol 2) is the one `torch.save` writes for such a dict, without
 * memo opcodes: `OrderedDict()` filled by SETITEMS with `_rebuild_tensor_v2(storage, 0, size, stride,
 * False, OrderedDict())`, each storage a persistent id `('storage', torch.FloatStorage, key, 'cpu', numel)`.
 */
import { DTypeError } from '../errors.js';
import type { SafetensorsEntry } from '../safetensors.js';
import { writeZip, type ZipWriteEntry } from './zip-writer.js';

/** Pickle opcodes (Python's Lib/pickletools.py). */
const OP = {
  PROTO: 0x80,
  GLOBAL: 0x63,
  EMPTY_TUPLE: 0x29,
  REDUCE: 0x52,
  MARK: 0x28,
  BINUNICODE: 0x58,
  TUPLE: 0x74,
  BINPERSID: 0x51,
  BININT: 0x4a,
  NEWFALSE: 0x89,
  SETITEMS: 0x75,
  STOP: 0x2e,
} as const;

class PickleWriter {
  private readonly out: number[] = [];
  op(...codes: number[]): this {
    this.out.push(...codes);
    return this;
  }
  global(module: string, name: string): this {
    return this.op(OP.GLOBAL, ...new TextEncoder().encode(`${module}\n${name}\n`));
  }
  str(s: string): this {
    const bytes = new TextEncoder().encode(s);
    return this.op(OP.BINUNICODE, ...int32(bytes.length), ...bytes);
  }
  int(n: number): this {
    return this.op(OP.BININT, ...int32(n));
  }
  ints(xs: readonly number[]): this {
    this.op(OP.MARK);
    for (const x of xs) this.int(x);
    return this.op(OP.TUPLE);
  }
  emptyOrderedDict(): this {
    return this.global('collections', 'OrderedDict').op(OP.EMPTY_TUPLE, OP.REDUCE);
  }
  bytes(): Uint8Array {
    return Uint8Array.from(this.out);
  }
}

function int32(n: number): number[] {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setInt32(0, n, true);
  return [...b];
}

/** `torch.save(state_dict, f)` for float32 (`F32`) and int32 (`I32`) entries; `archive` names the record folder. */
export function writeTorchCheckpoint(
  stateDict: ReadonlyMap<string, SafetensorsEntry>,
  archive = 'archive',
): Uint8Array {
  const p = new PickleWriter().op(OP.PROTO, 2).emptyOrderedDict().op(OP.MARK);
  const records: ZipWriteEntry[] = [];
  let key = 0;
  for (const [name, entry] of stateDict) {
    if (entry.dtype !== 'F32' && entry.dtype !== 'I32') {
      throw new DTypeError(`writeTorchCheckpoint: '${name}' is ${entry.dtype}; only F32 and I32 are written`);
    }
    const numel = entry.shape.reduce((a, b) => a * b, 1);
    const stride = entry.shape.map((_, k) => entry.shape.slice(k + 1).reduce((a, b) => a * b, 1));
    const storage = String(key++);
    p.str(name).global('torch._utils', '_rebuild_tensor_v2').op(OP.MARK);
    p.op(OP.MARK)
      .str('storage')
      .global('torch', entry.dtype === 'F32' ? 'FloatStorage' : 'IntStorage');
    p.str(storage).str('cpu').int(numel).op(OP.TUPLE, OP.BINPERSID);
    p.int(0).ints(entry.shape).ints(stride).op(OP.NEWFALSE).emptyOrderedDict().op(OP.TUPLE, OP.REDUCE);
    const values = entry.dtype === 'F32' ? Float32Array.from(entry.values) : Int32Array.from(entry.values);
    records.push({ name: `${archive}/data/${storage}`, data: new Uint8Array(values.buffer) });
  }
  p.op(OP.SETITEMS, OP.STOP);
  const text = (s: string) => new TextEncoder().encode(s);
  return writeZip([
    { name: `${archive}/data.pkl`, data: p.bytes() },
    { name: `${archive}/byteorder`, data: text('little') },
    ...records,
    { name: `${archive}/version`, data: text('3\n') },
  ]);
}
