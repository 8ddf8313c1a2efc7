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
      const n = f.n as Float64Array;
      const m2Low = f.m2Low as Float64Array | undefined;
      // An infinite M2 (an overflow) stays infinite; its low word is NaN.
      const m2 = (k: number) => (m2Low && Number.isFinite(f.m2[k]) ? (f.m2[k] as number) + m2Low[k] : (f.m2[k] as number));
      const v = (f.m2 as Float64Array).map((_, k) => (n[k] - h.ddof > 0 ? m2(k) / (n[k] - h.ddof) : NaN));
      return one(h.reduction === 'std' ? v.map(Math.sqrt) : v);
    }
  }
}
