// The js backend: plain TypeScript, no addon. It is the fallback for every
// reduction (`ndReduce`, engine.ts), and the TypeScript side of the
// article's comparison: max of a 2-D int64 view along one axis runs the
// int32-word kernels of ../article/kernels.ts instead, with the article's schedules.
//
// `serial` (the article's column-by-column loop) and `auto` (follows the
// memory layout) run on the calling thread. `lockfree` and `mutex` run on a
// pool of worker threads over a SharedArrayBuffer; input whose buffer is not
// shared is copied once per call into one (the addressed span, or just the
// elements when the span is mostly gaps). Small inputs, and calls that
// would use one worker, stay on the calling thread.
import * as os from 'node:os';
import { isSharedArrayBuffer } from 'node:util/types';

import type { Extras } from '../../addon/load';
import { unpack } from '../../addon/wire';
import type { OpName as Op } from '../../spec/ops';
import { bufferOf, byteOffsetOf, lengthOf, typedArrayTag } from '../../spec/dtypes';
import type { NumericArray } from '../../spec/dtypes';
import { CODES, ndError } from '../../spec/errors';
import type { Strategy } from '../../spec/types';
import { BLOCK, denseSpan, gather, LITTLE_ENDIAN, LOW, type Order, reduce, storeBlock, wordsOf } from '../article/kernels';
import { ndReduce } from './engine';
import { getPool } from './pool';
import { plan, span, type Plan } from '../article/plan';

/** Below this many elements a worker hand-off costs more than it saves. */
const SMALL = 1 << 16;

/** The fewest elements worth giving one worker. */
const PER_WORKER = 1 << 14;

/** Each worker is a whole V8 isolate (megabytes, tens of ms to start), so
 * `threads` beyond a few per CPU only costs memory. */
const MAX_WORKERS = 4 * os.availableParallelism();

const acc = new Int32Array(2 * BLOCK);

function onCallingThread(data: BigInt64Array, p: Plan, order: Order): BigInt64Array {
  const result = new BigInt64Array(p.cols);
  const out = wordsOf(result);
  const task = { words: wordsOf(data), base: p.base, rs: p.rs, cs: p.cs };
  reduce(task, order, 0, p.rows, 0, p.cols, acc, (j, n) => storeBlock(out, j, n, acc));
  return result;
}

/** A SharedArrayBuffer kept between calls: first touching fresh memory
 * costs far more than the copy itself (page faults), so the copy and output
 * buffers are reused. Held weakly, so an idle process can give them back. */
class Scratch {
  private ref: WeakRef<SharedArrayBuffer> | undefined;

  get(bytes: number): SharedArrayBuffer {
    const held = this.ref?.deref();
    if (held && held.byteLength >= bytes) return held;
    const fresh = new SharedArrayBuffer(bytes);
    this.ref = new WeakRef(fresh);
    return fresh;
  }
}

const inputScratch = new Scratch();
const outputScratch = new Scratch();

function onWorkers(data: BigInt64Array, p: Plan, mode: 'lockfree' | 'mutex', parts: number): BigInt64Array {
  let shared = data;
  let { base, rs, cs } = p;
  if (!isSharedArrayBuffer(bufferOf(data))) {
    const [first, last] = span(p);
    const elements = p.rows * p.cols;
    if (denseSpan(last - first + 1, elements)) {
      shared = new BigInt64Array(inputScratch.get((last - first + 1) * 8), 0, last - first + 1);
      shared.set(new BigInt64Array(bufferOf(data), byteOffsetOf(data) + first * 8, last - first + 1));
      base -= first;
    } else {
      shared = new BigInt64Array(inputScratch.get(elements * 8), 0, elements);
      gather(wordsOf(data), p.rows, p.cols, p.rs, p.cs, p.base, wordsOf(shared));
      [base, rs, cs] = [0, p.cols, 1];
    }
  }
  const out = new BigInt64Array(outputScratch.get(p.cols * 8), 0, p.cols);
  if (mode === 'mutex') new Int32Array(out.buffer, 0, 2 * p.cols).fill(LOW);
  getPool().run(
    {
      mode,
      data: bufferOf(shared) as SharedArrayBuffer,
      byteOffset: byteOffsetOf(shared),
      length: lengthOf(shared),
      out: out.buffer as SharedArrayBuffer,
      base,
      rows: p.rows,
      cols: p.cols,
      rs,
      cs,
    },
    parts,
  );
  // A result over ordinary memory, like every other backend returns.
  return out.slice();
}

/** The article's int64 max with a schedule (rows of the plan are reduced). */
function articleMax(data: BigInt64Array, p: Plan, schedule: Strategy, threads: number): BigInt64Array {
  if (!LITTLE_ENDIAN) throw ndError(Error, CODES.UNAVAILABLE, 'ndreduce: the js backend needs a little-endian platform');
  if (p.cols === 0) return new BigInt64Array(0);
  let result: BigInt64Array;
  if (schedule === 'serial' || schedule === 'auto') {
    result = onCallingThread(data, p, schedule === 'serial' ? 'columns' : 'layout');
  } else {
    // lockfree splits the output columns, mutex the reduced rows.
    const elements = p.rows * p.cols;
    const parts = Math.min(threads || os.availableParallelism(), MAX_WORKERS, schedule === 'lockfree' ? p.cols : p.rows, Math.ceil(elements / PER_WORKER));
    result = elements < SMALL || parts < 2 ? onCallingThread(data, p, 'layout') : onWorkers(data, p, schedule, parts);
  }
  if (p.flip) result.reverse();
  return result;
}

/** The addon's `reduce`, in TypeScript. `cancelled` is polled by the N-d
 * engine (the worker threads pass their cancel flag). */
export function jsReduce(data: NumericArray, layout: ArrayLike<number>, op: Op, schedule: Strategy, cancelled?: () => boolean, extras?: Extras): NumericArray {
  const v = unpack(layout);
  if (op === 'max' && v.shape.length === 2 && v.axes.length === 1 && typedArrayTag(data) === 'BigInt64Array') {
    return articleMax(data as BigInt64Array, plan(v.shape, v.strides, v.offset, v.axes[0]), schedule, v.threads);
  }
  return ndReduce(data, layout, op, cancelled, extras);
}
