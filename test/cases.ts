// The shared table of layouts every backend and strategy is checked on.
import * as assert from 'node:assert/strict';

import type { Int64Array2D } from '../src/index';

const MIN = -(2n ** 63n);
const MAX = 2n ** 63n - 1n;

/** Deterministic values with both int64 extremes sprinkled in. */
export function values(n: number, seed = 1): BigInt64Array {
  const out = new BigInt64Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = i % 13 === 0 ? MIN : i % 17 === 5 ? MAX - BigInt(i) : BigInt(s) - 2n ** 31n;
  }
  return out;
}

// The fixtures must keep both int64 extremes, or the differential tables
// would stop exercising them.
assert.ok(values(100).includes(MIN) && values(100).includes(MAX - 5n));

export interface Case {
  name: string;
  x: Int64Array2D;
}

/** Layouts of the core issue, small enough for the reference loop and
 * large enough (rows * cols >= 65536 for some) to take the parallel paths. */
export function layouts(): Case[] {
  const r = 67;
  const c = 1031;
  // Nine spare elements, so that a view with an offset has room; a plain
  // { data, shape } must fill its data, so those cases take a prefix.
  const data = values(r * c + 9);
  const whole = data.subarray(0, r * c);
  const col = values(5000 * 3);
  return [
    { name: 'row-major', x: { data: whole, shape: [r, c] } },
    { name: 'column-major', x: { data, shape: [r, c], strides: [1, r] } },
    { name: 'transposed view', x: { data, shape: [c, r], strides: [1, c] } },
    { name: 'negative row stride', x: { data, shape: [r, c], strides: [-c, 1], offset: (r - 1) * c } },
    { name: 'negative column stride', x: { data, shape: [r, c], strides: [c, -1], offset: c - 1 } },
    { name: 'both strides negative', x: { data, shape: [r, c], strides: [-c, -1], offset: r * c - 1 } },
    { name: 'offset into a larger buffer', x: { data, shape: [r - 1, c], offset: 9 } },
    { name: 'every other row and column', x: { data, shape: [r >> 1, c >> 1], strides: [2 * c, 2], offset: 1 } },
    { name: '1 x n', x: { data: whole, shape: [1, r * c] } },
    { name: 'n x 1', x: { data: whole, shape: [r * c, 1] } },
    { name: '0 columns', x: { data: data.subarray(0, 0), shape: [r, 0] } },
    { name: 'broadcast (zero strides)', x: { data, shape: [4, 5], strides: [0, 0], offset: 3 } },
    { name: 'few long columns', x: { data: col, shape: [5000, 3], strides: [1, 5000] } },
    { name: 'scijs-style stride field', x: { data, shape: [r, c], stride: [1, r] } as Int64Array2D },
    { name: 'small 3 x 2', x: { data: new BigInt64Array([MIN, 2n, MAX, -4n, 5n, MIN]), shape: [3, 2] } },
  ];
}
