// The accumulators the addon folds a Partial's chunks into
// (crates/core/src/state.rs), between pushes: one pass per chunk, no
// per-chunk allocation, and a result the addon reads straight from them.
import { addon } from '../addon/load';
import type { Reduction } from '../spec/ops';
import type { Field } from './bytes';

export class NativeState {
  readonly values: Float64Array;
  /** Elements folded per position; every position has the same (a
   * moments partial does not skip NaN), so the state holds no count. */
  count = 0;

  /** `sum`: a compensated sum and its error per position, interleaved (a
   * float mean). `moments`: crates/core's Moments less its count, as four
   * planes of one double per position: mean, M2, the mean's low word and
   * M2's. */
  constructor(
    readonly kind: 'moments' | 'sum',
    kept: number,
  ) {
    this.values = new Float64Array((kind === 'sum' ? 2 : 4) * kept);
  }

  /** The state as a Partial's fields (count, mean and M2 arrays), kept
   * as they are so that merges stay exact to rounding. The fields own the
   * memory: the state is dropped after. */
  fields(): Record<string, Field> {
    const s = this.values;
    if (this.kind === 'sum') {
      const kept = s.length / 2;
      return { n: new Float64Array(kept).fill(this.count), mean: this.value('mean', 0, 0, false) as Float64Array };
    }
    const kept = s.length / 4;
    const plane = (j: number) => s.subarray(j * kept, (j + 1) * kept);
    return { n: new Float64Array(kept).fill(this.count), mean: plane(0), m2: plane(1), meanLow: plane(2), m2Low: plane(3) };
  }

  /** What `fields()` then the Partial's result give, computed by the
   * addon from the state without copying it. The state stays live for
   * more pushes. */
  value(reduction: Reduction, ddof: number, threads: number, scalar: boolean): unknown {
    const out = new Float64Array(this.values.length / (this.kind === 'sum' ? 2 : 4));
    // Threads 0 is the default pool, as in a layout.
    addon()!.stateValue(this.kind, this.count, this.values, reduction as 'mean' | 'var' | 'std', ddof, threads || undefined, out);
    return scalar ? out[0] : out;
  }
}
