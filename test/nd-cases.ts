// Shared N-d tables: one row per dtype (with its extreme values), one per
// layout, the axis choices each ndim gets, and a comparison that knows
// NaN, signed zeros and float summation order.
import * as assert from 'node:assert/strict';

import { DTYPES } from '../src/spec/dtypes';
import type { Dtype, NumericArray } from '../src/spec/dtypes';
import type { Axis, NdArrayLike } from '../src/index';

type Value = number | bigint;

/** Deterministic values for `dtype`: both extremes, and for floats NaN,
 * -0 and the infinities, sprinkled among ordinary values. `nan: false`
 * leaves NaN out so that most slices have an ordinary answer. */
export function fillValues(dtype: Dtype, n: number, seed = 7, nan = true): NumericArray {
  const out = new dtype.ctor(n) as unknown as { [i: number]: Value };
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    let v: Value;
    if (dtype.kind === 'float') {
      const special = [Infinity, -Infinity, -0, 0, dtype.name === 'float32' ? 3.4e38 : 1.7e308];
      if (nan && i % 23 === 11) v = NaN;
      else if (i % 19 === 4) v = special[(i / 19) % special.length | 0];
      else v = (s / 2 ** 32) * 2000 - 1000;
    } else if (i % 29 === 3) v = dtype.lowest;
    else if (i % 31 === 7) v = dtype.highest;
    else if (dtype.big) v = (BigInt(s) * 4099n) % 2n ** 40n - (dtype.kind === 'int' ? 2n ** 39n : 0n);
    else v = dtype.kind === 'int' ? (s % (Number(dtype.highest) + 1)) * (i % 2 ? -1 : 1) : s % (Number(dtype.highest) + 1);
    out[i] = v;
  }
  return out as unknown as NumericArray;
}

export interface Layout {
  name: string;
  shape: number[];
  strides?: number[];
  offset?: number;
  /** Elements the buffer needs. */
  size: number;
  /** Large enough to take the addon's parallel paths: fewer axis choices. */
  big?: boolean;
}

export const LAYOUTS: Layout[] = [
  { name: '1-D', shape: [37], size: 37 },
  { name: '1-D reversed, every other', shape: [20], strides: [-2], offset: 39, size: 40 },
  { name: 'C 7x11', shape: [7, 11], size: 77 },
  { name: 'Fortran 7x11', shape: [7, 11], strides: [1, 7], size: 77 },
  { name: 'transposed 3-D', shape: [5, 4, 3], strides: [1, 5, 20], size: 60 },
  { name: '3-D negative strides', shape: [3, 4, 5], strides: [-20, 5, -1], offset: 44, size: 60 },
  { name: 'C 4x5 at offset 9', shape: [4, 5], offset: 9, size: 29 },
  { name: 'C 4-D', shape: [2, 3, 4, 5], size: 120 },
  { name: '4-D permuted', shape: [4, 2, 5, 3], strides: [15, 60, 3, 1], size: 120 },
  { name: 'broadcast row', shape: [3, 4], strides: [0, 1], size: 4 },
  { name: 'zero rows', shape: [0, 5], size: 0 },
  { name: 'C 300x257', shape: [300, 257], size: 300 * 257, big: true },
  { name: 'Fortran 300x257', shape: [300, 257], strides: [1, 300], size: 300 * 257, big: true },
];

/** The axis options every layout is reduced over. */
export function axesFor(ndim: number, big = false): Axis[] {
  if (big) return [0, -1, null];
  const out: Axis[] = [0, -1, null];
  if (ndim >= 2) out.push([0, ndim - 1], [ndim - 1, 0]);
  if (ndim >= 3) out.push(1, [1, 2]);
  if (ndim >= 4) out.push([0, 2], [1, 2, 3], [0, 1, 2, 3]);
  return out;
}

export function viewOf(data: NumericArray, l: Layout): NdArrayLike {
  return { data, shape: l.shape, strides: l.strides, offset: l.offset };
}

const isNum = (v: unknown): v is number => typeof v === 'number';

/** Equal values: NaN equals NaN, a zero equals a zero of either sign (the
 * sign of a zero extremum is unspecified, as in NumPy), and float sums
 * agree to rounding (the addon adds in another order). */
export function sameValue(got: unknown, want: unknown, where: string, floatSum = false): void {
  if (isNum(got) && isNum(want)) {
    if (Number.isNaN(want)) return assert.ok(Number.isNaN(got), `${where}: got ${got}, want NaN`);
    if (floatSum && Number.isFinite(want)) {
      return assert.ok(Math.abs(got - want) <= 1e-9 * (1 + Math.abs(want)), `${where}: got ${got}, want ${want}`);
    }
    return assert.ok(got === want, `${where}: got ${got}, want ${want}`);
  }
  assert.equal(got, want, where);
}

/** Same class, same length, same values (see `sameValue`). */
export function sameResult(got: unknown, want: unknown, where: string, floatSum = false): void {
  if (ArrayBuffer.isView(want)) {
    assert.ok(ArrayBuffer.isView(got), `${where}: got ${typeof got}`);
    assert.equal(got.constructor, want.constructor, `${where}: class`);
    const g = got as unknown as ArrayLike<unknown>;
    const w = want as unknown as ArrayLike<unknown>;
    assert.equal(g.length, w.length, `${where}: length`);
    for (let i = 0; i < w.length; i++) sameValue(g[i], w[i], `${where} [${i}]`, floatSum);
  } else if (want !== null && typeof want === 'object') {
    const g = got as Record<string, unknown>;
    const w = want as Record<string, unknown>;
    assert.deepEqual(Object.keys(g), Object.keys(w), where);
    for (const k of Object.keys(w)) sameResult(g[k], w[k], `${where}.${k}`, floatSum);
  } else {
    sameValue(got, want, where, floatSum);
  }
}

export { DTYPES };
