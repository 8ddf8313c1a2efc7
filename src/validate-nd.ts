// The one validation of N-d views and reduction options. Like `checkView`
// for 2-D, it is O(ndim): the lowest and highest addressed elements follow
// from shape, strides and offset alone (`addressRange`, exact past 2^53).
// The addon checks the view again before reading unchecked.
import { constants as bufferConstants } from 'node:buffer';

import { DTYPE_NAMES, dtypeOf } from './dtypes';
import type { CheckedReduceOptions, Reduction, ViewNd } from './types';
import { addressRange, checkThreads, describe, read, safeInteger } from './validate';

/** NumPy's limit on dimensions (NPY_MAXDIMS in NumPy 2). */
export const MAX_NDIM = 64;

/** Every reduction the N-d engine has, in the order the docs list them. */
export const REDUCTIONS: readonly Reduction[] = ['min', 'max', 'sum', 'argmin', 'argmax', 'minmax'];

/** `op` as a Reduction, or a TypeError naming `field`. */
export function checkReduction(op: unknown, field: string): Reduction {
  if (!REDUCTIONS.includes(op as Reduction)) {
    throw new TypeError(`${field} must be one of ${REDUCTIONS.map((r) => `"${r}"`).join(', ')}, got ${describe(op)}`);
  }
  return op as Reduction;
}

/** The axis reduced when `options.axis` is not given. */
export const DEFAULT_AXIS = 0;

function list(value: unknown, field: string, min: number): number[] {
  if (!Array.isArray(value) && !(ArrayBuffer.isView(value) && !(value instanceof DataView))) {
    throw new TypeError(`${field} must be an array of numbers, got ${describe(value)}`);
  }
  const items = value as ArrayLike<unknown>;
  let length: number;
  try {
    length = items.length;
  } catch (cause) {
    throw new TypeError(`${field} could not be read`, { cause });
  }
  const out: number[] = [];
  for (let k = 0; k < length; k++) out.push(safeInteger(read(items as object, String(k), `${field}[${k}]`), `${field}[${k}]`, min));
  return out;
}

const bracket = (xs: readonly number[]) => `[${xs.join(', ')}]`;

/** C-order (row-major) strides of `shape`, in elements. */
export function cStrides(shape: readonly number[]): number[] {
  // An empty array addresses nothing, and the products of its other
  // lengths may pass 2^53: any valid strides will do, so zeros.
  if (shape.includes(0)) return shape.map(() => 0);
  const strides = new Array<number>(shape.length);
  let step = 1;
  for (let k = shape.length - 1; k >= 0; k--) {
    strides[k] = step;
    step *= shape[k];
  }
  return strides;
}

/** Validates a user's N-d array of any numeric typed array; the result
 * addresses only elements of `data`. */
export function checkNdView(x: unknown, name = 'x'): ViewNd {
  if (x === null || typeof x !== 'object') {
    throw new TypeError(`${name} must be an object with data and shape, got ${describe(x)}`);
  }
  const data = read(x, 'data', `${name}.data`);
  const dtype = dtypeOf(data);
  if (!dtype) throw new TypeError(`${name}.data must be a numeric typed array (${DTYPE_NAMES}), got ${describe(data)}`);
  const shape = list(read(x, 'shape', `${name}.shape`), `${name}.shape`, 0);
  if (shape.length === 0) throw new RangeError(`${name}.shape must have at least 1 entry, got []`);
  if (shape.length > MAX_NDIM) throw new RangeError(`${name}.shape has ${shape.length} entries, more than ${MAX_NDIM}`);
  let rawStrides = read(x, 'strides', `${name}.strides`);
  let stridesField = `${name}.strides`;
  if (rawStrides === undefined) {
    rawStrides = read(x, 'stride', `${name}.stride`);
    if (rawStrides !== undefined) stridesField = `${name}.stride`;
  }
  const strides = rawStrides === undefined ? cStrides(shape) : list(rawStrides, stridesField, -Number.MAX_SAFE_INTEGER);
  if (strides.length !== shape.length) {
    throw new RangeError(`${stridesField} must have ${shape.length} entries, one per axis of ${name}.shape, got ${strides.length}`);
  }
  const rawOffset = read(x, 'offset', `${name}.offset`);
  const offset = rawOffset === undefined ? 0 : safeInteger(rawOffset, `${name}.offset`, 0);
  const arr = data as ArrayLike<unknown>;
  const len = arr.length;
  // A float product passes 2^53 - 1 exactly when the true product does.
  const count = shape.reduce((n, d) => n * d, 1);
  if (count > Number.MAX_SAFE_INTEGER) {
    throw new RangeError(`${name}.shape ${bracket(shape)} has more than 2^53 - 1 elements`);
  }
  if (count === 0) {
    if (offset > len) throw new RangeError(`${name}.offset ${offset} is past the end of data (length ${len})`);
  } else {
    if (offset >= len) throw new RangeError(`${name}.offset ${offset} is outside data (length ${len})`);
    const [low, high] = addressRange(
      offset,
      shape.map((d, k) => [d, strides[k]] as const),
    );
    if (low < 0) {
      throw new RangeError(`${stridesField} ${bracket(strides)} with offset ${offset} reaches element ${low}, before the start of data`);
    }
    if (high >= len) {
      throw new RangeError(
        `${stridesField} ${bracket(strides)} with shape ${bracket(shape)} and offset ${offset} reaches element ${high}, past the end of data (length ${len})`,
      );
    }
  }
  return { data: data as ViewNd['data'], dtype, shape, strides, offset };
}

