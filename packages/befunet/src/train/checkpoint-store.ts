/**
 * Where checkpoints live: a store keeps one checkpoint per tag (`latest`, `best`) and replaces it
 * as a whole. `fileCheckpointStore` (Node.js, `@befunet/core/node`) writes folders atomically;
 * `memoryCheckpointStore` keeps them in memory (browsers, tests).
 */
import type { CheckpointFiles } from './checkpoint.js';

export type CheckpointTag = 'latest' | 'best';

export interface CheckpointStore {
  /** Where the checkpoints are, for messages (a folder, `memory`). */
  readonly location: string;
  /** Replaces the checkpoint under `tag`: afterwards it is the new one, or on failure the previous one. */
  save(tag: CheckpointTag, files: CheckpointFiles): Promise<void>;
  /** The checkpoint under `tag`, or undefined when none was saved. */
  load(tag: CheckpointTag): Promise<CheckpointFiles | undefined>;
  /** Where the checkpoint under `tag` is, for messages (`runs/a/latest.3`). */
  describe(tag: CheckpointTag): string;
}

export function memoryCheckpointStore(): CheckpointStore {
  const saved = new Map<CheckpointTag, CheckpointFiles>();
  return {
    location: 'memory',
    async save(tag, files) {
      saved.set(tag, { model: files.model.slice(), optimizer: files.optimizer.slice(), state: files.state });
    },
    async load(tag) {
      const files = saved.get(tag);
      return files && { model: files.model.slice(), optimizer: files.optimizer.slice(), state: files.state };
    },
    describe: (tag) => `memory:${tag}`,
  };
}
