/** The commands of the `befunet` CLI, in the order `befunet help` lists them. */
import type { Command } from '../command.js';
import { benchCommand } from './bench.js';
import { evalCommand } from './eval.js';
import { fuzzCommand } from './fuzz.js';
import { importCommand } from './import.js';
import { infoCommand } from './info.js';
import { jobCommand } from './job.js';
import { predictCommand } from './predict.js';
import { trainCommand } from './train.js';

export const COMMANDS: Record<string, Command> = {
  job: jobCommand,
  train: trainCommand,
  eval: evalCommand,
  predict: predictCommand,
  import: importCommand,
  info: infoCommand,
  bench: benchCommand,
  fuzz: fuzzCommand,
};
