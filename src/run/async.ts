// The asynchronous path: the kernels run off the JavaScript thread (the
// addon's on the libuv pool, the js backend's on its worker threads), the
// event loop stays free, and an AbortSignal stops the work.
//
// Buffer rule: a task reads a SharedArrayBuffer in place (by the platform's
// check on the intrinsic buffer, src/validate/view.ts), because such a buffer can
// be neither detached nor transferred and stays alive while the task holds
// the array. Any other buffer could be transferred and freed while a thread
// reads it, so the addressed span is first copied into a pooled scratch
// SharedArrayBuffer, a slice per event-loop turn. Before each slice the
// source's length is read again through the intrinsic getter: a detach or
// shrink mid-copy is an error, and later changes do not reach the result.
import { performance } from 'node:perf_hooks';

import { addon } from '../addon/load';
import type { CancelTokenLike } from '../addon/load';
import { reduceOnWorker, WorkerCancelToken } from '../backends/js/pool';
import { copyInto, lengthOf, viewOf } from '../spec/dtypes';
import type { NumericArray } from '../spec/dtypes';
import { compute, finish } from './sync';
import { abortError, CODES, ndError } from '../spec/errors';
import type { Reduction } from '../spec/types';
import { pack } from '../addon/wire';
import { readCall } from '../validate/call';
import { addressRange } from '../validate/view';
import type { Call } from '../validate/call';

export const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

// ---- Scratch buffers. First touching fresh memory costs about 2.5 ms per
// MB on the development VM, while a warm buffer copies at memory speed, so
// buffers are reused: one returns to the pool when the task that read it has
// settled, and free ones are left to the collector after a short idle time.

const IDLE_MS = 2000;
const MAX_FREE = 4;
const free: SharedArrayBuffer[] = [];
let dropTimer: NodeJS.Timeout | undefined;

/** A SharedArrayBuffer of at least `bytes` (at most twice as large). */
function acquireScratch(bytes: number): SharedArrayBuffer {
  let best = -1;
  for (let i = 0; i < free.length; i++) {
    const size = free[i].byteLength;
    if (size >= bytes && size <= 2 * bytes + 4096 && (best < 0 || size < free[best].byteLength)) best = i;
  }
  return best >= 0 ? free.splice(best, 1)[0] : new SharedArrayBuffer(bytes);
}

function releaseScratch(buffer: SharedArrayBuffer): void {
  free.push(buffer);
  if (free.length > MAX_FREE) free.shift();
  if (dropTimer) dropTimer.refresh();
  else {
    dropTimer = setTimeout(() => {
      free.length = 0;
      dropTimer = undefined;
    }, IDLE_MS);
    dropTimer.unref();
  }
}

/** Free scratch buffers held now (for tests). */
export const scratchHeld = () => free.length;

// ---- At most (libuv pool size + 1) copies exist at once: one per task the
// pool can run, and one being filled. Other calls wait their turn.

export const MAX_COPIES = Math.min(1024, Math.max(1, Number(process.env.UV_THREADPOOL_SIZE) || 4)) + 1;
let copies = 0;
const waiting: (() => void)[] = [];

/** A copy slot: at once when one is free (so that a small input is copied
 * before the call returns), else after the calls ahead have settled. */
function takeCopySlot(): Promise<void> | undefined {
  if (copies < MAX_COPIES) {
    copies++;
    return undefined;
  }
  return new Promise<void>((resolve) => waiting.push(resolve)).then(() => takeCopySlot());
}

function giveCopySlot(): void {
  copies--;
  waiting.shift()?.();
}

/** Copies in flight now (for tests). */
export const copiesInFlight = () => copies;

// ---- The copy itself, a slice per turn. Each slice is sized from the last
// one's measured speed to take about SLICE_MS, so a cold first copy (page
// faults) keeps the event loop as free as a warm one.

const SLICE_MS = 1;
/** Scratch buffers whose pages are already in memory. */
const touched = new WeakSet<SharedArrayBuffer>();
const FIRST_SLICE_BYTES = 1 << 16;

