// A Partial's result from the fields it holds: what the one-shot function
// returns for every row pushed or merged (a float sum plus its
// compensation, an exact integer sum checked against its dtype, a variance
// from M2 and its low word).
import { CODES, ndError } from '../spec/errors';
import type { MergeKind, Reduction } from '../spec/ops';
import type { Field } from './bytes';

export interface HeldFields {
  kind: MergeKind;
  reduction: Reduction;
  dtype: string;
  ddof: number;
  fields: Record<string, Field>;
}

/** The result of `h`; `scalar`: a reduction over every axis, whose
 * value is the first (and only) position's. */
export function valueOf(h: HeldFields, scalar: boolean): unknown {
  const f = h.fields;
  const one = (v: unknown) => (scalar ? (v as ArrayLike<unknown>)[0] : v);
  switch (h.kind) {
    case 'extreme':
    case 'count':
      return one(f.values);
    case 'flag':
      return scalar ? (f.flag as Uint8Array)[0] === 1 : (f.flag as Uint8Array).slice();
    case 'minmax':
      return scalar ? { min: one(f.min), max: one(f.max) } : { min: f.min, max: f.max };
    case 'sum': {
      if (!Array.isArray(f.sum)) return one((f.sum as Float64Array).map((s, k) => s + (f.comp as Float64Array)[k]));
      const signed = h.dtype.startsWith('int');
      const [lo, hi] = signed ? [-(2n ** 63n), 2n ** 63n - 1n] : [0n, 2n ** 64n - 1n];
      const at = f.sum.findIndex((s) => s < lo || s > hi);
      if (at >= 0) throw ndError(RangeError, CODES.OVERFLOW, `sum at output index ${at} does not fit ${signed ? 'int64' : 'uint64'}`);
      return one(signed ? BigInt64Array.from(f.sum) : BigUint64Array.from(f.sum));
    }
    case 'arg':
      return one(f.index);
    default: {
      const [mean, low] = [f.mean as Float64Array, f.meanLow as Float64Array | undefined];
      if (h.reduction === 'mean') return one(low ? mean.map((m, k) => m + low[k]) : mean.slice());
      const [n, m2, m2Low] = [f.n as Float64Array, f.m2 as Float64Array, f.m2Low as Float64Array | undefined];
      const sqrt = h.reduction === 'std';
      return one(m2.map((_, k) => varianceOf(n[k], m2[k], m2Low ? m2Low[k] : 0, h.ddof, sqrt)));
    }
  }
}

/** The variance (or, with `sqrt`, the standard deviation) of `n` values
 * whose squared deviations sum to `m2` plus its low word; NaN where
 * `n - ddof` is not positive. An infinite M2 (an overflow) stays infinite:
 * its low word is NaN. */
export function varianceOf(n: number, m2: number, m2Low: number, ddof: number, sqrt: boolean): number {
  const v = n - ddof > 0 ? (Number.isFinite(m2) ? m2 + m2Low : m2) / (n - ddof) : NaN;
  return sqrt ? Math.sqrt(v) : v;
}
