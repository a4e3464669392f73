/** The commands of the `befunet` CLI, in the order `befunet help` lists them. */
import type { Command } from '../command.js';
import { evalCommand } from './eval.js';
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
};

/**
 * Commands that are not published (benchmarks and fuzzers live outside `src`, so that they stay out
 * of the tarball): `befunet NAME` says where to run them instead.
 */
export const REPOSITORY_COMMANDS: Record<string, string> = {
  bench: 'pnpm --filter @befunet/core bench:model',
  fuzz: 'pnpm --filter @befunet/core fuzz',
};
