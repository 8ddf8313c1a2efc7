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

/** Whether another timed run fits: at least one, at most `repeat`, and
 * not when the last run's time would take the total past the budget. The
 * warm-up does not count: it may include one-time costs (compiling
 * WebAssembly, starting workers) that the timed runs do not. */
export function another(samples: readonly number[], policy: Policy): boolean {
  if (samples.length === 0) return true;
  if (samples.length >= policy.repeat) return false;
  const spent = samples.reduce((a, b) => a + b, 0);
  return spent + samples[samples.length - 1] <= policy.budgetMs;
}

/** Times `fn` (sync or async). The warm-up's result is returned for
 * verification: every run computes the same thing. */
export async function measure<T>(
  fn: () => T | Promise<T>,
  policy: Policy,
  onRun?: (done: number, total: number) => void,
): Promise<{ result: T; timing: Timing }> {
  const result = await fn();
  const samples: number[] = [];
  while (another(samples, policy)) {
    onRun?.(samples.length, policy.repeat);
    const t0 = process.hrtime.bigint();
    await fn();
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return { result, timing: summarize(samples) };
}
