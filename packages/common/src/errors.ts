/**
 * Typed errors shared by every BEFUnet package.
 *
 * Each error names the problem (which argument, which shape, which key) so that bad input fails
 * at the API boundary with a readable message instead of deep inside a kernel. `BefunetError`,
 * `ConfigError`, `FileFormatError` and `InvalidValueError` live in @befunet/io (its readers and writers throw them) and are re-exported here. `isInstance`
 * works across duplicated copies of this package (it checks a global symbol, not the prototype).
 */
import { BefunetError, ConfigError, FileFormatError, InvalidValueError } from '@befunet/io';

export { BefunetError, ConfigError, FileFormatError, InvalidValueError };

/** A tensor has the wrong rank, size, or a dimension that does not fit the configuration. */
export class ShapeError extends BefunetError {}

/** A tensor has a dtype the operation does not accept. */
export class DTypeError extends BefunetError {}

/** Long work was stopped by the user (Ctrl-C) before it finished; the message says what was kept and how to go on. */
export class InterruptedError extends BefunetError {}

/** A weight file does not match the model: missing, unexpected or mis-shaped keys. */
export class WeightLoadError extends BefunetError {}

/** No WebGPU adapter could be obtained (neither a GPU nor the software fallback). */
export class WebGpuUnavailableError extends BefunetError {}

/** The WebGPU device was lost (destroyed, driver reset, out of memory) while the library was using it. */
export class WebGpuDeviceLostError extends BefunetError {}

/**
 * Writing a file failed (disk full, I/O error, no permission, a failed fsync or rename). The message
 * names the file, the operation and the system's error code, and says what was kept; `code` is that
 * code (`ENOSPC`, `EIO`, ...) and `cause` the system error.
 */
export class FileWriteError extends BefunetError {
  readonly code: string;
  constructor(
    readonly path: string,
    readonly operation: string,
    cause: unknown,
    kept: string,
  ) {
    const errno = (cause as { code?: unknown } | undefined)?.code;
    const code = typeof errno === 'string' ? errno : 'unknown error';
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`${path}: ${operation} failed with ${code} (${reason}); ${kept}`, { cause });
    this.code = code;
  }
}
