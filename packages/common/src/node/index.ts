/** Node.js-only helpers: `import { initNodeWebGpu, nodeFileSystem } from '@befunet/common/node'`. */
export { nodeFileSystem } from './file-system.js';
export type { NodeWebGpu, NodeWebGpuOptions, WebGpuPath } from './webgpu-node.js';
export { initNodeWebGpu } from './webgpu-node.js';
export { writeAtomically } from './write-atomically.js';
