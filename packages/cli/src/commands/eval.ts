/**
 * `befunet eval`: a model's Dice, HD95, IoU, sensitivity, specificity and accuracy per class and
 * their mean on a data set (see `data-options.ts`), as the field reports them.
 */

import { ConfigError } from '@befunet/common';
import { befunetConfigOf, evaluate, losses, Progress, resizedDataset } from '@befunet/core';
import { loadBefunet } from '@befunet/core/node';
import { backendOption, type Command } from '../command.js';
import { dataOptions, datasetFromOptions } from '../data-options.js';

export const evalCommand: Command = {
  summary: "a model's Dice, HD95 and other metrics per class on a data set",
  options: {
    ...backendOption,
    ...dataOptions,
    model: {
      type: 'string',
      description: 'model folder, trainer checkpoint, or official .pth/.safetensors (required)',
    },
    seed: {
      type: 'string',
      default: '1000003',
      description: 'seed of the synthetic images (default: the held-out ones of the main job)',
    },
    json: { type: 'boolean', default: false, description: 'print JSON instead of a table' },
  },
  async run(o) {
    if (o.model === undefined)
      throw new ConfigError('--model is required (a model folder, checkpoint or official file)');
    const { model } = await loadBefunet(String(o.model));
    try {
      const config = befunetConfigOf(model);
      const data = await datasetFromOptions(o, {
        size: config.imageSize,
        seed: Number(o.seed),
        numClasses: config.numClasses,
      });
      let progress: Progress | undefined;
      const metrics = await evaluate(model, resizedDataset(data, config.imageSize), {
        onBatch: (done, total) => {
          progress ??= new Progress('evaluating', total, { unit: 'images' });
          progress.update(done);
        },
      });
      if (o.json) {
        console.log(JSON.stringify({ data: data.name, ...metrics }, null, 2));
        return;
      }
      const header = `${'class'.padEnd(8)}${losses.METRIC_NAMES.map((m) => m.padStart(12)).join('')}`;
      const row = (label: string, m: Record<(typeof losses.METRIC_NAMES)[number], number>) =>
        `${label.padEnd(8)}${losses.METRIC_NAMES.map((k) => m[k].toFixed(4).padStart(12)).join('')}`;
      console.log(
        [
          `${data.name}: ${metrics.cases} images (HD95 in pixels)`,
          header,
          ...metrics.perClass.map((m, i) => row(String(metrics.classes[i]), m)),
          row('mean', metrics.mean),
        ].join('\n'),
      );
    } finally {
      model.dispose();
    }
  },
};
