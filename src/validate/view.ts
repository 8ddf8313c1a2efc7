// The trust boundary: the one place that reads user values. Every value is
// read once, options before the view, and the view's memory last, through
// the platform's own accessors (src/spec/dtypes.ts), so that no getter, Proxy,
// own property or subclass can change what the kernels see after it was
// checked. Lists are read by index after their length is checked; the
// bounds check is O(ndim) (`addressRange`). The addon checks the packed
// view again before it reads unchecked.
import { isSharedArrayBuffer } from 'node:util/types';

import { bufferOf, byteOffsetOf, DTYPE_NAMES, dtypeOf, lengthOf, typedArrayTag } from '../spec/dtypes';
import type { Dtype, NumericArray } from '../spec/dtypes';
import { CODES, ndError } from '../spec/errors';
import { listArray } from './lists';
import { bracket, describe, entry, integer, isArray, list, MAX_NDIM, unreadable } from './read';

/**
 * The lowest and highest element a non-empty view addresses, in O(ndim).
 * Plain numbers while every partial sum stays below 2^53 (exact, and much
 * cheaper per call than BigInt); BigInt beyond, where doubles would round.
 */
export function addressRange(offset: number, shape: readonly number[], strides: readonly number[]): [number | bigint, number | bigint] {
  let low = offset;
  let high = offset;
  let exact = offset <= Number.MAX_SAFE_INTEGER;
  for (let k = 0; k < shape.length; k++) {
    const reach = (shape[k] - 1) * strides[k];
    if (Math.abs(reach) > Number.MAX_SAFE_INTEGER) exact = false;
    if (reach < 0) low += reach;
    else high += reach;
  }
  if (exact && Math.max(-low, high) <= Number.MAX_SAFE_INTEGER) return [low, high];
  let bigLow = BigInt(offset);
  let bigHigh = bigLow;
  for (let k = 0; k < shape.length; k++) {
    const reach = BigInt(shape[k] - 1) * BigInt(strides[k]);
    if (reach < 0n) bigLow += reach;
    else bigHigh += reach;
  }
  return [bigLow, bigHigh];
}

/** C-order (row-major) strides of `shape`, in elements. */
export function cStrides(shape: readonly number[]): number[] {
  // An empty array addresses nothing, and the products of its other
  // lengths may pass 2^53: any valid strides will do, so zeros.
  const n = shape.length;
  const strides: number[] = [];
  let empty = false;
  for (let k = 0; k < n; k++) {
    strides.push(0);
    if (shape[k] === 0) empty = true;
  }
  if (empty) return strides;
  let step = 1;
  for (let k = n - 1; k >= 0; k--) {
    strides[k] = step;
    step *= shape[k];
  }
  return strides;
}

/** A checked view: `data` is the dtype's own constructor over the memory
 * the caller's typed array had when it was read (never the caller's object). */
export interface View {
  readonly data: NumericArray;
  readonly dtype: Dtype;
  /** `data` lies on a SharedArrayBuffer (by the platform's check). */
  readonly shared: boolean;
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  readonly offset: number;
  /** Elements addressed (the product of the shape). */
  readonly count: number;
}


function notAnArray(x: unknown, name: string): Error {
  const what = 'an object { data, shape } (data: a typed array such as Float64Array; shape: the length of each axis), a typed array or a list of numbers';
  return ndError(TypeError, CODES.BAD_ARRAY, `${name} must be ${what}, got ${describe(x)}`);
}

/** A bare typed array: a 1-D view of all of it, read in place. */
function wholeArray(typed: NumericArray, dtype: Dtype, rewrap: boolean): View {
  const buffer = bufferOf(typed);
  const len = lengthOf(typed);
  // See readView.
  const data = !rewrap ? typed : len === 0 ? new dtype.ctor(0) : new dtype.ctor(buffer, byteOffsetOf(typed), len);
  return { data, dtype, shared: isSharedArrayBuffer(buffer), shape: [len], strides: [1], offset: 0, count: len };
}

/** Checks a user's N-d array; the result addresses only elements of its
 * `data`. Reductions take 0 to 64 axes (`Partial` chunks at least one);
 * `.npy` files may have more.
 * A bare typed array is 1-D; a (nested) list is copied (lists.ts).
 * `name` names the array in messages (`options.where` for a mask, whose
 * lists may also hold booleans). */
