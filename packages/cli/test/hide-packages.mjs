/**
 * `node --import ./hide-packages.mjs`: the packages named in BEFUNET_HIDE_PACKAGES (comma-separated)
 * resolve as not installed, as on a machine without them (for the missing-backend tests).
 */
import { register } from 'node:module';

const hidden = (process.env.BEFUNET_HIDE_PACKAGES ?? '').split(',').filter(Boolean);
register('./hide-packages-hooks.mjs', import.meta.url, { data: { hidden } });
