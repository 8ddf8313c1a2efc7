// The 100 long columns of `arr.T` (the rows of `arr`) as contiguous
// arrays, which is what column stores take.
import { readView } from '../../src/validate/view';
import type { Int64Array2D } from '../../src/index';

/** Column stores handle wide tables badly; past this, skip rather than stall. */
const MAX_COLUMNS = 10_000;

/** Column j of `arr.T`: a view when `arr`'s rows are contiguous, a copy otherwise. */
export function transposedColumns(arr: Int64Array2D): BigInt64Array[] {
  const v = readView(arr);
  const [rows, cols] = v.shape;
  const [rowStride, colStride] = v.strides;
  const data = v.data as BigInt64Array;
  if (rows > MAX_COLUMNS) throw new Error(`arr.T would be a table of ${rows} columns (more than ${MAX_COLUMNS})`);
  const out: BigInt64Array[] = [];
  for (let j = 0; j < rows; j++) {
    const start = v.offset + j * rowStride;
    if (colStride === 1) {
      out.push(data.subarray(start, start + cols));
    } else {
      const col = new BigInt64Array(cols);
      for (let i = 0; i < cols; i++) col[i] = data[start + i * colStride];
      out.push(col);
    }
  }
  return out;
}
