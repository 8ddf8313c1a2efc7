// The checked call of the quantile family: options through the one
// options reader (src/validate/options.ts, with `method` as this entry's
// own key), the array through the one view reader, `q` read once here.
// Nothing of the caller's is read after `readQuantileCall` returns.
import { constants as bufferConstants } from 'node:buffer';

import { addon } from '../addon/load';
import { bufferOf, byteOffsetOf, dtypeOf, lengthOf } from '../spec/dtypes';
import type { AnyCtor, Dtype, NumericArray } from '../spec/dtypes';
import { CODES, ndError } from '../spec/errors';
import type { Backend } from '../spec/types';
import { readMask } from '../validate/mask';
import type { Mask } from '../validate/mask';
import { entryOf, readOptions, resolveAxes } from '../validate/options';
import { describe, list, MAX_NDIM } from '../validate/read';
import { readView } from '../validate/view';
import type { View } from '../validate/view';
import { METHODS, PICKING } from './spec';
import { readWeights } from './weights';
import type { Weights } from './weights';
import type { QuantileKind, QuantileMethod } from './spec';

const COMMON = ['axis', 'keepdims', 'out', 'threads', 'backend'];
const MEDIAN_SYNC = entryOf(COMMON, ['where']);
const MEDIAN_ASYNC = entryOf([...COMMON, 'signal'], ['where']);
const QUANTILE_SYNC = entryOf(COMMON, ['method', 'weights', 'where']);
const QUANTILE_ASYNC = entryOf([...COMMON, 'signal'], ['method', 'weights', 'where']);

/** The most quantiles one call takes. */
const MAX_QS = 1 << 20;

export interface QuantileCall extends View {
  /** `'median'` or a quantile method: what the engines compute per lane. */
  readonly method: QuantileMethod | 'median';
  /** The quantiles, each in [0, 1]; undefined for the median. */
  readonly qs: Float64Array | undefined;
  /** `q` was a list: the result is `{ data, shape: [qs.length, ...] }`. */
  readonly qList: boolean;
  readonly skipNaN: boolean;
  readonly axes: readonly number[];
  /** Result positions per quantile. */
  readonly kept: number;
  /** The kept shape (reduced axes as 1 with `keepdims`). */
  readonly keptShape: readonly number[];
  readonly keepdims: boolean;
  /** A scalar result: one q, every axis, no `keepdims` or `out`. */
  readonly all: boolean;
  readonly resultCtor: AnyCtor;
  readonly out: NumericArray | undefined;
  readonly outView: NumericArray | undefined;
  readonly threads: number;
  readonly backend: Backend;
  readonly signal: AbortSignal | undefined;
  /** `weights` (inverted_cdf only), read once. */
  readonly weights: Weights | undefined;
  /** `where`, read once by the reductions' mask reader. */
  readonly mask: Mask | undefined;
}

/** `q` (or `p` for percentile, divided by 100 as NumPy does) as numbers in [0, 1]. */
function readQs(raw: unknown, percent: boolean): { qs: Float64Array; qList: boolean } {
  const field = percent ? 'p' : 'q';
  const top = percent ? 100 : 1;
  const one = (v: unknown, at: string): number => {
    if (typeof v !== 'number' || !(v >= 0 && v <= top)) {
      const Class = typeof v === 'number' ? RangeError : TypeError;
      throw ndError(Class, CODES.BAD_OPTION, `${at} must be a number in [0, ${top}], got ${describe(v)}`);
    }
    return percent ? v / 100 : v;
  };
  if (typeof raw === 'number') return { qs: Float64Array.of(one(raw, field)), qList: false };
  if (raw instanceof Float64Array || Array.isArray(raw)) {
    const entries = list(raw, field, CODES.BAD_OPTION, MAX_QS);
    if (entries.length === 0) throw ndError(RangeError, CODES.BAD_OPTION, `${field} must list at least one value, got []`);
    return { qs: Float64Array.from(entries, (v, k) => one(v, `${field}[${k}]`)), qList: true };
  }
  throw ndError(TypeError, CODES.BAD_OPTION, `${field} must be a number in [0, ${top}], a list of them or a Float64Array, got ${describe(raw)}`);
}

