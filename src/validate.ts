// The trust boundary: the one place that reads user values. Every value is
// read once, options before the view, and the view's memory last, through
// the platform's own accessors (src/dtypes.ts), so that no getter, Proxy,
// own property or subclass can change what the kernels see after it was
// checked. Lists are read by index after their length is checked; the
// bounds check is O(ndim) (`addressRange`). The addon checks the packed
// view again before it reads unchecked.
import { constants as bufferConstants } from 'node:buffer';
import { isSharedArrayBuffer } from 'node:util/types';

import { addon } from './addon';
import type { Extras, Op } from './addon';
import { bufferOf, byteOffsetOf, DTYPE_NAMES, dtypeOf, lengthOf, sumCtorOf, typedArrayTag } from './dtypes';
import type { AnyCtor, Dtype, NumericArray } from './dtypes';
import { CODES, hasCode, ndError } from './errors';
import type { Code } from './errors';
import { listArray } from './lists';
import { closest } from './suggest';
import type { Backend, Reduction, Strategy } from './types';

/** NumPy's limit on dimensions (NPY_MAXDIMS in NumPy 2). */
export const MAX_NDIM = 64;
export const MAX_THREADS = 1024;
export const REDUCTIONS: readonly Reduction[] = [
  'min', 'max', 'sum', 'argmin', 'argmax', 'minmax', 'ptp', 'prod', 'mean', 'var', 'std', 'any', 'all', 'countNonzero',
];
export const STRATEGIES: readonly Strategy[] = ['auto', 'serial', 'mutex', 'lockfree'];
export const BACKENDS: readonly Backend[] = ['native', 'js', 'wasm'];
/** The axes reduced when `options.axis` is not given: all (NumPy's default). */
export const DEFAULT_AXIS = null;

/** Shows a bad value in a message without running user code where it can be helped. */
export function describe(value: unknown): string {
  switch (typeof value) {
    case 'bigint':
      return `${value}n`;
    case 'string':
      return JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value);
    case 'number':
      return Object.is(value, -0) ? '-0' : String(value);
    case 'object':
      break;
    case 'function':
    case 'symbol':
      return `a ${typeof value}`;
    default:
      return String(value);
  }
  if (value === null) return 'null';
  const tag = typedArrayTag(value);
  if (tag !== undefined) return `a ${tag}`;
  if (ArrayBuffer.isView(value)) return 'a DataView';
  try {
    if (Array.isArray(value)) return `an array of length ${describe((value as unknown[]).length)}`;
  } catch {
    return 'an array';
  }
  return 'an object';
}

/** The name of `owner`'s entry `key` in messages (`x.shape`, `x.shape[1]`),
 * built only when a message needs it: a small call reads a dozen fields. */
const fieldOf = (owner: string, key: string | number) => (typeof key === 'number' ? `${owner}[${key}]` : `${owner}.${key}`);

/** Reads `owner`'s `obj[key]`; a throwing getter or Proxy trap becomes a TypeError
 * with `code` (one of ours, such as a freed wasm array's, passes through). */
export function read(obj: object, key: string | number, owner: string, code: Code): unknown {
  try {
    return (obj as Record<PropertyKey, unknown>)[key];
  } catch (cause) {
    throw unreadable(owner, key, code, cause);
  }
}

/** The error for a field whose getter or Proxy trap threw. */
function unreadable(owner: string, key: string | number, code: Code, cause: unknown): Error {
  if (hasCode(cause)) return cause as Error;
  return ndError(TypeError, code, `${fieldOf(owner, key)} could not be read: ${(cause as Error)?.message ?? String(cause)}`, cause);
}

/** A safe integer of at least `min` that is entry `k` of the list `owner`. */
function entry(value: unknown, owner: string, k: number, min: number): number {
  // Checked inline first, so that the field's name is built only for an error.
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= min) return value + 0;
  return integer(value, fieldOf(owner, k), min);
}

/** A safe integer of at least `min` (`-0` is 0, as scijs's `step(-1)` makes). */
function integer(value: unknown, field: string, min: number, code: Code = CODES.NEGATIVE): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw ndError(TypeError, CODES.NOT_INTEGER, `${field} must be a safe integer, got ${describe(value)}`);
  }
  if (value < min) throw ndError(RangeError, code, `${field} must be at least ${min}, got ${value}`);
  return value + 0;
}

/** The entries of a list (an array or a typed array), at most MAX_NDIM:
 * the length is checked before any entry is read, and a hole is an error. */
