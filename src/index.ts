// The public API: the only module users import.
import * as os from 'node:os';

import { addon } from './addon';
import { reduceAsync } from './async';
import { reduce } from './engine';
import type { NumericArray } from './dtypes';
import type { AsyncReducer, Int64Array2D, NdArrayLike, ReduceOptions, Reducer, Reduction, Strategy } from './types';
import { readView } from './validate';

export type {
  ArrayInput,
  AsyncReduceOptions,
  CallResult,
  DataOf,
  NestedList,
  Shaped,
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
export { reduceColumns, maxColumns, minColumns, sumColumns, meanColumns } from './arrow';
export type { ArrowTableLike, ColumnResult } from './arrow';
export { wasmAlloc, wasmCopy, WasmInt64Array2D } from './backends/wasm';
export { loadNpy, saveNpy, parseNpy, encodeNpy } from './npy';
export type { NpyArray, NpyInput, NpyTypedArray } from './npy';
export { reduceFile, readNpyHeader, FILE_REDUCTIONS } from './file';
export type { FileProgress, ReduceFileOptions } from './file';
export { Partial, reduceChunks, PARTIAL_OPS } from './partial';
export type { PartialOp, PartialOptions } from './partial';

// Every public reduction is one of these two closures over the one engine;
// their signatures (a scalar for `axis: null`, the result type per dtype)
// come from `Reducer`.
const reducer = (op: Reduction, fn: string, ignoreNaN = false) => (x: unknown, options?: unknown) => reduce(op, x, options, fn, ignoreNaN);
const asyncReducer = (op: Reduction, fn: string, ignoreNaN = false) => (x: unknown, options?: unknown) => reduceAsync(op, x, options, fn, ignoreNaN);

/**
 * The maximum along `axis` (default `null`: every axis, a scalar; a number,
 * negative from the end; a list of axes) of an N-d array of any numeric
 * typed array, read in place. Returns the input's own typed array holding
 * the kept axes in C order. NaN propagates; see `nanmax`. `initial` is
 * folded in (and is the answer for an empty axis). A 2-D array reduced
 * along one axis may pick the article's kernels with `strategy`.
 *
 * @example
 * const x = { data: new BigInt64Array([1n, 5n, 3n, 4n, 2n, 6n]), shape: [2, 3] };
 * max(x); // 6n
 * max(x, { axis: 0 }); // BigInt64Array [4n, 5n, 6n]
 */
export const max = reducer('max', 'max') as Reducer<'extremum'>;

/** The minimum along `axis`; like `max`. */
export const min = reducer('min', 'min') as Reducer<'extremum'>;

/** `max` skipping NaN (NumPy's `nanmax`); an all-NaN slice gives NaN. Same as `ignoreNaN: true`. */
export const nanmax = reducer('max', 'nanmax', true) as Reducer<'extremum'>;

/** `min` skipping NaN (NumPy's `nanmin`). */
export const nanmin = reducer('min', 'nanmin', true) as Reducer<'extremum'>;

/** `max - min` along `axis` (NumPy's `ptp`), in the input's type: integers
 * wrap as NumPy's do; NaN propagates. */
export const ptp = reducer('ptp', 'ptp') as Reducer<'extremum'>;

/** The sum along `axis`: BigInt64Array for signed integers, BigUint64Array
 * for unsigned ones (exact; a RangeError when it overflows 64 bits), or
 * Float64Array with `dtype: "float64"`; floats give Float64Array, summed
 * with compensation (Neumaier). An empty sum is 0. */
export const sum = reducer('sum', 'sum') as Reducer<'sum'>;

/** `sum` with NaN counted as 0 (NumPy's `nansum`). */
export const nansum = reducer('sum', 'nansum', true) as Reducer<'sum'>;

/** The product along `axis`: exact 64-bit integers (a RangeError on
 * overflow, unless a factor is 0), or float64. An empty product is 1. */
export const prod = reducer('prod', 'prod') as Reducer<'sum'>;

/** The arithmetic mean along `axis`, as float64 (from the exact integer
 * sum, or the compensated float sum); the mean of nothing is NaN. */
export const mean = reducer('mean', 'mean') as Reducer<'float'>;

/** `mean` skipping NaN; an all-NaN slice gives NaN. */
export const nanmean = reducer('mean', 'nanmean', true) as Reducer<'float'>;

/** The variance along `axis` (divisor `n - ddof`, NaN when that is not
 * positive), as float64, by Welford's method and Chan's merge. */
export const variance = reducer('var', 'var') as Reducer<'float'>;

/** `var` skipping NaN. */
export const nanvar = reducer('var', 'nanvar', true) as Reducer<'float'>;

/** The standard deviation along `axis`: the square root of `var`. */
export const std = reducer('std', 'std') as Reducer<'float'>;

/** `std` skipping NaN. */
export const nanstd = reducer('std', 'nanstd', true) as Reducer<'float'>;

/** The index of the maximum along `axis` (flat C-order over the reduced
 * axes), as a Float64Array; the first on ties, and NaN wins as in NumPy. */
export const argmax = reducer('argmax', 'argmax') as Reducer<'arg'>;

/** The index of the minimum along `axis`; like `argmax`. */
export const argmin = reducer('argmin', 'argmin') as Reducer<'arg'>;

/** `{ min, max }` along `axis` in one pass. */
export const minmax = reducer('minmax', 'minmax') as Reducer<'minmax'>;

/** Whether any element along `axis` is non-zero (NaN is): a Uint8Array of
 * 0/1, a boolean for every axis. Empty: false. */
export const any = reducer('any', 'any') as Reducer<'bool'>;

/** Whether every element along `axis` is non-zero; like `any`. Empty: true. */
export const all = reducer('all', 'all') as Reducer<'bool'>;

/** How many elements along `axis` are non-zero (NaN is), as float64. */
export const countNonzero = reducer('countNonzero', 'countNonzero') as Reducer<'count'>;

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
export const ptpAsync = asyncReducer('ptp', 'ptpAsync') as AsyncReducer<'extremum'>;
export const sumAsync = asyncReducer('sum', 'sumAsync') as AsyncReducer<'sum'>;
export const nansumAsync = asyncReducer('sum', 'nansumAsync', true) as AsyncReducer<'sum'>;
export const prodAsync = asyncReducer('prod', 'prodAsync') as AsyncReducer<'sum'>;
export const meanAsync = asyncReducer('mean', 'meanAsync') as AsyncReducer<'float'>;
export const nanmeanAsync = asyncReducer('mean', 'nanmeanAsync', true) as AsyncReducer<'float'>;
export const varianceAsync = asyncReducer('var', 'varAsync') as AsyncReducer<'float'>;
export const nanvarAsync = asyncReducer('var', 'nanvarAsync', true) as AsyncReducer<'float'>;
export const stdAsync = asyncReducer('std', 'stdAsync') as AsyncReducer<'float'>;
export const nanstdAsync = asyncReducer('std', 'nanstdAsync', true) as AsyncReducer<'float'>;
export const argmaxAsync = asyncReducer('argmax', 'argmaxAsync') as AsyncReducer<'arg'>;
export const argminAsync = asyncReducer('argmin', 'argminAsync') as AsyncReducer<'arg'>;
export const minmaxAsync = asyncReducer('minmax', 'minmaxAsync') as AsyncReducer<'minmax'>;
export const anyAsync = asyncReducer('any', 'anyAsync') as AsyncReducer<'bool'>;
export const allAsync = asyncReducer('all', 'allAsync') as AsyncReducer<'bool'>;
export const countNonzeroAsync = asyncReducer('countNonzero', 'countNonzeroAsync') as AsyncReducer<'count'>;

// `var` is a reserved word: exported under NumPy's name all the same.
export { variance as var, varianceAsync as varAsync };

/** The transposed view of `x` (NumPy's `x.T`: the axes reversed): same
 * memory, no copy. */
export function transpose<T extends NumericArray>(x: NdArrayLike<T>): NdArrayLike<T> {
  const v = readView(x, 'transpose');
  return { data: x.data, shape: [...v.shape].reverse(), strides: [...v.strides].reverse(), offset: v.offset };
}

type ArticleOptions = Pick<ReduceOptions, 'threads' | 'backend'> & { axis?: 0 | 1 | -1 | -2 };

/** The article's functions reduce axis 0 (its column maximum) by default. */
const article = (x: Int64Array2D, options: ArticleOptions | undefined, strategy: Strategy) =>
  max(x, { ...options, axis: options?.axis ?? 0, strategy }) as BigInt64Array;

/** The article's `find_max`: the serial column-by-column loop (axis 0 by default). */
export function findMax(x: Int64Array2D, options?: ArticleOptions): BigInt64Array {
  return article(x, options, 'serial');
}

/** The article's `find_max_parallel`: one task per column, output behind a mutex. */
export function findMaxParallel(x: Int64Array2D, options?: ArticleOptions): BigInt64Array {
  return article(x, options, 'mutex');
}

/** The article's `find_max_unsafe`: one task per column, lock-free disjoint writes. */
export function findMaxUnsafe(x: Int64Array2D, options?: ArticleOptions): BigInt64Array {
  return article(x, options, 'lockfree');
}

/** The number of threads rayon uses when `threads` is not given (one per
 * CPU when the addon is missing, as the js backend's pool uses). */
export function defaultThreads(): number {
  return addon()?.defaultThreads() ?? os.availableParallelism();
}
