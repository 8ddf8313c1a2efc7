// The js backend's `where`: the addon's `reduceMasked` contract in plain
// TypeScript. One walk over x and its mask together, in C order (so the
// arg ops see each lane in index order); each kept element goes through
// the same runs as without a mask (ops.ts), one at a time. The counts of
// kept elements give the moments their divisor and the empty-lane rule.
import type { Extras } from '../../addon/load';
import { unpack } from '../../addon/wire';
import { dtypeOf } from '../../spec/dtypes';
import type { Dtype, NumericArray } from '../../spec/dtypes';
import { abortError, CODES, ndError } from '../../spec/errors';
import { spec } from '../../spec/ops';
import type { OpName } from '../../spec/ops';
import { reduceWith } from './ops';
import type { Base, Run, Values } from './ops';

const CHECK_EVERY = 1 << 16;

/** NumPy's name of `op` in its error for a reduction over nothing. */
function noIdentityName(op: OpName): string | null {
  const base = (op.startsWith('nan') ? op.slice(3) : op) as Base;
  return spec(base).family === 'arg' && op !== base ? `nan${spec(base).noIdentity}` : spec(base).noIdentity;
}

/** The error of a lane that keeps nothing, for the reductions without identity (the addon's words). */
function emptyLaneError(op: OpName, index: number): Error {
  return ndError(RangeError, CODES.ZERO_SIZE, `zero-size array to reduction operation ${noIdentityName(op)} which has no identity: options.where keeps no element at output index ${index}`);
}

/** The same for a group of a reduction by label that the mask empties. */
export function emptyGroupError(op: OpName, group: number, index: number): Error {
  const name = noIdentityName(op);
  return ndError(RangeError, CODES.ZERO_SIZE, `zero-size array to reduction operation ${name} which has no identity: options.where keeps no element of group ${group} at output index ${index}`);
}

/** `op` over the elements of `layout` of `data` whose entry in `mask`
 * (laid out as `[offset, strides..]` over x's axes) is not zero. */
export function ndReduceMasked(
  data: NumericArray,
  layout: ArrayLike<number>,
  op: OpName,
  extras: Extras | undefined,
  mask: NumericArray,
  maskLayout: ArrayLike<number>,
  emptyOk: boolean,
  cancelled?: () => boolean,
): NumericArray {
  const dtype = dtypeOf(data) as Dtype;
  const { shape, strides, axes, offset } = unpack(layout);
  const nd = shape.length;
  const skipNaN = op.startsWith('nan') && dtype.kind === 'float';
  const base = (op.startsWith('nan') ? op.slice(3) : op) as Base;
  // Steps per axis in the output and in the reduced C-order index.
  const os = new Array<number>(nd).fill(0);
  const rs = new Array<number>(nd).fill(0);
  let count = 1;
  let reduced = 1;
  for (let k = nd - 1; k >= 0; k--) {
    if (axes.includes(k)) {
      rs[k] = reduced;
      reduced *= shape[k];
    } else {
      os[k] = count;
      count *= shape[k];
    }
  }
  const m = mask as unknown as Values;
  const ms = Array.from({ length: nd }, (_, k) => maskLayout[1 + k]);
  const empty = shape.some((n) => n === 0);
  const visit = (f: (p: number, o: number, r: number) => void) => {
    if (empty) return;
    const at = new Array<number>(nd).fill(0);
    let p = offset;
    let q = maskLayout[0];
    let o = 0;
    let r = 0;
    let since = 0;
    for (;;) {
      const v = m[q];
      if (v !== 0 && v !== 0n) f(p, o, r);
      if (cancelled && ++since >= CHECK_EVERY) {
        if (cancelled()) throw abortError();
        since = 0;
      }
      let k = nd - 1;
      for (; k >= 0; k--) {
        if (++at[k] < shape[k]) {
          p += strides[k];
          q += ms[k];
          o += os[k];
          r += rs[k];
          break;
        }
        at[k] = 0;
        p -= (shape[k] - 1) * strides[k];
        q -= (shape[k] - 1) * ms[k];
        o -= (shape[k] - 1) * os[k];
        r -= (shape[k] - 1) * rs[k];
      }
      if (k < 0) return;
    }
  };
  const counts = new Float64Array(count);
  visit((_p, o) => counts[o]++);
  if (!emptyOk && spec(base).noIdentity !== null) {
    const i = counts.indexOf(0);
    if (i >= 0) throw emptyLaneError(op, i);
  }
  const go = (run: Run) => visit((p, o, r) => run(p, o, r, 1, 0, 0, 0));
  return reduceWith(base, { data: data as unknown as Values, dtype, count, reduced, skipNaN, floatResult: extras?.dtype === 'float64', ddof: extras?.ddof ?? 0, counts }, go);
}
