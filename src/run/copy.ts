// The copy an asynchronous call makes of input that is not on a
// SharedArrayBuffer (src/run/async.ts says why it must): only the elements
// the view reads, into a SharedArrayBuffer the kernels may read from any
// thread, on the event loop in slices sized by time.
//
// Cost, measured (bench/async-copy.ts, `npm run bench -- --async-copy`): a
// fresh buffer's pages are faulted in by the copy itself, as `slice()`
// faults its own; touching them first on the libuv pool (an addon call,
// since removed) and then copying touched every page twice and took 1.6 to
// 1.9x a plain `slice()`. The
// scratch is dropped when the call settles; a WeakRef lets the next call
// take it back if the collector has not reclaimed it yet, which holds no
// memory that garbage would not hold anyway.
import { performance } from 'node:perf_hooks';
import { JOB_THREADS } from '../addon/load';

import { bufferOf, byteOffsetOf, copyInto, lengthOf, viewOf } from '../spec/dtypes';
import type { Dtype, NumericArray } from '../spec/dtypes';
import { abortError, CODES, ndError } from '../spec/errors';
import { addressRange } from '../validate/view';

export const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** What a copy needs of a checked call. */
interface Source {
  readonly data: NumericArray;
  readonly dtype: Dtype;
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  readonly offset: number;
  readonly signal: AbortSignal | undefined;
}

/** A copy: the same logical array over new memory. */
interface Copied {
  readonly data: NumericArray;
  readonly strides: readonly number[];
  readonly offset: number;
  /** Hands the scratch back; call once the task reading it has settled. */
  readonly release: () => void;
}

// ---- Scratch: not kept past the call. A buffer whose call settled is held
// only weakly, so that it can serve the next call if it is still there.

const MAX_SPARE = 4;
const spare: WeakRef<SharedArrayBuffer>[] = [];

function acquireScratch(bytes: number): SharedArrayBuffer {
  // The smallest spare that fits without wasting more than its size; the
  // collected ones and the one taken leave the list (indices are found
  // first, then removed from the end, so none shifts under another).
  let best: SharedArrayBuffer | undefined;
  let taken = -1;
  const gone: number[] = [];
  spare.forEach((ref, i) => {
    const buffer = ref.deref();
    if (!buffer) return void gone.push(i);
    const size = buffer.byteLength;
    if (size >= bytes && size <= 2 * bytes + 4096 && (!best || size < best.byteLength)) [best, taken] = [buffer, i];
  });
  if (taken >= 0) gone.push(taken);
  for (const i of gone.sort((a, b) => b - a)) spare.splice(i, 1);
  return best ?? new SharedArrayBuffer(bytes);
}

function releaseScratch(buffer: SharedArrayBuffer): void {
  spare.push(new WeakRef(buffer));
  if (spare.length > MAX_SPARE) spare.shift();
}

/** Settled scratch buffers the collector has not reclaimed yet (for tests). */
export const scratchAlive = () => spare.filter((r) => r.deref() !== undefined).length;

// ---- At most (libuv pool size + 1) copies exist at once: one per task the
// pool can run, and one being filled. Other calls wait their turn.

export const MAX_COPIES = JOB_THREADS + 1;
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

let lastElements = 0;
/** Elements the last copy took (for tests). */
export const lastCopyElements = () => lastElements;

// ---- The plan: the addressed span when the view reads most of it (one
// memcpy), else the elements it reads, packed.

/** A packed layout keeps the order of the strides (the innermost memory axis
 * stays innermost, so the kernels see the same kind of layout) and their
 * signs; an axis of length 1 or stride 0 gets stride 0 and is copied once. */
interface Packing {
  /** Axes copied, outermost first (by |stride|, descending). */
  readonly order: number[];
  readonly strides: number[];
  readonly offset: number;
  readonly elements: number;
}

function packing(shape: readonly number[], strides: readonly number[]): Packing {
  const order = shape.map((_, k) => k).filter((k) => shape[k] > 1 && strides[k] !== 0);
  order.sort((a, b) => Math.abs(strides[b]) - Math.abs(strides[a]) || a - b);
  const packed = shape.map(() => 0);
  let size = 1;
  let offset = 0;
  for (let i = order.length - 1; i >= 0; i--) {
    const k = order[i];
    packed[k] = strides[k] < 0 ? -size : size;
    if (strides[k] < 0) offset += (shape[k] - 1) * size;
    size *= shape[k];
  }
  return { order, strides: packed, offset, elements: size };
}

/** Packing pays its per-row overhead only where it saves much of a span. */
const PACK_BELOW = 0.5;

/** Slices aim at this much event-loop time each; the first is small, and
 * each at most doubles the last, so a slow one (page faults) cannot overshoot. */
const SLICE_MS = 1;
const FIRST_SLICE_BYTES = 1 << 16;

/** An integer view of `d`'s memory that copies bits unchanged: no NaN is
 * canonicalised and no bigint is made (8-byte elements go as two words). */
