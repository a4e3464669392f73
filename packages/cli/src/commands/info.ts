/** `befunet info`: the backend, and a model's parameters per component and GMACs per image. */

import {
  type BefunetPreset,
  befunetConfig,
  befunetConfigOf,
  createBefunet,
  modelReport,
} from '@befunet/core';
import { loadBefunet } from '@befunet/core/node';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { intOption } from '../args.js';
import { backendOption, type Command } from '../command.js';

export const infoCommand: Command = {
  summary: "backend and TF.js version; a model's parameters per component and GMACs per image",
  options: {
    ...backendOption,
    model: { type: 'string', description: 'model folder or official checkpoint (instead of --preset)' },
    preset: { type: 'string', default: 'paper', description: 'paper, official or tiny' },
    size: { type: 'string', description: "input side in pixels (default: the preset's)" },
    json: { type: 'boolean', default: false, description: 'print JSON instead of a table' },
  },
  async run(o) {
    let model: tfl.LayersModel;
    if (o.model !== undefined) model = (await loadBefunet(String(o.model))).model;
    else {
      const overrides = o.size === undefined ? {} : { imageSize: intOption(o, 'size', 32, 4096) };
      model = createBefunet(befunetConfig(String(o.preset) as BefunetPreset, overrides));
    }
    const config = befunetConfigOf(model);
    const report = await modelReport(model);
    model.dispose();
    const info = { backend: tf.getBackend(), tfjs: tf.version_core, config, ...report };
    if (o.json) {
      console.log(JSON.stringify(info, null, 2));
      return;
    }
    const rows = report.components.map(
      (c) =>
        `  ${c.name.padEnd(24)} ${c.className.padEnd(28)} ${c.parameters.toLocaleString('en-US').padStart(12)}`,
    );
    console.log(
      [
        `backend ${info.backend}, TF.js ${info.tfjs}`,
        `${config.graph} graph, ${config.imageSize}x${config.imageSize} input, ${config.numClasses} classes`,
        ...rows,
        `  ${'total'.padEnd(53)} ${report.parameters.toLocaleString('en-US').padStart(12)}`,
        `${(report.macsPerImage / 1e9).toFixed(2)} GMAC per image`,
      ].join('\n'),
    );
  },
};
