/**
 * What a `befunet` command is: a summary for `befunet help`, typed options (each with a
 * description for `--help`), and the work. Every command takes `--backend`.
 */
import type { OptionSpecs } from './args.js';

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
