// Weighted quantiles (`weights`, with `method: 'inverted_cdf'` only, as
// NumPy 2 allows): NumPy's rule exactly. Per lane, the values sorted, the
// weights' running sum in float64 (in sorted order) divided by its total
// gives the cdf; leading zeros of the cdf count as -1 (so that q = 0
// skips zero-weight values); the result is the first value whose cdf is at
// least q (the last value past it). NaN propagates (`quantile`) or is
// dropped with its weight (`nanquantile`, an empty lane then NaN), as is an
// element that a `where` mask drops (a lane left empty: NaN for a float
// result, a RangeError for an integer one). Weights
// are finite and non-negative, and not all zero in a lane (NumPy raises).
//
// One implementation for both backends: it sorts each lane (n log n)
// instead of the selection kernels' O(n), a cost only weighted calls pay.
import type { AnyCtor, NumericArray } from '../spec/dtypes';
import { dtypeOf, lengthOf } from '../spec/dtypes';
import { CODES, ndError } from '../spec/errors';
import { describe, isArray, read } from '../validate/read';
import type { Mask } from '../validate/mask';
import { readView } from '../validate/view';
import { emptyLane, keeps } from './js';

/** Weights read once: per position along the one reduced axis, or per element of x (C order). */
export interface Weights {
  readonly values: Float64Array;
  /** The reduced axis the weights run along; -1: they have x's shape. */
  readonly axis: number;
}

const FIELD = 'options.weights';

function numbers(raw: unknown): Float64Array {
  const d = dtypeOf(raw);
  if (d !== undefined) {
    const a = raw as NumericArray;
    return Float64Array.from({ length: lengthOf(a) }, (_, k) => Number(a[k]));
  }
  if (!isArray(raw)) throw ndError(TypeError, CODES.BAD_OPTION, `${FIELD} must be a typed array, a list of numbers or an array of x's shape, got ${describe(raw)}`);
  const n = read(raw as object, 'length', FIELD, CODES.BAD_OPTION) as number;
  const out = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const v = read(raw as object, k, FIELD, CODES.BAD_OPTION);
    if (typeof v !== 'number') throw ndError(TypeError, CODES.BAD_OPTION, `${FIELD}[${k}] must be a number, got ${describe(v)}`);
    out[k] = v;
  }
  return out;
}

/** Reads `options.weights` against x's view and the reduced axes. */
export function readWeights(raw: unknown, method: string, shape: readonly number[], axes: readonly number[], fn: string): Weights | undefined {
  if (raw === undefined) return undefined;
  if (method !== 'inverted_cdf') {
    throw ndError(TypeError, CODES.BAD_OPTION, `${FIELD} takes method "inverted_cdf" only (NumPy's rule), got method "${method}" for ${fn}`);
  }
  let values: Float64Array;
  let axis: number;
  const count = shape.reduce((p, n) => p * n, 1);
  const nd = raw !== null && typeof raw === 'object' && !isArray(raw) && dtypeOf(raw) === undefined;
  if (nd) {
    const v = readView(raw, [0, 64], true, FIELD);
    if (v.shape.length !== shape.length || v.shape.some((n, k) => n !== shape[k])) {
      throw ndError(RangeError, CODES.BAD_OPTION, `${FIELD} has shape [${v.shape.join(', ')}]; x has shape [${shape.join(', ')}] (weights have x's shape, or one per position along the one reduced axis)`);
    }
    values = new Float64Array(count);
    const idx = new Array<number>(shape.length).fill(0);
    for (let k = 0; k < count; k++) {
      let at = v.offset;
      for (let j = 0; j < shape.length; j++) at += idx[j] * v.strides[j];
      values[k] = Number((v.data as unknown as ArrayLike<number | bigint>)[at]);
      for (let j = shape.length - 1; j >= 0; j--) {
        if (++idx[j] < shape[j]) break;
        idx[j] = 0;
      }
    }
    axis = -1;
  } else {
    values = numbers(raw);
    if (axes.length === 1 && values.length === shape[axes[0]]) axis = axes[0];
    else if (shape.length <= 1 && values.length === count) axis = -1;
    else {
      throw ndError(RangeError, CODES.BAD_OPTION, `${FIELD} has ${values.length} entries: give one per position along the one reduced axis${axes.length === 1 ? ` (${shape[axes[0]]})` : ` (axes ${axes.join(', ')} are reduced)`}, or an array of x's shape`);
    }
  }
  for (let k = 0; k < values.length; k++) {
    const w = values[k];
    if (!(w >= 0) || w === Infinity) throw ndError(RangeError, CODES.BAD_OPTION, `${FIELD}[${k}] is ${w}: weights must be finite and non-negative`);
  }
  return { values, axis };
}

