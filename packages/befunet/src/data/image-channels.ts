/**
 * Bringing decoded images to the channels a data set promises: alpha is dropped (grey + alpha ->
 * grey, RGBA -> RGB); grey becomes RGB by repeating it; RGB becomes grey by its luma
 * Y = 0.299 R + 0.587 G + 0.114 B (ITU-R BT.601, as PIL's `convert('L')`).
 */
import type { DecodedImage } from '@befunet/io';

/** The colour channels of an image of `channels` channels (alpha not counted): 1 or 3. */
export function colourChannels(channels: number): 1 | 3 {
  return channels >= 3 ? 3 : 1;
}

/** The pixels of `image` with `channels` channels (1 or 3), row-major HWC. */
export function withChannels(image: DecodedImage, channels: 1 | 3): Float32Array {
  const { data, channels: from } = image;
  const have = colourChannels(from);
  const pixels = image.width * image.height;
  const out = new Float32Array(pixels * channels);
  for (let p = 0; p < pixels; p++) {
    const at = p * from;
    if (have === channels) for (let q = 0; q < channels; q++) out[p * channels + q] = data[at + q]!;
    else if (channels === 3) out.fill(data[at]!, 3 * p, 3 * p + 3);
    else out[p] = 0.299 * data[at]! + 0.587 * data[at + 1]! + 0.114 * data[at + 2]!;
  }
  return out;
}
