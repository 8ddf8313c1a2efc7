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

/** A list of numbers (or bigints), nested to any depth: `[[1, 2], [3, 4]]`. */
export type NestedList<E> = readonly (E | NestedList<E>)[];

/** What a reduction takes: an N-d array, a bare typed array (1-D), or a
 * plain (nested, rectangular) list of numbers or of bigints, copied. */
export type ArrayInput = NdArrayLike | NumericArray | NestedList<number> | NestedList<bigint>;

/** The typed array an input is read as: its own, float64 for a list of
 * numbers, int64 for a list of bigints. */
export type DataOf<X> = X extends NumericArray
  ? X
  : X extends NdArrayLike<infer T>
    ? T
    : X extends NestedList<bigint>
      ? BigInt64Array
      : Float64Array;

/** A 2-D int64 array, the article's case. */
export type Int64Array2D = NdArrayLike<BigInt64Array>;

/** How the engine walks a 2-D view reduced along one axis: `"serial"`,
 * `"mutex"` and `"lockfree"` are the article's kernels; `"auto"` (the
 * default, any view) follows the memory layout and is the fastest. */
export type Strategy = 'auto' | 'serial' | 'mutex' | 'lockfree';

/** Where to compute: the Rust addon (default), plain TypeScript, or
 * WebAssembly (max of a 2-D BigInt64Array along one axis only). */
export type Backend = 'native' | 'js' | 'wasm';

/** The reductions, by their base name (`nansum` is `sum` skipping NaN). */
export type Reduction =
  | 'min'
  | 'max'
  | 'sum'
  | 'argmin'
  | 'argmax'
  | 'minmax'
  | 'ptp'
  | 'prod'
  | 'mean'
  | 'var'
  | 'std'
  | 'any'
  | 'all'
  | 'countNonzero';

/** Which axes to reduce: one (negative counts from the end), a list, or
 * `null` for all of them (the result is then a scalar). */
export type Axis = number | readonly number[] | null;

export interface ReduceOptions {
  /** Default `null`: every axis, a scalar result (NumPy's default). */
  axis?: Axis;
  /** Keep the reduced axes as length 1: the result is `{ data, shape }`. */
  keepdims?: boolean;
  /** Write the result into this typed array (the result's class and
   * length) and return it. */
  out?: NumericArray;
  /** `min`/`max`: a value folded into every result, which also makes an
   * empty reduction give it instead of an error (NumPy's `initial`). */
  initial?: number | bigint;
  /** `var`/`std`: the divisor is `n - ddof` (default 0). */
  ddof?: number;
  /** `sum`/`prod`/`mean` of integers: `"float64"` gives numbers; `"int64"`
   * (the default) exact 64-bit integers. */
  dtype?: 'float64' | 'int64';
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

/** What `sum` (and `prod`) returns for an input of type `T`. */
export type SumOf<T extends NumericArray> = T extends Float32Array | Float64Array
  ? Float64Array
  : T extends BigUint64Array | Uint8Array | Uint8ClampedArray | Uint16Array | Uint32Array
    ? BigUint64Array
    : BigInt64Array;

/** The families of results: extremum (min, max, ptp: the input's class),
 * sum (sum, nansum, prod: 64-bit integers or float64), float (mean, var,
 * std and their nan kin: float64), arg (argmin, argmax), minmax, bool
 * (any, all: 0/1 bytes, booleans as scalars), count (countNonzero). */
export type Family = 'extremum' | 'sum' | 'float' | 'arg' | 'minmax' | 'bool' | 'count';

/** What a reduction of `T` returns per kept position. */
export type ResultOf<F extends Family, T extends NumericArray> = F extends 'sum'
  ? SumOf<T>
  : F extends 'arg' | 'float' | 'count'
    ? Float64Array
    : F extends 'bool'
      ? Uint8Array
      : F extends 'minmax'
        ? { min: T; max: T }
        : T;

/** What a reduction of `T` over every axis (`axis: null`) returns. */
export type ScalarResultOf<F extends Family, T extends NumericArray> = F extends 'sum'
  ? ScalarOf<SumOf<T>>
  : F extends 'arg' | 'float' | 'count'
    ? number
    : F extends 'bool'
      ? boolean
      : F extends 'minmax'
        ? { min: ScalarOf<T>; max: ScalarOf<T> }
        : ScalarOf<T>;

/** A result with `keepdims: true`: the values and the shape with the
 * reduced axes kept as length 1 (an N-d array every reduction takes). */
export type Shaped<R> = R extends { min: infer A extends NumericArray; max: infer B extends NumericArray }
  ? { min: NdArrayLike<A>; max: NdArrayLike<B> }
  : R extends NumericArray
    ? NdArrayLike<R>
    : never;

/** The result of a call with options `O` (a literal type where the caller
 * wrote one): a scalar unless `axis` lists axes, float64 with `dtype:
 * "float64"`, the caller's `out`, `{ data, shape }` with `keepdims`. */
export type CallResult<F extends Family, T extends NumericArray, O> = O extends { out: infer A extends NumericArray }
  ? O extends { keepdims: true }
    ? NdArrayLike<A>
    : A
  : Shape<O extends { dtype: 'float64' } ? (F extends 'sum' ? 'float' : F) : F, T, O>;

type Shape<F extends Family, T extends NumericArray, O> = O extends { keepdims: true }
  ? Shaped<ResultOf<F, T>>
  : O extends { axis: number | readonly number[] }
    ? ResultOf<F, T>
    : // (`{ axis?: null }` would be a weak type, which no object without `axis` extends)
      'axis' extends keyof O
      ? O extends { axis: null | undefined }
        ? ScalarResultOf<F, T>
        : ResultOf<F, T> | ScalarResultOf<F, T>
      : ScalarResultOf<F, T>;

/** A reduction's signature. */
export type Reducer<F extends Family> = <X extends ArrayInput, const O extends ReduceOptions = {}>(x: X, options?: O) => CallResult<F, DataOf<X>, O>;

export type AsyncReducer<F extends Family> = <X extends ArrayInput, const O extends AsyncReduceOptions = {}>(
  x: X,
  options?: O,
) => Promise<CallResult<F, DataOf<X>, O>>;