function wordsOf(d: Dtype, buffer: ArrayBufferLike, byteOffset: number, elements: number): Uint8Array | Uint16Array | Int32Array {
  if (d.bytes === 1) return new Uint8Array(buffer, byteOffset, elements);
  if (d.bytes === 2) return new Uint16Array(buffer, byteOffset, elements);
  return new Int32Array(buffer, byteOffset, (elements * d.bytes) / 4);
}

/** Copies what `s` reads into fresh shared memory; `fn` names the caller. */
export async function copyView(s: Source, fn: string): Promise<Copied> {
  const [low, high] = addressRange(s.offset, s.shape, s.strides) as [number, number];
  const span = high - low + 1;
  const p = packing(s.shape, s.strides);
  const packed = p.elements < span * PACK_BELOW;
  const n = packed ? p.elements : span;
  lastElements = n;
  const wait = takeCopySlot();
  if (wait) await wait;
  let scratch: SharedArrayBuffer | undefined;
  try {
    if (s.signal?.aborted) throw abortError(s.signal.reason);
    scratch = acquireScratch(n * s.dtype.bytes);
    const copy = new s.dtype.ctor(scratch, 0, n);
    const fill = packed ? packedFiller(s, p, copy) : spanFiller(s, low, copy);
    let per = Math.max(1, FIRST_SLICE_BYTES / s.dtype.bytes);
    for (let done = 0; done < n; ) {
      if (s.signal?.aborted) throw abortError(s.signal.reason);
      if (lengthOf(s.data) <= high) {
        throw ndError(TypeError, CODES.DETACHED, `x.data was detached, transferred or shrunk while ${fn} was copying it`);
      }
      const t0 = performance.now();
      const m = fill(done, Math.min(per, n - done));
      const ms = performance.now() - t0;
      done += m;
      per = Math.max(1024, Math.min(2 * m, Math.floor((m * SLICE_MS) / Math.max(ms, 0.01))));
      if (done < n) await nextTurn();
    }
    const held = scratch;
    return {
      data: copy,
      strides: packed ? p.strides : s.strides,
      offset: packed ? p.offset : s.offset - low,
      release: () => (releaseScratch(held), giveCopySlot()),
    };
  } catch (e) {
    if (scratch) releaseScratch(scratch);
    giveCopySlot();
    throw e;
  }
}

/** A filler copies elements `[done, done + most)` of the copy (or a few
 * fewer, to end on a row) and returns how many it copied. */
type Filler = (done: number, most: number) => number;

function spanFiller(s: Source, low: number, copy: NumericArray): Filler {
  return (done, m) => {
    copyInto(copy, viewOf(s.dtype, s.data, low + done, m), done);
    return m;
  };
}

/** Walks the packed axes in C order of `order` (the copy's memory order when
 * strides are positive): each row of the innermost axis is one memcpy when
 * its stride is ±1, else a gather of words. */
function packedFiller(s: Source, p: Packing, copy: NumericArray): Filler {
  const { order } = p;
  const d = s.dtype;
  const inner = order.length === 0 ? -1 : order[order.length - 1];
  const rowLength = inner < 0 ? 1 : s.shape[inner];
  const srcStep = inner < 0 ? 0 : s.strides[inner];
  const dstStep = inner < 0 ? 0 : p.strides[inner];
  const outer = order.slice(0, -1);
  const index = outer.map(() => 0);
  /** Position in the current row. */
  let col = 0;
  const wordsPer = d.bytes === 8 ? 2 : 1;
  const dst = wordsOf(d, bufferOf(copy), byteOffsetOf(copy), lengthOf(copy));
  return (done, most) => {
    // The caller's memory is read through fresh views each slice: its
    // length was checked just before.
    const srcLength = lengthOf(s.data);
    const src = wordsOf(d, bufferOf(s.data), byteOffsetOf(s.data), srcLength);
    let copied = 0;
    while (copied < most && done + copied < p.elements) {
      let from = s.offset;
      let to = p.offset;
      for (let i = 0; i < outer.length; i++) {
        from += index[i] * s.strides[outer[i]];
        to += index[i] * p.strides[outer[i]];
      }
      const m = Math.min(rowLength - col, most - copied);
      from += col * srcStep;
      to += col * dstStep;
      if (Math.abs(srcStep) === 1 || m === 1) {
        // A run: with a negative stride it is the same block, walked backwards.
        const a = srcStep < 0 ? from - (m - 1) : from;
        const b = dstStep < 0 ? to - (m - 1) : to;
        copyInto(copy, viewOf(d, s.data, a, m), b);
      } else if (wordsPer === 2) {
        for (let j = 0; j < m; j++) {
          const f = 2 * (from + j * srcStep);
          const t = 2 * (to + j * dstStep);
          dst[t] = src[f];
          dst[t + 1] = src[f + 1];
        }
      } else {
        for (let j = 0; j < m; j++) dst[to + j * dstStep] = src[from + j * srcStep];
      }
      copied += m;
      col += m;
      if (col === rowLength) {
        col = 0;
        for (let i = outer.length - 1; i >= 0; i--) {
          if (++index[i] < s.shape[outer[i]]) break;
          index[i] = 0;
        }
      }
    }
    return copied;
  };
}
