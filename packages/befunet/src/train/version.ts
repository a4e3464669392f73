/**
 * The version recorded in checkpoints: this package's version (a test keeps it equal to
 * package.json's) and the checkpoint format, which changes when the layout of a checkpoint does.
 */
export const LIBRARY_VERSION = '0.0.0';
export const CHECKPOINT_FORMAT = 1;
