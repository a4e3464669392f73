/** The version of @befunet/cli, read from its own package.json (beside dist/ and src/). */
import { readFileSync } from 'node:fs';

export function cliVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  return String(manifest.version);
}
