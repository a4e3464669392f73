/**
 * Runs a `Command` (the `befunet` CLI's shape: summary, typed options, work) as a repository script,
 * for the commands that are not published (`bench/model.ts`, `reliability/fuzz.ts`): `--help`
 * prints the usage; bad options and library errors print one line and exit 1, as the CLI does.
 * The option parser is the CLI's, by path: repository scripts only, so @befunet/core does not depend
 * on @befunet/cli.
 */
import { BefunetError } from '@befunet/common';
import type { Command } from '@befunet/common/node';
import { parseOptions, usage } from '@befunet/common/node';
import { type BackendName, useBackend } from '../../src/node/backend.js';

export async function runScriptCommand(
  name: string,
  command: Command,
  argv = process.argv.slice(2),
): Promise<void> {
  if (argv.includes('--help')) {
    console.log(usage(name, command.summary, command.options));
    return;
  }
  try {
    const options = parseOptions(argv, command.options);
    const backend = await useBackend((options.backend as BackendName | undefined) ?? 'auto');
    try {
      console.error(`backend: ${backend.description}`);
      await command.run(options);
    } finally {
      backend.dispose();
    }
  } catch (error) {
    if (!BefunetError.isInstance(error)) throw error;
    console.error(`${name}: ${error.name}: ${error.message}`);
    process.exitCode = 1;
  }
}
