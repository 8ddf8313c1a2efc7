// Helpers shared by the quantile family's NumPy tests: the input values,
// a result flattened, and one value compared with NumPy's text.
import * as assert from 'node:assert/strict';

import type { NumericArray } from '../src/index';
import type { Dtype } from '../src/spec/dtypes';

/** Small values with many ties; floats with fractions, NaN, and (float64) infinities. */
export function values(d: Dtype, n: number, seed: number, allNaNRow = -1, rowLength = 1): NumericArray {
  const out = new d.ctor(n) as unknown as { [i: number]: number | bigint };
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    let v: number;
    if (d.kind === 'float') {
      if (i % 11 === 5 || Math.floor(i / rowLength) === allNaNRow) v = NaN;
      else if (d.name === 'float64' && i % 17 === 9) v = i % 2 ? Infinity : -Infinity;
      else v = d.name === 'float64' ? (s / 2 ** 32) * 200 - 100 : Math.fround(((s % 400) - 200) / 8);
    } else v = d.kind === 'uint' ? s % 50 : (s % 50) - 25;
    out[i] = d.big ? BigInt(v) : v;
  }
  return out as unknown as NumericArray;
}

/** A result's values and shape (undefined for a flat array, [] for a scalar). */
export function flat(value: unknown): { values: unknown[]; shape: number[] | undefined } {
  if (ArrayBuffer.isView(value)) return { values: Array.from(value as unknown as ArrayLike<unknown>), shape: undefined };
  if (value !== null && typeof value === 'object' && 'data' in value) {
    const v = value as { data: ArrayLike<unknown>; shape: number[] };
    return { values: Array.from(v.data), shape: v.shape };
  }
  return { values: [value], shape: [] };
}

/** `got` against NumPy's text of a value; `loose`: within 1e-6 relative. */
export function same(got: unknown, want: string, where: string, loose: boolean): void {
  if (typeof got === 'bigint') return assert.equal(got.toString(), want, where);
  const w = want === 'inf' ? Infinity : want === '-inf' ? -Infinity : Number(want);
  const g = got as number;
  if (Number.isNaN(w)) return assert.ok(Number.isNaN(g), `${where}: got ${g}, want NaN`);
  if (loose && Number.isFinite(w)) return assert.ok(Math.abs(g - w) <= 1e-6 * Math.max(1, Math.abs(w)), `${where}: got ${g}, want ${w}`);
  assert.ok(g === w, `${where}: got ${g}, want ${want}`);
}
