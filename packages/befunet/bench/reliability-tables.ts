/**
 * Prints the tables of RELIABILITY.md (fuzzing, zip bombs, bad inputs) on the cpu backend.
 *
 * usage: node ../../node_modules/tsx/dist/cli.mjs bench/reliability-tables.ts [--seed N] [--cases N]
 */
import { parseArgs } from 'node:util';
import { reliabilityTables } from '../reliability/reliability-tables.js';
import { useBackend } from '../src/node/backend.js';

const { values: args } = parseArgs({
  options: { seed: { type: 'string', default: '1' }, cases: { type: 'string', default: '100' } },
});
const backend = await useBackend('cpu');
try {
  console.log(await reliabilityTables({ seed: Number(args.seed), casesPerKind: Number(args.cases) }));
} finally {
  backend.dispose();
}
