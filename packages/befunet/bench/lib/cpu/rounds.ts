/**
 * Interleaved sampling: every round takes one sample of each system, in an order rotated by one
 * each round, so that a burst of load from other processes spreads over all systems instead of
 * landing on the one that happened to run then.
 */

export interface Sampled {
  /** The row's label, e.g. `onnxruntime-node, 2 threads`. */
  name: string;
  /** One timed run, in milliseconds. */
  sample: () => Promise<number>;
}

/** A timed call of `fn` in this process. */
export async function timeOnce(fn: () => Promise<void>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/** `warmup` untimed rounds, then `rounds` timed ones; the samples by system name. */
export async function interleave(
  systems: readonly Sampled[],
  rounds: number,
  warmup: number,
  log: (line: string) => void,
): Promise<Map<string, number[]>> {
  const samples = new Map(systems.map((s) => [s.name, [] as number[]]));
  for (let r = -warmup; r < rounds; r++) {
    const shift = ((r % systems.length) + systems.length) % systems.length;
    const order = [...systems.slice(shift), ...systems.slice(0, shift)];
    const parts: string[] = [];
    for (const system of order) {
      const ms = await system.sample();
      if (r >= 0) samples.get(system.name)!.push(ms);
      parts.push(`${system.name} ${ms.toFixed(0)}`);
    }
    log(`${r < 0 ? 'warm-up' : `round ${r + 1}/${rounds}`}: ${parts.join(', ')} ms`);
  }
  return samples;
}
