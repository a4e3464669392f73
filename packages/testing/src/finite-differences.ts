/**
 * Central finite differences of a scalar function: (f(v + h e_i) - f(v - h e_i)) / 2h for every i,
 * the independent reference for gradient tests (the function is evaluated in float64).
 */
export function finiteDifferences(
  values: Float64Array,
  at: (v: Float64Array) => number,
  step: number,
): number[] {
  return Array.from(values, (_, i) => {
    const up = Float64Array.from(values);
    const down = Float64Array.from(values);
    up[i]! += step;
    down[i]! -= step;
    return (at(up) - at(down)) / (2 * step);
  });
}
