/**
 * Typed errors shared by every BEFUnet package.
 *
 * Each error names the problem (which argument, which shape, which key) so that bad input fails
 * at the API boundary with a readable message instead of deep inside a kernel. `BefunetError`,
 * `ConfigError`, `FileFormatError` and `InvalidValueError` live in @befunet/io (its readers and writers throw them),
 * `ShapeError`, `DTypeError` and the WebGPU errors in @befunet/kernels (its ops throw them); all are re-exported here. `isInstance`
 * works across duplicated copies of this package (it checks a global symbol, not the prototype).
 */
import { BefunetError, ConfigError, FileFormatError, InvalidValueError } from '@befunet/io';
import { DTypeError, ShapeError, WebGpuDeviceLostError, WebGpuUnavailableError } from '@befunet/kernels';

export {
  BefunetError,
  ConfigError,
  DTypeError,
  FileFormatError,
  InvalidValueError,
  ShapeError,
  WebGpuDeviceLostError,
  WebGpuUnavailableError,
};

/** Long work was stopped by the user (Ctrl-C) before it finished; the message says what was kept and how to go on. */
export class InterruptedError extends BefunetError {}

/** A weight file does not match the model: missing, unexpected or mis-shaped keys. */
export class WeightLoadError extends BefunetError {}

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
