// The public moving-window functions: bottleneck's move_* family, each
// `fn(x, window, options)` with an `...Async` twin taking `signal`.
import type { NumericArray } from '../spec/dtypes';
import { move, moveAsync } from './run';
import type { MoveAsyncOptions, MoveOptions, MoveVarAsyncOptions, MoveVarOptions, MovingName } from './spec';

export type { MoveAsyncOptions, MoveOptions, MoveResult, MoveVarAsyncOptions, MoveVarOptions, MovingName } from './spec';
export { MOVING_NAMES } from './spec';

/** A bare typed array or a flat list gives a bare Float64Array; any other
 * array (N-d, nested list) `{ data, shape }`. */
interface Mover<O> {
  (x: NumericArray | readonly number[], window: number, options?: O): Float64Array;
  (x: unknown, window: number, options?: O): { data: Float64Array; shape: number[] };
}
interface AsyncMover<O> {
  (x: NumericArray | readonly number[], window: number, options?: O): Promise<Float64Array>;
  (x: unknown, window: number, options?: O): Promise<{ data: Float64Array; shape: number[] }>;
}

const sync = <O>(op: MovingName): Mover<O> => ((x: unknown, window: number, options?: O) => move(op, x, window, options)) as Mover<O>;
const async = <O>(op: MovingName): AsyncMover<O> => ((x: unknown, window: number, options?: O) => moveAsync(op, x, window, options)) as AsyncMover<O>;

/** The sum of each window of `window` elements along `axis` (default -1)
 * ending at each position; NaN skipped, NaN while fewer than `minCount`
 * (default `window`) values are not NaN. Exact to about an ulp, however
 * large the values that came before. */
export const moveSum = sync<MoveOptions>('moveSum');
/** The mean of each window; see `moveSum`. */
export const moveMean = sync<MoveOptions>('moveMean');
/** The variance of each window, divisor `n - ddof`; see `moveSum`. */
export const moveVar = sync<MoveVarOptions>('moveVar');
/** The standard deviation of each window; see `moveVar`. */
export const moveStd = sync<MoveVarOptions>('moveStd');
/** The minimum of each window (amortised O(1) per element). */
export const moveMin = sync<MoveOptions>('moveMin');
/** The maximum of each window. */
export const moveMax = sync<MoveOptions>('moveMax');
/** Where the window's minimum is, counted back from its newest element (0). */
export const moveArgmin = sync<MoveOptions>('moveArgmin');
/** Where the window's maximum is, counted back from its newest element (0). */
export const moveArgmax = sync<MoveOptions>('moveArgmax');
/** The median of each window (O(log window) per element). */
export const moveMedian = sync<MoveOptions>('moveMedian');
/** The newest element's rank in its window, in [-1, 1], ties averaged. */
export const moveRank = sync<MoveOptions>('moveRank');

export const moveSumAsync = async<MoveAsyncOptions>('moveSum');
export const moveMeanAsync = async<MoveAsyncOptions>('moveMean');
export const moveVarAsync = async<MoveVarAsyncOptions>('moveVar');
export const moveStdAsync = async<MoveVarAsyncOptions>('moveStd');
export const moveMinAsync = async<MoveAsyncOptions>('moveMin');
export const moveMaxAsync = async<MoveAsyncOptions>('moveMax');
export const moveArgminAsync = async<MoveAsyncOptions>('moveArgmin');
export const moveArgmaxAsync = async<MoveAsyncOptions>('moveArgmax');
export const moveMedianAsync = async<MoveAsyncOptions>('moveMedian');
export const moveRankAsync = async<MoveAsyncOptions>('moveRank');
