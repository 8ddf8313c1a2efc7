// A raw result (the addon's form: a flat typed array, kept axes in C
// order) shaped into what the public function returns: `initial` folded
// in, the input's own class, written into `out`, `{ data, shape }` for
// `keepdims`, a scalar for every axis.
import { copyInto, lengthOf } from '../spec/dtypes';
import type { NumericArray } from '../spec/dtypes';
import { CODES, ndError } from '../spec/errors';
import { lowerWins, spec } from '../spec/ops';
import type { Call } from '../validate/call';

type Scalar = number | bigint;
type Values = { [i: number]: Scalar; length: number };

/** min/max with `initial` over an empty axis: every position is `initial`
 * (NumPy's rule), and no kernel runs. */
export function emptyWithInitial(c: Call): NumericArray | undefined {
  if (c.initial === undefined || !c.axes.some((a) => c.shape[a] === 0)) return undefined;
  return new c.dtype.ctor(c.kept).fill(c.initial as never);
}

/** Folds `initial` into every position as one more element: NaN on either
 * side wins (`np.max(x, initial=np.nan)` is NaN), unless NaN is skipped,
 * where NaN on either side loses, as in `np.fmax` (an all-NaN slice gives
 * `initial`; a NaN `initial` leaves the slice's extreme). The addon's
 * kernels start from the dtype's lowest or highest value, not `initial`
 * (its wire layout carries no start value), so this is the one place. */
function foldInitial(c: Call, values: Values): void {
  const init = c.initial as Scalar;
  const lower = lowerWins(c.reduction);
  const skip = c.op !== c.reduction;
  const initNaN = init !== init;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    const take = v !== v ? skip : initNaN ? !skip : lower ? init < v : init > v;
    if (take) values[i] = init;
  }
}

/** The public result of a checked call from its raw result. */
export function finish(c: Call, raw: NumericArray): unknown {
  let values = raw;
  const family = spec(c.reduction).family;
  const sameClass = family === 'extremum' || family === 'minmax';
  // The addon returns bytes for a Uint8ClampedArray: same memory, the input's class.
  if (sameClass && c.dtype.name === 'uint8c' && !(raw instanceof Uint8ClampedArray)) {
    values = new Uint8ClampedArray(raw.buffer, raw.byteOffset, raw.length);
  }
  if (c.initial !== undefined) foldInitial(c, values as unknown as Values);
  if (c.outView && raw !== c.outView) {
    // The caller's memory, through the view taken when the call was checked.
    if (lengthOf(c.outView) !== c.kept) throw ndError(TypeError, CODES.DETACHED, 'options.out was detached, transferred or shrunk during the call');
    copyInto(c.outView, values, 0);
  }
  if (c.out) values = c.out;
  if (family === 'minmax') {
    const n = values.length / 2;
    if (c.all) return { min: first(c, values, 0), max: first(c, values, n) };
    return { min: shaped(c, values.subarray(0, n) as NumericArray), max: shaped(c, values.subarray(n) as NumericArray) };
  }
  return c.all ? first(c, values, 0) : shaped(c, values);
}

/** The scalar at `at`: a boolean for any/all. */
function first(c: Call, a: NumericArray, at: number): unknown {
  const v = (a as unknown as Values)[at];
  return spec(c.reduction).family === 'bool' ? v !== 0 : v;
}

const shaped = (c: Call, a: NumericArray) => (c.keptShape ? { data: a, shape: [...c.keptShape] } : a);
