// The test oracle: the obvious loops, one element at a time, nothing
// clever. No production code imports it. Results of `referenceReduce` have
// the addon's raw form: kept axes flattened in C order; `minmax` gives n
// minimums then n maximums.
import assert from 'node:assert/strict';

import { sumCtorOf } from '../src/spec/dtypes';
import type { Dtype, NumericArray } from '../src/spec/dtypes';
import { finish } from '../src/run/result';
import type { NdArrayLike, Reduction } from '../src/index';
import { readCall } from '../src/validate/call';
import { readView } from '../src/validate/view';
import { referenceMore } from './oracle-more';

export interface ViewNd {
  readonly data: NumericArray;
  readonly dtype: Dtype;
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  readonly offset: number;
}

type Value = number | bigint;

/** Calls `visit(out, at, index)` for every element: `out` is the position
 * among the kept axes (C order), `at` the element's index in data, `index`
 * its flat C-order position among the reduced axes. */
export function forEachReduced(view: ViewNd, axes: readonly number[], visit: (out: number, at: number, index: number) => void): void {
  const kept = view.shape.map((_, k) => k).filter((k) => !axes.includes(k));
  const keptShape = kept.map((k) => view.shape[k]);
  const keptStrides = kept.map((k) => view.strides[k]);
  const redShape = axes.map((k) => view.shape[k]);
  const redStrides = axes.map((k) => view.strides[k]);
  const outCount = keptShape.reduce((n, d) => n * d, 1);
  const redCount = redShape.reduce((n, d) => n * d, 1);
  const keptAt = odometer(keptShape, keptStrides, view.offset);
  for (let out = 0; out < outCount; out++) {
    const base = keptAt.next();
    const redAt = odometer(redShape, redStrides, base);
    for (let index = 0; index < redCount; index++) {
      const at = redAt.next();
      // A view the validator let through must address only its data; an
      // oracle reading past it would compare against undefined.
      assert.ok(at >= 0 && at < view.data.length, `oracle: element ${at} is outside data of length ${view.data.length}`);
      visit(out, at, index);
    }
  }
}

/** Element indices of a view in C order, one per `next()`. */
function odometer(shape: readonly number[], strides: readonly number[], offset: number): { next(): number } {
  const pos = new Array<number>(shape.length).fill(0);
  let at = offset;
  let started = false;
  return {
    next() {
      if (!started) {
        started = true;
        return at;
      }
      for (let k = shape.length - 1; k >= 0; k--) {
        if (++pos[k] < shape[k]) {
          at += strides[k];
          return at;
        }
        at -= (shape[k] - 1) * strides[k];
        pos[k] = 0;
      }
      return at;
    },
  };
}

function outCount(view: ViewNd, axes: readonly number[]): number {
  return view.shape.reduce((n, d, k) => (axes.includes(k) ? n : n * d), 1);
}

const isNaNValue = (x: Value) => typeof x === 'number' && x !== x;

/** `x` replaces `best` in a maximum: NaN beats everything and nothing
 * beats NaN (NumPy propagates it); equal values keep the first. */
export const beatsMax = (x: Value, best: Value) => x > best || (isNaNValue(x) && !isNaNValue(best));
export const beatsMin = (x: Value, best: Value) => x < best || (isNaNValue(x) && !isNaNValue(best));

/** The running best value and its index for each output position. */
function extremes(view: ViewNd, axes: readonly number[], beats: (x: Value, best: Value) => boolean, ignoreNaN: boolean) {
  const n = outCount(view, axes);
  const best = new Array<Value | undefined>(n).fill(undefined);
  const where = new Array<number>(n).fill(-1);
  const data = view.data as unknown as ArrayLike<Value>;
  forEachReduced(view, axes, (out, at, index) => {
    const x = data[at];
    if (ignoreNaN && isNaNValue(x)) return;
    const b = best[out];
    if (b === undefined || beats(x, b)) {
      best[out] = x;
      where[out] = index;
    }
  });
  return { best, where };
}

function fill(ctor: { new (n: number): NumericArray }, values: readonly (Value | undefined)[]): NumericArray {
  const out = new ctor(values.length) as unknown as { [i: number]: Value };
  // An all-NaN slice with NaN skipped has no value: NaN, as NumPy returns.
  values.forEach((v, i) => (out[i] = v === undefined ? NaN : v));
  return out as unknown as NumericArray;
}

