/**
 * The first place where two JSON-like values differ, as `path: a vs b` (e.g.
 * `swin.embedDim: 16 vs 8`), for errors that say what does not match; undefined when they are equal.
 * Object key order does not matter.
 */
export function jsonDifference(a: unknown, b: unknown, path = ''): string | undefined {
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) {
    if (Array.isArray(a) !== Array.isArray(b))
      return `${path || '(root)'}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`;
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) {
      const d = jsonDifference(
        (a as Record<string, unknown>)[k],
        (b as Record<string, unknown>)[k],
        path ? `${path}.${k}` : k,
      );
      if (d) return d;
    }
    return undefined;
  }
  return a === b ? undefined : `${path || '(root)'}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`;
}