export function list(value: unknown, field: string, code: Code, most?: number): unknown[];
/** With `min`: the entries are safe integers of at least `min`, checked as read. */
export function list(value: unknown, field: string, code: Code, most: number, min: number): number[];
export function list(value: unknown, field: string, code: Code, most = MAX_NDIM, min?: number): unknown[] {
  let isArray = false;
  try {
    isArray = Array.isArray(value);
  } catch (cause) {
    throw ndError(TypeError, code, `${field} could not be read: ${(cause as Error)?.message}`, cause);
  }
  let length: unknown;
  if (isArray) length = read(value as object, 'length', field, code);
  else if (typedArrayTag(value) !== undefined) length = lengthOf(value as NumericArray);
  else throw ndError(TypeError, code, `${field} must be a list of integers, got ${describe(value)}`);
  if (typeof length !== 'number' || !Number.isSafeInteger(length) || length < 0) {
    throw ndError(TypeError, code, `${field} has an invalid length ${describe(length)}`);
  }
  if (length > most) throw ndError(RangeError, code, `${field} has ${length} entries, more than ${most}`);
  const out = new Array<unknown>(length);
  for (let k = 0; k < length; k++) {
    let present = true;
    if (isArray) {
      try {
        present = Object.hasOwn(value as object, k);
      } catch (cause) {
        throw ndError(TypeError, code, `${field}[${k}] could not be read: ${(cause as Error)?.message}`, cause);
      }
    }
    if (!present) throw ndError(TypeError, code, `${field}[${k}] is a hole (an empty slot of a sparse array); give every entry`);
    const v = read(value as object, k, field, code);
    out[k] = min === undefined ? v : entry(v, field, k, min);
  }
  return out;
}

const bracket = (xs: readonly number[]) => `[${xs.join(', ')}]`;

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

/** Array.isArray, false for a revoked Proxy (which throws). */
export function isArray(value: unknown): boolean {
  try {
    return Array.isArray(value);
  } catch {
    return false;
  }
}

function notAnArray(x: unknown): Error {
  const what = 'an object { data, shape } (data: a typed array such as Float64Array; shape: the length of each axis), a typed array or a list of numbers';
  return ndError(TypeError, CODES.BAD_ARRAY, `x must be ${what}, got ${describe(x)}`);
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
 * `data`. Reductions take 1 to 64 axes; `.npy` files may have none, or more.
 * A bare typed array is 1-D; a (nested) list is copied (src/lists.ts). */
export function readView(x: unknown, _fn = 'max', [minNdim, maxNdim] = [1, MAX_NDIM], rewrap = true): View {
  if (x === null || typeof x !== 'object') throw notAnArray(x);
  const tag = typedArrayTag(x);
  const bare = tag === undefined ? undefined : dtypeOf(x);
  if (bare) return wholeArray(x as NumericArray, bare, rewrap);
  if (isArray(x)) {
    const { data, shape } = listArray(x);
    const dtype = dtypeOf(data) as Dtype;
    return { data, dtype, shared: false, shape, strides: cStrides(shape), offset: 0, count: lengthOf(data) };
  }
  if (tag !== undefined) throw notAnArray(x);
  // The fields read by name, each once (a keyed read costs a small call
  // several times as much); `key` names one whose getter throws.
  const o = x as Record<string, unknown>;
  let key = 'data';
  let raw, rawShape, rawStrides, rawOffset;
  let stridesField = 'x.strides';
  try {
    raw = o.data;
    key = 'shape';
    rawShape = o.shape;
    key = 'strides';
    rawStrides = o.strides;
    if (rawStrides === undefined) {
      key = 'stride';
      rawStrides = o.stride;
      if (rawStrides !== undefined) stridesField = 'x.stride';
    }
    key = 'offset';
    rawOffset = o.offset;
  } catch (cause) {
    throw unreadable('x', key, CODES.BAD_ARRAY, cause);
  }
  const dtype = dtypeOf(raw);
  if (!dtype) {
    const hint = isArray(raw) ? ' (make one: Float64Array.from(list))' : '';
    throw ndError(TypeError, CODES.BAD_ARRAY, `x.data must be a numeric typed array (${DTYPE_NAMES}), got ${describe(raw)}${hint}`);
  }
  const shape = list(rawShape, 'x.shape', CODES.BAD_ARRAY, maxNdim, 0);
  if (shape.length < minNdim) throw ndError(RangeError, CODES.BAD_ARRAY, 'x.shape must have at least 1 entry, got []');
  let strides: number[];
  if (rawStrides === undefined) strides = cStrides(shape);
  else {
    const entries = list(rawStrides, stridesField, CODES.BAD_ARRAY, maxNdim);
    if (entries.length !== shape.length) {
      throw ndError(RangeError, CODES.BAD_ARRAY, `${stridesField} must have ${shape.length} entries, one per axis of x.shape, got ${entries.length}`);
    }
    strides = entries.map((v, k) => entry(v, stridesField, k, -Number.MAX_SAFE_INTEGER));
  }
  const offset = rawOffset === undefined ? 0 : integer(rawOffset, 'x.offset', 0);
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
    throw ndError(RangeError, CODES.SHAPE_OVERFLOW, `x.shape ${bracket(shape)} has more than 2^53 - 1 elements`);
  }
  if (count === 0) {
    if (offset > len) throw ndError(RangeError, CODES.OUT_OF_BOUNDS, `x.offset ${offset} is past the end of data (length ${len})`);
  } else {
    if (offset >= len) throw ndError(RangeError, CODES.OUT_OF_BOUNDS, `x.offset ${offset} is outside data (length ${len})`);
    const [low, high] = addressRange(offset, shape, strides);
    if (low < 0) {
      throw ndError(RangeError, CODES.OUT_OF_BOUNDS, `${stridesField} ${bracket(strides)} with offset ${offset} reaches element ${low}, before the start of data`);
    }
    if (high >= len) {
      throw ndError(
        RangeError,
        CODES.OUT_OF_BOUNDS,
        `${stridesField} ${bracket(strides)} with shape ${bracket(shape)} and offset ${offset} reaches element ${high}, past the end of data (length ${len})`,
      );
    }
  }
  return { data, dtype, shared: isSharedArrayBuffer(buffer), shape, strides, offset, count };
}

