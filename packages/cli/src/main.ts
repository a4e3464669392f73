#!/usr/bin/env node
/**
 * The `befunet` command line. `befunet help` lists the commands; each takes `--help`.
 * Errors from the library (bad options, no WebGPU adapter, bad files) print their message and exit 1;
 * work stopped by Ctrl-C exits 130, as a shell reports a SIGINT.
 */
import { BefunetError, InterruptedError, WebGpuDeviceLostError } from '@befunet/common';
import { type BackendName, useBackend } from '@befunet/core/node';
import { deviceLoss } from '@befunet/kernels';
import * as tf from '@tensorflow/tfjs-core';
import { parseOptions, usage } from './args.js';
import { COMMANDS, REPOSITORY_COMMANDS } from './commands/index.js';
import { cliVersion } from './version.js';

/**
 * Fault injection for the reliability tests: `BEFUNET_INJECT_DEVICE_LOSS_MS=N` destroys the WebGPU
 * device N ms after the backend starts, as a driver reset would.
 */
function injectDeviceLoss(): void {
  const ms = Number(process.env.BEFUNET_INJECT_DEVICE_LOSS_MS);
  if (!(ms >= 0) || tf.getBackend() !== 'webgpu') return;
  const device = (tf.backend() as unknown as { device: { destroy(): void } }).device;
  setTimeout(() => device.destroy(), ms).unref();
}

/** A failure after the WebGPU device was lost is reported as the loss (its cause kept), not as a bare DOMException. */
function asDeviceLoss(error: unknown, command: string): unknown {
  const reason = deviceLoss();
  if (reason === undefined || error instanceof WebGpuDeviceLostError) return error;
  return new WebGpuDeviceLostError(
    `the WebGPU device was lost (${reason}) while '${command}' ran; nothing it was computing can be trusted. ` +
      'Run it again (or with --backend cpu)',
    { cause: error },
  );
}

async function main(argv: string[]): Promise<number> {
  const [name = 'help', ...rest] = argv;
  if (name === '--version' || name === '-v' || name === 'version') {
    console.log(`@befunet/cli ${cliVersion()}`);
    return 0;
  }
  if (name === 'help' || name === '--help' || name === '-h') {
    console.log('usage: befunet COMMAND [options]   (befunet --version; befunet COMMAND --help)\n');
    for (const [n, c] of Object.entries(COMMANDS)) console.log(`  ${n.padEnd(8)} ${c.summary}`);
    return 0;
  }
  const command = COMMANDS[name];
  const elsewhere = REPOSITORY_COMMANDS[name];
  if (!command && elsewhere !== undefined) {
    console.error(
      `befunet: '${name}' is only available in a repository checkout (it is not published): ${elsewhere} [options]`,
    );
    return 2;
  }
  if (!command) {
    console.error(`befunet: unknown command '${name}'; commands: ${Object.keys(COMMANDS).join(', ')}`);
    return 2;
  }
  if (rest.includes('--help')) {
    console.log(usage(name, command.summary, command.options));
    return 0;
  }
  const options = parseOptions(rest, command.options);
  const backend = await useBackend((options.backend as BackendName | undefined) ?? 'auto');
  try {
    console.error(`backend: ${backend.description}`);
    injectDeviceLoss();
    await command.run(options);
    return 0;
  } catch (error) {
    throw asDeviceLoss(error, name);
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
    process.exitCode = error instanceof InterruptedError ? 130 : 1;
  },
);
