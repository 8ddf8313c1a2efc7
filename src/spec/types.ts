import type { NumericArray } from './dtypes';
import type { Family, FamilyOf, OpName, OPS, Reduction } from './ops';

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
    : // Numbers first: an empty list (`never[]`) is read as float64, as it is at run time.
      X extends NestedList<number>
      ? Float64Array
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

export type { Family, OpName, Reduction } from './ops';

/** Which axes to reduce: one (negative counts from the end), a list, or
 * `null` for all of them (the result is then a scalar). */
export type Axis = number | readonly number[] | null;

/** The options every reduction takes. */
export interface CommonOptions {
  /** Default `null`: every axis, a scalar result (NumPy's default). */
  axis?: Axis;
  /** Keep the reduced axes as length 1: the result is `{ data, shape }`. */
  keepdims?: boolean;
  /** Write the result into this typed array (the result's class and
   * length) and return it. */
  out?: NumericArray;
  /** Threads for this call, 1 to 1024; rayon's default (and `RAYON_NUM_THREADS`) otherwise. */
  threads?: number;
  /** Default `"auto"`; the others need a 2-D array reduced along one axis. */
  strategy?: Strategy;
  /** Default `"native"`. */
  backend?: Backend;
  /** Reduce by label along the one reduced axis: a group per label (0 to
   * `groups - 1`; negative: no group), one per position along the axis.
   * The result is `{ data, shape }`, the axis replaced by the groups. */
  by?: ArrayLike<number> | ArrayLike<bigint>;
  /** How many groups `by` makes (default: the largest label + 1). */
  groups?: number;
  /** A mask broadcast against x: only the elements where it is not zero
   * are reduced (an array of any dtype, a typed array of x's length, or a
   * nested list of booleans). */
  where?: ArrayInput | NestedList<boolean>;
}

/** The options only some reductions take (src/spec/ops.ts says which). */
export interface OpOptions {
  /** The extremes: a value folded into every result, which also makes an
   * empty reduction give it instead of an error (NumPy's `initial`). */
  initial?: number | bigint;
  /** The variance and its root: the divisor is `n - ddof` (default 0). */
  ddof?: number;
  /** The sums and the mean of integers: `"float64"` gives numbers; `"int64"`
   * (the default) exact 64-bit integers. */
  dtype?: 'float64' | 'int64';
  /** Skip NaN (NumPy's `nan` twins); an all-NaN slice gives NaN, and
   * an error for the arg reductions. Ignored for integers. */
  ignoreNaN?: boolean;
}

/** Any reduction's options. */
export interface ReduceOptions extends CommonOptions, OpOptions {}

/** The options reduction `R` takes: `max(x, { ddof: 1 })` does not compile. */
export type OptionsOf<R extends Reduction> = CommonOptions & Pick<OpOptions, (typeof OPS)[R]['takes'][number]>;

export type MaxOptions = OptionsOf<'max'>;

export interface AsyncReduceOptions extends ReduceOptions {
  /** Aborting rejects the promise with an `AbortError` and stops the kernels. */
  signal?: AbortSignal;
}

export type MaxAsyncOptions = MaxOptions & { signal?: AbortSignal };

/** One element of `T`: `bigint` for the 64-bit integer arrays. */
export type ScalarOf<T extends NumericArray> = T extends BigInt64Array | BigUint64Array ? bigint : number;

/** What the sum family returns for an input of type `T`. */
export type SumOf<T extends NumericArray> = T extends Float32Array | Float64Array
  ? Float64Array
  : T extends BigUint64Array | Uint8Array | Uint8ClampedArray | Uint16Array | Uint32Array
    ? BigUint64Array
    : BigInt64Array;

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
  ? O extends { keepdims: true } | { by: object }
    ? NdArrayLike<A>
    : A
  : Shape<O extends { dtype: 'float64' } ? (F extends 'sum' ? 'float' : F) : F, T, O>;

type Shape<F extends Family, T extends NumericArray, O> = O extends { keepdims: true } | { by: object }
  ? Shaped<ResultOf<F, T>>
  : // Options whose `by` is known only at run time (a Partial from bytes): either.
    'by' extends keyof O
    ? O extends { by?: undefined }
      ? Unshaped<F, T, O>
      : Unshaped<F, T, O> | Shaped<ResultOf<F, T>>
    : Unshaped<F, T, O>;

type Unshaped<F extends Family, T extends NumericArray, O> = O extends { axis: number | readonly number[] }
    ? ResultOf<F, T>
    : // (`{ axis?: null }` would be a weak type, which no object without `axis` extends)
      'axis' extends keyof O
      ? O extends { axis: null | undefined }
        ? ScalarResultOf<F, T>
        : ResultOf<F, T> | ScalarResultOf<F, T>
      : ScalarResultOf<F, T>;

/** Keys of `O` that `Allowed` lacks, as `never`: an option a reduction
 * does not take is a compile error even beside ones it does. */
type Only<O, Allowed> = { [K in Exclude<keyof O, keyof Allowed>]: never };

/** Reduction `R`'s signature. */
export type Reducer<R extends Reduction> = <X extends ArrayInput, const O extends ReduceOptions = {}>(
  x: X,
  options?: O & Only<O, OptionsOf<R>>,
) => CallResult<FamilyOf<R>, DataOf<X>, O>;

export type AsyncReducer<R extends Reduction> = <X extends ArrayInput, const O extends AsyncReduceOptions = {}>(
  x: X,
  options?: O & Only<O, OptionsOf<R> & { signal?: AbortSignal }>,
) => Promise<CallResult<FamilyOf<R>, DataOf<X>, O>>;

/** The reduction a public name stands for: a `nan` twin's is its plain op. */
export type BaseOf<N extends OpName> = N extends `nan${infer R extends Reduction}` ? R : N;

/** What op `N` returns for an array whose dtype and axes are known only at
 * run time (a file, a Partial): per kept position, or a scalar. */
export type AnyResultOf<N extends OpName> =
  | ResultOf<FamilyOf<BaseOf<N>>, NumericArray>
  | ScalarResultOf<FamilyOf<BaseOf<N>>, NumericArray>
  | Shaped<ResultOf<FamilyOf<BaseOf<N>>, NumericArray>>;

/** One Arrow column's result for reduction `R` (`reduceColumns`): the
 * column's dtype is known only at run time, so a scalar is `number` or
 * `bigint` (int64 columns); `null` where the column has no valid value and
 * the reduction no identity. */
export type ColumnResultOf<R extends Reduction> = FamilyOf<R> extends 'extremum'
  ? number | bigint | null
  : FamilyOf<R> extends 'minmax'
    ? { min: number | bigint; max: number | bigint } | null
    : FamilyOf<R> extends 'sum'
      ? number | bigint
      : FamilyOf<R> extends 'arg'
        ? number | null
        : number;

/** What op `N` returns for data of type `T` with options `O` (a literal
 * type where the caller wrote one): `reduceFile`, `reduceChunks` and
 * `Partial`, whose dtype may be known only at run time (`T` is then the
 * union of them all, unless `expect` names it). */
export type OpResult<N extends OpName, T extends NumericArray, O> = CallResult<FamilyOf<BaseOf<N>>, T, O>;

/** The data type `expect: Int32Array` names, or any when it is absent. */
export type ExpectedOf<O> = O extends { expect: { readonly prototype: infer T extends NumericArray } } ? T : NumericArray;

/** The data type of the chunks `reduceChunks` and `Partial.push` take. */
export type ChunkDataOf<C> = C extends ArrayInput ? DataOf<C> : NumericArray;