function readMethod(raw: unknown): QuantileMethod {
  if (raw === undefined) return 'linear';
  if (typeof raw === 'string' && (METHODS as readonly string[]).includes(raw)) return raw as QuantileMethod;
  throw ndError(TypeError, CODES.BAD_OPTION, `options.method must be one of ${METHODS.map((m) => `"${m}"`).join(', ')}, got ${describe(raw)}`);
}

/** Reads and checks one call; throws before any work. */
export function readQuantileCall(kind: QuantileKind, x: unknown, q: unknown, options: unknown, fn: string, skipNaN: boolean, async: boolean): QuantileCall {
  const entry = kind === 'median' ? (async ? MEDIAN_ASYNC : MEDIAN_SYNC) : async ? QUANTILE_ASYNC : QUANTILE_SYNC;
  const o = readOptions(options, null, entry);
  const { qs, qList } = kind === 'median' ? { qs: undefined, qList: false } : readQs(q, kind === 'percentile');
  const method = kind === 'median' ? 'median' : readMethod(o.extra.method);
  if (o.backend === 'wasm') throw ndError(RangeError, CODES.BAD_OPTION, `options.backend "wasm" computes only max of a 2-D BigInt64Array, not ${fn}`);
  const rewrap = async || o.backend !== 'native' || addon() === undefined;
  const view = readView(x, [0, MAX_NDIM], rewrap);
  const mask = o.extra.where === undefined ? undefined : readMask(o.extra.where, view, rewrap);
  const ndim = view.shape.length;
  const axes = resolveAxes(o.axis, ndim);
  let kept = 1;
  let lane = 1;
  for (let k = 0; k < ndim; k++) {
    if (axes.includes(k)) lane *= view.shape[k];
    else kept *= view.shape[k];
  }
  const nq = qs?.length ?? 1;
  if (kept * nq * 8 > bufferConstants.MAX_LENGTH) throw ndError(RangeError, CODES.TOO_LARGE, `a result of ${kept * nq} elements cannot be allocated`);
  const float = view.dtype.kind === 'float';
  const picks = (PICKING as readonly string[]).includes(method);
  if (lane === 0 && kept > 0 && method !== 'median' && (!skipNaN || (picks && !float))) {
    // NumPy's quantile raises (an IndexError) on an empty lane; its nan twin
    // gives NaN, which an integer result cannot hold.
    throw ndError(RangeError, CODES.ZERO_SIZE, `zero-size array to reduction operation ${fn} which has no identity${skipNaN ? ` (an integer result cannot be NaN)` : ''}`);
  }
  const weights = kind === 'median' ? undefined : readWeights(o.extra.weights, method, view.shape, axes, fn);
  const resultCtor = (picks ? view.dtype.ctor : Float64Array) as AnyCtor;
  const keptShape = view.shape.flatMap((n, k) => (axes.includes(k) ? (o.keepdims ? [1] : []) : [n]));
  let out: NumericArray | undefined;
  let outView: NumericArray | undefined;
  if (o.out !== undefined) {
    const od = dtypeOf(o.out) as Dtype;
    const length = lengthOf(o.out);
    if (od.ctor !== resultCtor || length !== kept * nq) {
      throw ndError(TypeError, CODES.BAD_OPTION, `options.out must be a ${resultCtor.name} of length ${kept * nq} for ${fn} of this ${view.dtype.ctor.name}, got a ${od.ctor.name} of length ${length}`);
    }
    out = o.out;
    outView = new od.ctor(bufferOf(o.out), byteOffsetOf(o.out), length);
  }
  const all = !qList && axes.length === ndim && (o.axis === null || o.axis === undefined) && !o.keepdims && out === undefined;
  const { data, dtype, shared, shape, strides, offset, count } = view;
  return {
    data, dtype, shared, shape, strides, offset, count, method, qs, qList, skipNaN: skipNaN && float, axes, kept, keptShape, keepdims: o.keepdims, all, resultCtor, out, outView,
    threads: o.threads, backend: o.backend, signal: o.signal, weights, mask,
  };
}
