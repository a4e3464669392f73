/** Class names for the legend, and the share of the label map each class covers. */

/** Synapse multi-organ CT labels (the official BEFUnet's 9-class data set), in label order. */
const SYNAPSE = [
  'background',
  'aorta',
  'gallbladder',
  'left kidney',
  'right kidney',
  'liver',
  'pancreas',
  'spleen',
  'stomach',
];

/** Synapse's names for a 9-class model, else "background", "class 1", "class 2", ... */
export function classNames(numClasses: number): string[] {
  if (numClasses === SYNAPSE.length) return [...SYNAPSE];
  return Array.from({ length: numClasses }, (_, k) => (k === 0 ? 'background' : `class ${k}`));
}

/** Fraction of pixels per class. */
export function classShares(labels: Int32Array, numClasses: number): number[] {
  const counts = new Array<number>(numClasses).fill(0);
  for (const label of labels) counts[label] = (counts[label] ?? 0) + 1;
  return counts.map((n) => n / labels.length);
}
