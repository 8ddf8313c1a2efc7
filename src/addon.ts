// The addon's binding contract (crates/node): one synchronous and one
// asynchronous entry, the op a string, the view packed in a Float64Array.
// The js backend implements the same `reduce`, so the engine calls
// whichever is there the same way.
import type { NumericArray } from './dtypes';
import { loadNative, warnNoAddon } from './native';
import type { Strategy } from './types';

export type Op =
  | 'min' | 'max' | 'nanmin' | 'nanmax' | 'minmax' | 'nanminmax' | 'ptp'
  | 'sum' | 'nansum' | 'prod' | 'mean' | 'nanmean' | 'var' | 'nanvar' | 'std' | 'nanstd'
  | 'argmin' | 'argmax' | 'nanargmin' | 'nanargmax' | 'any' | 'all' | 'countNonzero';

/** Options only some ops read: `ddof` (var, std), `dtype: "float64"`
 * (integer sum and prod as doubles). */
export interface Extras {
  ddof?: number;
  dtype?: 'float64' | 'int64';
}

export interface CancelTokenLike {
  cancel(): void;
}

export interface Addon {
  /** With `out`, the result is written there and `null` returned. */
  reduce(data: NumericArray, layout: Float64Array, op: Op, schedule: Strategy, extras?: Extras, out?: NumericArray): NumericArray | null;
  /** `data` must lie on a SharedArrayBuffer (the addon refuses anything else). */
  reduceAsync(data: NumericArray, layout: Float64Array, op: Op, schedule: Strategy, token: CancelTokenLike, extras?: Extras): Promise<NumericArray>;
  CancelToken: new () => CancelTokenLike;
  defaultThreads(): number;
  /** Faults a fresh SharedArrayBuffer view's pages in off the JavaScript thread. */
  prefault?(data: ArrayBufferView): Promise<void>;
  readFloor(data: BigInt64Array, threads?: number): number;
  _panicInKernel(): void;
}

let cached: Addon | null | undefined;

/** The addon, or undefined (with one process warning) when it is missing
 * or predates this contract; the js backend then runs instead. */
export function addon(): Addon | undefined {
  if (cached === undefined) {
    const { addon: loaded, error } = loadNative();
    const table = loaded as unknown as Partial<Addon> | undefined;
    if (table && typeof table.reduce === 'function' && typeof table.reduceAsync === 'function') {
      cached = table as Addon;
    } else {
      cached = null;
      warnNoAddon(table ? new Error('it predates reduce/reduceAsync; run npm run build:native') : error, 'the js backend');
    }
  }
  return cached ?? undefined;
}