function normalAxis(raw: unknown, field: string, ndim: number): number {
  const a = safeInteger(raw, field, -Number.MAX_SAFE_INTEGER);
  if (a < -ndim || a >= ndim) {
    throw new RangeError(`${field} ${a} is out of range for a ${ndim}-D array (expected ${-ndim} to ${ndim - 1})`);
  }
  return a < 0 ? a + ndim : a;
}

/** `options.axis` as the sorted, unique, non-negative list the engines take. */
export function checkAxes(raw: unknown, ndim: number): { axes: number[]; all: boolean } {
  if (raw === undefined) return { axes: [normalAxis(DEFAULT_AXIS, 'options.axis', ndim)], all: false };
  if (raw === null) return { axes: Array.from({ length: ndim }, (_, k) => k), all: true };
  if (typeof raw === 'number') return { axes: [normalAxis(raw, 'options.axis', ndim)], all: false };
  if (!Array.isArray(raw)) {
    throw new TypeError(`options.axis must be an integer, a list of integers or null, got ${describe(raw)}`);
  }
  if (raw.length === 0) throw new RangeError('options.axis must list at least one axis, got []');
  const axes: number[] = [];
  raw.forEach((entry: unknown, k) => {
    const a = normalAxis(entry, `options.axis[${k}]`, ndim);
    if (axes.includes(a)) throw new RangeError(`options.axis ${bracket(raw)} names axis ${a} twice`);
    axes.push(a);
  });
  return { axes: axes.sort((p, q) => p - q), all: false };
}

/** Options that exist only for the article's 2-D int64 `max` kernels. */
const ARTICLE_OPTIONS = ['strategy', 'backend'] as const;

/** Validates the options of `min`, `max`, `sum`, ... for an `ndim`-D input. */
export function checkReduceOptions(options: unknown, ndim: number, op: Reduction): CheckedReduceOptions {
  if (options === undefined) return { ...checkAxes(undefined, ndim), ignoreNaN: false, threads: undefined };
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`options must be an object, got ${describe(options)}`);
  }
  for (const key of ARTICLE_OPTIONS) {
    const value = read(options, key, `options.${key}`);
    if (value !== undefined) {
      throw new TypeError(`options.${key} applies only to max of a 2-D BigInt64Array with a single axis, not to ${op} of this input (got ${describe(value)})`);
    }
  }
  const { axes, all } = checkAxes(read(options, 'axis', 'options.axis'), ndim);
  const rawIgnore = read(options, 'ignoreNaN', 'options.ignoreNaN');
  if (rawIgnore !== undefined && typeof rawIgnore !== 'boolean') {
    throw new TypeError(`options.ignoreNaN must be a boolean, got ${describe(rawIgnore)}`);
  }
  if (rawIgnore === true && op === 'sum') {
    // The addon has no NaN-skipping sum; ignoring the flag would be a lie.
    throw new TypeError('options.ignoreNaN applies to min, max, argmin, argmax and minmax, not to sum');
  }
  return { axes, all, ignoreNaN: rawIgnore === true, threads: checkThreads(options) };
}

/** NumPy's name of the operation, for its error on empty reductions. */
const NUMPY_NAME: Record<Exclude<Reduction, 'sum'>, string> = {
  max: 'maximum',
  argmax: 'maximum',
  min: 'minimum',
  argmin: 'minimum',
  minmax: 'minimum',
};

/** Bytes one result array may hold: Node's limit for a single buffer. */
const MAX_RESULT_BYTES = bufferConstants.MAX_LENGTH;

/** Reductions without identity refuse an empty reduced extent, as NumPy
 * does; and no result may outgrow a typed array (a reduction over an empty
 * axis can keep more positions than any memory holds). */
export function checkReducibleNd(view: ViewNd, axes: readonly number[], op: Reduction): void {
  const kept = view.shape.reduce((n, d, k) => (axes.includes(k) ? n : n * d), 1);
  // Every result element is at most 8 bytes; minmax holds two per position.
  const bytes = kept * 8 * (op === 'minmax' ? 2 : 1);
  if (bytes > MAX_RESULT_BYTES) {
    throw new RangeError(`the result of ${op} would have ${kept} elements per array, more than a typed array of ${MAX_RESULT_BYTES} bytes holds`);
  }
  if (op === 'sum') return;
  if (axes.some((a) => view.shape[a] === 0)) {
    throw new RangeError(`zero-size array to reduction operation ${NUMPY_NAME[op]} which has no identity`);
  }
}
