// Imports ONE published package (argv[2]) in a fresh plain Node.js ESM process and reports what it
// exports, whether importing it loaded TF.js (tfjs-core makes its engine, `globalThis._tfengine`, on
// import), and whether TF.js gradients are registered after importing only that package.
const name = process.argv[2];
const module = await import(name);
const loadedTfjs = globalThis._tfengine !== undefined;
const tf = await import('@tensorflow/tfjs-core');
console.log(
  JSON.stringify({
    name,
    exports: Object.keys(module).length,
    loadedTfjs,
    gradients: ['Conv2D', 'BatchMatMul', 'Relu', 'DepthwiseConv2dNative', 'Erf', 'ResizeBilinear'].every(
      (k) => !!tf.getGradient(k),
    ),
    ownKernels: ['cpu', 'webgpu', 'wasm']
      .flatMap((backend) => tf.getKernelsForBackend(backend))
      .filter((k) => k.kernelName.startsWith('Befunet')).length,
  }),
);
