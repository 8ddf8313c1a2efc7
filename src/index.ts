// The public API: the only module users import.
import * as os from 'node:os';

import { addon } from './addon/load';
import { reduceAsync } from './run/async';
import { reduce } from './run/sync';
import type { NumericArray } from './spec/dtypes';
import { parseOpName } from './spec/ops';
import type { OpName, Reduction } from './spec/ops';
import type { AsyncReducer, BaseOf, Int64Array2D, NdArrayLike, ReduceOptions, Reducer, Strategy } from './spec/types';
import { readView } from './validate/view';
import { MAX_NDIM } from './validate/read';

export type {
  ArrayInput,
  AnyResultOf,
  AsyncReduceOptions,
  BaseOf,
  CallResult,
  DataOf,
  NestedList,
  Shaped,
  AsyncReducer,
  Axis,
  Backend,
  ColumnResultOf,
  CommonOptions,
  OpName,
  OpOptions,
  OptionsOf,
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
} from './spec/types';
export type { NumericArray } from './spec/dtypes';
export { CODES } from './spec/errors';
export { resultShape } from './validate/call';
export { reduceColumns, maxColumns, minColumns, sumColumns, meanColumns } from './merge/arrow';
export type { ArrowTableLike, ColumnResult } from './merge/arrow';
export { wasmAlloc, wasmCopy, WasmInt64Array2D } from './backends/article/wasm';
export { loadNpy, saveNpy, parseNpy, encodeNpy } from './io/npy';
export type { NpyArray, NpyInput, NpyReadOptions } from './io/npy';
export type { NpyTypedArray } from './io/npy-header';
export { reduceFile, readNpyHeader, FILE_REDUCTIONS } from './io/file';
export type { FileProgress, ReduceFileOptions } from './io/file';
export { Partial } from './merge/partial';
export { PARTIAL_OPS } from './merge/partial-spec';
export { reduceChunks } from './merge/chunks';
export type { PartialOp, PartialOptions } from './merge/partial-spec';
export { median, nanmedian, quantile, nanquantile, percentile, nanpercentile } from './quantile/api';
export { medianAsync, nanmedianAsync, quantileAsync, nanquantileAsync, percentileAsync, nanpercentileAsync } from './quantile/api';
export type { QuantileListResult, QuantileResult } from './quantile/api';
export { METHODS as QUANTILE_METHODS } from './quantile/spec';
export type { MedianOptions, QuantileMethod, QuantileOptions } from './quantile/spec';

// Every public reduction is one of these two closures over the one engine,
// named by its row of the op table (src/spec/ops.ts, `nan` + name for the
// NaN-skipping twin); their signatures (the options the row takes, a
// scalar for `axis: null`, the result type per dtype) come from `Reducer`.
const parsed = (name: OpName) => parseOpName(name) as { reduction: Reduction; skipNaN: boolean };
const reducer = <N extends OpName>(name: N): Reducer<BaseOf<N>> => {
  const { reduction, skipNaN } = parsed(name);
  return ((x: unknown, options?: unknown) => reduce(reduction, x, options, name, skipNaN)) as Reducer<BaseOf<N>>;
};
const asyncReducer = <N extends OpName>(name: N): AsyncReducer<BaseOf<N>> => {
  const { reduction, skipNaN } = parsed(name);
  return ((x: unknown, options?: unknown) => reduceAsync(reduction, x, options, `${name}Async`, skipNaN)) as AsyncReducer<BaseOf<N>>;
};

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
export const max = reducer('max');

/** The minimum along `axis`; like `max`. */
export const min = reducer('min');

/** `max` skipping NaN (NumPy's `nanmax`); an all-NaN slice gives NaN. Same as `ignoreNaN: true`. */
export const nanmax = reducer('nanmax');

/** `min` skipping NaN (NumPy's `nanmin`). */
export const nanmin = reducer('nanmin');

/** `max - min` along `axis` (NumPy's `ptp`), in the input's type: integers
 * wrap as NumPy's do; NaN propagates. */
export const ptp = reducer('ptp');

/** The sum along `axis`: BigInt64Array for signed integers, BigUint64Array
 * for unsigned ones (exact; a RangeError when it overflows 64 bits), or
 * Float64Array with `dtype: "float64"`; floats give Float64Array, summed
 * with compensation (Neumaier). An empty sum is 0. */
export const sum = reducer('sum');

/** `sum` with NaN counted as 0 (NumPy's `nansum`). */
export const nansum = reducer('nansum');

/** The product along `axis`: exact 64-bit integers (a RangeError on
 * overflow, unless a factor is 0), or float64. An empty product is 1. */
export const prod = reducer('prod');

/** The arithmetic mean along `axis`, as float64 (from the exact integer
 * sum, or the compensated float sum); the mean of nothing is NaN. */
export const mean = reducer('mean');

/** `mean` skipping NaN; an all-NaN slice gives NaN. */
export const nanmean = reducer('nanmean');

