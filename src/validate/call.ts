// The checked call: options (options.ts) and the view (view.ts) read once,
// then everything a kernel needs derived from them, before any work. Nothing
// of the caller's is read after `readCall` returns.
import { constants as bufferConstants } from 'node:buffer';

import { addon } from '../addon/load';
import type { Extras } from '../addon/load';
import { bufferOf, byteOffsetOf, dtypeOf, lengthOf, sumCtorOf } from '../spec/dtypes';
import type { AnyCtor, Dtype, NumericArray } from '../spec/dtypes';
import { CODES, ndError } from '../spec/errors';
import { spec, takes } from '../spec/ops';
import type { OpName, Reduction } from '../spec/ops';
import type { Backend, Strategy } from '../spec/types';
import { ASYNC, readOptions, resolveAxes, SYNC } from './options';
import type { Options } from './options';
import { groupingOf } from './labels';
import type { Grouping } from './labels';
import { readMask } from './mask';
import type { Mask } from './mask';
import { bracket, describe, MAX_NDIM } from './read';
import { cStrides, readView } from './view';
import type { View } from './view';

/** The dimensions a reduction takes: a 0-d array (NumPy's scalar, what
 * `np.save` of one writes) reduces to its element. */
const ZERO_TO_MAX: [number, number] = [0, MAX_NDIM];

/** Bytes one result array may hold: Node's limit for a single buffer. */
const MAX_RESULT_BYTES = bufferConstants.MAX_LENGTH;

/** The class of a reduction's result array for input `d`. */
function resultCtorOf(reduction: Reduction, d: Dtype, floatResult: boolean): AnyCtor {
  switch (spec(reduction).family) {
    case 'extremum':
    case 'minmax':
      return d.ctor;
    case 'sum':
      return floatResult ? (Float64Array as AnyCtor) : sumCtorOf(d);
    case 'bool':
      return Uint8Array as AnyCtor;
    default:
      return Float64Array as AnyCtor;
  }
}

/** Everything a reduction needs, checked: nothing of the caller's is read after this. */
export interface Call extends View {
  readonly reduction: Reduction;
  /** The addon's op: `nan…` when NaN is skipped in a float array. */
  readonly op: OpName;
  readonly axes: readonly number[];
  /** A scalar result: every axis reduced, without `keepdims` or `out`. */
  readonly all: boolean;
  /** The result's shape, reduced axes kept as 1, when `keepdims` was asked. */
  readonly keptShape: readonly number[] | undefined;
  /** Result positions (the product of the kept axes). */
  readonly kept: number;
  /** The class of the addon's result (twice `kept` long for the minmax family). */
  readonly resultCtor: AnyCtor;
  /** The caller's `out` and our own view of its memory (written at the end). */
  readonly out: NumericArray | undefined;
  readonly outView: NumericArray | undefined;
  /** `initial` as an element of the dtype (the ops that take it). */
  readonly initial: number | bigint | undefined;
  /** The addon's extras (`ddof`, `dtype`), when the op reads them. */
  readonly extras: Extras | undefined;
  /** 0: the default pool. */
  readonly threads: number;
  readonly schedule: Strategy;
  readonly backend: Backend;
  readonly signal: AbortSignal | undefined;
  /** `by`: the labels, checked; the result is then `kept` positions of `keptShape`. */
  readonly grouping: Grouping | undefined;
  /** `options.where`, checked and broadcast over x's axes. */
  readonly mask: Mask | undefined;
}

/** `initial` as a value of `d`: a bigint for the 64-bit integers, a number
 * otherwise; an integer in range for integer dtypes. */
function initialOf(raw: number | bigint, d: Dtype): number | bigint {
  if (d.kind === 'float') {
    if (typeof raw === 'bigint') throw ndError(TypeError, CODES.BAD_OPTION, `options.initial must be a number for ${d.ctor.name}, got ${describe(raw)}`);
    return raw;
  }
  if (typeof raw === 'number' && !Number.isSafeInteger(raw)) {
    throw ndError(TypeError, CODES.BAD_OPTION, `options.initial must be an integer for ${d.ctor.name}, got ${describe(raw)}`);
  }
  const big = BigInt(raw);
  if (big < BigInt(d.lowest) || big > BigInt(d.highest)) {
    throw ndError(RangeError, CODES.BAD_OPTION, `options.initial ${describe(raw)} does not fit ${d.ctor.name} (${d.lowest} to ${d.highest})`);
  }
  return d.big ? big : Number(big);
}

/** Reads and checks one call of a reduction (`fn` names the public function
 * in hints); throws before any work. */
export function readCall(reduction: Reduction, x: unknown, options: unknown, fn: string, ignoreNaN = false, async = false): Call {
  const o = readOptions(options, reduction, async ? ASYNC : SYNC);
  const rewrap = async || o.backend !== 'native' || addon() === undefined;
  const view = readView(x, ZERO_TO_MAX, rewrap);
  const mask = o.where === undefined ? undefined : readMask(o.where, view, rewrap);
  return callOf(reduction, view, o, fn, ignoreNaN, mask);
}

/** The view of an array that is not in memory (a file's): its dtype and
 * shape, C order; `data` is empty, for a call that never reads it. */
export function fileView(dtype: Dtype, shape: readonly number[]): View {
  let count = 1;
  for (const n of shape) count *= n;
  return { data: new dtype.ctor(0), dtype, shared: false, shape, strides: cStrides(shape), offset: 0, count };
}

