/**
 * Node.js entry of @befunet/core: `import { useBackend, initNodeWebGpu } from '@befunet/core/node'`.
 */
export type { NodeWebGpu, NodeWebGpuOptions, WebGpuPath } from '@befunet/common/node';
export { initNodeWebGpu } from '@befunet/common/node';
export type { ActiveBackend, BackendName } from './backend.js';
export { useBackend } from './backend.js';
export { nodeFileSystem } from './file-system.js';
