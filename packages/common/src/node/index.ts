/** Node.js-only helpers: `import { nodeFileSystem, writeAtomically } from '@befunet/common/node'` (Dawn in Node.js: @befunet/kernels/node). */

export {
  backendOption,
  type Command,
  intOption,
  numberOption,
  type OptionSpec,
  type OptionSpecs,
  type OptionValues,
  parseOptions,
  usage,
} from './command-line.js';
export type { FileOps } from './file-ops.js';
export { nodeFileOps } from './file-ops.js';
export type { NodeFileSystemOptions } from './file-system.js';
export { nodeFileSystem } from './file-system.js';
export { failingAs, removeQuietly, replaceFile, syncFolderOf, writeAtomically } from './write-atomically.js';
