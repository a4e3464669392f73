/**
 * Default layer names. tfjs derives one from `className`, but a namespaced class name
 * (`befunet>PdcConv`) gives an invalid weight name, so our layers pick `pdc_conv_1`, ... instead.
 */
const counters = new Map<string, number>();

export function defaultName(prefix: string, name: string | undefined): string {
  if (name) return name;
  const n = (counters.get(prefix) ?? 0) + 1;
  counters.set(prefix, n);
  return `${prefix}_${n}`;
}
