// The asynchronous path: kernels run on the libuv pool (and rayon's), the
// JavaScript thread stays free, an AbortSignal stops the work.
//
// Buffer rule: the native task reads a SharedArrayBuffer in place, because
// such a buffer can be neither detached nor transferred and its memory stays
// alive while the task holds the array. Any other buffer could be
// transferred (postMessage) and freed while Rust reads it, so it is first
// copied into a SharedArrayBuffer in slices of COPY_SLICE elements, yielding
// to the event loop between slices: each element is read when its slice is
// copied, a transfer during the copy is reported as an error, and later
// mutations do not affect the result.
import { loadNative } from './native';
import type { NativeAddon } from './native';
import { acquireScratch, releaseScratch } from './scratch';
import type { Int64Array2D, MaxOptions } from './types';
import { addressRange, checkOptions, checkReducible, checkView, describe } from './validate';

type CancelToken = InstanceType<NativeAddon['CancelToken']>;

export interface MaxAsyncOptions extends MaxOptions {
  /** Aborting rejects the promise with an `AbortError` and stops the kernels. */
  signal?: AbortSignal;
}

/** Elements copied per event-loop turn: 2 MiB of int64, a fraction of a
 * millisecond into a warm scratch buffer, a few into fresh memory. */
export const COPY_SLICE = 1 << 18;

export function abortError(signal: AbortSignal): Error {
  const err = new Error('The operation was aborted', { cause: signal.reason });
  err.name = 'AbortError';
  (err as NodeJS.ErrnoException).code = 'ABORT_ERR';
  return err;
}

export function checkSignal(options: unknown): AbortSignal | undefined {
  if (options === null || typeof options !== 'object') return undefined;
  const signal = (options as { signal?: unknown }).signal;
  if (signal === undefined || signal instanceof AbortSignal) return signal;
  throw new TypeError(`options.signal must be an AbortSignal, got ${describe(signal)}`);
}

export const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The lowest and one-past-highest element a non-empty, validated view
 * addresses (inside its data, so plain numbers). */
function span(shape: readonly number[], strides: readonly number[], offset: number): [number, number] {
  const [low, high] = addressRange(
    offset,
    shape.map((d, k) => [d, strides[k]] as const),
  );
  return [Number(low), Number(high) + 1];
}

/** An N-d view of any typed array, as the buffer rule needs it. */
export interface StridedData<T extends ArrayBufferView & ArrayLike<unknown>> {
  readonly data: T;
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  readonly offset: number;
}

type Copyable = ArrayBufferView & ArrayLike<unknown> & { set(a: ArrayLike<unknown>, at: number): void; subarray(a: number, b: number): ArrayLike<unknown> };

/** The buffer rule: the same values over a SharedArrayBuffer (the input
 * itself when it already is one), only the addressed span copied. `fn`
 * names the public function in the error a transfer during the copy gives. */
export async function shared<T extends Copyable, V extends StridedData<T>>(v: V, signal: AbortSignal | undefined, fn: string): Promise<V> {
  if (v.data.buffer instanceof SharedArrayBuffer || v.shape.some((d) => d === 0)) return v;
  const [low, high] = span(v.shape, v.strides, v.offset);
  const ctor = v.data.constructor as new (buffer: SharedArrayBuffer) => T;
  const size = (v.data as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
  const scratch = acquireScratch((high - low) * size);
  const copy = new (ctor as unknown as new (b: SharedArrayBuffer, o: number, n: number) => T)(scratch, 0, high - low);
  try {
  for (let start = low; start < high; start += COPY_SLICE) {
    if (signal?.aborted) throw abortError(signal);
    if (v.data.length < high) {
      throw new TypeError(`x.data was detached or transferred while ${fn} was copying it`);
    }
    const end = Math.min(start + COPY_SLICE, high);
    copy.set(v.data.subarray(start, end), start - low);
    if (end < high) await nextTurn();
  }
  } catch (e) {
    releaseScratch(scratch);
    throw e;
  }
  return { ...v, data: copy, offset: v.offset - low, release: () => releaseScratch(scratch) };
}

/** Turns a native rejection (`CODE|message`) into the matching error class. */
function typedRejection(e: unknown): Error {
  const message = (e as Error)?.message ?? String(e);
  const bar = message.indexOf('|');
  if (bar < 0) return e as Error;
  const code = message.slice(0, bar);
  const text = message.slice(bar + 1);
  const err = code === 'ERR_NDREDUCE_PANIC' || code === 'ABORT_ERR' ? new Error(text) : new RangeError(text);
  (err as NodeJS.ErrnoException).code = code;
  return err;
}

/** A native task's promise, with its rejections typed and `signal` wired
 * to `cancel` (the promise rejects with an AbortError at once; the kernels
 * stop at their next block). */
export function settle<T>(task: Promise<T>, cancel: () => void, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return task.catch((e) => Promise.reject(typedRejection(e)));
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      cancel();
      reject(abortError(signal));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    task.then(
      (out) => {
        signal.removeEventListener('abort', onAbort);
        resolve(out);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(signal.aborted ? abortError(signal) : typedRejection(e));
      },
    );
  });
}

/** The one asynchronous shape every `...Async` function has: wait for the
 * input to be safe to read off-thread, then run the native task; without
 * the addon, run the synchronous fallback on a later turn instead. */
export async function offThread<T, V>(
  signal: AbortSignal | undefined,
  steps: { prepare: () => Promise<V>; start: (input: V, token: CancelToken) => Promise<T>; token: () => CancelToken } | undefined,
  fallback: () => T,
): Promise<T> {
  if (signal?.aborted) throw abortError(signal);
  if (!steps) {
    await nextTurn();
    if (signal?.aborted) throw abortError(signal);
    return fallback();
  }
  const input = await steps.prepare();
  // A scratch copy goes back to the pool only when the native task that
  // reads it has settled, even if the caller's promise rejected earlier.
  const release = (input as { release?: () => void }).release;
  if (signal?.aborted) {
    release?.();
    throw abortError(signal);
  }
  const token = steps.token();
  const task = steps.start(input, token);
  if (release) task.then(release, release);
  return settle(task, () => token.cancel(), signal);
}

/**
 * `maxAsync` without the public entry point's wiring: validates like `max`,
 * then computes off the JavaScript thread. `syncMax` is used when the addon
 * is not available (the js and wasm backends are synchronous).
 */
export async function maxAsyncWith(
  x: Int64Array2D,
  options: MaxAsyncOptions | undefined,
  syncMax: (x: Int64Array2D, options?: MaxOptions) => BigInt64Array,
): Promise<BigInt64Array> {
  const view = checkView(x);
  const opts = checkOptions(options);
  const signal = checkSignal(options);
  checkReducible(view, opts.axis);
  const { addon } = loadNative();
  const strided = { data: view.data, shape: [view.rows, view.cols], strides: [view.rowStride, view.colStride], offset: view.offset };
  const steps =
    addon && opts.backend === 'native'
      ? {
          prepare: () => shared(strided, signal, 'maxAsync'),
          token: () => new addon.CancelToken(),
          start: (v: typeof strided, token: CancelToken) =>
            addon.maxI64Async(v.data, view.rows, view.cols, view.rowStride, view.colStride, v.offset, opts.axis, opts.strategy, opts.threads, token),
        }
      : undefined;
  return offThread(signal, steps, () =>
    syncMax(x, { axis: opts.axis, strategy: opts.strategy, threads: opts.threads, backend: opts.backend }),
  );
}
