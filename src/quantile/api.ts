// The quantile family's public functions: median, quantile and percentile,
// their NaN-skipping twins, and an `*Async` twin of each (all take a
// `where` mask). Each is one line over the checked call (call.ts) and its
// run (run.ts).
import type { NumericArray } from '../spec/dtypes';
import type { ArrayInput, CallResult, DataOf, NdArrayLike, ResultOf } from '../spec/types';
import { quantileCall, quantileCallAsync } from './run';
import type { Async, MedianOptions, QuantileList, QuantileOptions } from './spec';

/** A single q's result, when nothing is known of the call: a scalar for
 * every axis, a flat array, or `{ data, shape }` with `keepdims`. */
export type QuantileResult = number | bigint | NumericArray | NdArrayLike<NumericArray>;
/** A list of q's result: q first, then the kept axes, always. */
export type QuantileListResult<R extends NumericArray = NumericArray> = { data: R; shape: number[] };

/** The result class a call's `method` gives: the input's own ('extremum') or float64. */
type FamilyOfMethod<O> = O extends { method: 'inverted_cdf' | 'closest_observation' | 'lower' | 'higher' | 'nearest' } ? 'extremum' : 'float';

type Median = <X extends ArrayInput, const O extends MedianOptions = {}>(x: X, options?: O) => CallResult<'float', DataOf<X>, O>;
type MedianAsync = <X extends ArrayInput, const O extends Async<MedianOptions> = {}>(x: X, options?: O) => Promise<CallResult<'float', DataOf<X>, O>>;
interface Quantile {
  <X extends ArrayInput, const O extends QuantileOptions = {}>(x: X, q: number, options?: O): CallResult<FamilyOfMethod<O>, DataOf<X>, O>;
  <X extends ArrayInput, const O extends QuantileOptions = {}>(x: X, q: QuantileList, options?: O): QuantileListResult<ResultOf<FamilyOfMethod<O>, DataOf<X>>>;
}
interface QuantileAsync {
  <X extends ArrayInput, const O extends Async<QuantileOptions> = {}>(x: X, q: number, options?: O): Promise<CallResult<FamilyOfMethod<O>, DataOf<X>, O>>;
  <X extends ArrayInput, const O extends Async<QuantileOptions> = {}>(x: X, q: QuantileList, options?: O): Promise<QuantileListResult<ResultOf<FamilyOfMethod<O>, DataOf<X>>>>;
}

const medianOf = (name: string, skipNaN: boolean): Median => ((x: unknown, o?: unknown) => quantileCall('median', x, undefined, o, name, skipNaN)) as Median;
const medianAsyncOf = (name: string, skipNaN: boolean): MedianAsync =>
  ((x: unknown, o?: unknown) => quantileCallAsync('median', x, undefined, o, `${name}Async`, skipNaN)) as MedianAsync;
const quantileOf = (kind: 'quantile' | 'percentile', name: string, skipNaN: boolean): Quantile =>
  ((x: unknown, q: unknown, o?: unknown) => quantileCall(kind, x, q, o, name, skipNaN)) as Quantile;
const quantileAsyncOf = (kind: 'quantile' | 'percentile', name: string, skipNaN: boolean): QuantileAsync =>
  ((x: unknown, q: unknown, o?: unknown) => quantileCallAsync(kind, x, q, o, `${name}Async`, skipNaN)) as QuantileAsync;

/** The median along `axis` (NumPy's `np.median`: the middle value, or the
 * mean of the middle two), as float64. NaN in a lane gives NaN. */
export const median = medianOf('median', false);
/** `median` skipping NaN; an all-NaN lane gives NaN. */
export const nanmedian = medianOf('nanmedian', true);
/** Quantile `q` in [0, 1] (or a list of them: `{ data, shape: [q.length, ...kept] }`)
 * along `axis`, by one of NumPy's 13 `method`s (default `'linear'`): float64
 * for the interpolating methods, the input's class for `inverted_cdf`,
 * `closest_observation`, `lower`, `higher` and `nearest`. NaN propagates. */
export const quantile = quantileOf('quantile', 'quantile', false);
/** `quantile` skipping NaN; an all-NaN lane gives NaN. */
export const nanquantile = quantileOf('quantile', 'nanquantile', true);
/** `quantile` of `p / 100`, `p` in [0, 100]. */
export const percentile = quantileOf('percentile', 'percentile', false);
/** `percentile` skipping NaN. */
export const nanpercentile = quantileOf('percentile', 'nanpercentile', true);

/** `median` off the JavaScript thread; `signal` aborts it. */
export const medianAsync = medianAsyncOf('median', false);
export const nanmedianAsync = medianAsyncOf('nanmedian', true);
export const quantileAsync = quantileAsyncOf('quantile', 'quantile', false);
export const nanquantileAsync = quantileAsyncOf('quantile', 'nanquantile', true);
export const percentileAsync = quantileAsyncOf('percentile', 'percentile', false);
export const nanpercentileAsync = quantileAsyncOf('percentile', 'nanpercentile', true);
