/**
 * The errors the readers throw. `BefunetError` is the base of every BEFUnet error (the other
 * packages extend it; `@befunet/common` re-exports both classes), and `isInstance` works across
 * duplicated copies of the packages (it checks a global symbol, not the prototype).
 */
const marker = Symbol.for('befunet.error');

export class BefunetError extends Error {
  readonly [marker] = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
  static isInstance(error: unknown): error is BefunetError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[marker] === true;
  }
}

/** A file is truncated, corrupt, or not in the format it claims to be. The message starts with the file. */
export class FileFormatError extends BefunetError {
  constructor(
    readonly source: string,
    problem: string,
    options?: { cause?: unknown },
  ) {
    super(`${source}: ${problem}`, options);
  }
}

/** A configuration value is out of range or inconsistent with another one. */
export class ConfigError extends BefunetError {}

/** Values the operation cannot take: NaN or Inf, labels out of range, a value its dtype cannot hold. */
export class InvalidValueError extends BefunetError {}
