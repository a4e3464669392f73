/**
 * Loading an optional peer dependency (a TF.js backend) by dynamic import, so that a program that
 * does not use it (`befunet --help`, `befunet info --backend cpu`) runs without it installed. A
 * missing package is a one-line `ConfigError` saying what to install, not Node's ERR_MODULE_NOT_FOUND.
 */
import { ConfigError } from '@befunet/common';

/** Whether `error` is Node's "cannot find package" for `specifier` itself (not for one of its own imports). */
export function isMissingPackage(error: unknown, specifier: string): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return (
    (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') &&
    typeof message === 'string' &&
    (message.includes(`'${specifier}'`) || message.includes(`"${specifier}"`))
  );
}

/**
 * Imports `specifier` (through `load`, which defaults to `import(specifier)`; pass a literal
 * `() => import('…')` to keep its types). Throws a ConfigError when the package is not installed
 * ("X is not installed; npm i X to use USE") or fails to load (its message kept, the error as cause).
 */
export async function importOptional<T = unknown>(
  specifier: string,
  use: string,
  load: () => Promise<T> = () => import(specifier) as Promise<T>,
): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (isMissingPackage(error, specifier)) {
      throw new ConfigError(`${specifier} is not installed; npm i ${specifier} to use ${use}`, {
        cause: error,
      });
    }
    const message = error instanceof Error ? error.message : String(error);
    throw new ConfigError(`${specifier} could not be loaded: ${message.split('\n')[0]}`, { cause: error });
  }
}
