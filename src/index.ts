// The public API: the only module users import.
import * as os from 'node:os';

import { jsBackend } from './backends/js';
import { nativeBackend } from './backends/native';
import type { Backend } from './backends/types';
import { wasmBackend } from './backends/wasm';
import { maxAsyncWith } from './async';
import type { MaxAsyncOptions } from './async';
import { loadNative, warnNoAddon } from './native';
import { checkOptions, checkReducible, checkView } from './validate';
import { isArticleCall, reduce } from './reduce';
import { reduceAsync } from './reduce-async';
import type { AsyncReducer, Backend as BackendName, Int64Array2D, MaxOptions, Reducer, Reduction } from './types';

export type {
  AsyncReduceOptions,
  AsyncReducer,
  Axis,
  Backend,
  Family,
  Int64Array2D,
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
export { referenceMax } from './reference';
export { referenceReduce } from './reference-nd';
export { resultShape } from './reduce';
export { reduceColumns, maxColumns, minColumns, sumColumns } from './arrow';
export type { ArrowTableLike, ColumnResult } from './arrow';
export type { MaxAsyncOptions } from './async';
export { wasmAlloc, wasmCopy, WasmInt64Array2D } from './backends/wasm';
export { loadNpy, saveNpy, parseNpy, encodeNpy } from './npy';
export type { NpyArray, NpyInput, NpyTypedArray } from './npy';

let native: Backend | undefined;

function backend(name: BackendName = 'native'): Backend {
  if (name === 'js') return jsBackend;
  if (name === 'wasm') return wasmBackend;
  if (!native) {
    const { addon, error } = loadNative();
    if (!addon) {
      // Without a Rust toolchain at install time there is no addon; the same
      // API still works, slower, in plain TypeScript.
      warnNoAddon(error, 'the js backend');
      return jsBackend;
    }
    native = nativeBackend(addon);
  }
  return native;
}

/** The article's path: a 2-D int64 maximum with a choice of kernel and backend. */
function articleMax(x: Int64Array2D, options?: MaxOptions): BigInt64Array {
  const view = checkView(x);
  const opts = checkOptions(options);
  checkReducible(view, opts.axis);
  return backend(opts.backend).max(view, opts);
}

/** The `max` of the article's 2-D int64 kernels and of the N-d engine. */
export interface MaxFn extends Reducer<'extremum'> {
  (x: Int64Array2D, options?: MaxOptions): BigInt64Array;
}

export interface MaxAsyncFn extends AsyncReducer<'extremum'> {
  (x: Int64Array2D, options?: MaxAsyncOptions): Promise<BigInt64Array>;
}

// The public functions are these two closures; their signatures (a scalar
// for `axis: null`, the result type per dtype) come from `Reducer`.
const reducer = (op: Reduction, ignoreNaN = false) => (x: unknown, options?: unknown) => reduce(op, x, options, ignoreNaN);
const asyncReducer = (op: Reduction, fn: string, ignoreNaN = false) => (x: unknown, options?: unknown) =>
  reduceAsync(op, x, options, fn, ignoreNaN);

/**
 * The maximum along `axis` (default 0; a list of axes; `null` for all) of an
 * N-d array of any numeric typed array, read in place. Returns the input's
 * own typed array holding the kept axes in C order (a scalar for `axis:
 * null`). NaN propagates; see `nanmax`. A 2-D BigInt64Array may also pick
 * the article's kernels with `strategy` and `backend`.
 *
 * @example
 * const x = { data: new BigInt64Array([1n, 5n, 3n, 4n, 2n, 6n]), shape: [2, 3] };
 * max(x); // BigInt64Array [4n, 5n, 6n]
 * max(x, { axis: 1 }); // BigInt64Array [5n, 6n]
 */
export const max = ((x: unknown, options?: unknown) =>
  isArticleCall(x, options) ? articleMax(x as Int64Array2D, options as MaxOptions) : reduce('max', x, options)) as MaxFn;

/** The minimum along `axis`; like `max`. */
export const min = reducer('min') as Reducer<'extremum'>;

/** `max` skipping NaN (NumPy's `nanmax`); an all-NaN slice gives NaN. Same as `ignoreNaN: true`. */
export const nanmax = reducer('max', true) as Reducer<'extremum'>;

/** `min` skipping NaN (NumPy's `nanmin`). */
export const nanmin = reducer('min', true) as Reducer<'extremum'>;

/** The sum along `axis`: BigInt64Array for signed integers, BigUint64Array
 * for unsigned ones (a RangeError when it overflows 64 bits), Float64Array
 * for floats. An empty sum is 0. */
export const sum = reducer('sum') as Reducer<'sum'>;

/** The index of the maximum along `axis` (flat C-order over the reduced
 * axes), as a Float64Array; the first on ties, and NaN wins as in NumPy. */
export const argmax = reducer('argmax') as Reducer<'arg'>;

/** The index of the minimum along `axis`; like `argmax`. */
export const argmin = reducer('argmin') as Reducer<'arg'>;

/** `{ min, max }` along `axis` in one pass. */
export const minmax = reducer('minmax') as Reducer<'minmax'>;

/**
 * `max` off the JavaScript thread: the event loop keeps running while the
 * Rust kernels work. `options.signal` aborts it (the promise rejects with an
 * `AbortError` at once; the kernels stop at their next block). Input over a
 * SharedArrayBuffer is read in place; any other buffer is first copied into
 * one, a slice per event-loop turn (see `src/async.ts` for why).
 */
export const maxAsync = ((x: unknown, options?: unknown) =>
  isArticleCall(x, options)
    ? maxAsyncWith(x as Int64Array2D, options as MaxAsyncOptions, articleMax)
    : reduceAsync('max', x, options, 'maxAsync')) as MaxAsyncFn;

/** `min` off the JavaScript thread; like `maxAsync` (and so are the others). */
export const minAsync = asyncReducer('min', 'minAsync') as AsyncReducer<'extremum'>;
export const nanmaxAsync = asyncReducer('max', 'nanmaxAsync', true) as AsyncReducer<'extremum'>;
export const nanminAsync = asyncReducer('min', 'nanminAsync', true) as AsyncReducer<'extremum'>;
export const sumAsync = asyncReducer('sum', 'sumAsync') as AsyncReducer<'sum'>;
export const argmaxAsync = asyncReducer('argmax', 'argmaxAsync') as AsyncReducer<'arg'>;
export const argminAsync = asyncReducer('argmin', 'argminAsync') as AsyncReducer<'arg'>;
export const minmaxAsync = asyncReducer('minmax', 'minmaxAsync') as AsyncReducer<'minmax'>;

/** The transposed view of `x` (NumPy's `x.T`): same memory, no copy. */
export function transpose(x: Int64Array2D): Int64Array2D {
  const v = checkView(x);
  return { data: v.data, shape: [v.cols, v.rows], strides: [v.colStride, v.rowStride], offset: v.offset };
}

/** The article's `find_max`: the serial column-by-column loop. */
export function findMax(x: Int64Array2D, options?: Omit<MaxOptions, 'strategy'>): BigInt64Array {
  return max(x, { ...options, strategy: 'serial' });
}

/** The article's `find_max_parallel`: one task per column, output behind a mutex. */
export function findMaxParallel(x: Int64Array2D, options?: Omit<MaxOptions, 'strategy'>): BigInt64Array {
  return max(x, { ...options, strategy: 'mutex' });
}

/** The article's `find_max_unsafe`: one task per column, lock-free disjoint writes. */
export function findMaxUnsafe(x: Int64Array2D, options?: Omit<MaxOptions, 'strategy'>): BigInt64Array {
  return max(x, { ...options, strategy: 'lockfree' });
}

/** The number of threads rayon uses when `threads` is not given (one per
 * CPU when the addon is missing, as the js backend's pool uses). */
export function defaultThreads(): number {
  const { addon } = loadNative();
  return addon ? addon.defaultThreads() : os.availableParallelism();
}
