/**
 * Learning-rate schedules, as pure functions of the (0-based) optimizer step, so that a resumed run
 * recomputes exactly the rates of an uninterrupted one.
 *
 * - `poly`: `lr = base * (1 - step / total)^power` (the official recipe, power 0.9: step 0 uses the
 *   base rate, as the official loop sets the rate after each iteration);
 * - `constant`: `lr = base`.
 *
 * Both take an optional linear warm-up of `warmupSteps`: `lr = base * (step + 1) / warmupSteps`
 * for `step < warmupSteps`; the poly decay then runs over the remaining `total - warmupSteps` steps.
 */
import { ConfigError } from '@befunet/common';

export type LrSchedule =
  | { kind: 'poly' /** Defaults to 0.9. */; power?: number /** Defaults to 0. */; warmupSteps?: number }
  | { kind: 'constant' /** Defaults to 0. */; warmupSteps?: number };

/** The schedule with every default filled in (what checkpoints record). */
export type ResolvedLrSchedule =
  | { kind: 'poly'; power: number; warmupSteps: number }
  | { kind: 'constant'; warmupSteps: number };

/** Fills defaults and checks a schedule against the total number of steps. */
export function resolveSchedule(schedule: LrSchedule, totalSteps: number): ResolvedLrSchedule {
  const warmupSteps = schedule.warmupSteps ?? 0;
  if (!Number.isInteger(warmupSteps) || warmupSteps < 0 || warmupSteps >= Math.max(totalSteps, 1)) {
    throw new ConfigError(
      `schedule.warmupSteps must be an integer in [0, ${totalSteps}) (the total steps), got ${warmupSteps}`,
    );
  }
  if (schedule.kind === 'constant') return { kind: 'constant', warmupSteps };
  if (schedule.kind !== 'poly') {
    throw new ConfigError(
      `schedule.kind must be 'poly' or 'constant', got ${JSON.stringify((schedule as { kind: unknown }).kind)}`,
    );
  }
  const power = schedule.power ?? 0.9;
  if (!(power > 0 && Number.isFinite(power)))
    throw new ConfigError(`schedule.power must be > 0, got ${power}`);
  return { kind: 'poly', power, warmupSteps };
}

/** The learning rate of optimizer step `step` (0-based) out of `totalSteps`. */
export function learningRateAt(
  schedule: LrSchedule,
  baseLr: number,
  step: number,
  totalSteps: number,
): number {
  const s = resolveSchedule(schedule, totalSteps);
  if (!Number.isInteger(step) || step < 0 || step >= totalSteps) {
    throw new ConfigError(`step must be an integer in [0, ${totalSteps}), got ${step}`);
  }
  if (step < s.warmupSteps) return (baseLr * (step + 1)) / s.warmupSteps;
  if (s.kind === 'constant') return baseLr;
  const progress = (step - s.warmupSteps) / (totalSteps - s.warmupSteps);
  return baseLr * (1 - progress) ** s.power;
}