function extremum(view: ViewNd, axes: readonly number[], op: 'min' | 'max', ignoreNaN: boolean): NumericArray {
  const { best } = extremes(view, axes, op === 'max' ? beatsMax : beatsMin, ignoreNaN);
  return fill(view.data.constructor as new (n: number) => NumericArray, best);
}

function arg(view: ViewNd, axes: readonly number[], op: 'argmin' | 'argmax', ignoreNaN: boolean): Float64Array {
  const { where } = extremes(view, axes, op === 'argmax' ? beatsMax : beatsMin, ignoreNaN);
  if (where.includes(-1)) throw new RangeError(`All-NaN slice encountered in nan${op}`);
  return Float64Array.from(where);
}

/** Integers are summed exactly: in a number while it stays below 2^52
 * (so adding any 32-bit value is exact), folded into a BigInt beyond. */
function sum(view: ViewNd, axes: readonly number[]): NumericArray {
  const n = outCount(view, axes);
  const data = view.data as unknown as ArrayLike<Value>;
  if (view.dtype.kind === 'float') {
    const out = new Float64Array(n);
    forEachReduced(view, axes, (o, at) => (out[o] += data[at] as number));
    return out;
  }
  const small = new Float64Array(n);
  const big = new Array<bigint>(n).fill(0n);
  forEachReduced(view, axes, (o, at) => {
    const x = data[at];
    if (typeof x === 'bigint') big[o] += x;
    else if (Math.abs((small[o] += x)) > 2 ** 52) {
      big[o] += BigInt(small[o]);
      small[o] = 0;
    }
  });
  const out = new (sumCtorOf(view.dtype))(n) as unknown as { [i: number]: bigint };
  for (let o = 0; o < n; o++) out[o] = checkSumRange(view.dtype, big[o] + BigInt(small[o]), o);
  return out as unknown as NumericArray;
}

/** An exact integer sum, or the RangeError (the addon's words) of one
 * that does not fit the 64-bit result type. */
export function checkSumRange(dtype: Dtype, total: bigint, at: number): bigint {
  const [low, high] = dtype.kind === 'int' ? [-(2n ** 63n), 2n ** 63n - 1n] : [0n, 2n ** 64n - 1n];
  if (total < low || total > high) {
    throw new RangeError(`sum at output index ${at} does not fit ${dtype.kind === 'int' ? 'int64' : 'uint64'}`);
  }
  return total;
}

/** `op` of `view` over `axes` (sorted, unique, non-empty extent unless sum). */
export function referenceReduce(view: ViewNd, axes: readonly number[], op: Reduction, ignoreNaN: boolean): NumericArray {
  const skip = ignoreNaN && view.dtype.kind === 'float';
  switch (op) {
    case 'min':
    case 'max':
      return extremum(view, axes, op, skip);
    case 'argmin':
    case 'argmax':
      return arg(view, axes, op, skip);
    case 'sum':
      return skip ? referenceMore(view, axes, op, skip) : sum(view, axes);
    case 'minmax': {
      const lo = extremum(view, axes, 'min', skip);
      const hi = extremum(view, axes, 'max', skip);
      const out = new (lo.constructor as new (n: number) => NumericArray)(lo.length * 2) as unknown as { set(a: ArrayLike<Value>, at: number): void };
      out.set(lo as unknown as ArrayLike<Value>, 0);
      out.set(hi as unknown as ArrayLike<Value>, lo.length);
      return out as unknown as NumericArray;
    }
    default:
      return referenceMore(view, axes, op, skip);
  }
}

/** What the public `op(x, options)` must return (or throw), by the oracle. */
export function reference(op: Reduction, x: unknown, options?: unknown, ignoreNaN = false): unknown {
  const call = readCall(op, x, options, op, ignoreNaN);
  const skip = call.op.startsWith('nan');
  const extra = call.extras;
  if (extra || op === 'prod' || op === 'mean' || op === 'var' || op === 'std' || op === 'ptp' || op === 'any' || op === 'all' || op === 'countNonzero') {
    return finish(call, referenceMore(call, call.axes, op, skip, extra?.ddof ?? 0, extra?.dtype === 'float64'));
  }
  return finish(call, referenceReduce(call, call.axes, op, skip));
}

/** The article's column (axis 0) or row (axis 1) maximum of a 2-D int64 array. */
export function referenceMax(x: NdArrayLike<BigInt64Array>, axis: 0 | 1): BigInt64Array {
  return referenceReduce(readView(x), [axis], 'max', false) as BigInt64Array;
}
