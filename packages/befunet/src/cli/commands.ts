/**
 * The commands of the `befunet` CLI. Every command takes `--backend auto|webgpu|cpu`.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { OptionSpecs } from './args.js';

export interface Command {
  summary: string;
  options: OptionSpecs;
  run(options: Record<string, string | boolean | undefined>): Promise<void>;
}

const backendOption = {
  backend: {
    type: 'string',
    default: 'auto',
    description: 'auto (webgpu when an adapter exists, else cpu), webgpu or cpu',
  },
} as const satisfies OptionSpecs;

export const COMMANDS: Record<string, Command> = {
  info: {
    summary: 'print the active backend, TF.js version and memory',
    options: backendOption,
    async run() {
      console.log(
        JSON.stringify({ backend: tf.getBackend(), tfjs: tf.version_core, memory: tf.memory() }, null, 2),
      );
    },
  },
};
