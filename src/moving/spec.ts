// The moving-window reductions, bottleneck's move_* family: one row each,
// named as the public functions and the addon's `moveWindow` op.

export const MOVING = {
  moveSum: { ddof: false },
  moveMean: { ddof: false },
  moveVar: { ddof: true },
  moveStd: { ddof: true },
  moveMin: { ddof: false },
  moveMax: { ddof: false },
  moveArgmin: { ddof: false },
  moveArgmax: { ddof: false },
  moveMedian: { ddof: false },
  moveRank: { ddof: false },
} as const;

export type MovingName = keyof typeof MOVING;

export const MOVING_NAMES = Object.keys(MOVING) as MovingName[];

/** Options of every moving function; `ddof` only for moveVar/moveStd, `signal` only for the async twins. */
export interface MoveOptions {
  /** The axis the window slides along, negative from the end; default -1 (bottleneck's). */
  axis?: number;
  /** Fewer non-NaN values than this in a window give NaN; 1 to `window`, default `window`. */
  minCount?: number;
  /** A Float64Array of x's element count to write the result into. */
  out?: Float64Array;
  threads?: number;
  backend?: 'native' | 'js';
}
export interface MoveVarOptions extends MoveOptions {
  /** The divisor is `n - ddof` (n: the window's non-NaN count); default 0. */
  ddof?: number;
}
export interface MoveAsyncOptions extends MoveOptions {
  signal?: AbortSignal;
}
export interface MoveVarAsyncOptions extends MoveVarOptions {
  signal?: AbortSignal;
}

/** A moving result: a bare Float64Array for a bare typed array or a flat list, else `{ data, shape }`. */
export type MoveResult = Float64Array | { data: Float64Array; shape: number[] };
