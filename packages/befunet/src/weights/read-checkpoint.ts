/**
 * Reads a checkpoint file's bytes into a state dict, whatever its format: PyTorch's `torch.save`
 * zip (`.pth`, `.pt`, `.bin` of recent PyTorch) or safetensors. A `{ state_dict: ... }` or
 * `{ model: ... }` wrapper of a PyTorch checkpoint is unwrapped.
 */
import {
  FileFormatError,
  isTorchCheckpoint,
  readSafetensors,
  readTorchCheckpoint,
  type StateDict,
} from '@befunet/common';

export function readCheckpoint(bytes: Uint8Array, source = '<checkpoint>'): StateDict {
  if (isTorchCheckpoint(bytes)) {
    const flat = readTorchCheckpoint(bytes, source);
    for (const wrapper of ['state_dict', 'model']) {
      const inner = [...flat.keys()].filter((k) => k.startsWith(`${wrapper}.`));
      if (inner.length > 0 && inner.length === flat.size)
        return readTorchCheckpoint(bytes, source, { select: wrapper });
    }
    return flat;
  }
  if (bytes.byteLength >= 9 && bytes[8] === 0x7b) return readSafetensors(bytes, source).tensors;
  throw new FileFormatError(source, 'neither a PyTorch zip checkpoint nor a safetensors file');
}
