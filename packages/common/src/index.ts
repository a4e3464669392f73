import './register-gradients.js';

/** @deprecated Use `deflateRaw` of @befunet/io (this name is kept for existing callers; it now emits fflate's level-6 stream, not one fixed-Huffman block). */
export { deflateRaw as deflateFixed, inflateRaw } from '@befunet/io';
export { type AttentionCoreOptions, attentionCore } from './attention.js';
export {
  assertDivisible,
  assertDType,
  assertIntegerPair,
  assertNonNegativeInteger,
  assertPositiveInteger,
  assertRank,
  assertRate,
  assertShape,
  formatShape,
  requireDType,
} from './checks.js';
export { CompositeLayer, type LayerArgs, relativeWeightName, withDefaultName } from './composite-layer.js';
export { DerivedTensorCache, isInferenceCall } from './derived-tensor.js';
export { dropPath } from './drop-path.js';
export { dropout } from './dropout.js';
export {
  BefunetError,
  ConfigError,
  DTypeError,
  FileFormatError,
  FileWriteError,
  InterruptedError,
  InvalidValueError,
  ShapeError,
  WebGpuDeviceLostError,
  WebGpuUnavailableError,
  WeightLoadError,
} from './errors.js';
export {
  type Initializer,
  type InitializerSpec,
  resolveInitializer,
  type SerializedInitializer,
  serializeInitializer,
} from './initializers.js';
export { LayerNorm, type LayerNormArgs } from './layer-norm.js';
export { assertLayersRegistered, LAYER_PACKAGES, unregisteredLayers } from './layer-packages.js';
export { Linear, type LinearArgs } from './linear.js';
export { Mlp, type MlpArgs } from './mlp.js';
export { type ModelJson, manifestBytes, modelArtifacts, parseModelJson } from './model-artifacts.js';
export {
  isTorchCheckpoint,
  readTorchCheckpoint,
  type TorchCheckpointOptions,
} from './pth/torch-checkpoint.js';
export { writeTorchCheckpoint } from './pth/torch-save.js';
export {
  crc32,
  DEFAULT_MAX_INFLATED_BYTES,
  ZipArchive,
  type ZipEntry,
  type ZipReadOptions,
} from './pth/zip.js';
export { writeZip, type ZipWriteEntry } from './pth/zip-writer.js';
export { RelativePositionBias, relativePositionIndex } from './relative-position.js';
export { RepeatedCallMemo } from './repeated-call-memo.js';
export type { SafetensorsDType, SafetensorsEntry, SafetensorsFile, SafetensorsInput } from './safetensors.js';
export { readSafetensors, writeSafetensors } from './safetensors.js';
export { SeededRandom } from './seeded-random.js';
export {
  fromTorchLayout,
  type Layout,
  type LoadOptions,
  type LoadReport,
  loadStateDict,
  type StateDict,
  type StateDictEntry,
  torchShape,
  toTorchLayout,
  type WeightAssignment,
} from './state-dict.js';
export { clipWindowToGrid, SHIFT_MASK_VALUE } from './window-geometry.js';
