/**
 * Label maps from mask image files. A mask is read as integers: a PNG by `decodePng` (its stored
 * values, 8 or 16 bits), anything else (JPEG) by `decodeImage` as 8-bit values. Colour masks
 * become grey (alpha dropped): binary masks take the mean of R, G and B; label maps must have
 * R = G = B. Then:
 *   'binary': a mask whose values are all 0 or 1 is kept; otherwise pixels at or above half the
 *     full scale (128 of 255) become 1, the rest 0 (0/255 masks, anti-aliased or JPEG masks); a mask
 *     whose values stay below half scale but above 1 (0..3, say) is a label map, and an error.
 *   'labels': the values are the class ids.
 */
import { InvalidValueError } from '@befunet/common';
import { decodeImage, decodePng, isPng } from '@befunet/io';

/** How mask values become labels: see the file comment. */
export type MaskKind = 'binary' | 'labels';

export interface MaskLabels {
  label: Int32Array;
  height: number;
  width: number;
}

/** The stored integer values of a mask file, with its channels and full scale. */
function maskValues(bytes: Uint8Array, source: string) {
  if (isPng(bytes)) {
    const png = decodePng(bytes, source);
    return { ...png, fullScale: png.bitDepth === 16 ? 65535 : 255 };
  }
  const image = decodeImage(bytes, source);
  return { ...image, data: Uint8Array.from(image.data, (v) => Math.round(v * 255)), fullScale: 255 };
}

/** The labels of the mask file `bytes` (`source` names it in errors). */
export function maskLabels(bytes: Uint8Array, source: string, kind: MaskKind): MaskLabels {
  const { data, width, height, channels, fullScale } = maskValues(bytes, source);
  const colours = channels >= 3 ? 3 : 1;
  const label = new Int32Array(width * height);
  let max = 0;
  for (let p = 0; p < label.length; p++) {
    const at = p * channels;
    let v = data[at]!;
    if (colours === 3) {
      const [g, b] = [data[at + 1]!, data[at + 2]!];
      if (kind === 'labels' && (g !== v || b !== v)) {
        throw new InvalidValueError(
          `${source}: colour mask (R ${v}, G ${g}, B ${b} at row ${Math.floor(p / width)}, column ${p % width}); ` +
            'a label map must be a grey image of class ids',
        );
      }
      v = Math.round((v + g + b) / 3);
    }
    label[p] = v;
    max = Math.max(max, v);
  }
  if (kind === 'binary' && max > 1) {
    if (2 * max < fullScale) {
      throw new InvalidValueError(
        `${source}: binary mask with values up to ${max} of ${fullScale}, not a 0/1 or 0/${fullScale} mask; ` +
          "if its values are class ids, read the masks as label maps (maskKind 'labels')",
      );
    }
    for (let p = 0; p < label.length; p++) label[p] = 2 * label[p]! >= fullScale ? 1 : 0;
  }
  return { label, height, width };
}
