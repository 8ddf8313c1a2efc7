// The quantile family's facts, once: NumPy's 13 method names, which of
// them pick an element of the lane (result in the input's own class)
// rather than interpolate (float64), and the public option types.
import type { NumericArray } from '../spec/dtypes';
import type { ArrayInput, Axis, Backend, NestedList } from '../spec/types';

/** NumPy's quantile methods, NumPy's order (crates/core/src/quantile/method.rs has the same list). */
export const METHODS = [
  'inverted_cdf',
  'averaged_inverted_cdf',
  'closest_observation',
  'interpolated_inverted_cdf',
  'hazen',
  'weibull',
  'linear',
  'median_unbiased',
  'normal_unbiased',
  'lower',
  'higher',
  'midpoint',
  'nearest',
] as const;

export type QuantileMethod = (typeof METHODS)[number];

/** The methods whose result is one of the lane's values, in the input's class. */
export const PICKING: readonly QuantileMethod[] = ['inverted_cdf', 'closest_observation', 'lower', 'higher', 'nearest'];

/** The family's functions: `median` or a quantile, NaN skipped or not. */
export type QuantileKind = 'median' | 'quantile' | 'percentile';

export interface MedianOptions {
  axis?: Axis;
  keepdims?: boolean;
  out?: NumericArray;
  threads?: number;
  backend?: Exclude<Backend, 'wasm'>;
  /** A mask broadcast against x, as the reductions take it: only the
   * elements where it is not zero are in their lanes. */
  where?: ArrayInput | NestedList<boolean>;
}

export interface QuantileOptions extends MedianOptions {
  /** One of NumPy's 13 methods; default `'linear'`. */
  method?: QuantileMethod;
  /** Per position along the one reduced axis, or of x's shape (an array
   * `{ data, shape }`): with `method: 'inverted_cdf'` only, as NumPy 2. */
  weights?: ArrayLike<number> | ArrayLike<bigint> | { data: NumericArray; shape: readonly number[] };
}

export type Async<O> = O & { signal?: AbortSignal };

/** `q` as a list: a q-first `{ data, shape }`, always. */
export type QuantileList = readonly number[] | Float64Array;