/** The q-major raw result of a weighted call. */
export function weightedQuantile(
  view: { data: NumericArray; shape: readonly number[]; strides: readonly number[]; offset: number },
  axes: readonly number[],
  w: Weights,
  qs: Float64Array,
  skipNaN: boolean,
  resultCtor: AnyCtor,
  kept: number,
  mask?: Mask,
): NumericArray {
  const { shape, strides } = view;
  const data = view.data as unknown as ArrayLike<number | bigint>;
  const flags = mask?.data as unknown as ArrayLike<number | bigint> | undefined;
  const integer = resultCtor !== Float64Array && resultCtor !== Float32Array;
  const keptAxes = shape.map((_, k) => k).filter((k) => !axes.includes(k));
  const cStride = new Array<number>(shape.length);
  for (let k = shape.length - 1, s = 1; k >= 0; k--) {
    cStride[k] = s;
    s *= shape[k];
  }
  const lane = axes.reduce((p, a) => p * shape[a], 1);
  const out = new resultCtor(qs.length * kept) as unknown as { [i: number]: number | bigint };
  const vals: (number | bigint)[] = new Array(lane);
  const wts = new Float64Array(lane);
  const order: number[] = new Array(lane);
  for (let p = 0; p < kept; p++) {
    let base = view.offset;
    let cBase = 0;
    let mBase = mask?.offset ?? 0;
    for (let j = keptAxes.length - 1, rest = p; j >= 0; j--) {
      const a = keptAxes[j];
      const i = rest % shape[a];
      rest = Math.floor(rest / shape[a]);
      base += i * strides[a];
      cBase += i * cStride[a];
      if (mask) mBase += i * mask.strides[a];
    }
    let n = 0;
    let nan = false;
    for (let r = 0; r < lane; r++) {
      let at = base;
      let cAt = cBase;
      let mAt = mBase;
      let along = 0;
      for (let j = axes.length - 1, rest = r; j >= 0; j--) {
        const a = axes[j];
        const i = rest % shape[a];
        rest = Math.floor(rest / shape[a]);
        at += i * strides[a];
        cAt += i * cStride[a];
        if (mask) mAt += i * mask.strides[a];
        if (a === w.axis) along = i;
      }
      // A masked-out element is dropped with its weight.
      if (flags && !keeps(flags[mAt])) continue;
      const v = data[at];
      if (v !== v) {
        nan = true;
        continue;
      }
      vals[n] = v;
      wts[n] = w.axis < 0 ? w.values[cAt] : w.values[along];
      n++;
    }
    if (n === 0 && integer) throw emptyLane(p);
    if ((nan && !skipNaN) || n === 0) {
      for (let q = 0; q < qs.length; q++) out[q * kept + p] = NaN;
      continue;
    }
    for (let k = 0; k < n; k++) order[k] = k;
    const sorted = order.slice(0, n).sort((a, b) => (vals[a] < vals[b] ? -1 : vals[a] > vals[b] ? 1 : a - b));
    const cdf = new Float64Array(n);
    let sum = 0;
    for (let k = 0; k < n; k++) cdf[k] = sum += wts[sorted[k]];
    if (!(sum > 0)) throw ndError(RangeError, CODES.BAD_OPTION, `${FIELD} are all zero in the lane of result index ${p} (NumPy raises too)`);
    for (let k = 0; k < n; k++) cdf[k] = cdf[k] / sum;
    for (let k = 0; k < n && cdf[k] === 0; k++) cdf[k] = -1;
    for (let q = 0; q < qs.length; q++) {
      // searchsorted(cdf, q, side='left'): the first k with cdf[k] >= q.
      let lo = 0;
      let hi = n;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (cdf[mid] < qs[q]) lo = mid + 1;
        else hi = mid;
      }
      out[q * kept + p] = vals[sorted[Math.min(lo, n - 1)]];
    }
  }
  return out as unknown as NumericArray;
}
