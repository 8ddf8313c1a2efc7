// The js backend's N-d engine: every op of the addon's contract on every
// dtype, for when the addon is missing (and in the js worker threads). It
// takes the packed layout the addon takes, already checked by validate.ts.
//
// One loop nest over the view: the reduced axes keep their C order (so
// argmin/argmax see each slice in index order and keep the first of ties),
// and the nest follows the memory layout: when a kept axis has the smallest
// stride it runs innermost (`out[j] = max(out[j], row[j])`), otherwise the
// reduced axes do, with the running value in a local. Nothing allocated
// grows with the input or a broadcast, only with the output.
import type { Op } from '../addon';
import { dtypeOf, sumCtorOf } from '../dtypes';
import type { Dtype, NumericArray } from '../dtypes';
import { abortError, CODES, ndError } from '../errors';

/** Elements between two looks at the cancel flag. */
const CHECK_EVERY = 1 << 16;

interface Dim {
  n: number;
  /** Step in data, in the output, and in the flat C-order index of the reduced axes. */
  s: number;
  os: number;
  rs: number;
}

/** `run(p, o, r, n, s, os, rs)`: fold `n` elements from data index `p`
 * (step `s`) into output `o` (step `os`), reduced index `r` (step `rs`). */
type Run = (p: number, o: number, r: number, n: number, s: number, os: number, rs: number) => void;

type Values = { [i: number]: number | bigint; length: number };

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

/** max or min, propagating NaN (NumPy's) or skipping it: a NaN-skipping
 * fold starts at NaN, the first number replaces it, and an all-NaN slice
 * stays NaN. */
function extremum(data: Values, out: Values, max: boolean, skipNaN: boolean): Run {
  return (p, o, _r, n, s, os) => {
    if (os === 0) {
      let a = out[o];
      for (let k = 0; k < n; k++, p += s) {
        const v = data[p];
        if ((max ? v > a : v < a) || (skipNaN ? a !== a : v !== v)) a = v;
      }
      out[o] = a;
      return;
    }
    for (let k = 0; k < n; k++, p += s, o += os) {
      const v = data[p];
      const a = out[o];
      if ((max ? v > a : v < a) || (skipNaN ? a !== a : v !== v)) out[o] = v;
    }
  };
}

function sumRun(data: Values, small: Float64Array, big: bigint[] | undefined): Run {
  return (p, o, _r, n, s, os) => {
    if (big && typeof data[p] === 'bigint') {
      for (let k = 0; k < n; k++, p += s, o += os) big[o] += data[p] as bigint;
      return;
    }
    for (let k = 0; k < n; k++, p += s, o += os) {
      const t = (small[o] += data[p] as number);
      // Integers stay exact: below 2^52 adding any 32-bit value is exact.
      if (big && (t > 2 ** 52 || t < -(2 ** 52))) {
        big[o] += BigInt(t);
        small[o] = 0;
      }
    }
  };
}

function argRun(data: Values, best: Values, where: Float64Array, max: boolean, skipNaN: boolean): Run {
  return (p, o, r, n, s, os, rs) => {
    for (let k = 0; k < n; k++, p += s, o += os, r += rs) {
      const v = data[p];
      if (v !== v) {
        // NaN wins (the first one) unless skipped.
        if (skipNaN || (where[o] >= 0 && best[o] !== best[o])) continue;
        best[o] = v;
        where[o] = r;
        continue;
      }
      const b = best[o];
      if (where[o] < 0 || (b === b && (max ? v > b : v < b))) {
        best[o] = v;
        where[o] = r;
      }
    }
  };
}

/** The result of `op` over `layout` of `data`, in the addon's form (see
 * the contract in src/addon.ts): a fresh array, kept axes in C order. */
export function ndReduce(data: NumericArray, layout: ArrayLike<number>, op: Op, cancelled?: () => boolean): NumericArray {
  const dtype = dtypeOf(data) as Dtype;
  const nd = layout[2];
  const shape = Array.from({ length: nd }, (_, k) => layout[3 + k]);
  const strides = Array.from({ length: nd }, (_, k) => layout[3 + nd + k]);
  const axes = Array.from({ length: layout[3 + 2 * nd] }, (_, k) => layout[4 + 2 * nd + k]);
  const offset = layout[1];
  let count = 1;
  let keptInner = false;
  let smallestReduced = Infinity;
  let smallestKept = Infinity;
  const summing = op === 'sum';
  for (let k = 0; k < nd; k++) {
    if (axes.includes(k)) {
      if (shape[k] > 1 && (summing || strides[k] !== 0)) smallestReduced = Math.min(smallestReduced, Math.abs(strides[k]));
    } else {
      count *= shape[k];
      if (shape[k] > 1) smallestKept = Math.min(smallestKept, Math.abs(strides[k]));
    }
  }
  keptInner = smallestKept < smallestReduced;
  const skipNaN = op.startsWith('nan') && dtype.kind === 'float';
  const base = (op.startsWith('nan') ? op.slice(3) : op) as 'min' | 'max' | 'minmax' | 'sum' | 'argmin' | 'argmax';
  const values = data as unknown as Values;
  const go = (run: Run) => walk(shape, strides, offset, axes, keptInner, base !== 'sum', run, cancelled);
  const start = (max: boolean): number | bigint => (skipNaN ? NaN : max ? dtype.lowest : dtype.highest);

  if (base === 'min' || base === 'max' || base === 'minmax') {
    const out = new dtype.ctor(base === 'minmax' ? 2 * count : count);
    const parts: [NumericArray, boolean][] =
      base === 'minmax' ? [[out.subarray(0, count) as NumericArray, false], [out.subarray(count) as NumericArray, true]] : [[out, base === 'max']];
    for (const [part, max] of parts) {
      part.fill(start(max) as never);
      go(extremum(values, part as unknown as Values, max, skipNaN));
    }
    return out;
  }
  if (base === 'sum') {
    const small = new Float64Array(count);
    const big = dtype.kind === 'float' ? undefined : new Array<bigint>(count).fill(0n);
    go(sumRun(values, small, big));
    if (!big) return small;
    const out = new (sumCtorOf(dtype))(count) as unknown as { [i: number]: bigint };
    const [low, high] = dtype.kind === 'int' ? [-(2n ** 63n), 2n ** 63n - 1n] : [0n, 2n ** 64n - 1n];
    for (let o = 0; o < count; o++) {
      const total = big[o] + BigInt(small[o]);
      if (total < low || total > high) {
        throw ndError(RangeError, CODES.OVERFLOW, `sum at output index ${o} does not fit ${dtype.kind === 'int' ? 'int64' : 'uint64'}`);
      }
      out[o] = total;
    }
    return out as unknown as NumericArray;
  }
  const best: Values = dtype.big ? new Array<bigint>(count) : new Float64Array(count);
  const where = new Float64Array(count).fill(-1);
  go(argRun(values, best, where, base === 'argmax', skipNaN));
  if (where.includes(-1)) throw ndError(RangeError, CODES.ALL_NAN, `All-NaN slice encountered in ${op}`);
  return where;
}
