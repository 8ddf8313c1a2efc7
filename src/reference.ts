// The test oracle: the obvious loop over BigInts, nothing clever.
import type { View2 } from './types';

export function referenceMax(view: View2, axis: 0 | 1): BigInt64Array {
  const outer = axis === 0 ? view.cols : view.rows;
  const inner = axis === 0 ? view.rows : view.cols;
  const out = new BigInt64Array(outer);
  for (let o = 0; o < outer; o++) {
    let m = -(2n ** 63n);
    for (let k = 0; k < inner; k++) {
      const i = axis === 0 ? k : o;
      const j = axis === 0 ? o : k;
      const v = view.data[view.offset + i * view.rowStride + j * view.colStride];
      if (v > m) m = v;
    }
    out[o] = m;
  }
  return out;
}
