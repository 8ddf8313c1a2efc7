// The moving reductions' sync and async paths: the addon's `moveWindow`
// (its async twin reads shared memory only, so other memory is first
// copied as the reductions' async path does), or the js backend.
import { isSharedArrayBuffer } from 'node:util/types';

import { addon } from '../addon/load';
import { watched } from '../run/async';
import { copyView, nextTurn } from '../run/copy';
import { abortError } from '../spec/errors';
import { readMoveCall, shapeResult } from './call';
import type { MoveCall } from './call';
import { jsMove } from './js';
import type { MovingName, MoveResult } from './spec';

/** The addon's layout: [threads, offset, ndim, shape.., strides.., axis, window, minCount]. */
function packMove(c: MoveCall, strides: readonly number[], offset: number): Float64Array {
  const nd = c.shape.length;
  const layout = new Float64Array(6 + 2 * nd);
  layout[0] = c.threads;
  layout[1] = offset;
  layout[2] = nd;
  for (let k = 0; k < nd; k++) {
    layout[3 + k] = c.shape[k];
    layout[3 + nd + k] = strides[k];
  }
  layout[3 + 2 * nd] = c.axis;
  layout[4 + 2 * nd] = c.window;
  layout[5 + 2 * nd] = c.minCount;
  return layout;
}

function computeMove(c: MoveCall): Float64Array {
  const native = c.backend === 'native' ? addon() : undefined;
  if (native) {
    // The result is allocated here, not by the addon: V8 frees its own
    // buffers at a collection, where one handed over by the addon waits for
    // the event loop to turn, so a synchronous loop of calls held every
    // result (12 calls on 100 x 1,000,000 float64: 10 GB).
    const into = c.outView ?? new Float64Array(c.count);
    native.moveWindow(c.data, packMove(c, c.strides, c.offset), c.op, c.ddof, into);
    return into;
  }
  return jsMove(c, c.outView ?? new Float64Array(c.count));
}

export function move(op: MovingName, x: unknown, window: unknown, options: unknown): MoveResult {
  const c = readMoveCall(op, x, window, options, false);
  return shapeResult(c, computeMove(c));
}

export async function moveAsync(op: MovingName, x: unknown, window: unknown, options: unknown): Promise<MoveResult> {
  const c = readMoveCall(op, x, window, options, true);
  const { signal } = c;
  if (signal?.aborted) throw abortError(signal.reason);
  const native = c.backend === 'native' ? addon() : undefined;
  if (!native || c.count === 0) {
    // The js backend runs on this thread, a turn later.
    await nextTurn();
    if (signal?.aborted) throw abortError(signal.reason);
    return shapeResult(c, jsMove(c, c.outView ?? new Float64Array(c.count)));
  }
  let data = c.data;
  let offset = c.offset;
  let strides = c.strides;
  let release: (() => void) | undefined;
  if (!c.shared) ({ data, offset, strides, release } = await copyView(c, `${c.op}Async`));
  const token = new native.CancelToken();
  // A shared `out` is written by the job itself (moveFile's blocks reuse
  // theirs: no fresh pages per block); any other is filled afterwards.
  const into = c.outView && isSharedArrayBuffer(c.outView.buffer) ? c.outView : undefined;
  let task: Promise<Float64Array | null>;
  try {
    if (signal?.aborted) throw abortError(signal.reason);
    task = native.moveWindowAsync(data, packMove(c, strides, offset), c.op, c.ddof, token, into);
  } catch (e) {
    release?.();
    throw e;
  }
  // The reductions' own watch: abort and exit cancel the task, and the copy
  // is released when it settles.
  const result = await watched(task, token, signal, release);
  if (result === null) return shapeResult(c, into as Float64Array);
  if (c.outView) c.outView.set(result);
  return shapeResult(c, result);
}
