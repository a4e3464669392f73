import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, describe, expect, it } from 'vitest';
import { testProject } from '../../../testing/src/backends.ts';
import { CapturedCall } from './captured-call.js';
import { WebGpuCaptureError } from './dispatch-recorder.js';

const onWebGpu = testProject() === 'webgpu';

/** A plain tfjs-layers model (no BEFUnet layer, none of our kernels): conv, batch norm, pooling, dense. */
function plainModel(): tfl.LayersModel {
  const seeded = (seed: number) => tfl.initializers.glorotUniform({ seed });
  return tfl.sequential({
    layers: [
      tfl.layers.conv2d({
        inputShape: [16, 16, 3],
        filters: 8,
        kernelSize: 3,
        padding: 'same',
        kernelInitializer: seeded(1),
      }),
      tfl.layers.batchNormalization({}),
      tfl.layers.reLU({}),
      tfl.layers.depthwiseConv2d({ kernelSize: 3, strides: 2, depthwiseInitializer: seeded(2) }),
      tfl.layers.globalAveragePooling2d({}),
      tfl.layers.dense({ units: 4, activation: 'softmax', kernelInitializer: seeded(3) }),
    ],
  });
}

const image = (seed: number) => tf.randomUniform([2, 16, 16, 3], 0, 1, 'float32', seed);

describe('capture and replay of a plain tfjs-layers model', () => {
  const model = plainModel();
  afterAll(() => model.dispose());
  const forward = ([x]: tf.Tensor[]) => model.predict(x!) as tf.Tensor;

  it.runIf(onWebGpu)('replays its forward pass bit-identically to TF.js on new inputs', async () => {
    tf.dispose(forward([image(1)])); // once before capturing, as CapturedCall asks
    const { capture, outputs } = CapturedCall.capture(forward, [image(1)]);
    tf.dispose(outputs);
    for (const seed of [2, 3, 4]) {
      const x = image(seed);
      const [replayed] = capture.replay([x]);
      const direct = forward([x]);
      expect(replayed!.shape).toEqual([2, 4]);
      expect(Array.from(await replayed!.data())).toEqual(Array.from(await direct.data()));
      tf.dispose([x, replayed!, direct]);
    }
    capture.dispose();
  });

  it.runIf(!onWebGpu)('says that capturing needs WebGPU on another backend', () => {
    expect(() => CapturedCall.capture(forward, [image(1)])).toThrow(WebGpuCaptureError);
    expect(() => CapturedCall.capture(forward, [image(1)])).toThrow(
      /capturing needs the webgpu backend \(active: cpu\)/,
    );
  });
});
