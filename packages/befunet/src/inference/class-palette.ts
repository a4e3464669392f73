/**
 * Fixed class colours for overlays: class 0 (background) is not drawn; class k >= 1 takes entry
 * (k - 1) mod 20 of Sasha Trubetskoy's list of 20 distinct colours (ordered so that the first
 * classes get the most distinct ones). The legend is plain data, for printing or JSON.
 */
import { ConfigError } from '@befunet/common';

export type Rgb = readonly [number, number, number];

/** The 20 colours, in order of use. */
export const CLASS_PALETTE: readonly Rgb[] = [
  [230, 25, 75], // red
  [60, 180, 75], // green
  [255, 225, 25], // yellow
  [67, 99, 216], // blue
  [245, 130, 49], // orange
  [145, 30, 180], // purple
  [66, 212, 244], // cyan
  [240, 50, 230], // magenta
  [191, 239, 69], // lime
  [250, 190, 212], // pink
  [70, 153, 144], // teal
  [220, 190, 255], // lavender
  [154, 99, 36], // brown
  [255, 250, 200], // beige
  [128, 0, 0], // maroon
  [170, 255, 195], // mint
  [128, 128, 0], // olive
  [255, 216, 177], // apricot
  [0, 0, 117], // navy
  [169, 169, 169], // grey
];

/** The colour of class `k`, or undefined for the background (class 0). */
export function classColor(k: number): Rgb | undefined {
  if (!Number.isInteger(k) || k < 0)
    throw new ConfigError(`class id must be a non-negative integer, got ${k}`);
  return k === 0 ? undefined : CLASS_PALETTE[(k - 1) % CLASS_PALETTE.length];
}

export interface LegendEntry {
  readonly classId: number;
  /** A name when given, else `class <id>`. */
  readonly name: string;
  readonly color: Rgb;
  /** `#rrggbb`. */
  readonly hex: string;
}

/** Legend of classes 1..classes-1 (the background is transparent); `names[k]` names class k. */
export function classLegend(classes: number, names: readonly string[] = []): LegendEntry[] {
  if (!Number.isInteger(classes) || classes < 1) {
    throw new ConfigError(`classes must be a positive integer, got ${classes}`);
  }
  return Array.from({ length: classes - 1 }, (_, i) => {
    const classId = i + 1;
    const color = classColor(classId)!;
    const hex = `#${color.map((c) => c.toString(16).padStart(2, '0')).join('')}`;
    return { classId, name: names[classId] ?? `class ${classId}`, color, hex };
  });
}

/** One line per class: `  1  #e6194b  liver`. */
export function formatLegend(legend: readonly LegendEntry[]): string {
  return legend.map((e) => `${String(e.classId).padStart(3)}  ${e.hex}  ${e.name}`).join('\n');
}