/** Everything a call needs from its checked options and view. */
export function callOf(reduction: Reduction, view: View, o: Options, fn: string, ignoreNaN: boolean, mask?: Mask): Call {
  const ndim = view.shape.length;
  const axes = resolveAxes(o.axis, ndim);
  if (mask && (o.strategy !== 'auto' || o.backend === 'wasm')) {
    const what = o.backend === 'wasm' ? 'options.backend "wasm"' : `options.strategy "${o.strategy}"`;
    throw ndError(TypeError, CODES.BAD_OPTION, `${what} (the article's kernels) takes no options.where; leave it out, or use the default "auto" and "native"`);
  }
  if (o.strategy !== 'auto' && (ndim !== 2 || axes.length !== 1)) {
    throw ndError(
      RangeError,
      CODES.BAD_OPTION,
      `options.strategy "${o.strategy}" needs a 2-D array reduced along one axis, got a ${ndim}-D array reduced along axes ${bracket(axes)}`,
    );
  }
  if (o.backend === 'wasm' && (reduction !== 'max' || view.dtype.name !== 'int64' || ndim !== 2 || axes.length !== 1)) {
    throw ndError(
      RangeError,
      CODES.BAD_OPTION,
      `options.backend "wasm" computes only max of a 2-D BigInt64Array along one axis (the article's case), not ${reduction} of a ${ndim}-D ${view.dtype.ctor.name} along axes ${bracket(axes)}`,
    );
  }
  const grouping = o.by === undefined ? undefined : groupingOf(reduction, fn, o.by, o.groups, view.shape, axes, o.initial);
  if (grouping && (o.strategy !== 'auto' || o.backend === 'wasm')) {
    throw ndError(RangeError, CODES.BAD_OPTION, `options.by takes the "auto" strategy and the "native" or "js" backend only`);
  }
  let kept = 1;
  for (let k = 0; k < ndim; k++) if (!axes.includes(k)) kept *= view.shape[k];
  if (grouping) kept = grouping.kept;
  // Every result element is at most 8 bytes; minmax holds two per position.
  if (kept * 8 * (spec(reduction).family === 'minmax' ? 2 : 1) > MAX_RESULT_BYTES) {
    throw ndError(RangeError, CODES.TOO_LARGE, `a result of ${kept} elements cannot be allocated`);
  }
  const initial = o.initial === undefined ? undefined : initialOf(o.initial, view.dtype);
  const numpyName = spec(reduction).noIdentity;
  if (numpyName !== null && initial === undefined && axes.some((a) => view.shape[a] === 0)) {
    throw ndError(RangeError, CODES.ZERO_SIZE, `zero-size array to reduction operation ${numpyName} which has no identity`);
  }
  const float = view.dtype.kind === 'float';
  if (o.exactInt && (float || spec(reduction).family === 'float')) {
    const what = float ? `of a ${view.dtype.ctor.name}` : 'of integers (a mean is a float64)';
    throw ndError(RangeError, CODES.BAD_OPTION, `options.dtype "int64" does not apply to ${fn} ${what}; use "float64" or leave it out`);
  }
  let extras: Extras | undefined;
  if (o.floatResult && !float && spec(reduction).family === 'sum') extras = { dtype: 'float64' };
  if (takes(reduction, 'ddof') && o.ddof !== 0) extras = { ddof: o.ddof };
  let out: NumericArray | undefined;
  let outView: NumericArray | undefined;
  const resultCtor = resultCtorOf(reduction, view.dtype, o.floatResult && !float);
  if (o.out !== undefined) {
    const want = resultCtor;
    const od = dtypeOf(o.out) as Dtype;
    const length = lengthOf(o.out);
    if (od.ctor !== want || length !== kept) {
      throw ndError(TypeError, CODES.BAD_OPTION, `options.out must be a ${want.name} of length ${kept} for ${fn} of this ${view.dtype.ctor.name}, got a ${od.ctor.name} of length ${length}`);
    }
    out = o.out;
    outView = new od.ctor(bufferOf(o.out), byteOffsetOf(o.out), length);
  }
  const skip = (ignoreNaN || o.ignoreNaN) && float && takes(reduction, 'ignoreNaN');
  const op = (skip ? `nan${reduction}` : reduction) as OpName;
  const keptShape = grouping ? grouping.shape : o.keepdims ? view.shape.map((n, k) => (axes.includes(k) ? 1 : n)) : undefined;
  const all = !grouping && axes.length === ndim && (o.axis === null || o.axis === undefined) && !o.keepdims && out === undefined;
  // One literal of fixed shape (a spread would make a slow dictionary object).
  const { data, dtype, shared, shape, strides, offset, count } = view;
  return {
    data, dtype, shared, shape, strides, offset, count, reduction, op, axes, all, keptShape, kept, resultCtor, out, outView, initial, extras,
    threads: o.threads, schedule: o.strategy, backend: o.backend, signal: o.signal, grouping, mask,
  };
}

/** The shape of a reduction's result: the input's shape without the
 * reduced axes (`[]` for every axis), or with them as 1 for `keepdims`. */
export function resultShape(x: unknown, options?: unknown): number[] {
  return keptShapeOf(readView(x, ZERO_TO_MAX).shape, options);
}

/** `resultShape` of an array of `shape` (a file's, without reading it). */
export function keptShapeOf(shape: readonly number[], options?: unknown): number[] {
  const o = readOptions(options, null, SYNC);
  const axes = resolveAxes(o.axis, shape.length);
  if (o.by) return [...groupingOf('sum', 'resultShape', o.by, o.groups, shape, axes, undefined).shape];
  if (o.keepdims) return shape.map((n, k) => (axes.includes(k) ? 1 : n));
  return shape.filter((_, k) => !axes.includes(k));
}

