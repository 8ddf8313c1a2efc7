// Running a checked quantile call: the addon (its selection kernels) or
// the js backend, on this thread or off it, with or without a `where`
// mask, and the raw q-major result shaped into what the public function
// returns.
import { addon } from '../addon/load';
import { pack } from '../addon/wire';
import { copyView, nextTurn } from '../run/copy';
import { sharedMask } from '../run/mask';
import { packMask } from '../validate/mask';
import { watched } from '../run/async';
import { copyInto, lengthOf } from '../spec/dtypes';
import type { NumericArray } from '../spec/dtypes';
import { abortError, CODES, ndError } from '../spec/errors';
import { readQuantileCall } from './call';
import type { QuantileCall } from './call';
import { jsQuantile } from './js';
import { weightedQuantile } from './weights';
import type { QuantileKind } from './spec';

function compute(c: QuantileCall): NumericArray {
  if (c.kept === 0) return new c.resultCtor(0);
  const { mask } = c;
  if (c.weights) return weightedQuantile(c, c.axes, c.weights, c.qs as Float64Array, c.skipNaN, c.resultCtor, c.kept, mask);
  const layout = pack({ threads: c.threads, shape: c.shape, strides: c.strides, axes: c.axes }, c.offset);
  const native = c.backend === 'native' ? addon() : undefined;
  if (native && mask) {
    return native.quantileMasked(c.data, layout, c.method, c.qs ?? null, c.skipNaN, mask.data, packMask(mask));
  }
  if (native && !mask) return native.quantile(c.data, layout, c.method, c.qs ?? null, c.skipNaN);
  return jsQuantile(c.data, layout, c.method, c.qs, c.skipNaN, mask);
}

/** The public result of a call from its raw (q-major) result. */
function finish(c: QuantileCall, raw: NumericArray): unknown {
  let values = raw;
  if (c.dtype.name === 'uint8c' && c.resultCtor === Uint8ClampedArray && !(raw instanceof Uint8ClampedArray)) {
    values = new Uint8ClampedArray(raw.buffer, raw.byteOffset, raw.length);
  }
  if (c.outView) {
    if (lengthOf(c.outView) !== values.length) throw ndError(TypeError, CODES.DETACHED, 'options.out was detached, transferred or shrunk during the call');
    copyInto(c.outView, values, 0);
    values = c.out as NumericArray;
  }
  if (c.qList) return { data: values, shape: [c.qs?.length ?? 1, ...c.keptShape] };
  if (c.all) return (values as unknown as ArrayLike<unknown>)[0];
  return c.keepdims ? { data: values, shape: [...c.keptShape] } : values;
}

/** One synchronous call of the family; `fn` names the public function. */
export function quantileCall(kind: QuantileKind, x: unknown, q: unknown, options: unknown, fn: string, skipNaN: boolean): unknown {
  const c = readQuantileCall(kind, x, q, options, fn, skipNaN, false);
  return finish(c, compute(c));
}

/** The same off the JavaScript thread: the addon's job threads read a
 * SharedArrayBuffer (input on another buffer is copied first, as for every
 * async reduction); the js backend runs on this thread after one turn. */
export async function quantileCallAsync(kind: QuantileKind, x: unknown, q: unknown, options: unknown, fn: string, skipNaN: boolean): Promise<unknown> {
  const read = readQuantileCall(kind, x, q, options, fn, skipNaN, true);
  const { signal } = read;
  if (signal?.aborted) throw abortError(signal.reason);
  // The mask is copied now (unless shared), before any await lets the
  // caller change or detach its buffer; every path below reads the copy.
  const c = read.mask ? { ...read, mask: sharedMask(read.mask, read.shape) } : read;
  const native = c.backend === 'native' ? addon() : undefined;
  if (!native || c.count === 0 || c.kept === 0 || c.weights) {
    await nextTurn();
    if (signal?.aborted) throw abortError(signal.reason);
    return finish(c, compute(c));
  }
  let { data, offset, strides } = c;
  let release: (() => void) | undefined;
  if (!c.shared) ({ data, offset, strides, release } = await copyView(c, fn));
  if (signal?.aborted) {
    release?.();
    throw abortError(signal.reason);
  }
  const layout = pack({ threads: c.threads, shape: c.shape, strides, axes: c.axes }, offset);
  const token = new native.CancelToken();
  let task: Promise<NumericArray>;
  try {
    const m = c.mask;
    task = m
      ? native.quantileMaskedAsync(data, layout, c.method, c.qs ?? null, c.skipNaN, m.data, packMask(m), token)
      : native.quantileAsync(data, layout, c.method, c.qs ?? null, c.skipNaN, token);
  } catch (e) {
    release?.();
    throw e;
  }
  return finish(c, await watched(task, token, signal, release));
}
