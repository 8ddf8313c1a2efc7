// The public API: the only module users import.
import * as os from 'node:os';

import { addon } from './addon';
import { reduceAsync } from './async';
import { reduce } from './engine';
import type { NumericArray } from './dtypes';
import type { AsyncReducer, Int64Array2D, NdArrayLike, ReduceOptions, Reducer, Reduction } from './types';
import { readView } from './validate';

export type {
  AsyncReduceOptions,
  AsyncReducer,
  Axis,
  Backend,
  Family,
  Int64Array2D,
  MaxAsyncOptions,
  MaxOptions,
  NdArrayLike,
  ReduceOptions,
  Reducer,
  Reduction,
  ResultOf,
  ScalarOf,
  ScalarResultOf,
  Strategy,
  SumOf,
} from './types';
export type { NumericArray } from './dtypes';
export { CODES } from './errors';
export { resultShape } from './validate';
export { reduceColumns, maxColumns, minColumns, sumColumns } from './arrow';
export type { ArrowTableLike, ColumnResult } from './arrow';
export { wasmAlloc, wasmCopy, WasmInt64Array2D } from './backends/wasm';
export { loadNpy, saveNpy, parseNpy, encodeNpy } from './npy';
export type { NpyArray, NpyInput, NpyTypedArray } from './npy';

// Every public reduction is one of these two closures over the one engine;
// their signatures (a scalar for `axis: null`, the result type per dtype)
// come from `Reducer`.
const reducer = (op: Reduction, fn: string, ignoreNaN = false) => (x: unknown, options?: unknown) => reduce(op, x, options, fn, ignoreNaN);
const asyncReducer = (op: Reduction, fn: string, ignoreNaN = false) => (x: unknown, options?: unknown) => reduceAsync(op, x, options, fn, ignoreNaN);

/**
 * The maximum along `axis` (default 0; a list of axes; `null` for all) of an
 * N-d array of any numeric typed array, read in place. Returns the input's
 * own typed array holding the kept axes in C order (a scalar for `axis:
 * null`). NaN propagates; see `nanmax`. A 2-D array reduced along one axis
 * may pick the article's kernels with `strategy`.
 *
 * @example
 * const x = { data: new BigInt64Array([1n, 5n, 3n, 4n, 2n, 6n]), shape: [2, 3] };
 * max(x); // BigInt64Array [4n, 5n, 6n]
 * max(x, { axis: 1 }); // BigInt64Array [5n, 6n]
 */
export const max = reducer('max', 'max') as Reducer<'extremum'>;

/** The minimum along `axis`; like `max`. */
export const min = reducer('min', 'min') as Reducer<'extremum'>;

/** `max` skipping NaN (NumPy's `nanmax`); an all-NaN slice gives NaN. Same as `ignoreNaN: true`. */
export const nanmax = reducer('max', 'nanmax', true) as Reducer<'extremum'>;

/** `min` skipping NaN (NumPy's `nanmin`). */
export const nanmin = reducer('min', 'nanmin', true) as Reducer<'extremum'>;

/** The sum along `axis`: BigInt64Array for signed integers, BigUint64Array
 * for unsigned ones (a RangeError when it overflows 64 bits), Float64Array
 * for floats. An empty sum is 0. */
export const sum = reducer('sum', 'sum') as Reducer<'sum'>;

/** The index of the maximum along `axis` (flat C-order over the reduced
 * axes), as a Float64Array; the first on ties, and NaN wins as in NumPy. */
export const argmax = reducer('argmax', 'argmax') as Reducer<'arg'>;

/** The index of the minimum along `axis`; like `argmax`. */
export const argmin = reducer('argmin', 'argmin') as Reducer<'arg'>;

/** `{ min, max }` along `axis` in one pass. */
export const minmax = reducer('minmax', 'minmax') as Reducer<'minmax'>;

/**
 * `max` off the JavaScript thread: the event loop keeps running while the
 * kernels work. `options.signal` aborts it (the promise rejects with an
 * `AbortError` at once; the kernels stop within milliseconds). Input over a
 * SharedArrayBuffer is read in place; any other buffer is first copied into
 * one, a slice per event-loop turn (see `src/async.ts` for why).
 */
export const maxAsync = asyncReducer('max', 'maxAsync') as AsyncReducer<'extremum'>;

/** `min` off the JavaScript thread; like `maxAsync` (and so are the others). */
export const minAsync = asyncReducer('min', 'minAsync') as AsyncReducer<'extremum'>;
export const nanmaxAsync = asyncReducer('max', 'nanmaxAsync', true) as AsyncReducer<'extremum'>;
export const nanminAsync = asyncReducer('min', 'nanminAsync', true) as AsyncReducer<'extremum'>;
export const sumAsync = asyncReducer('sum', 'sumAsync') as AsyncReducer<'sum'>;
export const argmaxAsync = asyncReducer('argmax', 'argmaxAsync') as AsyncReducer<'arg'>;
export const argminAsync = asyncReducer('argmin', 'argminAsync') as AsyncReducer<'arg'>;
export const minmaxAsync = asyncReducer('minmax', 'minmaxAsync') as AsyncReducer<'minmax'>;

/** The transposed view of `x` (NumPy's `x.T`: the axes reversed): same
 * memory, no copy. */
export function transpose<T extends NumericArray>(x: NdArrayLike<T>): NdArrayLike<T> {
  const v = readView(x, 'transpose');
  return { data: x.data, shape: [...v.shape].reverse(), strides: [...v.strides].reverse(), offset: v.offset };
}

type ArticleOptions = Omit<ReduceOptions, 'strategy' | 'axis'> & { axis?: number };

/** The article's `find_max`: the serial column-by-column loop. */
export function findMax(x: Int64Array2D, options?: ArticleOptions): BigInt64Array {
  return max(x, { ...options, strategy: 'serial' });
}

/** The article's `find_max_parallel`: one task per column, output behind a mutex. */
export function findMaxParallel(x: Int64Array2D, options?: ArticleOptions): BigInt64Array {
  return max(x, { ...options, strategy: 'mutex' });
}

/** The article's `find_max_unsafe`: one task per column, lock-free disjoint writes. */
export function findMaxUnsafe(x: Int64Array2D, options?: ArticleOptions): BigInt64Array {
  return max(x, { ...options, strategy: 'lockfree' });
}

/** The number of threads rayon uses when `threads` is not given (one per
 * CPU when the addon is missing, as the js backend's pool uses). */
export function defaultThreads(): number {
  return addon()?.defaultThreads() ?? os.availableParallelism();
}
