/**
 * Command-line parsing for the `befunet` CLI and the repository's bench and reliability scripts:
 * typed options with defaults and clear errors, and what a command is (a summary for `help`, typed
 * options each with a description for `--help`, and the work; every command takes `--backend`).
 */
import { parseArgs } from 'node:util';
import { ConfigError } from '../errors.js';

export interface OptionSpec {
  type: 'string' | 'boolean';
  default?: string | boolean;
  description: string;
}

export type OptionSpecs = Record<string, OptionSpec>;

/** A value that `parseArgs` would take for an option of its own: `-1`, `-0.5`, `-.5`, `-1e-3`. */
const NEGATIVE_NUMBER = /^-(\d|\.\d)/;

/**
 * `--name -1` as `--name=-1` for string options, so that negative numbers reach the option's own
 * range check (`parseArgs` alone calls them ambiguous).
 */
function joinNegativeValues(argv: string[], specs: OptionSpecs): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const next = argv[i + 1];
    const name = arg.startsWith('--') ? arg.slice(2) : undefined;
    if (name && specs[name]?.type === 'string' && next !== undefined && NEGATIVE_NUMBER.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else {
      out.push(arg);
    }
  }
  return out;
}

/**
 * Parses `argv` against `specs`; unknown options are an error that lists the known ones. A leading
 * `--` is dropped: `pnpm job -- --resume` (pnpm 12) forwards the separator itself, after which
 * `parseArgs` would read every option as a positional.
 */
export function parseOptions(
  argv: string[],
  specs: OptionSpecs,
): Record<string, string | boolean | undefined> {
  const args = argv[0] === '--' ? argv.slice(1) : argv;
  try {
    const { values } = parseArgs({
      args: joinNegativeValues(args, specs),
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

/**
 * The `--help` text: one line an option, the descriptions in one column two spaces right of the
 * longest option, and the default where there is one (a flag's `false` is not shown).
 */
export function usage(command: string, summary: string, specs: OptionSpecs): string {
  const names = Object.entries(specs).map(([k, s]) => `  --${k}${s.type === 'string' ? ' VALUE' : ''}`);
  const width = Math.max(...names.map((n) => n.length)) + 2;
  const lines = Object.values(specs).map((s, i) => {
    const shown = s.default !== undefined && s.default !== false;
    return names[i]!.padEnd(width) + s.description + (shown ? ` (default ${s.default})` : '');
  });
  return `befunet ${command}: ${summary}\n${lines.join('\n')}`;
}

export type OptionValues = Record<string, string | boolean | undefined>;

export interface Command {
  summary: string;
  options: OptionSpecs;
  run(options: OptionValues): Promise<void>;
}

export const backendOption = {
  backend: {
    type: 'string',
    default: 'auto',
    description: 'auto (webgpu when a GPU adapter exists, else wasm, else cpu), webgpu, wasm or cpu',
  },
} as const satisfies OptionSpecs;
