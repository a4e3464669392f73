// Imports ONE published package (argv[2]) in a fresh plain Node.js ESM process and reports what it
// exports and whether TF.js gradients are registered after importing only that package.
import * as tf from '@tensorflow/tfjs-core';

const name = process.argv[2];
const module = await import(name);
console.log(
  JSON.stringify({
    name,
    exports: Object.keys(module).length,
    gradients: ['Conv2D', 'BatchMatMul', 'Relu', 'DepthwiseConv2dNative', 'Erf', 'ResizeBilinear'].every(
      (k) => !!tf.getGradient(k),
    ),
  }),
);
