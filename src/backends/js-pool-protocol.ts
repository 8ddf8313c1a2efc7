// What the calling thread and the js backend's workers share.

/** Slots of the pool's shared control array (Int32Array). */
export const CTL = {
  /** Workers still running the current job; the caller waits for 0. */
  remaining: 0,
  /** The mutex of the `mutex` strategy: 0 free, 1 held. */
  lock: 1,
  /** Set when a worker's job threw; its message waits on its port. */
  failed: 2,
  /** Workers that have started. */
  booted: 3,
  length: 4,
} as const;

export interface Job {
  readonly mode: 'lockfree' | 'mutex';
  /** The input: int64 elements from `byteOffset`, `length` of them. */
  readonly data: SharedArrayBuffer;
  readonly byteOffset: number;
  readonly length: number;
  /** The output: `cols` int64, starting at the smallest int64 for `mutex`. */
  readonly out: SharedArrayBuffer;
  readonly base: number;
  readonly rows: number;
  readonly cols: number;
  readonly rs: number;
  readonly cs: number;
  readonly part: number;
  readonly parts: number;
}
