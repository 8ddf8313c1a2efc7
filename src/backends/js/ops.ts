// The js backend's ops: each builds a `Run` (a fold of one run of
// elements into the output) for engine.ts's loop nest, and turns what
// it folded into the addon's raw result. Same rules as crates/core's ops:
// compensated float sums, exact integer sums and products (a RangeError
// past 64 bits), Welford variance, NaN as NumPy treats it.
import { sumCtorOf } from '../../spec/dtypes';
import type { Dtype, NumericArray } from '../../spec/dtypes';
import { CODES, ndError } from '../../spec/errors';
import type { Reduction } from '../../spec/ops';

/** `run(p, o, r, n, s, os, rs)`: fold `n` elements from data index `p`
 * (step `s`) into output `o` (step `os`), reduced index `r` (step `rs`). */
export type Run = (p: number, o: number, r: number, n: number, s: number, os: number, rs: number) => void;

export type Values = { [i: number]: number | bigint; length: number };

/** An op's name without its `nan` prefix. */
export type Base = Reduction;

export interface Context {
  readonly data: Values;
  readonly dtype: Dtype;
  /** Output positions, and elements folded into each. */
  readonly count: number;
  readonly reduced: number;
  readonly skipNaN: boolean;
  /** Integer sum/prod as float64 (`dtype: "float64"`). */
  readonly floatResult: boolean;
  readonly ddof: number;
  /** Elements a `where` mask kept per output position (`reduced` each without one). */
  readonly counts?: Float64Array;
}

const num = (v: number | bigint) => (typeof v === 'bigint' ? Number(v) : v);

/** Between equal zeros +0 beats -0 for a max (`zeroWins(v, a)`) and -0
 * beats +0 for a min (`zeroWins(a, v)`), as Math.max and the addon: the
 * sign of a zero result does not follow the visiting order. */
const zeroWins = (x: number | bigint, best: number | bigint) => x === 0 && best === 0 && 1 / best < 0 && 1 / x > 0;

/** max or min, propagating NaN (NumPy's) or skipping it: a NaN-skipping
 * fold starts at NaN, the first number replaces it, and an all-NaN slice
 * stays NaN. */
