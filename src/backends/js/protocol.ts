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

/** An asynchronous N-d reduction (the addon's `reduceAsync`, in a worker):
 * the data lies on a SharedArrayBuffer; the reply comes on `port`. */
export interface ReduceJob {
  readonly kind: 'reduce';
  readonly buffer: SharedArrayBuffer;
  readonly byteOffset: number;
  readonly length: number;
  /** The typed array class name (the dtype). */
  readonly tag: string;
  readonly layout: Float64Array;
  readonly op: import('../../spec/ops').OpName;
  readonly extras: import('../../addon/load').Extras | undefined;
  /** Element 0 becomes 1 when the caller cancels. */
  readonly cancel: Int32Array;
  readonly port: import('node:worker_threads').MessagePort;
}

/** The reply to a ReduceJob: the result, or the error's parts. */
export type ReduceReply = { result: import('../../spec/dtypes').NumericArray } | { error: { name: string; message: string; code?: string } };
