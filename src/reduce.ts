// The N-d engine: validate once, compute natively (or with the reference
// loops when the addon lacks the function), shape the result.
import { asInputType, nativeData } from './dtypes';
import type { NumericArray } from './dtypes';
import { nativeCall } from './native-nd';
import type { NativeCall } from './native-nd';
import { referenceReduce } from './reference-nd';
import type { CheckedReduceOptions, Reduction, ViewNd } from './types';
import { checkNdView, checkReduceOptions, checkReducibleNd } from './validate-nd';
import { describe, read } from './validate';

export interface Prepared {
  readonly op: Reduction;
  readonly view: ViewNd;
  readonly opts: CheckedReduceOptions;
}

/** Validates everything a reduction needs; throws before any work. */
export function prepare(op: Reduction, x: unknown, options: unknown, ignoreNaN = false): Prepared {
  const view = checkNdView(x);
  const checked = checkReduceOptions(options, view.shape.length, op);
  const opts = ignoreNaN ? { ...checked, ignoreNaN } : checked;
  checkReducibleNd(view, opts.axes, op);
  return { op, view, opts };
}

/** The addon's arguments for a view: plain arrays, clamped bytes as bytes. */
export function nativeArgs(view: ViewNd, opts: CheckedReduceOptions): [NumericArray, number[], number[], number, number[]] {
  return [nativeData(view.data), [...view.shape], [...view.strides], view.offset, [...opts.axes]];
}

/** Where the N-d reductions run: `auto` uses the addon when it has the
 * function. `reference` is for tests that compare the two. */
export type Engine = 'auto' | 'reference';

export function engineFor(p: Prepared, engine: Engine): NativeCall | undefined {
  return engine === 'reference' ? undefined : nativeCall(p.op, p.view.dtype.suffix);
}

/** The raw result (the addon's form) computed synchronously. */
export function computeSync(p: Prepared, engine: Engine = 'auto'): NumericArray {
  const call = engineFor(p, engine);
  if (!call) return referenceReduce(p.view, p.opts.axes, p.op, p.opts.ignoreNaN);
  return call.sync(nativeArgs(p.view, p.opts), p.opts.ignoreNaN, p.opts.threads);
}

export type Scalar = number | bigint;

/** The public result: the kept axes' values (the input's own typed array
 * for min/max), a scalar for `axis: null`, `{ min, max }` for minmax. */
export function finish(p: Prepared, raw: NumericArray): unknown {
  const values = p.op === 'min' || p.op === 'max' || p.op === 'minmax' ? asInputType(p.view.data, raw) : raw;
  const first = (a: NumericArray) => (a as unknown as ArrayLike<Scalar>)[0];
  if (p.op === 'minmax') {
    const n = values.length / 2;
    const min = values.subarray(0, n) as NumericArray;
    const max = values.subarray(n) as NumericArray;
    return p.opts.all ? { min: first(min), max: first(max) } : { min, max };
  }
  return p.opts.all ? first(values) : values;
}

/** A whole synchronous reduction. */
export function reduce(op: Reduction, x: unknown, options: unknown, ignoreNaN = false, engine: Engine = 'auto'): unknown {
  const p = prepare(op, x, options, ignoreNaN);
  return finish(p, computeSync(p, engine));
}

/** The shape of a reduction's result: the input's shape without the
 * reduced axes (`[]` for `axis: null` or when every axis is listed). */
export function resultShape(x: unknown, options?: unknown): number[] {
  const view = checkNdView(x);
  const { axes } = checkReduceOptions(options, view.shape.length, 'max');
  return view.shape.filter((_, k) => !axes.includes(k));
}

/**
 * Whether `max(x, options)` is a call of the article's 2-D int64 kernels:
 * the options name a strategy or backend (which only those kernels have),
 * or the input looks like a 2-D BigInt64Array reduced along one axis. Those
 * calls keep their own validation and messages; anything else is N-d.
 */
export function isArticleCall(x: unknown, options: unknown): boolean {
  try {
    if (options !== null && typeof options === 'object') {
      if (read(options, 'strategy', 'options.strategy') !== undefined) return true;
      if (read(options, 'backend', 'options.backend') !== undefined) return true;
      const axis = read(options, 'axis', 'options.axis');
      if (axis === null || Array.isArray(axis)) return false;
      if (read(options, 'ignoreNaN', 'options.ignoreNaN') !== undefined) return false;
    }
    if (x === null || typeof x !== 'object') return true;
    const data = read(x, 'data', 'x.data');
    if (ArrayBuffer.isView(data) && !(data instanceof BigInt64Array)) return false;
    const shape = read(x, 'shape', 'x.shape');
    return !(Array.isArray(shape) && shape.length !== 2);
  } catch {
    // Unreadable input: the 2-D validation reports it, naming the field.
    return true;
  }
}

