// The 100 long columns of `arr.T` (the rows of `arr`) as contiguous
// arrays, which is what column stores take.
import { checkView } from '../../src/validate';
import type { Int64Array2D } from '../../src/index';

/** Column stores handle wide tables badly; past this, skip rather than stall. */
const MAX_COLUMNS = 10_000;

/** Column j of `arr.T`: a view when `arr`'s rows are contiguous, a copy otherwise. */
export function transposedColumns(arr: Int64Array2D): BigInt64Array[] {
  const v = checkView(arr);
  if (v.rows > MAX_COLUMNS) throw new Error(`arr.T would be a table of ${v.rows} columns (more than ${MAX_COLUMNS})`);
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
