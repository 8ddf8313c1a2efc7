import type { NumericArray } from './dtypes';

/** An N-d array of any numeric typed array: `data` read through `shape`,
 * `strides` (or `stride`) and `offset`, counted in elements. scijs `ndarray`
 * and `@stdlib/ndarray` objects have these fields. */
export interface NdArrayLike<T extends NumericArray = NumericArray> {
  data: T;
  shape: readonly number[];
  strides?: readonly number[];
  stride?: readonly number[];
  offset?: number;
}

/** A 2-D int64 array, the article's case. */
export type Int64Array2D = NdArrayLike<BigInt64Array>;

/** How the engine walks a 2-D view reduced along one axis: `"serial"`,
 * `"mutex"` and `"lockfree"` are the article's kernels; `"auto"` (the
 * default, any view) follows the memory layout and is the fastest. */
export type Strategy = 'auto' | 'serial' | 'mutex' | 'lockfree';

/** Where to compute: the Rust addon (default), plain TypeScript, or
 * WebAssembly (max of a 2-D BigInt64Array along one axis only). */
export type Backend = 'native' | 'js' | 'wasm';

/** The reductions. */
export type Reduction = 'min' | 'max' | 'sum' | 'argmin' | 'argmax' | 'minmax';

/** Which axes to reduce: one (negative counts from the end), a list, or
 * `null` for all of them (the result is then a scalar). */
export type Axis = number | readonly number[] | null;

export interface ReduceOptions {
  /** Default 0. */
  axis?: Axis;
  /** Skip NaN (NumPy's `nanmax` & co.); an all-NaN slice gives NaN, and
   * an error for argmin/argmax. Ignored for integers. */
  ignoreNaN?: boolean;
  /** Threads for this call, 1 to 1024; rayon's default (and `RAYON_NUM_THREADS`) otherwise. */
  threads?: number;
  /** Default `"auto"`; the others need a 2-D array reduced along one axis. */
  strategy?: Strategy;
  /** Default `"native"`. */
  backend?: Backend;
}

export type MaxOptions = ReduceOptions;

export interface AsyncReduceOptions extends ReduceOptions {
  /** Aborting rejects the promise with an `AbortError` and stops the kernels. */
  signal?: AbortSignal;
}

export type MaxAsyncOptions = AsyncReduceOptions;

/** One element of `T`: `bigint` for the 64-bit integer arrays. */
export type ScalarOf<T extends NumericArray> = T extends BigInt64Array | BigUint64Array ? bigint : number;

/** What `sum` returns for an input of type `T`. */
export type SumOf<T extends NumericArray> = T extends Float32Array | Float64Array
  ? Float64Array
  : T extends BigUint64Array | Uint8Array | Uint8ClampedArray | Uint16Array | Uint32Array
    ? BigUint64Array
    : BigInt64Array;

/** The families of results: extremum (min, max), sum, arg (argmin,
 * argmax), minmax. */
export type Family = 'extremum' | 'sum' | 'arg' | 'minmax';

/** What a reduction of `T` returns per kept position. */
export type ResultOf<F extends Family, T extends NumericArray> = F extends 'sum'
  ? SumOf<T>
  : F extends 'arg'
    ? Float64Array
    : F extends 'minmax'
      ? { min: T; max: T }
      : T;

/** What a reduction of `T` over every axis (`axis: null`) returns. */
export type ScalarResultOf<F extends Family, T extends NumericArray> = F extends 'sum'
  ? ScalarOf<SumOf<T>>
  : F extends 'arg'
    ? number
    : F extends 'minmax'
      ? { min: ScalarOf<T>; max: ScalarOf<T> }
      : ScalarOf<T>;

/** A reduction's signatures: a scalar for `axis: null`, else per kept position. */
export interface Reducer<F extends Family> {
  <T extends NumericArray>(x: NdArrayLike<T>, options: ReduceOptions & { axis: null }): ScalarResultOf<F, T>;
  <T extends NumericArray>(x: NdArrayLike<T>, options?: ReduceOptions & { axis?: number | readonly number[] }): ResultOf<F, T>;
  <T extends NumericArray>(x: NdArrayLike<T>, options?: ReduceOptions): ResultOf<F, T> | ScalarResultOf<F, T>;
}

export interface AsyncReducer<F extends Family> {
  <T extends NumericArray>(x: NdArrayLike<T>, options: AsyncReduceOptions & { axis: null }): Promise<ScalarResultOf<F, T>>;
  <T extends NumericArray>(x: NdArrayLike<T>, options?: AsyncReduceOptions & { axis?: number | readonly number[] }): Promise<ResultOf<F, T>>;
  <T extends NumericArray>(x: NdArrayLike<T>, options?: AsyncReduceOptions): Promise<ResultOf<F, T> | ScalarResultOf<F, T>>;
}