async function copyToScratch(c: Call, fn: string): Promise<{ data: NumericArray; offset: number; release: () => void }> {
  const [low, high] = addressRange(c.offset, c.shape, c.strides) as [number, number];
  const n = high - low + 1;
  const wait = takeCopySlot();
  if (wait) await wait;
  let scratch: SharedArrayBuffer | undefined;
  try {
    if (c.signal?.aborted) throw abortError(c.signal.reason);
    scratch = acquireScratch(n * c.dtype.bytes);
    const copy = new c.dtype.ctor(scratch, 0, n);
    let per = Math.max(1, FIRST_SLICE_BYTES / c.dtype.bytes);
    for (let done = 0; done < n; ) {
      if (c.signal?.aborted) throw abortError(c.signal.reason);
      if (lengthOf(c.data) <= high) {
        throw ndError(TypeError, CODES.DETACHED, `x.data was detached, transferred or shrunk while ${fn} was copying it`);
      }
      const m = Math.min(per, n - done);
      const t0 = performance.now();
      copyInto(copy, viewOf(c.dtype, c.data, low + done, m), done);
      const ms = performance.now() - t0;
      done += m;
      // At most doubling per slice, so one fast slice cannot overshoot.
      per = Math.max(1024, Math.min(2 * m, Math.floor((m * SLICE_MS) / Math.max(ms, 0.01))));
      if (done < n && !touched.has(scratch)) {
        // A fresh buffer's first-touch page faults would land on the event
        // loop, slice by slice (14-26 ms stalls on a cold 800 MB copy); the
        // addon takes them on the libuv pool (keeping what is written).
        // Only after the first slice, which is taken before the call returns.
        await addon()?.prefault?.(new Uint8Array(scratch));
        touched.add(scratch);
      } else if (done < n) await nextTurn();
    }
    touched.add(scratch);
    const held = scratch;
    return { data: copy, offset: c.offset - low, release: () => (releaseScratch(held), giveCopySlot()) };
  } catch (e) {
    if (scratch) releaseScratch(scratch);
    giveCopySlot();
    throw e;
  }
}

// ---- Pending tasks are cancelled when the process exits, so that
// `process.exit()` does not wait for kernels whose results nobody reads.

const live = new Set<CancelTokenLike>();
process.on('exit', () => {
  for (const token of live) token.cancel();
});

/** Tasks in flight now (for tests). */
export const liveTasks = () => live.size;

/** `task`, with `signal` wired to `token` (the promise rejects with an
 * AbortError at once; the kernels stop within milliseconds). */
function settle<T>(task: Promise<T>, token: CancelTokenLike, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return task;
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      token.cancel();
      reject(abortError(signal.reason));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    task.then(
      (out) => {
        signal.removeEventListener('abort', onAbort);
        resolve(out);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(signal.aborted ? abortError(signal.reason) : e);
      },
    );
  });
}

/** A whole asynchronous reduction: checked exactly like the synchronous one. */
export async function reduceAsync(reduction: Reduction, x: unknown, options: unknown, fn: string, ignoreNaN = false): Promise<unknown> {
  const c = readCall(reduction, x, options, fn, ignoreNaN, true);
  const { signal } = c;
  if (signal?.aborted) throw abortError(signal.reason);
  if (c.backend === 'wasm' || c.count === 0) {
    // wasm is single-threaded and synchronous; an empty view reads nothing.
    await nextTurn();
    if (signal?.aborted) throw abortError(signal.reason);
    return finish(c, compute(c));
  }
  const native = c.backend === 'native' ? addon() : undefined;
  let data = c.data;
  let offset = c.offset;
  let release: (() => void) | undefined;
  if (!c.shared) ({ data, offset, release } = await copyToScratch(c, fn));
  if (signal?.aborted) {
    release?.();
    throw abortError(signal.reason);
  }
  const layout = pack(c, offset);
  let token: CancelTokenLike;
  let task: Promise<NumericArray>;
  try {
    if (native) {
      token = new native.CancelToken();
      task = native.reduceAsync(data, layout, c.op, c.schedule, token, c.extras);
    } else {
      const t = new WorkerCancelToken();
      token = t;
      task = reduceOnWorker(data, layout, c.op, t, c.extras);
    }
  } catch (e) {
    release?.();
    throw e;
  }
  live.add(token);
  // A scratch copy goes back to the pool only when the task that reads it
  // has settled, even if the caller's promise rejected earlier.
  const done = () => {
    live.delete(token);
    release?.();
  };
  task.then(done, done);
  return finish(c, await settle(task, token, signal));
}