/** Options as read, before the view: axes not yet resolved against ndim. */
interface Options {
  readonly axis: undefined | null | number | readonly number[];
  readonly keepdims: boolean;
  readonly out: NumericArray | undefined;
  readonly initial: number | bigint | undefined;
  readonly ddof: number;
  readonly floatResult: boolean;
  /** `dtype: "int64"` was given. */
  readonly exactInt: boolean;
  readonly ignoreNaN: boolean;
  readonly threads: number;
  readonly strategy: Strategy;
  readonly backend: Backend;
  readonly signal: AbortSignal | undefined;
}

const DEFAULTS: Options = {
  axis: undefined,
  keepdims: false,
  out: undefined,
  initial: undefined,
  ddof: 0,
  floatResult: false,
  exactInt: false,
  ignoreNaN: false,
  threads: 0,
  strategy: 'auto',
  backend: 'native',
  signal: undefined,
};

/** Every option key, and the reductions that take the ones not all do. */
const OPTION_KEYS = ['axis', 'keepdims', 'out', 'initial', 'ddof', 'dtype', 'ignoreNaN', 'threads', 'strategy', 'backend'];
const TAKEN_BY: Record<string, readonly Reduction[]> = {
  initial: ['min', 'max'],
  ddof: ['var', 'std'],
  dtype: ['sum', 'prod', 'mean'],
  ignoreNaN: ['min', 'max', 'argmin', 'argmax', 'minmax', 'sum', 'mean', 'var', 'std'],
};
const DTYPE_CHOICES = ['float64', 'int64'] as const;

const choices = (xs: readonly string[]) => xs.map((s) => `"${s}"`).join(', ');

function oneOf<T extends string>(raw: unknown, field: string, all: readonly T[], fallback: T): T {
  if (raw === undefined) return fallback;
  if (!all.includes(raw as T)) throw ndError(TypeError, CODES.BAD_OPTION, `${field} must be one of ${choices(all)}, got ${describe(raw)}`);
  return raw as T;
}

/** A key no reduction knows is a mistake (a typo would otherwise be a
 * silently default result): a TypeError naming the closest known key. */
function checkKeys(options: object, async: boolean): void {
  let keys: string[];
  try {
    keys = Object.keys(options);
  } catch (cause) {
    throw ndError(TypeError, CODES.BAD_OPTION, `options could not be read: ${(cause as Error)?.message}`, cause);
  }
  const known = async ? [...OPTION_KEYS, 'signal'] : OPTION_KEYS;
  for (const key of keys) {
    if (known.includes(key)) continue;
    const hint = key === 'signal' ? 'signal is for the ...Async functions' : `did you mean '${closest(key, known)}'?`;
    throw ndError(TypeError, CODES.UNKNOWN_OPTION, `unknown option '${key.length > 40 ? key.slice(0, 40) + '…' : key}': ${hint} (options: ${known.join(', ')})`);
  }
}

