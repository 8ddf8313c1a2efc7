// The oracle for the reductions NumPy added to min/max/sum: the obvious
// loops again, and float sums made exact (BigInt multiples of 2^-1074,
// rounded once to the nearest double), so that compensated sums are
// measured against the true answer.
import assert from 'node:assert/strict';

import { sumCtorOf } from '../src/spec/dtypes';
import type { Dtype, NumericArray } from '../src/spec/dtypes';
import type { Reduction } from '../src/index';
import { forEachReduced } from './oracle';
import type { ViewNd } from './oracle';

type Value = number | bigint;

/** The exact value of a finite double, in units of 2^-1074. */
function units(x: number): bigint {
  if (x === 0) return 0n;
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const exponent = Number((bits >> 52n) & 0x7ffn);
  const mantissa = bits & ((1n << 52n) - 1n);
  const whole = exponent === 0 ? mantissa : (mantissa | (1n << 52n)) << BigInt(exponent - 1);
  return x < 0 ? -whole : whole;
}

/** `n` units of 2^-1074 rounded to the nearest double (ties to even). */
function toDouble(n: bigint): number {
  if (n === 0n) return 0;
  const negative = n < 0n;
  let a = negative ? -n : n;
  let shift = a.toString(2).length - 53;
  if (shift > 0) {
    const q = a >> BigInt(shift);
    const r = a - (q << BigInt(shift));
    const half = 1n << BigInt(shift - 1);
    a = r > half || (r === half && (q & 1n) === 1n) ? q + 1n : q;
  } else shift = 0;
  const value = Number(a) * 2 ** (shift - 1074 + 537) * 2 ** -537;
  return negative ? -value : value;
}

/** The exactly rounded sum of doubles (NaN and infinities as IEEE adds them). */
export function exactSum(values: readonly number[]): number {
  let special = 0;
  let total = 0n;
  for (const v of values) {
    if (Number.isFinite(v)) total += units(v);
    else special += v;
  }
  return special !== 0 || Number.isNaN(special) ? special : toDouble(total);
}

/** The elements of each output position, in C order over the reduced axes. */
function slices(view: ViewNd, axes: readonly number[]): Value[][] {
  const out: Value[][] = [];
  const data = view.data as unknown as ArrayLike<Value>;
  const kept = view.shape.reduce((n, d, k) => (axes.includes(k) ? n : n * d), 1);
  for (let o = 0; o < kept; o++) out.push([]);
  forEachReduced(view, axes, (o, at) => out[o].push(data[at]));
  const reduced = view.shape.reduce((n, d, k) => (axes.includes(k) ? n * d : n), 1);
  assert.ok(out.every((s) => s.length === reduced), 'oracle: every output position folds the whole reduced extent');
  return out;
}

const fill = (ctor: new (n: number) => NumericArray, values: Value[]) => {
  const out = new ctor(values.length) as unknown as { [i: number]: Value };
  values.forEach((v, i) => (out[i] = v));
  return out as unknown as NumericArray;
};

function exactInt(dtype: Dtype, op: string, v: bigint, o: number): bigint {
  const fits = (dtype.kind === 'int' ? BigInt.asIntN(64, v) : BigInt.asUintN(64, v)) === v;
  if (!fits) throw new RangeError(`${op} at output index ${o} does not fit ${dtype.kind === 'int' ? 'int64' : 'uint64'}`);
  return v;
}

const nonzero = (v: Value) => v !== 0 && v !== 0n;

/** `op` (one of those `referenceReduce` leaves out) with `skip`ped NaN. */
export function referenceMore(view: ViewNd, axes: readonly number[], op: Reduction, skip: boolean, ddof = 0, floatResult = false): NumericArray {
  const rows = slices(view, axes).map((r) => (skip ? r.filter((v) => v === v) : r));
  const float = view.dtype.kind === 'float';
  const numbers = (r: Value[]) => r.map(Number);
  const exact = (r: Value[]) => r.reduce<bigint>((a, v) => a + BigInt(v), 0n);
  switch (op) {
    case 'ptp':
      return fill(view.dtype.ctor, rows.map((r) => {
        if (r.some((v) => v !== v)) return NaN;
        const hi = r.reduce((a, v) => (v > a ? v : a));
        const lo = r.reduce((a, v) => (v < a ? v : a));
        return view.dtype.big ? BigInt.asIntN(64, (hi as bigint) - (lo as bigint)) : (hi as number) - (lo as number);
      }));
    case 'sum':
      if (float || floatResult) return Float64Array.from(rows, (r) => (float ? exactSum(numbers(r)) : Number(exact(r))));
      return fill(sumCtorOf(view.dtype), rows.map((r, o) => exactInt(view.dtype, 'sum', exact(r), o)));
    case 'mean':
      return Float64Array.from(rows, (r) => (float ? exactSum(numbers(r)) : Number(exact(r))) / r.length);
    case 'var':
    case 'std':
      return Float64Array.from(rows, (r) => {
        const xs = numbers(r);
        const m = exactSum(xs) / xs.length;
        const v = exactSum(xs.map((x) => (x - m) ** 2)) / (xs.length - ddof);
        const out = xs.length - ddof > 0 ? v : NaN;
        return op === 'std' ? Math.sqrt(out) : out;
      });
    case 'prod':
      if (float) return Float64Array.from(rows, (r) => numbers(r).reduce((a, v) => a * v, 1));
      if (floatResult) return Float64Array.from(rows, (r) => Number(r.reduce<bigint>((a, v) => a * BigInt(v), 1n)));
      return fill(sumCtorOf(view.dtype), rows.map((r, o) => exactInt(view.dtype, 'prod', r.reduce<bigint>((a, v) => a * BigInt(v), 1n), o)));
    case 'any':
      return Uint8Array.from(rows, (r) => (r.some(nonzero) ? 1 : 0));
    case 'all':
      return Uint8Array.from(rows, (r) => (r.every(nonzero) ? 1 : 0));
    case 'countNonzero':
      return Float64Array.from(rows, (r) => r.filter(nonzero).length);
    default:
      throw new Error(`the oracle has no ${op}`);
  }
}
