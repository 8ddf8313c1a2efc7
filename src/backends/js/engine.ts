// The js backend's N-d engine: every op of the addon's contract on every
// dtype, for when the addon is missing (and in the js worker threads). It
// takes the packed layout the addon takes, already checked by src/validate/.
//
// One loop nest over the view: the reduced axes keep their C order (so
// the arg reductions see each slice in index order and keep the first of ties),
// and the nest follows the memory layout: when a kept axis has the smallest
// stride it runs innermost (`out[j] = max(out[j], row[j])`), otherwise the
// reduced axes do, with the running value in a local. Nothing allocated
// grows with the input or a broadcast, only with the output.
import type { Extras } from '../../addon/load';
import { unpack } from '../../addon/wire';
import type { OpName as Op } from '../../spec/ops';
import { dtypeOf } from '../../spec/dtypes';
import type { Dtype, NumericArray } from '../../spec/dtypes';
import { abortError } from '../../spec/errors';
import { spec } from '../../spec/ops';
import { reduceWith } from './ops';
import type { Base, Run, Values } from './ops';

/** Elements between two looks at the cancel flag. */
const CHECK_EVERY = 1 << 16;

interface Dim {
  n: number;
  /** Step in data, in the output, and in the flat C-order index of the reduced axes. */
  s: number;
  os: number;
  rs: number;
}

/** `repeats`: a reduced axis of stride 0 repeats one element, which changes
 * no extremum (nor the first index of one), so it is walked once. */
function walk(shape: ArrayLike<number>, strides: ArrayLike<number>, offset: number, axes: readonly number[], keptInner: boolean, repeats: boolean, run: Run, cancelled?: () => boolean): void {
  const kept: Dim[] = [];
  const reduced: Dim[] = [];
  let os = 1;
  let rs = 1;
  for (let k = shape.length - 1; k >= 0; k--) {
    const n = shape[k];
    if (n === 0) return;
    if (axes.includes(k)) {
      if (n > 1 && !(repeats && strides[k] === 0)) reduced.unshift({ n, s: strides[k], os: 0, rs });
      rs *= n;
    } else {
      if (n > 1) kept.unshift({ n, s: strides[k], os, rs: 0 });
      os *= n;
    }
  }
  kept.sort((a, b) => Math.abs(b.s) - Math.abs(a.s));
  const nest = keptInner ? [...reduced, ...kept] : [...kept, ...reduced];
  const inner = nest.pop() ?? { n: 1, s: 0, os: 0, rs: 0 };
  const at = new Array<number>(nest.length).fill(0);
  let p = offset;
  let o = 0;
  let r = 0;
  let since = 0;
  for (;;) {
    // A long innermost run (a broadcast axis can be 2^40 long) is folded
    // in pieces, so that the cancel flag is seen by work done.
    for (let k0 = 0; k0 < inner.n; k0 += CHECK_EVERY) {
      const m = Math.min(CHECK_EVERY, inner.n - k0);
      run(p + k0 * inner.s, o + k0 * inner.os, r + k0 * inner.rs, m, inner.s, inner.os, inner.rs);
      since += m;
      if (cancelled && since >= CHECK_EVERY) {
        if (cancelled()) throw abortError();
        since = 0;
      }
    }
    let k = nest.length - 1;
    for (; k >= 0; k--) {
      const d = nest[k];
      if (++at[k] < d.n) {
        p += d.s;
        o += d.os;
        r += d.rs;
        break;
      }
      at[k] = 0;
      p -= (d.n - 1) * d.s;
      o -= (d.n - 1) * d.os;
      r -= (d.n - 1) * d.rs;
    }
    if (k < 0) return;
  }
}

/** The result of `op` over `layout` of `data`, in the addon's form (see
 * the contract in src/addon/wire.ts): a fresh array, kept axes in C order. */
export function ndReduce(data: NumericArray, layout: ArrayLike<number>, op: Op, cancelled?: () => boolean, extras?: Extras): NumericArray {
  const dtype = dtypeOf(data) as Dtype;
  const { shape, strides, axes, offset } = unpack(layout);
  const nd = shape.length;
  const skipNaN = op.startsWith('nan') && dtype.kind === 'float';
  const base = (op.startsWith('nan') ? op.slice(3) : op) as Base;
  const repeats = spec(base).repeatFree;
  let count = 1;
  let reduced = 1;
  let smallestReduced = Infinity;
  let smallestKept = Infinity;
  for (let k = 0; k < nd; k++) {
    if (axes.includes(k)) {
      reduced *= shape[k];
      if (shape[k] > 1 && (!repeats || strides[k] !== 0)) smallestReduced = Math.min(smallestReduced, Math.abs(strides[k]));
    } else {
      count *= shape[k];
      if (shape[k] > 1) smallestKept = Math.min(smallestKept, Math.abs(strides[k]));
    }
  }
  const keptInner = smallestKept < smallestReduced;
  const go = (run: Run) => walk(shape, strides, offset, axes, keptInner, repeats, run, cancelled);
  return reduceWith(base, { data: data as unknown as Values, dtype, count, reduced, skipNaN, floatResult: extras?.dtype === 'float64', ddof: extras?.ddof ?? 0 }, go);
}
