// reduceChunks: a Partial fed from an (async) iterable of chunks, which
// waits for each chunk and for the abort at once, so that an iterator that
// never yields cannot hold the call, and tells the iterator to stop
// (`return()`) whenever the call ends before it does.
import { nextTurn } from '../run/copy';
import { abortError, CODES, ndError } from '../spec/errors';
import { parseOpName } from '../spec/ops';
import type { ChunkDataOf, OpResult } from '../spec/types';
import { entryOf, readOptions } from '../validate/options';
import { describe } from '../validate/read';
import { Partial } from './partial';
import type { PartialOp, PartialOptions } from './partial-spec';

/** The options of `reduceChunks`: a Partial's, and `signal`. */
const CHUNKS_ENTRY = entryOf(['axis', 'ddof', 'signal', 'by', 'groups'], ['start']);

/** Reduces the chunks of an (async) iterable, each the next rows of the
 * whole array along axis 0, with a `Partial`; `signal` stops it between chunks. */
export async function reduceChunks<N extends PartialOp, C, const O extends PartialOptions & { signal?: AbortSignal } = {}>(
  chunks: AsyncIterable<C> | Iterable<C>,
  op: N,
  options?: O & PartialOptions & { signal?: AbortSignal },
): Promise<OpResult<N, ChunkDataOf<C>, O>> {
  const iterable = chunks as { [Symbol.asyncIterator]?: unknown; [Symbol.iterator]?: unknown } | null | undefined;
  const asyncIt = iterable != null && typeof iterable === 'object' ? iterable[Symbol.asyncIterator] : undefined;
  const syncIt = iterable != null && (typeof iterable === 'object' || typeof iterable === 'string') ? iterable[Symbol.iterator] : undefined;
  if ((typeof asyncIt !== 'function' && typeof syncIt !== 'function') || typeof iterable === 'string') {
    throw ndError(TypeError, CODES.BAD_OPTION, `reduceChunks: chunks must be an iterable or async iterable of arrays, got ${describe(chunks)}`);
  }
  const o = readOptions(options, parseOpName(op)?.reduction ?? null, CHUNKS_ENTRY);
  const signal = o.signal;
  // The options were read once; the Partial gets the values, not the object.
  const start = o.extra.start as number | undefined;
  const p = new Partial(op, {
    axis: o.axis ?? null,
    ...(o.ddof !== 0 ? { ddof: o.ddof } : {}),
    ...(start !== undefined ? { start } : {}),
    // The labels as read, our own copy: read again by the Partial, not the caller's.
    ...(o.by !== undefined ? { by: o.by.labels, ...(o.groups !== undefined ? { groups: o.groups } : {}) } : {}),
  });
  if (signal?.aborted) throw abortError(signal.reason);
  const it = (typeof asyncIt === 'function' ? asyncIt.call(chunks) : (syncIt as () => unknown).call(chunks)) as Iterator<unknown> | AsyncIterator<unknown>;
  if (it === null || typeof it !== 'object' || typeof it.next !== 'function') {
    throw ndError(TypeError, CODES.BAD_OPTION, `reduceChunks: chunks' iterator must be an object with a next method, got ${describe(it)}`);
  }
  let finished = false;
  try {
    for (;;) {
      // The next chunk, or the abort, whichever comes first: an iterator
      // that never yields cannot hold the call.
      const step = await abortableStep(Promise.resolve(it.next()), signal);
      if (step === null || typeof step !== 'object') {
        throw ndError(TypeError, CODES.BAD_OPTION, `reduceChunks: the iterator's next() must give an object, got ${describe(step)}`);
      }
      if (step.done) {
        finished = true;
        break;
      }
      // A sync iterable's values may be promises, as for await reads them.
      p.push(typeof asyncIt === 'function' ? step.value : await abortableStep(Promise.resolve(step.value), signal));
      await nextTurn();
      if (signal?.aborted) throw abortError(signal.reason);
    }
  } finally {
    // Stopped early (an abort, a bad chunk): the source is told, as a
    // for-await loop would, without waiting for it.
    if (!finished && typeof it.return === 'function') {
      try {
        Promise.resolve(it.return()).catch(() => {});
      } catch {
        // A throwing return() changes nothing about why we stopped.
      }
    }
  }
  if (signal?.aborted) throw abortError(signal.reason);
  // `by` labels every row from `start` to its end, as the one-shot call's.
  if (o.by !== undefined && (start ?? 0) + p.length !== o.by.labels.length) {
    throw ndError(RangeError, CODES.BAD_OPTION, `reduceChunks: options.by has ${o.by.labels.length} labels; the chunks gave ${p.length} rows from row ${start ?? 0} (one label per row)`);
  }
  return p.result() as OpResult<N, ChunkDataOf<C>, O>;
}

function abortableStep<T>(next: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return next;
  if (signal.aborted) return Promise.reject(abortError(signal.reason));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError(signal.reason));
    signal.addEventListener('abort', onAbort, { once: true });
    next.then(
      (v) => (signal.removeEventListener('abort', onAbort), resolve(v)),
      (e) => (signal.removeEventListener('abort', onAbort), reject(e)),
    );
  });
}