/** The variance along `axis` (divisor `n - ddof`, NaN when that is not
 * positive), as float64, by Welford's method and Chan's merge. */
export const variance = reducer('var');

/** `var` skipping NaN. */
export const nanvar = reducer('nanvar');

/** The standard deviation along `axis`: the square root of `var`. */
export const std = reducer('std');

/** `std` skipping NaN. */
export const nanstd = reducer('nanstd');

/** The index of the maximum along `axis` (flat C-order over the reduced
 * axes), as a Float64Array; the first on ties, and NaN wins as in NumPy. */
export const argmax = reducer('argmax');

/** The index of the minimum along `axis`; like `argmax`. */
export const argmin = reducer('argmin');

/** `{ min, max }` along `axis` in one pass. */
export const minmax = reducer('minmax');

/** `minmax` skipping NaN. */
export const nanminmax = reducer('nanminmax');

/** `argmax` skipping NaN (NumPy's `nanargmax`); an all-NaN slice is a RangeError. */
export const nanargmax = reducer('nanargmax');

/** `argmin` skipping NaN (NumPy's `nanargmin`). */
export const nanargmin = reducer('nanargmin');

/** Whether any element along `axis` is non-zero (NaN is): a Uint8Array of
 * 0/1, a boolean for every axis. Empty: false. */
export const any = reducer('any');

/** Whether every element along `axis` is non-zero; like `any`. Empty: true. */
export const all = reducer('all');

/** How many elements along `axis` are non-zero (NaN is), as float64. */
export const countNonzero = reducer('countNonzero');

/**
 * `max` off the JavaScript thread: the event loop keeps running while the
 * kernels work. `options.signal` aborts it (the promise rejects with an
 * `AbortError` at once; the kernels stop within milliseconds). Input over a
 * SharedArrayBuffer is read in place; any other buffer is first copied into
 * one, a slice per event-loop turn (see `src/run/async.ts` for why).
 */
export const maxAsync = asyncReducer('max');

/** `min` off the JavaScript thread; like `maxAsync` (and so are the others). */
export const minAsync = asyncReducer('min');
export const nanmaxAsync = asyncReducer('nanmax');
export const nanminAsync = asyncReducer('nanmin');
export const ptpAsync = asyncReducer('ptp');
export const sumAsync = asyncReducer('sum');
export const nansumAsync = asyncReducer('nansum');
export const prodAsync = asyncReducer('prod');
export const meanAsync = asyncReducer('mean');
export const nanmeanAsync = asyncReducer('nanmean');
export const varianceAsync = asyncReducer('var');
export const nanvarAsync = asyncReducer('nanvar');
export const stdAsync = asyncReducer('std');
export const nanstdAsync = asyncReducer('nanstd');
export const argmaxAsync = asyncReducer('argmax');
export const argminAsync = asyncReducer('argmin');
export const minmaxAsync = asyncReducer('minmax');
export const nanminmaxAsync = asyncReducer('nanminmax');
export const nanargmaxAsync = asyncReducer('nanargmax');
export const nanargminAsync = asyncReducer('nanargmin');
export const anyAsync = asyncReducer('any');
export const allAsync = asyncReducer('all');
export const countNonzeroAsync = asyncReducer('countNonzero');

// `var` is a reserved word: exported under NumPy's name all the same.
export { variance as var, varianceAsync as varAsync };

/** The transposed view of `x` (NumPy's `x.T`: the axes reversed): same
 * memory, no copy. */
export function transpose<T extends NumericArray>(x: NdArrayLike<T>): NdArrayLike<T> {
  const v = readView(x, [0, MAX_NDIM]);
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

// `import ndreduce from 'ndreduce'` from CommonJS TypeScript compiles to
// `require('ndreduce').default` (with esModuleInterop too: this module is
// marked __esModule), so the CommonJS entry has a default: this namespace
// itself (src/default.ts), the object the ES module face exports as its
// default too. One instance, whichever way it is loaded.
export { default } from './default';
export { reduceZarr } from './zarr/reduce';
export type { ReduceZarrOptions, ZarrSource, ZarrArrayLike, ZarrProgress } from './zarr/reduce';
export { planShards, reduceShard } from './zarr/shards';
export type { PlanOptions, ShardDescriptor, ShardOptions } from './zarr/shards';

export {
  moveSum, moveMean, moveVar, moveStd, moveMin, moveMax, moveArgmin, moveArgmax, moveMedian, moveRank,
  moveSumAsync, moveMeanAsync, moveVarAsync, moveStdAsync, moveMinAsync, moveMaxAsync, moveArgminAsync, moveArgmaxAsync, moveMedianAsync, moveRankAsync,
  MOVING_NAMES,
} from './moving/index';
export type { MoveAsyncOptions, MoveOptions, MoveResult, MoveVarAsyncOptions, MoveVarOptions, MovingName } from './moving/index';
export { moveFile } from './moving/file';
export type { MoveFileOptions } from './moving/file';
