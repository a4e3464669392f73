export { runOnBackend, testProject } from './backends.ts';
export { everyByteCorruption } from './corruption.ts';
export { expectError } from './errors.ts';
export {
  countingFileOps,
  type FaultKind,
  type FileCall,
  type FileOpName,
  faultCode,
  faultKindsFor,
  faultyFileOps,
  systemError,
} from './file-faults.ts';
export {
  type AffineGradientCase,
  expectAffineGradientsMatchFiniteDifferences,
  finiteDifferences,
} from './finite-differences.ts';
export { fixturePath, fixturesDir, fixtureTensor, loadFixture, nchwToNhwc } from './fixtures.ts';
export { expectNoLeak } from './leaks.ts';
export { expectSameBytes, savedModelWeights, temporaryLeftovers } from './saved-files.ts';
export { saveAndReload } from './serialization.ts';
export { weightsAfterSgdSteps } from './sgd-steps.ts';
export { fillDisk, type SmallDisk, smallDisk } from './small-disk.ts';
export { temporaryFolder } from './temporary-folder.ts';
export { type Closeness, closeness, expectClose, TOLERANCE, type Tolerance } from './tolerance.ts';
