/**
 * Typed errors shared by every BEFUnet package.
 *
 * Each error names the problem (which argument, which shape, which key) so that bad input fails
 * at the API boundary with a readable message instead of deep inside a kernel. `isInstance`
 * works across duplicated copies of this package (it checks a global symbol, not the prototype).
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

/** A tensor has the wrong rank, size, or a dimension that does not fit the configuration. */
export class ShapeError extends BefunetError {}

/** A tensor has a dtype the operation does not accept. */
export class DTypeError extends BefunetError {}

/** A tensor holds values the operation cannot take: NaN or Inf, labels out of range. */
export class InvalidValueError extends BefunetError {}

/** A configuration value is out of range or inconsistent with another one. */
export class ConfigError extends BefunetError {}

/** Long work was stopped by the user (Ctrl-C) before it finished; the message says what was kept and how to go on. */
export class InterruptedError extends BefunetError {}

/** A weight file does not match the model: missing, unexpected or mis-shaped keys. */
export class WeightLoadError extends BefunetError {}

/** A file is truncated, corrupt, or not in the format it claims to be. */
export class FileFormatError extends BefunetError {
  constructor(
    readonly source: string,
    problem: string,
    options?: { cause?: unknown },
  ) {
    super(`${source}: ${problem}`, options);
  }
}

/** No WebGPU adapter could be obtained (neither a GPU nor the software fallback). */
export class WebGpuUnavailableError extends BefunetError {}

/** The WebGPU device was lost (destroyed, driver reset, out of memory) while the library was using it. */
export class WebGpuDeviceLostError extends BefunetError {}