/** An option only some reductions take, given to another is a mistake. */
function taken(key: string, value: unknown, reduction: Reduction | null): void {
  const takers = TAKEN_BY[key];
  if (value !== undefined && reduction !== null && !takers.includes(reduction) && !(key === 'ignoreNaN' && value === false)) {
    throw ndError(TypeError, CODES.BAD_OPTION, `options.${key} applies to ${takers.join(', ')} (and their nan kin), not to ${reduction}`);
  }
}

function flag(key: string, raw: unknown): boolean {
  if (raw !== undefined && typeof raw !== 'boolean') throw ndError(TypeError, CODES.BAD_OPTION, `options.${key} must be a boolean, got ${describe(raw)}`);
  return raw === true;
}

/** `reduction` null: any reduction's options (for `resultShape`). */
function readOptions(options: unknown, reduction: Reduction | null, async: boolean): Options {
  if (options === undefined) return DEFAULTS;
  if (options === null || typeof options !== 'object') {
    throw ndError(TypeError, CODES.BAD_OPTION, `options must be an object, got ${describe(options)}`);
  }
  checkKeys(options, async);
  // Every key read once, by name (a keyed read of each would cost a tenth
  // of a small call), in one guarded block; `key` names a throwing one.
  const o = options as Record<string, unknown>;
  let key = 'axis';
  let rawAxis, rawKeepdims, rawOut, initial, rawDdof, dtype, rawIgnoreNaN, rawThreads, rawStrategy, rawBackend, rawSignal;
  try {
    rawAxis = o.axis;
    key = 'keepdims';
    rawKeepdims = o.keepdims;
    key = 'out';
    rawOut = o.out;
    key = 'initial';
    initial = o.initial;
    key = 'ddof';
    rawDdof = o.ddof;
    key = 'dtype';
    dtype = o.dtype;
    key = 'ignoreNaN';
    rawIgnoreNaN = o.ignoreNaN;
    key = 'threads';
    rawThreads = o.threads;
    key = 'strategy';
    rawStrategy = o.strategy;
    key = 'backend';
    rawBackend = o.backend;
    key = 'signal';
    if (async) rawSignal = o.signal;
  } catch (cause) {
    throw unreadable('options', key, CODES.BAD_OPTION, cause);
  }
  taken('initial', initial, reduction);
  taken('ddof', rawDdof, reduction);
  taken('dtype', dtype, reduction);
  taken('ignoreNaN', rawIgnoreNaN, reduction);
  let axis: Options['axis'];
  if (rawAxis === undefined || rawAxis === null) axis = rawAxis;
  else if (typeof rawAxis === 'number') axis = integer(rawAxis, 'options.axis', -Number.MAX_SAFE_INTEGER);
  else if (typeof rawAxis === 'object') {
    const entries = list(rawAxis, 'options.axis', CODES.BAD_OPTION);
    if (entries.length === 0) throw ndError(RangeError, CODES.BAD_OPTION, 'options.axis must list at least one axis, got []');
    axis = entries.map((v, k) => entry(v, 'options.axis', k, -Number.MAX_SAFE_INTEGER));
  } else {
    throw ndError(TypeError, CODES.BAD_OPTION, `options.axis must be an integer, a list of integers or null, got ${describe(rawAxis)}`);
  }
  const keepdims = flag('keepdims', rawKeepdims);
  if (rawOut !== undefined && dtypeOf(rawOut) === undefined) {
    throw ndError(TypeError, CODES.BAD_OPTION, `options.out must be a typed array, got ${describe(rawOut)}`);
  }
  if (rawOut !== undefined && reduction === 'minmax') {
    throw ndError(TypeError, CODES.BAD_OPTION, 'options.out does not apply to minmax (two results): call min and max with one each');
  }
  if (initial !== undefined && typeof initial !== 'number' && typeof initial !== 'bigint') {
    throw ndError(TypeError, CODES.BAD_OPTION, `options.initial must be a number or a bigint, got ${describe(initial)}`);
  }
  if (rawDdof !== undefined && (typeof rawDdof !== 'number' || !Number.isFinite(rawDdof))) {
    throw ndError(TypeError, CODES.BAD_OPTION, `options.ddof must be a finite number, got ${describe(rawDdof)}`);
  }
  oneOf(dtype, 'options.dtype', DTYPE_CHOICES, 'int64');
  const ignoreNaN = flag('ignoreNaN', rawIgnoreNaN);
  let threads = 0;
  if (rawThreads !== undefined) {
    threads = integer(rawThreads, 'options.threads', 1, CODES.BAD_OPTION);
    if (threads > MAX_THREADS) throw ndError(RangeError, CODES.BAD_OPTION, `options.threads must be at most ${MAX_THREADS}, got ${threads}`);
  }
  const strategy = oneOf(rawStrategy, 'options.strategy', STRATEGIES, 'auto');
  const backend = oneOf(rawBackend, 'options.backend', BACKENDS, 'native');
  let signal: AbortSignal | undefined;
  if (async) {
    if (rawSignal !== undefined && !(rawSignal instanceof AbortSignal)) {
      throw ndError(TypeError, CODES.BAD_OPTION, `options.signal must be an AbortSignal, got ${describe(rawSignal)}`);
    }
    signal = rawSignal;
  }
  const out = rawOut as NumericArray | undefined;
  return { axis, keepdims, out, initial, ddof: (rawDdof as number | undefined) ?? 0, floatResult: dtype === 'float64', exactInt: dtype === 'int64', ignoreNaN, threads, strategy, backend, signal };
}

