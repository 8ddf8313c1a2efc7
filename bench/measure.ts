// Warm-up plus timed repetitions. A row stops early once its timed runs
// pass a time budget, so slow rows (mutex on `arr`, plain JavaScript) keep
// the full benchmark within minutes while fast rows get every repetition.

export interface Policy {
  /** Timed repetitions at most (after one warm-up run). */
  repeat: number;
  /** Stop repeating once the timed runs add up to this many milliseconds. */
  budgetMs: number;
}

export interface Timing {
  samples: number[];
  median: number;
  min: number;
}

export function summarize(samples: number[]): Timing {
  const s = [...samples].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  return { samples, median, min: s[0] };
}

/** How many timed runs follow a warm-up that took `warmupMs`: as many as
 * the budget allows, at least one, at most `repeat`. */
export function plannedRuns(policy: Policy, warmupMs: number): number {
  return Math.max(1, Math.min(policy.repeat, Math.floor(policy.budgetMs / Math.max(warmupMs, 1e-3))));
}

/** Times `fn` (sync or async). The warm-up's result is returned for
 * verification: every run computes the same thing. */
export async function measure<T>(
  fn: () => T | Promise<T>,
  policy: Policy,
  onRun?: (done: number, total: number) => void,
): Promise<{ result: T; timing: Timing }> {
  let t0 = process.hrtime.bigint();
  const result = await fn();
  const warmupMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const total = plannedRuns(policy, warmupMs);
  const samples: number[] = [];
  for (let k = 0; k < total; k++) {
    onRun?.(k, total);
    t0 = process.hrtime.bigint();
    await fn();
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return { result, timing: summarize(samples) };
}
