// One moving call, read once through the reductions' validator: the view
// by readView, the common options by readOptions (an entry of their keys
// plus `window`-side ones), then the window rules. Nothing of the caller's
// is read after `readMoveCall` returns.
import { addon } from '../addon/load';
import { bufferOf, byteOffsetOf, dtypeOf, lengthOf, typedArrayTag } from '../spec/dtypes';
import type { NumericArray } from '../spec/dtypes';
import { CODES, ndError } from '../spec/errors';
import { entryOf, readOptions } from '../validate/options';
import { describe, integer, isArray, MAX_NDIM } from '../validate/read';
import { readView } from '../validate/view';
import type { View } from '../validate/view';
import { MOVING } from './spec';
import type { MovingName } from './spec';

const COMMON = ['axis', 'out', 'threads', 'backend'];
const ENTRIES = {
  plain: entryOf(COMMON, ['minCount']),
  ddof: entryOf([...COMMON, 'ddof'], ['minCount']),
  plainAsync: entryOf([...COMMON, 'signal'], ['minCount']),
  ddofAsync: entryOf([...COMMON, 'ddof', 'signal'], ['minCount']),
};

export interface MoveCall extends View {
  readonly op: MovingName;
  readonly axis: number;
  readonly window: number;
  readonly minCount: number;
  readonly ddof: number;
  /** Return `{ data, shape }` (an N-d input) rather than a bare array. */
  readonly shaped: boolean;
  readonly out: Float64Array | undefined;
  /** Our own view of `out`'s memory (the caller's object is not read again). */
  readonly outView: Float64Array | undefined;
  readonly threads: number;
  readonly backend: 'native' | 'js';
  readonly signal: AbortSignal | undefined;
}

/** The options entry of `op`: `ddof` only where it applies, `signal` for
 * the async twins, and `more` keys of a caller's own (moveFile's). */
export function moveEntry(op: MovingName, async: boolean, more: readonly string[] = []): ReturnType<typeof entryOf> {
  if (more.length === 0) {
    const ddof = MOVING[op].ddof;
    return ddof ? (async ? ENTRIES.ddofAsync : ENTRIES.ddof) : async ? ENTRIES.plainAsync : ENTRIES.plain;
  }
  return entryOf([...COMMON.filter((k) => k !== 'out' && k !== 'backend'), ...(MOVING[op].ddof ? ['ddof'] : []), ...(async ? ['signal'] : [])], ['minCount', ...more]);
}

/** The window rules, for an array of `shape`: `axis` (one integer, default
 * -1), `window` (1 to the axis' length) and `minCount` (1 to the window,
 * default the window). */
export function readWindow(op: MovingName, shape: readonly number[], rawAxis: unknown, window: unknown, rawMinCount: unknown): { axis: number; window: number; minCount: number } {
  if (rawAxis === null || (rawAxis !== undefined && typeof rawAxis !== 'number')) {
    throw ndError(TypeError, CODES.BAD_OPTION, `options.axis of ${op} must be one integer (the window slides along one axis), got ${describe(rawAxis)}`);
  }
  const ndim = shape.length;
  const a = (rawAxis as number | undefined) ?? -1;
  if (a < -ndim || a >= ndim) {
    throw ndError(RangeError, CODES.BAD_OPTION, `options.axis ${a} is out of range for a ${ndim}-D array (expected ${-ndim} to ${ndim - 1})`);
  }
  const axis = a < 0 ? a + ndim : a;
  const n = shape[axis];
  const w = integer(window, 'window', 1, CODES.BAD_OPTION);
  if (w > n) throw ndError(RangeError, CODES.BAD_OPTION, `window ${w} is longer than axis ${axis} (${n} elements); it must be 1 to ${n}`);
  let minCount = w;
  if (rawMinCount !== undefined) {
    minCount = integer(rawMinCount, 'options.minCount', 1, CODES.BAD_OPTION);
    if (minCount > w) throw ndError(RangeError, CODES.BAD_OPTION, `options.minCount ${minCount} is more than the window (${w})`);
  }
  return { axis, window: w, minCount };
}

/** Reads and checks one call of `op`; throws before any work. */
export function readMoveCall(op: MovingName, x: unknown, window: unknown, options: unknown, async: boolean): MoveCall {
  const o = readOptions(options, null, moveEntry(op, async));
  if (o.backend === 'wasm') throw ndError(RangeError, CODES.BAD_OPTION, `options.backend "wasm" computes only the article's max; ${op} takes "native" or "js"`);
  if (o.axis === null || (o.axis !== undefined && typeof o.axis !== 'number')) readWindow(op, [], o.axis, window, undefined);
  const bare = typedArrayTag(x) !== undefined;
  const flatList = isArray(x);
  const view = readView(x, [1, MAX_NDIM], async || o.backend !== 'native' || addon() === undefined);
  const { axis, window: w, minCount } = readWindow(op, view.shape, o.axis, window, o.extra.minCount);
  let outView: Float64Array | undefined;
  const out = o.out as NumericArray | undefined;
  if (out !== undefined) {
    const d = dtypeOf(out);
    const length = lengthOf(out);
    if (d?.ctor !== Float64Array || length !== view.count) {
      throw ndError(TypeError, CODES.BAD_OPTION, `options.out must be a Float64Array of length ${view.count} for ${op}, got a ${d?.ctor.name} of length ${length}`);
    }
    outView = new Float64Array(bufferOf(out), byteOffsetOf(out), length);
  }
  const shaped = !(bare || (flatList && view.shape.length === 1));
  const { data, dtype, shared, shape, strides, offset, count } = view;
  return {
    data, dtype, shared, shape, strides, offset, count, op, axis, window: w, minCount, ddof: o.ddof, shaped,
    out: out as Float64Array | undefined, outView, threads: o.threads, backend: o.backend as 'native' | 'js', signal: o.signal,
  };
}

/** The public form of a computed result. */
export function shapeResult(c: MoveCall, data: Float64Array): Float64Array | { data: Float64Array; shape: number[] } {
  const result = c.out ?? data;
  return c.shaped ? { data: result, shape: [...c.shape] } : result;
}
