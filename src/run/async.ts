// The asynchronous path: the kernels run off the JavaScript thread (the
// addon's on the libuv pool, the js backend's on its worker threads), the
// event loop stays free, and an AbortSignal stops the work.
//
// Buffer rule: a task reads a SharedArrayBuffer in place (by the platform's
// check on the intrinsic buffer, src/validate/view.ts), because such a buffer can
// be neither detached nor transferred and stays alive while the task holds
// the array. Any other buffer could be transferred and freed while a thread
// reads it, so the elements the view reads are first copied into a scratch
// SharedArrayBuffer, a slice per event-loop turn (copy.ts). Before each slice the
// source's length is read again through the intrinsic getter: a detach or
// shrink mid-copy is an error, and later changes do not reach the result.

import { addon } from '../addon/load';
import type { CancelTokenLike } from '../addon/load';
import { reduceOnWorker, WorkerCancelToken } from '../backends/js/pool';
import type { NumericArray } from '../spec/dtypes';
import { compute } from './sync';
import { finish } from './result';
import { abortError, CODES, ndError } from '../spec/errors';
import type { Reduction } from '../spec/types';
import { pack } from '../addon/wire';
import { readCall } from '../validate/call';
import { copyView, nextTurn } from './copy';
import { withInitial } from './groups';
import { packMask } from '../validate/mask';
import { sharedMask } from './mask';

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
  if (c.mask && !native) {
    // The js backend's masked walk (grouped or not) runs on this thread,
    // now, while the memory is as it was checked (no worker reads a mask yet).
    return finish(c, compute(c));
  }
  if (c.grouping && !native) {
    // The js backend's grouped path runs on this thread, a turn later.
    await nextTurn();
    if (signal?.aborted) throw abortError(signal.reason);
    return finish(c, compute(c));
  }
  // The mask's shared copy is made now, before any await lets the caller
  // change or detach its buffer.
  const mask = c.mask && native ? sharedMask(c.mask, c.shape) : undefined;
  let data = c.data;
  let offset = c.offset;
  let strides = c.strides;
  let release: (() => void) | undefined;
  if (!c.shared) ({ data, offset, strides, release } = await copyView(c, fn));
  if (signal?.aborted) {
    release?.();
    throw abortError(signal.reason);
  }
  const layout = pack({ threads: c.threads, shape: c.shape, strides, axes: c.axes }, offset);
  let token: CancelTokenLike;
  let task: Promise<NumericArray>;
  try {
    const g = c.grouping;
    if (native && g && mask) {
      token = new native.CancelToken();
      const raw = native.reduceGroupedMaskedAsync(data, layout, c.op, g.labels, g.groups, c.extras, mask.data, packMask(mask), c.initial !== undefined, token);
      task = raw.then((r) => withInitial(c, g, r as NumericArray));
    } else if (native && g) {
      token = new native.CancelToken();
      task = native.reduceGroupedAsync(data, layout, c.op, g.labels, g.groups, token, c.extras).then((raw) => withInitial(c, g, raw as NumericArray));
    } else if (native && c.mask) {
      token = new native.CancelToken();
      const m = mask as NonNullable<typeof mask>;
      task = native.reduceMaskedAsync(data, layout, c.op, c.extras, m.data, packMask(m), c.initial !== undefined, token);
    } else if (native) {
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

/** `task` tracked like a reduction's (cancelled at exit, `release`d once
 * it settles, `signal` wired to `token`): for other families of calls. */
export function watched<T>(task: Promise<T>, token: CancelTokenLike, signal: AbortSignal | undefined, release?: () => void): Promise<T> {
  live.add(token);
  const done = () => {
    live.delete(token);
    release?.();
  };
  task.then(done, done);
  return settle(task, token, signal);
}
