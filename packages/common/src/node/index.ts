/** Node.js-only helpers: `import { initNodeWebGpu } from '@befunet/common/node'`. */
export type { NodeWebGpu, NodeWebGpuOptions, WebGpuPath } from './webgpu-node.js';
export { initNodeWebGpu } from './webgpu-node.js';
