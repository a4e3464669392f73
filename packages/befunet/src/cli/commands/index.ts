/** The commands of the `befunet` CLI, in the order `befunet help` lists them. */
import type { Command } from '../command.js';
import { benchCommand } from './bench.js';
import { fuzzCommand } from './fuzz.js';
import { importCommand } from './import.js';
import { infoCommand } from './info.js';
import { jobCommand } from './job.js';

export const COMMANDS: Record<string, Command> = {
  job: jobCommand,
  import: importCommand,
  info: infoCommand,
  bench: benchCommand,
  fuzz: fuzzCommand,
};
