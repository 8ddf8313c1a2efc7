// The 100 long columns of `arr.T` (the rows of `arr`) as contiguous
// arrays, which is what column stores take.
import { checkView } from '../../src/validate';
import type { Int64Array2D } from '../../src/index';

/** Column j of `arr.T`: a view when `arr`'s rows are contiguous, a copy otherwise. */
export function transposedColumns(arr: Int64Array2D): BigInt64Array[] {
  const v = checkView(arr);
  const out: BigInt64Array[] = [];
  for (let j = 0; j < v.rows; j++) {
    const start = v.offset + j * v.rowStride;
    if (v.colStride === 1) {
      out.push(v.data.subarray(start, start + v.cols));
    } else {
      const col = new BigInt64Array(v.cols);
      for (let i = 0; i < v.cols; i++) col[i] = v.data[start + i * v.colStride];
      out.push(col);
    }
  }
  return out;
}
