/** Node.js only: WebGPU through Dawn (`import { initNodeWebGpu } from '@befunet/kernels/node'`). */
export type { NodeWebGpu, NodeWebGpuOptions, WebGpuPath } from './webgpu-node.js';
export { initNodeWebGpu } from './webgpu-node.js';
