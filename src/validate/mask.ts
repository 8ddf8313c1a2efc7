// `options.where`: a mask read by the same validator as x (guarded reads,
// the same codes, `options.where` named in messages), then broadcast
// against x's shape by NumPy's rules. The kernels get its strides over
// x's axes (0 where it is broadcast), so it is read in place with x.
import { dtypeOf, lengthOf, typedArrayTag } from '../spec/dtypes';
import type { Dtype, NumericArray } from '../spec/dtypes';
import { CODES, ndError } from '../spec/errors';
import { bracket, MAX_NDIM } from './read';
import { cStrides, readView } from './view';
import type { View } from './view';

/** A checked mask over x's shape: an element of x is kept where its
 * entry is not zero (NaN keeps, as NumPy's bool). */
export interface Mask {
  readonly data: NumericArray;
  readonly dtype: Dtype;
  readonly shared: boolean;
  /** One per axis of x, in elements of `data`; 0 on a broadcast axis. */
  readonly strides: readonly number[];
  readonly offset: number;
}

const FIELD = 'options.where';

/** Reads `raw` as a mask for `x`: an array `{ data, shape, strides?,
 * offset? }` of any dtype, a bare typed array (x's length: x's shape in C
 * order; else 1-D), or a nested list of booleans or numbers. */
export function readMask(raw: unknown, x: View, rewrap: boolean): Mask {
  const v = readView(raw, [0, MAX_NDIM], rewrap, FIELD);
  let { shape, strides } = v;
  // A bare typed array as long as x is x's elements, whatever x's shape.
  const bare = raw !== null && typeof raw === 'object' && typedArrayTag(raw) !== undefined && dtypeOf(raw) !== undefined;
  if (bare && x.shape.length !== 1 && lengthOf(v.data) === x.count) {
    shape = x.shape;
    strides = cStrides(x.shape);
  }
  const nd = x.shape.length;
  const lead = nd - shape.length;
  const mismatch = () =>
    ndError(
      RangeError,
      CODES.BAD_OPTION,
      `${FIELD} of shape ${bracket(shape)} does not broadcast to x's shape ${bracket(x.shape)} (NumPy's rule: from the last axis, each length equal or 1)`,
    );
  if (lead < 0) throw mismatch();
  const over: number[] = [];
  for (let k = 0; k < nd; k++) {
    const j = k - lead;
    if (j < 0) over.push(0);
    else if (shape[j] === x.shape[k]) over.push(x.shape[k] === 1 ? 0 : strides[j]);
    else if (shape[j] === 1) over.push(0);
    else throw mismatch();
  }
  return { data: v.data, dtype: v.dtype, shared: v.shared, strides: over, offset: v.offset };
}

/** The addon's mask layout: `[offset, strides..]` over x's packed axes
 * (a 0-d x goes as [1], src/addon/wire.ts). */
export function packMask(m: Mask, offset = m.offset, strides = m.strides): Float64Array {
  const s = strides.length === 0 ? [0] : strides;
  const out = new Float64Array(1 + s.length);
  out[0] = offset;
  for (let k = 0; k < s.length; k++) out[1 + k] = s[k];
  return out;
}
