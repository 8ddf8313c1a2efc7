// The chunks of a grid, fetched and decoded `concurrency` at a time, each
// reduced to a partial as it arrives, and merged in chunk order: the
// result does not depend on which fetch finishes first. A chunk is let go
// once its partial is made, so at most `concurrency` decoded chunks are
// alive; finished partials wait for their turn in a window of twice that.
import { abortError } from '../spec/errors';
import type { GroupLabels } from '../merge/grouped';
import type { Partial } from '../merge/partial';
import type { PartialOp } from '../merge/partial-spec';
import { assemble, chunkPartial } from './blocks';
import type { ChunkData, ChunkTask, Grid } from './grid';
import { viewOf } from './grid';

export interface Progress {
  chunks: number;
  chunksTotal: number;
  bytes: number;
}

interface FoldOptions {
  ddof: number;
  /** The engine's threads per chunk (0: rayon's default). */
  threads: number;
  arg: boolean;
  concurrency: number;
  signal: AbortSignal | undefined;
  onProgress: ((p: Progress) => void) | undefined;
  /** `by`, checked against the region: the grid then has one reduced axis. */
  labels?: GroupLabels;
}

type ChunkReader = (task: ChunkTask, signal: AbortSignal) => Promise<ChunkData>;

/** The grid's partial over its whole kept shape (the grid has chunks). */
export async function foldGrid(grid: Grid, read: ChunkReader, op: PartialOp, o: FoldOptions): Promise<Partial> {
  const total = grid.count;
  // Our own controller: an error in one fetch cancels the others in flight.
  const inner = new AbortController();
  const onAbort = () => inner.abort(o.signal?.reason);
  if (o.signal?.aborted) throw abortError(o.signal.reason);
  o.signal?.addEventListener('abort', onAbort, { once: true });
  const done = new Map<number, Partial>();
  const groups: Partial[] = [];
  const firsts: ChunkTask[] = [];
  let merged = 0;
  let next = 0;
  let bytes = 0;
  let acc: Partial | undefined;
  const waiters: (() => void)[] = [];
  const wakeAll = () => waiters.splice(0).forEach((w) => w());
  inner.signal.addEventListener('abort', wakeAll, { once: true });
  const window = 2 * o.concurrency;
  const drain = () => {
    while (done.has(merged)) {
      const p = done.get(merged)!;
      done.delete(merged);
      const task = grid.task(merged);
      if (acc === undefined) ((acc = p), firsts.push(task));
      else acc.merge(p);
      merged++;
      if (merged === total || grid.task(merged).group !== task.group) (groups.push(acc), (acc = undefined));
    }
    o.onProgress?.({ chunks: merged, chunksTotal: total, bytes });
    wakeAll();
  };
  const worker = async () => {
    while (next < total) {
      if (inner.signal.aborted) return;
      if (next >= merged + window) {
        await new Promise<void>((resolve) => waiters.push(resolve));
        continue;
      }
      const i = next++;
      const task = grid.task(i);
      if (inner.signal.aborted) return;
      const chunk = await read(task, inner.signal);
      if (inner.signal.aborted) return;
      bytes += (chunk.data as { byteLength?: number }).byteLength ?? 0;
      done.set(i, chunkPartial(op, grid, task, viewOf(chunk, task, grid.perm), o.ddof, o.threads, o.arg, o.labels));
      chunk.release?.();
      drain();
    }
  };
  try {
    const workers = Array.from({ length: Math.min(o.concurrency, total) }, worker);
    const settled = await Promise.allSettled(workers.map((w) => w.catch((e) => (inner.abort(e), Promise.reject(e)))));
    if (o.signal?.aborted) throw abortError(o.signal.reason);
    const failed = settled.find((s) => s.status === 'rejected') as PromiseRejectedResult | undefined;
    // The first error aborted the others, which reject with AbortErrors
    // that may come first in worker order: the cause is what counts.
    if (failed) throw inner.signal.aborted ? inner.signal.reason : failed.reason;
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
  }
  return assemble(grid, groups, firsts);
}
