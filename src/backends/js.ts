// The js backend: plain TypeScript, no addon, no BigInt in the loops.
//
// `serial` (the article's column-by-column loop) and `auto` (follows the
// memory layout) run on the calling thread. `lockfree` and `mutex` run on a
// pool of worker threads over a SharedArrayBuffer; input whose buffer is not
// shared is copied once per call into one (the addressed span, or just the
// elements when the span is mostly gaps). Small
// inputs, and calls that would use one worker, stay on the calling thread.
import * as os from 'node:os';

import type { CheckedOptions, View2 } from '../types';
import { BLOCK, denseSpan, gather, LITTLE_ENDIAN, LOW, type Order, reduce, storeBlock, wordsOf } from './js-kernels';
import { getPool } from './js-pool';
import { plan, span, type Plan } from './layout';
import type { Backend } from './types';

/** Below this many elements a worker hand-off costs more than it saves. */
export const SMALL = 1 << 16;

/** The fewest elements worth giving one worker. */
const PER_WORKER = 1 << 14;

/** Each worker is a whole V8 isolate (megabytes, tens of ms to start), so
 * `threads` beyond a few per CPU only costs memory. */
export const MAX_WORKERS = 4 * os.availableParallelism();

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
  if (!(data.buffer instanceof SharedArrayBuffer)) {
    const [first, last] = span(p);
    const elements = p.rows * p.cols;
    if (denseSpan(last - first + 1, elements)) {
      shared = new BigInt64Array(inputScratch.get((last - first + 1) * 8), 0, last - first + 1);
      shared.set(data.subarray(first, last + 1));
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
      data: shared.buffer as SharedArrayBuffer,
      byteOffset: shared.byteOffset,
      length: shared.length,
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

export const jsBackend: Backend = {
  name: 'js',
  max(view: View2, options: CheckedOptions): BigInt64Array {
    if (!LITTLE_ENDIAN) throw new Error('ndreduce: the js backend needs a little-endian platform');
    const p = plan(view, options.axis);
    if (p.cols === 0) return new BigInt64Array(0);
    let result: BigInt64Array;
    const { strategy } = options;
    if (strategy === 'serial' || strategy === 'auto') {
      result = onCallingThread(view.data, p, strategy === 'serial' ? 'columns' : 'layout');
    } else {
      // lockfree splits the output columns, mutex the reduced rows.
      const threads = options.threads ?? os.availableParallelism();
      const elements = p.rows * p.cols;
      const parts = Math.min(threads, MAX_WORKERS, strategy === 'lockfree' ? p.cols : p.rows, Math.ceil(elements / PER_WORKER));
      result = elements < SMALL || parts < 2 ? onCallingThread(view.data, p, 'layout') : onWorkers(view.data, p, strategy, parts);
    }
    if (p.flip) result.reverse();
    return result;
  },
};
