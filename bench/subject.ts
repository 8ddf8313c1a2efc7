// What the benchmark measures: anything that computes the column maxima of
// `arr` or `arr.T` and can say why it is unavailable.
import type { Int64Array2D } from '../src/index';
import type { Policy, Timing } from './measure';

export type Layout = 'arr' | 'arr.T';
export const LAYOUTS: readonly Layout[] = ['arr', 'arr.T'];

export interface Dataset {
  arr: Int64Array2D & { shape: [number, number] };
  view(layout: Layout): Int64Array2D;
  /** Where `arr` came from (`--input`), so children can read the same bytes. */
  source?: string;
}

export interface Measured {
  /** The column maxima, checked against the serial kernel's; undefined for
   * rows of other reductions, which check their own results. */
  result: BigInt64Array | undefined;
  timing: Timing;
}

export interface Subject {
  /** The name `--only` and the JSON use. */
  id: string;
  layouts: readonly Layout[];
  /** The threads it runs on whatever `--threads` says (NumPy: 1), or
   * undefined when it takes the thread count per call. */
  fixedThreads?: number;
  /** Shown under the table: what the numbers include or leave out. */
  note?: string;
  /** Default time budget for one row, when the default one is too much. */
  budgetMs?: number;
  /** Builds what the timing must not include; throws when unavailable
   * (the message becomes the "skipped" reason). */
  setup?(data: Dataset): Promise<void> | void;
  measure(data: Dataset, layout: Layout, threads: number, policy: Policy, onRun: (done: number, total: number) => void): Promise<Measured>;
  dispose?(): Promise<void> | void;
}

/** The first line of an error, for a "skipped: <reason>" line. */
export function reason(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0].trim();
}
