#!/usr/bin/env node
/**
 * The `befunet` command line. `befunet help` lists the commands; each takes `--help`.
 * Errors from the library (bad options, no WebGPU adapter, bad files) print their message and exit 1.
 */
import { BefunetError } from '@befunet/common';
import { useBackend } from '../node/backend.js';
import { parseOptions, usage } from './args.js';
import { COMMANDS } from './commands/index.js';

async function main(argv: string[]): Promise<number> {
  const [name = 'help', ...rest] = argv;
  if (name === 'help' || name === '--help' || name === '-h') {
    console.log('usage: befunet COMMAND [options]\n');
    for (const [n, c] of Object.entries(COMMANDS)) console.log(`  ${n.padEnd(8)} ${c.summary}`);
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    console.error(`befunet: unknown command '${name}'; commands: ${Object.keys(COMMANDS).join(', ')}`);
    return 2;
  }
  if (rest.includes('--help')) {
    console.log(usage(name, command.summary, command.options));
    return 0;
  }
  const options = parseOptions(rest, command.options);
  const backend = await useBackend((options.backend as 'auto' | 'cpu' | 'webgpu' | undefined) ?? 'auto');
  try {
    console.error(`backend: ${backend.description}`);
    await command.run(options);
    return 0;
  } finally {
    backend.dispose();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (BefunetError.isInstance(error)) console.error(`befunet: ${error.name}: ${error.message}`);
    else console.error(error);
    process.exitCode = 1;
  },
);
