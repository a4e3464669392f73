/** Node.js-only helpers: `import { initNodeWebGpu, nodeFileSystem } from '@befunet/common/node'`. */

export type { FileOps } from './file-ops.js';
export { nodeFileOps } from './file-ops.js';
export type { NodeFileSystemOptions } from './file-system.js';
export { nodeFileSystem } from './file-system.js';
export type { NodeWebGpu, NodeWebGpuOptions, WebGpuPath } from './webgpu-node.js';
export { initNodeWebGpu } from './webgpu-node.js';
export { failingAs, removeQuietly, replaceFile, syncFolderOf, writeAtomically } from './write-atomically.js';
