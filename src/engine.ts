// The synchronous path: one checked call (validate.ts), computed by the
// addon or, without it, by the js backend through the same contract, and
// shaped into the public result.
import { addon } from './addon';
import { jsReduce } from './backends/js';
import { wasmMax } from './backends/wasm';
import type { NumericArray } from './dtypes';
import type { Reduction } from './types';
import { layoutOf, readCall } from './validate';
import type { Call } from './validate';

/** The raw result (the contract's form) of a checked call, on this thread. */
export function compute(c: Call): NumericArray {
  if (c.backend === 'wasm') return wasmMax(c);
  const native = c.backend === 'native' ? addon() : undefined;
  if (native) return native.reduce(c.data, layoutOf(c, c.offset, true), c.op, c.schedule);
  return jsReduce(c.data, layoutOf(c, c.offset, true), c.op, c.schedule);
}

type Scalar = number | bigint;

/** The public result: the kept axes' values (the input's own typed array
 * for min/max), a scalar for `axis: null`, `{ min, max }` for minmax. */
export function finish(c: Call, raw: NumericArray): unknown {
  let values = raw;
  const sameClass = c.reduction === 'min' || c.reduction === 'max' || c.reduction === 'minmax';
  // The addon returns bytes for a Uint8ClampedArray: same memory, the input's class.
  if (sameClass && c.dtype.name === 'uint8c' && !(raw instanceof Uint8ClampedArray)) {
    values = new Uint8ClampedArray(raw.buffer, raw.byteOffset, raw.length);
  }
  const first = (a: NumericArray) => (a as unknown as ArrayLike<Scalar>)[0];
  if (c.reduction === 'minmax') {
    const n = values.length / 2;
    const min = values.subarray(0, n) as NumericArray;
    const max = values.subarray(n) as NumericArray;
    return c.all ? { min: first(min), max: first(max) } : { min, max };
  }
  return c.all ? first(values) : values;
}

/** A whole synchronous reduction; `fn` names the public function in hints. */
export function reduce(reduction: Reduction, x: unknown, options: unknown, fn: string, ignoreNaN = false): unknown {
  const c = readCall(reduction, x, options, fn, ignoreNaN);
  return finish(c, compute(c));
}
