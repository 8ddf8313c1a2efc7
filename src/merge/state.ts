// The accumulators the addon folds a Partial's chunks into
// (crates/core/src/state.rs), between pushes: one pass per chunk, no
// per-chunk allocation, and a result read straight from them.
import type { Reduction } from '../spec/ops';
import type { Field } from './bytes';
import { varianceOf } from './value';

export class NativeState {
  readonly values: Float64Array;
  /** Reduced elements folded per position (for a sum's mean). */
  count = 0;

  /** `sum`: a compensated sum and its error per position, interleaved (a
   * float mean). `moments`: crates/core's Moments as five planes of one
   * double per position: count, mean, M2, the mean's low word and M2's. */
  constructor(
    readonly kind: 'moments' | 'sum',
    kept: number,
  ) {
    this.values = new Float64Array((kind === 'sum' ? 2 : 5) * kept);
  }

  /** The state as a Partial's fields (count, mean and M2 arrays), kept
   * as they are so that merges stay exact to rounding. The fields own the
   * memory: the state is dropped after. */
  fields(): Record<string, Field> {
    const s = this.values;
    if (this.kind === 'sum') {
      const kept = s.length / 2;
      const mean = new Float64Array(kept);
      // An infinite sum has a NaN error term: the sum alone.
      for (let k = 0; k < kept; k++) mean[k] = (Number.isFinite(s[2 * k]) ? s[2 * k] + s[2 * k + 1] : s[2 * k]) / this.count;
      return { n: new Float64Array(kept).fill(this.count), mean };
    }
    const kept = s.length / 5;
    const plane = (j: number) => s.subarray(j * kept, (j + 1) * kept);
    return { n: plane(0), mean: plane(1), m2: plane(2), meanLow: plane(3), m2Low: plane(4) };
  }

  /** What `fields()` then the Partial's result give, in one pass over the
   * state and without copying it (a std partial of 1M columns spent more
   * on that than on a push). The state stays live for more pushes. */
  value(reduction: Reduction, ddof: number, scalar: boolean): unknown {
    const s = this.values;
    let out: Float64Array;
    if (this.kind === 'sum') {
      out = new Float64Array(s.length / 2);
      for (let k = 0; k < out.length; k++) out[k] = (Number.isFinite(s[2 * k]) ? s[2 * k] + s[2 * k + 1] : s[2 * k]) / this.count;
    } else {
      const kept = s.length / 5;
      out = new Float64Array(kept);
      for (let k = 0; k < kept; k++) {
        if (reduction === 'mean') {
          out[k] = s[kept + k] + s[3 * kept + k];
          continue;
        }
        out[k] = varianceOf(s[k], s[2 * kept + k], s[4 * kept + k], ddof, reduction === 'std');
      }
    }
    return scalar ? out[0] : out;
  }
}
