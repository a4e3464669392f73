/** The values a restricted unpickle gives (pickle.ts): Python's data kinds as plain JavaScript. */

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
