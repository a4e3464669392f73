/** `befunet job`: the main job on the embedded synthetic data (README command 1). */

import { intOption, numberOption } from '../args.js';
import { backendOption, type Command } from '../command.js';
import { runMainJob } from '../jobs/main-job.js';

export const jobCommand: Command = {
  summary:
    'the main job: train the tiny preset on synthetic images, validate Dice/HD95, save model, overlays, metrics',
  options: {
    ...backendOption,
    steps: { type: 'string', default: '1600', description: 'training steps' },
    batch: { type: 'string', default: '4', description: 'images per step' },
    size: { type: 'string', default: '64', description: 'image side in pixels (multiple of 32)' },
    lr: { type: 'string', default: '0.01', description: 'AdamW base learning rate (poly decay)' },
    seed: { type: 'string', default: '1', description: 'seed of the data, batch order and augmentations' },
    images: { type: 'string', default: '1600', description: 'distinct synthetic training images' },
    eval: { type: 'string', default: '32', description: 'held-out images for validation' },
    out: { type: 'string', default: 'runs/job', description: 'output folder' },
    resume: { type: 'boolean', default: false, description: 'continue from the latest checkpoint in --out' },
    force: {
      type: 'boolean',
      default: false,
      description: 'move a run already in --out aside (renamed, not deleted) and start afresh',
    },
  },
  async run(o) {
    const { final, outDir } = await runMainJob({
      steps: intOption(o, 'steps', 1, 1_000_000),
      batch: intOption(o, 'batch', 1, 1024),
      size: intOption(o, 'size', 32, 1024),
      seed: intOption(o, 'seed', 0, 2 ** 31 - 1),
      trainImages: intOption(o, 'images', 1, 10_000_000),
      validationImages: intOption(o, 'eval', 1, 10_000),
      learningRate: numberOption(o, 'lr', 1e-6, 1),
      outDir: String(o.out),
      resume: Boolean(o.resume),
      force: Boolean(o.force),
    });
    if (final) {
      const perClass = final.perClass
        .map((m, i) => `class ${final.classes[i]} ${m.dice.toFixed(3)}`)
        .join(', ');
      console.log(
        `held-out mean Dice ${final.mean.dice.toFixed(4)} (${perClass}), HD95 ${final.mean.hd95.toFixed(2)} px; ` +
          `model, overlays and metrics.json in ${outDir}/`,
      );
    }
  },
};
