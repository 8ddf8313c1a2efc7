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
import type { CheckedOptions, Int64Array2D, MaxOptions, View2 } from './types';
import { checkOptions, checkReducible, checkView, describe } from './validate';

export interface MaxAsyncOptions extends MaxOptions {
  /** Aborting rejects the promise with an `AbortError` and stops the kernels. */
  signal?: AbortSignal;
}

/** Elements copied per event-loop turn: 8 MiB, about a millisecond. */
export const COPY_SLICE = 1 << 20;

function abortError(signal: AbortSignal): Error {
  const err = new Error('The operation was aborted', { cause: signal.reason });
  err.name = 'AbortError';
  (err as NodeJS.ErrnoException).code = 'ABORT_ERR';
  return err;
}

function checkSignal(options: unknown): AbortSignal | undefined {
  if (options === null || typeof options !== 'object') return undefined;
  const signal = (options as { signal?: unknown }).signal;
  if (signal === undefined || signal instanceof AbortSignal) return signal;
  throw new TypeError(`options.signal must be an AbortSignal, got ${describe(signal)}`);
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The lowest and one-past-highest element a non-empty view addresses. */
function span(v: View2): [number, number] {
  const r = (v.rows - 1) * v.rowStride;
  const c = (v.cols - 1) * v.colStride;
  return [v.offset + Math.min(r, 0) + Math.min(c, 0), v.offset + Math.max(r, 0) + Math.max(c, 0) + 1];
}

/** A view of the same values whose data lives in a SharedArrayBuffer. */
async function shared(v: View2, signal: AbortSignal | undefined): Promise<View2> {
  if (v.data.buffer instanceof SharedArrayBuffer || v.rows === 0 || v.cols === 0) return v;
  const [low, high] = span(v);
  const copy = new BigInt64Array(new SharedArrayBuffer((high - low) * 8));
  for (let start = low; start < high; start += COPY_SLICE) {
    if (signal?.aborted) throw abortError(signal);
    if (v.data.length < high) {
      throw new TypeError('x.data was detached or transferred while maxAsync was copying it');
    }
    const end = Math.min(start + COPY_SLICE, high);
    copy.set(v.data.subarray(start, end), start - low);
    if (end < high) await nextTurn();
  }
  return { ...v, data: copy, offset: v.offset - low };
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

function runNative(addon: NativeAddon, v: View2, o: CheckedOptions, signal: AbortSignal | undefined): Promise<BigInt64Array> {
  const token = new addon.CancelToken();
  const task = addon.maxI64Async(v.data, v.rows, v.cols, v.rowStride, v.colStride, v.offset, o.axis, o.strategy, o.threads, token);
  if (!signal) return task.catch((e) => Promise.reject(typedRejection(e)));
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      token.cancel();
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
  if (signal?.aborted) throw abortError(signal);
  const { addon } = loadNative();
  if (!addon || opts.backend !== 'native') {
    await nextTurn();
    if (signal?.aborted) throw abortError(signal);
    return syncMax(x, { axis: opts.axis, strategy: opts.strategy, threads: opts.threads, backend: opts.backend });
  }
  const input = await shared(view, signal);
  if (signal?.aborted) throw abortError(signal);
  return runNative(addon, input, opts, signal);
}