function extremum(data: Values, out: Values, max: boolean, skipNaN: boolean): Run {
  return (p, o, _r, n, s, os) => {
    if (os === 0) {
      let a = out[o];
      for (let k = 0; k < n; k++, p += s) {
        const v = data[p];
        if ((max ? v > a : v < a) || (skipNaN ? a !== a : v !== v) || (max ? zeroWins(v, a) : zeroWins(a, v))) a = v;
      }
      out[o] = a;
      return;
    }
    for (let k = 0; k < n; k++, p += s, o += os) {
      const v = data[p];
      const a = out[o];
      if ((max ? v > a : v < a) || (skipNaN ? a !== a : v !== v) || (max ? zeroWins(v, a) : zeroWins(a, v))) out[o] = v;
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

/** Neumaier's compensated sum (`sum[o] + carry[o]` is the total), NaN
 * skipped on request, `seen[o]` counting what was added. */
function compensatedRun(data: Values, sum: Float64Array, carry: Float64Array, skipNaN: boolean, seen?: Float64Array): Run {
  return (p, o, _r, n, s, os) => {
    for (let k = 0; k < n; k++, p += s, o += os) {
      const v = num(data[p]);
      if (skipNaN && v !== v) continue;
      if (seen) seen[o]++;
      const a = sum[o];
      const t = a + v;
      carry[o] += Math.abs(a) >= Math.abs(v) ? a - t + v : v - t + a;
      sum[o] = t;
    }
  };
}

/** A compensated total: an infinite or NaN running sum is the answer (its
 * carry is NaN then). */
const total = (sum: number, carry: number) => (Number.isFinite(sum) ? sum + carry : sum);

/** Welford's running mean and squared deviations, per output, as the
 * addon's Moments (crates/core/src/ops/moments.rs): the mean in two
 * doubles (`mean + low`), so that a mean of 1e8 does not round every
 * deviation, and M2 with the rounding errors of its adds (`m2Low`). */
function welfordRun(data: Values, seen: Float64Array, mean: Float64Array, low: Float64Array, m2: Float64Array, m2Low: Float64Array, skipNaN: boolean): Run {
  return (p, o, _r, n, s, os) => {
    for (let k = 0; k < n; k++, p += s, o += os) {
      const v = num(data[p]);
      if (skipNaN && v !== v) continue;
      const m = (seen[o] += 1);
      const d = v - mean[o] - low[o];
      const step = d / m;
      // The adds' errors by Fast2Sum, as the addon's (see Moments::push).
      const a = mean[o];
      const t = a + step;
      low[o] += step - (t - a);
      mean[o] = t;
      const q = m2[o];
      const add = d * (d - step);
      const u = q + add;
      m2Low[o] += add - (u - q);
      m2[o] = u;
    }
  };
}

const I128 = 2n ** 127n;

/** An integer product, exact while it fits i128 (as the addon's), in a
 * number while below 2^53; a zero factor wins over any overflow. */
function prodRun(data: Values, small: Float64Array, big: (bigint | undefined)[], zero: Uint8Array, overflow: Uint8Array): Run {
  return (p, o, _r, n, s, os) => {
    for (let k = 0; k < n; k++, p += s, o += os) {
      const v = data[p];
      if (v === 0 || v === 0n) zero[o] = 1;
      if (zero[o] || overflow[o]) continue;
      const b = big[o];
      if (b === undefined && typeof v === 'number') {
        const t = small[o] * v;
        if (Math.abs(t) <= Number.MAX_SAFE_INTEGER) {
          small[o] = t;
          continue;
        }
      }
      const t = (b ?? BigInt(small[o])) * BigInt(v);
      if (t >= I128 || t < -I128) overflow[o] = 1;
      else big[o] = t;
    }
  };
}

function floatProdRun(data: Values, out: Float64Array): Run {
  return (p, o, _r, n, s, os) => {
    for (let k = 0; k < n; k++, p += s, o += os) out[o] *= num(data[p]);
  };
}

/** any (`all` false) or all: is an element non-zero (NaN is). */
function truthRun(data: Values, out: Uint8Array, all: boolean): Run {
  return (p, o, _r, n, s, os) => {
    for (let k = 0; k < n; k++, p += s, o += os) {
      const v = data[p];
      const nonzero = v !== 0 && v !== 0n;
      if (nonzero !== all) out[o] = all ? 0 : 1;
    }
  };
}

function countRun(data: Values, out: Float64Array): Run {
  return (p, o, _r, n, s, os) => {
    for (let k = 0; k < n; k++, p += s, o += os) {
      const v = data[p];
      if (v !== 0 && v !== 0n) out[o]++;
    }
  };
}

/** Exact integers into the 64-bit result type, or the addon's RangeError. */
function exactIntegers(dtype: Dtype, op: string, values: (o: number) => bigint | undefined, count: number): NumericArray {
  const out = new (sumCtorOf(dtype))(count) as unknown as { [i: number]: bigint };
  const target = dtype.kind === 'int' ? 'int64' : 'uint64';
  for (let o = 0; o < count; o++) {
    const v = values(o);
    const fits = v !== undefined && (dtype.kind === 'int' ? BigInt.asIntN(64, v) : BigInt.asUintN(64, v)) === v;
    if (!fits) {
      throw ndError(RangeError, CODES.OVERFLOW, `${op} at output index ${o} does not fit ${target}`);
    }
    out[o] = v as bigint;
  }
  return out as unknown as NumericArray;
}

function minmaxOf(c: Context, go: (run: Run) => void, skip: boolean): NumericArray {
  const out = new c.dtype.ctor(2 * c.count);
  const parts: [NumericArray, boolean][] = [[out.subarray(0, c.count) as NumericArray, false], [out.subarray(c.count) as NumericArray, true]];
  for (const [part, max] of parts) {
    part.fill((skip ? NaN : max ? c.dtype.lowest : c.dtype.highest) as never);
    go(extremum(c.data, part as unknown as Values, max, skip));
  }
  return out;
}

/** Integer sums: exact (`sums(o)`), or rounded once to float64. */
function integerSums(c: Context, go: (run: Run) => void): { at: (o: number) => bigint } {
  const small = new Float64Array(c.count);
  const big = new Array<bigint>(c.count).fill(0n);
  go(sumRun(c.data, small, big));
  return { at: (o) => big[o] + BigInt(small[o]) };
}

/** `base` of the context's data, walked by `go`, in the addon's result form. */
export function reduceWith(base: Base, c: Context, go: (run: Run) => void): NumericArray {
  const { data, dtype, count, skipNaN } = c;
  const float = dtype.kind === 'float';
  switch (base) {
    case 'min':
    case 'max': {
      const out = new dtype.ctor(count).fill((skipNaN ? NaN : base === 'max' ? dtype.lowest : dtype.highest) as never);
      go(extremum(data, out as unknown as Values, base === 'max', skipNaN));
      return out;
    }
    case 'minmax':
      return minmaxOf(c, go, skipNaN);
    case 'ptp': {
      const both = minmaxOf(c, go, false) as unknown as Values;
      const out = new dtype.ctor(count) as unknown as Values;
      // Stored into the input's type: integers wrap as NumPy's ptp does.
      for (let o = 0; o < count; o++) out[o] = dtype.big ? BigInt.asIntN(64, (both[count + o] as bigint) - (both[o] as bigint)) : (both[count + o] as number) - (both[o] as number);
      return out as unknown as NumericArray;
    }
    case 'sum':
    case 'mean': {
      if (float) {
        const sum = new Float64Array(count);
        const carry = new Float64Array(count);
        const seen = base === 'mean' && skipNaN ? new Float64Array(count) : undefined;
        go(compensatedRun(data, sum, carry, skipNaN, seen));
        for (let o = 0; o < count; o++) sum[o] = total(sum[o], carry[o]) / (base === 'sum' ? 1 : seen ? seen[o] : c.counts ? c.counts[o] : c.reduced);
        return sum;
      }
      const sums = integerSums(c, go);
      if (base === 'mean' || c.floatResult) return Float64Array.from({ length: count }, (_, o) => Number(sums.at(o)) / (base === 'mean' ? (c.counts ? c.counts[o] : c.reduced) : 1));
      return exactIntegers(dtype, 'sum', sums.at, count);
    }
    case 'var':
    case 'std': {
      const seen = new Float64Array(count);
      const mean = new Float64Array(count);
      const m2 = new Float64Array(count);
      const m2Low = new Float64Array(count);
      go(welfordRun(data, seen, mean, new Float64Array(count), m2, m2Low, skipNaN));
      for (let o = 0; o < count; o++) {
        const dof = seen[o] - c.ddof;
        const v = dof > 0 ? total(m2[o], m2Low[o]) / dof : NaN;
        m2[o] = base === 'std' ? Math.sqrt(v) : v;
      }
      return m2;
    }
    case 'prod': {
      if (float) {
        const out = new Float64Array(count).fill(1);
        go(floatProdRun(data, out));
        return out;
      }
      const small = new Float64Array(count).fill(1);
      const big = new Array<bigint | undefined>(count);
      const zero = new Uint8Array(count);
      const overflow = new Uint8Array(count);
      go(prodRun(data, small, big, zero, overflow));
      const exact = (o: number) => (zero[o] ? 0n : overflow[o] ? undefined : big[o] ?? BigInt(small[o]));
      if (!c.floatResult) return exactIntegers(dtype, 'prod', exact, count);
      const out = new Float64Array(count);
      for (let o = 0; o < count; o++) out[o] = Number(exact(o) ?? NaN);
      // Past i128 the exact product is gone: those positions in doubles.
      if (overflow.some((f, o) => f && !zero[o])) {
        const doubles = new Float64Array(count).fill(1);
        go(floatProdRun(data, doubles));
        for (let o = 0; o < count; o++) if (overflow[o] && !zero[o]) out[o] = doubles[o];
      }
      return out;
    }
    case 'any':
    case 'all': {
      const out = new Uint8Array(count).fill(base === 'all' ? 1 : 0);
      go(truthRun(data, out, base === 'all'));
      return out;
    }
    case 'countNonzero': {
      const out = new Float64Array(count);
      go(countRun(data, out));
      return out;
    }
    case 'argmin':
    case 'argmax': {
      const best: Values = dtype.big ? new Array<bigint>(count) : new Float64Array(count);
      const where = new Float64Array(count).fill(-1);
      go(argRun(data, best, where, base === 'argmax', skipNaN));
      if (where.includes(-1)) throw ndError(RangeError, CODES.ALL_NAN, `All-NaN slice encountered in ${skipNaN ? 'nan' : ''}${base}`);
      return where;
    }
  }
}
