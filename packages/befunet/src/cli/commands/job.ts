/** `befunet job`. */
import { runDemoJob } from '../../jobs/demo-job.js';
import { intOption, numberOption } from '../args.js';
import { backendOption, type Command } from '../command.js';

export const jobCommand: Command = {
  summary:
    'the main job: train the tiny preset on synthetic images, evaluate Dice/HD95, save model + metrics',
  options: {
    ...backendOption,
    steps: { type: 'string', default: '400', description: 'training steps' },
    batch: { type: 'string', default: '4', description: 'images per step' },
    size: { type: 'string', default: '32', description: 'image side in pixels (multiple of 32)' },
    lr: { type: 'string', default: '0.005', description: 'Adam learning rate' },
    seed: { type: 'string', default: '1', description: 'seed of the data' },
    eval: { type: 'string', default: '8', description: 'held-out images for the evaluation' },
    out: { type: 'string', default: 'runs/job', description: 'output folder (model/, metrics.json)' },
  },
  async run(o) {
    const result = await runDemoJob({
      steps: intOption(o, 'steps', 1, 1_000_000),
      batch: intOption(o, 'batch', 1, 1024),
      size: intOption(o, 'size', 32, 1024),
      seed: intOption(o, 'seed', 0, 2 ** 31 - 1),
      evalImages: intOption(o, 'eval', 1, 10_000),
      learningRate: numberOption(o, 'lr', 1e-6, 1),
      outDir: String(o.out),
    });
    console.log(
      `loss ${result.firstLoss.toFixed(4)} -> ${result.lastLoss.toFixed(4)}; held-out mean Dice ${result.meanDice.toFixed(4)}, ` +
        `HD95 ${result.meanHd95.toFixed(2)} px; model and metrics in ${result.outDir}/`,
    );
  },
};
