/**
 * Command-line parsing for the `befunet` CLI: typed options with defaults and clear errors.
 */
import { parseArgs } from 'node:util';
import { ConfigError } from '@befunet/common';

export interface OptionSpec {
  type: 'string' | 'boolean';
  default?: string | boolean;
  description: string;
}

export type OptionSpecs = Record<string, OptionSpec>;

/** Parses `argv` against `specs`; unknown options are an error that lists the known ones. */
export function parseOptions(
  argv: string[],
  specs: OptionSpecs,
): Record<string, string | boolean | undefined> {
  try {
    const { values } = parseArgs({
      args: argv,
      options: Object.fromEntries(
        Object.entries(specs).map(([k, s]) => [k, { type: s.type, default: s.default }]),
      ),
      strict: true,
      allowPositionals: false,
    });
    return values as Record<string, string | boolean | undefined>;
  } catch (error) {
    throw new ConfigError(
      `${(error as Error).message}; options: ${Object.keys(specs)
        .map((k) => `--${k}`)
        .join(', ')}`,
    );
  }
}

/** Reads an integer option within [min, max]. */
export function intOption(values: Record<string, unknown>, name: string, min: number, max: number): number {
  const raw = values[name];
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`--${name} must be an integer in ${min}..${max}, got '${raw}'`);
  }
  return n;
}

/** Reads a number option within [min, max]. */
export function numberOption(
  values: Record<string, unknown>,
  name: string,
  min: number,
  max: number,
): number {
  const raw = values[name];
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || n > max) {
    throw new ConfigError(`--${name} must be a number in ${min}..${max}, got '${raw}'`);
  }
  return n;
}

export function usage(command: string, summary: string, specs: OptionSpecs): string {
  const lines = Object.entries(specs).map(
    ([k, s]) =>
      `  --${k}${s.type === 'string' ? ' VALUE' : ''}`.padEnd(26) +
      s.description +
      (s.default !== undefined ? ` (default ${s.default})` : ''),
  );
  return `befunet ${command}: ${summary}\n${lines.join('\n')}`;
}
