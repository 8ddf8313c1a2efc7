// The article's dataset, generated in-process: uniform int64 in [0, 100000)
// from a fixed seed. (The numbers differ from NumPy's `seed(42)` stream; the
// benchmark hands NumPy these very numbers through a .npy file.)
import type { Int64Array2D } from '../src/index';

/** xorshift128+, enough for benchmark data and fast in plain JavaScript. */
export function articleArray(rows: number, cols: number, seed: number, high = 100_000): Int64Array2D & { shape: [number, number] } {
  const n = rows * cols;
  const data = new BigInt64Array(n);
  // Writing through an Int32Array view avoids a BigInt per element.
  const words = new Int32Array(data.buffer, data.byteOffset, n * 2);
  let s0 = (seed ^ 0x9e3779b9) >>> 0 || 1;
  let s1 = Math.imul(seed + 1, 0x85ebca6b) >>> 0 || 2;
  for (let i = 0; i < n; i++) {
    let t = s0 ^ (s0 << 11);
    s0 = s1;
    s1 = (s1 ^ (s1 >>> 19) ^ (t ^ (t >>> 8))) >>> 0;
    words[2 * i] = s1 % high; // values are non-negative and below 2^31: high word stays 0
  }
  return { data, shape: [rows, cols] };
}