function axisIndex(a: number, field: string, ndim: number): number {
  if (a < -ndim || a >= ndim) {
    throw ndError(RangeError, CODES.BAD_OPTION, `${field} ${a} is out of range for a ${ndim}-D array (expected ${-ndim} to ${ndim - 1})`);
  }
  return a < 0 ? a + ndim : a;
}

/** `axis` as the sorted, unique, non-negative list the engines take. */
function resolveAxes(axis: Options['axis'], ndim: number): number[] {
  if (axis === undefined) axis = DEFAULT_AXIS;
  if (axis === null) {
    const every: number[] = [];
    for (let k = 0; k < ndim; k++) every.push(k);
    return every;
  }
  if (typeof axis === 'number') return [axisIndex(axis, 'options.axis', ndim)];
  const axes: number[] = [];
  axis.forEach((entry, k) => {
    const a = axisIndex(entry, `options.axis[${k}]`, ndim);
    if (axes.includes(a)) throw ndError(RangeError, CODES.BAD_OPTION, `options.axis ${bracket(axis)} names axis ${a} twice`);
    axes.push(a);
  });
  return axes.sort((p, q) => p - q);
}

/** NumPy's name of the operation, for its error on empty reductions
 * (only the reductions without an identity raise it). */
const NUMPY_NAME: Partial<Record<Reduction, string>> = { max: 'maximum', argmax: 'maximum', ptp: 'maximum', min: 'minimum', argmin: 'minimum', minmax: 'minimum' };

/** Bytes one result array may hold: Node's limit for a single buffer. */
const MAX_RESULT_BYTES = bufferConstants.MAX_LENGTH;

/** The class of a reduction's result array for input `d`. */
export function resultCtorOf(reduction: Reduction, d: Dtype, floatResult: boolean): AnyCtor {
  switch (reduction) {
    case 'min':
    case 'max':
    case 'minmax':
    case 'ptp':
      return d.ctor;
    case 'sum':
    case 'prod':
      return floatResult ? (Float64Array as AnyCtor) : sumCtorOf(d);
    case 'any':
    case 'all':
      return Uint8Array as AnyCtor;
    default:
      return Float64Array as AnyCtor;
  }
}