export function readView(x: unknown, [minNdim, maxNdim] = [1, MAX_NDIM], rewrap = true, name = 'x'): View {
  if (x === null || typeof x !== 'object') throw notAnArray(x, name);
  const tag = typedArrayTag(x);
  const bare = tag === undefined ? undefined : dtypeOf(x);
  if (bare) return wholeArray(x as NumericArray, bare, rewrap);
  if (isArray(x)) {
    const { data, shape } = listArray(x, name, name !== 'x');
    const dtype = dtypeOf(data) as Dtype;
    return { data, dtype, shared: false, shape, strides: cStrides(shape), offset: 0, count: lengthOf(data) };
  }
  if (tag !== undefined) throw notAnArray(x, name);
  // The fields read by name, each once (a keyed read costs a small call
  // several times as much); `key` names one whose getter throws.
  const o = x as Record<string, unknown>;
  let key = 'data';
  let raw, rawShape, rawStrides, rawOffset;
  let stridesField = `${name}.strides`;
  try {
    raw = o.data;
    key = 'shape';
    rawShape = o.shape;
    key = 'strides';
    rawStrides = o.strides;
    if (rawStrides === undefined) {
      key = 'stride';
      rawStrides = o.stride;
      if (rawStrides !== undefined) stridesField = `${name}.stride`;
    }
    key = 'offset';
    rawOffset = o.offset;
  } catch (cause) {
    throw unreadable(name, key, CODES.BAD_ARRAY, cause);
  }
  const dtype = dtypeOf(raw);
  if (!dtype) {
    const hint = isArray(raw) ? ' (make one: Float64Array.from(list))' : '';
    throw ndError(TypeError, CODES.BAD_ARRAY, `${name}.data must be a numeric typed array (${DTYPE_NAMES}), got ${describe(raw)}${hint}`);
  }
  const shape = list(rawShape, `${name}.shape`, CODES.BAD_ARRAY, maxNdim, 0);
  if (shape.length < minNdim) throw ndError(RangeError, CODES.BAD_ARRAY, `${name}.shape must have at least 1 entry, got []`);
  let strides: number[];
  if (rawStrides === undefined) strides = cStrides(shape);
  else {
    const entries = list(rawStrides, stridesField, CODES.BAD_ARRAY, maxNdim);
    if (entries.length !== shape.length) {
      throw ndError(RangeError, CODES.BAD_ARRAY, `${stridesField} must have ${shape.length} entries, one per axis of ${name}.shape, got ${entries.length}`);
    }
    strides = entries.map((v, k) => entry(v, stridesField, k, -Number.MAX_SAFE_INTEGER));
  }
  const offset = rawOffset === undefined ? 0 : integer(rawOffset, `${name}.offset`, 0);
  // The memory, last: nothing the caller wrote runs after these reads.
  const typed = raw as NumericArray;
  const buffer = bufferOf(typed);
  const len = lengthOf(typed);
  // A copy of the view made by the dtype's own constructor, so no method or
  // property of the caller's object is ever used again. A synchronous call
  // into the addon may skip it (a third of a small call's cost): the addon
  // reads the array's internal slots, never its properties, and no
  // JavaScript runs before it returns.
  const data = !rewrap ? typed : len === 0 ? new dtype.ctor(0) : new dtype.ctor(buffer, byteOffsetOf(typed), len);
  // A float product passes 2^53 - 1 exactly when the true product does.
  let count = 1;
  for (const d of shape) count *= d;
  if (count > Number.MAX_SAFE_INTEGER) {
    throw ndError(RangeError, CODES.SHAPE_OVERFLOW, `${name}.shape ${bracket(shape)} has more than 2^53 - 1 elements`);
  }
  // A plain { data, shape } is a reshape of all of data, as NumPy's
  // reshape is: a data of another length is almost always a wrong shape,
  // which would otherwise reduce a prefix in silence. Strides or an offset
  // (scijs and stdlib views always carry both) say a part is meant.
  const plain = rawStrides === undefined && rawOffset === undefined;
  if (plain) {
    if (count !== len) {
      throw ndError(TypeError, CODES.BAD_ARRAY, `${name}.shape ${bracket(shape)} needs ${count} element${count === 1 ? '' : 's'}; ${name}.data has ${len}`);
    }
    return { data, dtype, shared: isSharedArrayBuffer(buffer), shape, strides, offset, count };
  }
  if (count === 0) {
    if (offset > len) throw ndError(RangeError, CODES.OUT_OF_BOUNDS, `${name}.offset ${offset} is past the end of data (length ${len})`);
  } else {
    if (offset >= len) throw ndError(RangeError, CODES.OUT_OF_BOUNDS, `${name}.offset ${offset} is outside data (length ${len})`);
    const [low, high] = addressRange(offset, shape, strides);
    if (low < 0) {
      throw ndError(RangeError, CODES.OUT_OF_BOUNDS, `${stridesField} ${bracket(strides)} with offset ${offset} reaches element ${low}, before the start of data`);
    }
    if (high >= len) {
      // Strides are named only when the caller gave them.
      const layout = rawStrides === undefined ? `${name}.shape ${bracket(shape)} with ${name}.offset ${offset}` : `${stridesField} ${bracket(strides)} with shape ${bracket(shape)} and offset ${offset}`;
      throw ndError(RangeError, CODES.OUT_OF_BOUNDS, `${layout} reaches element ${high}, past the end of data (length ${len})`);
    }
  }
  return { data, dtype, shared: isSharedArrayBuffer(buffer), shape, strides, offset, count };
}

