/**
 * What Dice, IoU and HD95 are when a mask is empty: the raw formulas are 0/0 or a distance to
 * nothing there, and evaluations differ. Sensitivity, specificity and accuracy never change: they
 * are NaN exactly when their denominator is 0 (truth empty, truth full, never).
 *
 * | policy | pred > 0, truth > 0 | pred > 0, truth empty | pred empty, truth > 0 | both empty |
 * | --- | --- | --- | --- | --- |
 * | `'official'` | computed | Dice 1, IoU 1, HD95 0 | 0, 0, 0 | 0, 0, 0 |
 * | `'nan'` | computed | NaN (not counted) | 0, 0, Infinity | NaN (not counted) |
 * | `'strict'` | computed | 0, 0, Infinity | 0, 0, Infinity | 1, 1, 0 |
 *
 * `'official'` is the rule of the TransUNet/BEFUnet test script (`calculate_metric_percase`), which
 * produced the published Synapse tables. `'nan'` is MONAI's `ignore_empty`: cases without the class
 * drop out of the averages (means skip NaN). `'strict'` scores an empty truth as a perfect match only
 * when the prediction is empty too.
 */
export type EmptyPolicy = 'official' | 'nan' | 'strict';

export const EMPTY_POLICIES: readonly EmptyPolicy[] = ['official', 'nan', 'strict'];

/** Dice, IoU and HD95 for an empty case under `policy`, or undefined when both masks are non-empty. */
export function emptyCaseValues(
  policy: EmptyPolicy,
  predEmpty: boolean,
  truthEmpty: boolean,
): { dice: number; iou: number; hd95: number } | undefined {
  if (!predEmpty && !truthEmpty) return undefined;
  const v = (dice: number, hd95: number) => ({ dice, iou: dice, hd95 });
  switch (policy) {
    case 'official':
      return predEmpty ? v(0, 0) : v(1, 0);
    case 'nan':
      return truthEmpty ? v(Number.NaN, Number.NaN) : v(0, Number.POSITIVE_INFINITY);
    case 'strict':
      return predEmpty && truthEmpty ? v(1, 0) : v(0, Number.POSITIVE_INFINITY);
  }
}