/** Everything a reduction needs, checked: nothing of the caller's is read after this. */
export interface Call extends View {
  readonly reduction: Reduction;
  /** The addon's op: `nan…` when NaN is skipped in a float array. */
  readonly op: Op;
  readonly axes: readonly number[];
  /** A scalar result: every axis reduced, without `keepdims` or `out`. */
  readonly all: boolean;
  /** The result's shape, reduced axes kept as 1, when `keepdims` was asked. */
  readonly keptShape: readonly number[] | undefined;
  /** Result positions (the product of the kept axes). */
  readonly kept: number;
  /** The class of the addon's result (twice `kept` long for minmax). */
  readonly resultCtor: AnyCtor;
  /** The caller's `out` and our own view of its memory (written at the end). */
  readonly out: NumericArray | undefined;
  readonly outView: NumericArray | undefined;
  /** `initial` as an element of the dtype (min/max only). */
  readonly initial: number | bigint | undefined;
  /** The addon's extras (`ddof`, `dtype`), when the op reads them. */
  readonly extras: Extras | undefined;
  /** 0: the default pool. */
  readonly threads: number;
  readonly schedule: Strategy;
  readonly backend: Backend;
  readonly signal: AbortSignal | undefined;
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
  const o = readOptions(options, reduction, async);
  const view = readView(x, fn, undefined, async || o.backend !== 'native' || addon() === undefined);
  const ndim = view.shape.length;
  const axes = resolveAxes(o.axis, ndim);
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
  let kept = 1;
  for (let k = 0; k < ndim; k++) if (!axes.includes(k)) kept *= view.shape[k];
  // Every result element is at most 8 bytes; minmax holds two per position.
  if (kept * 8 * (reduction === 'minmax' ? 2 : 1) > MAX_RESULT_BYTES) {
    throw ndError(RangeError, CODES.TOO_LARGE, `a result of ${kept} elements cannot be allocated`);
  }
  const initial = o.initial === undefined ? undefined : initialOf(o.initial, view.dtype);
  const numpyName = NUMPY_NAME[reduction];
  if (numpyName && initial === undefined && axes.some((a) => view.shape[a] === 0)) {
    throw ndError(RangeError, CODES.ZERO_SIZE, `zero-size array to reduction operation ${numpyName} which has no identity`);
  }
  const float = view.dtype.kind === 'float';
  if (o.exactInt && (float || reduction === 'mean')) {
    const what = float ? `of a ${view.dtype.ctor.name}` : 'of integers (a mean is a float64)';
    throw ndError(RangeError, CODES.BAD_OPTION, `options.dtype "int64" does not apply to ${fn} ${what}; use "float64" or leave it out`);
  }
  let extras: Extras | undefined;
  if (o.floatResult && !float && reduction !== 'mean') extras = { dtype: 'float64' };
  if ((reduction === 'var' || reduction === 'std') && o.ddof !== 0) extras = { ddof: o.ddof };
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
  const skip = (ignoreNaN || o.ignoreNaN) && float;
  const op = (skip ? `nan${reduction}` : reduction) as Op;
  const keptShape = o.keepdims ? view.shape.map((n, k) => (axes.includes(k) ? 1 : n)) : undefined;
  const all = axes.length === ndim && (o.axis === null || o.axis === undefined) && !o.keepdims && out === undefined;
  // One literal of fixed shape (a spread would make a slow dictionary object).
  const { data, dtype, shared, shape, strides, offset, count } = view;
  return {
    data, dtype, shared, shape, strides, offset, count, reduction, op, axes, all, keptShape, kept, resultCtor, out, outView, initial, extras,
    threads: o.threads, schedule: o.strategy, backend: o.backend, signal: o.signal,
  };
}

/** The shape of a reduction's result: the input's shape without the
 * reduced axes (`[]` for every axis), or with them as 1 for `keepdims`. */
export function resultShape(x: unknown, options?: unknown): number[] {
  const o = readOptions(options, null, false);
  const view = readView(x, 'resultShape');
  const axes = resolveAxes(o.axis, view.shape.length);
  if (o.keepdims) return view.shape.map((n, k) => (axes.includes(k) ? 1 : n));
  return view.shape.filter((_, k) => !axes.includes(k));
}

/** Layout buffers for synchronous calls, by length: the addon reads a
 * layout during the call only, and an allocation costs a tenth of a small call. */
const reusable: Float64Array[] = [];

/** The contract's packed layout of a checked call (`offset` where the data
 * was copied): [threads, offset, ndim, shape, strides, naxes, axes].
 * `reuse` for a synchronous call: the same buffer comes back next time. */
export function layoutOf(c: Call, offset = c.offset, reuse = false): Float64Array {
  const nd = c.shape.length;
  const length = 4 + 2 * nd + c.axes.length;
  const layout = reuse ? (reusable[length] ??= new Float64Array(length)) : new Float64Array(length);
  layout[0] = c.threads;
  layout[1] = offset;
  layout[2] = nd;
  for (let k = 0; k < nd; k++) {
    layout[3 + k] = c.shape[k];
    layout[3 + nd + k] = c.strides[k];
  }
  layout[3 + 2 * nd] = c.axes.length;
  for (let k = 0; k < c.axes.length; k++) layout[4 + 2 * nd + k] = c.axes[k];
  return layout;
}
