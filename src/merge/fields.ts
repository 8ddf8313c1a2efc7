// The merge arithmetic of a Partial's fields, position by position: one
// function per merge kind of the op table, shared by pushes, merges and
// settled native states (src/merge/partial.ts).
import type { NumericArray } from '../spec/dtypes';
import type { MergeKind } from '../spec/ops';
import type { Field } from './bytes';

/** How extremes compare: the lower wins (min, argmin), NaN is skipped
 * (it then loses), and a flag is an any (else an all). */
export interface MergeRule {
  lower: boolean;
  skipNaN: boolean;
  any: boolean;
}

/** Folds fields `b` into `a` (empty `a`: a copy of `b`). */
export function combineFields(kind: MergeKind, rule: MergeRule, a: Record<string, Field>, b: Record<string, Field>): void {
  if (Object.keys(a).length === 0) {
    for (const [k, v] of Object.entries(b)) a[k] = Array.isArray(v) ? [...v] : (v as NumericArray).slice();
    return;
  }
  const nan = rule.skipNaN;
  const isNaN = (x: unknown) => typeof x === 'number' && x !== x;
  // `x` beats `y`: NaN wins unless NaN is skipped (then it loses).
  const above = (x: number | bigint, y: number | bigint) => (nan ? x > y || (isNaN(y) && !isNaN(x)) : x > y || (isNaN(x) && !isNaN(y)));
  const below = (x: number | bigint, y: number | bigint) => (nan ? x < y || (isNaN(y) && !isNaN(x)) : x < y || (isNaN(x) && !isNaN(y)));
  // The extremes' rule for equal zeros (+0 is the max, -0 the min), as
  // the engines': not for the arg ops, whose ties go to the first index.
  const zero = (x: number | bigint, y: number | bigint) => x === 0 && y === 0 && 1 / y < 0 && 1 / x > 0;
  const most = (x: number | bigint, y: number | bigint) => above(x, y) || zero(x, y);
  const least = (x: number | bigint, y: number | bigint) => below(x, y) || zero(y, x);
  const fold = (name: string, beats: (x: number | bigint, y: number | bigint) => boolean) => {
    const x = a[name] as unknown as (number | bigint)[];
    const y = b[name] as unknown as (number | bigint)[];
    for (let k = 0; k < x.length; k++) if (beats(y[k], x[k])) x[k] = y[k];
  };
  switch (kind) {
    case 'extreme':
      return fold('values', rule.lower ? least : most);
    case 'minmax':
      return (fold('min', least), fold('max', most));
    case 'sum': {
      const s = a.sum;
      if (Array.isArray(s)) {
        const t = b.sum as bigint[];
        for (let k = 0; k < s.length; k++) s[k] += t[k];
        return;
      }
      const [sa, ca, sb, cb] = [s as Float64Array, a.comp as Float64Array, b.sum as Float64Array, b.comp as Float64Array];
      for (let k = 0; k < sa.length; k++) {
        // Neumaier: the rounding error of each add goes to `comp`.
        const t = sa[k] + sb[k];
        ca[k] += (Math.abs(sa[k]) >= Math.abs(sb[k]) ? sa[k] - t + sb[k] : sb[k] - t + sa[k]) + cb[k];
        sa[k] = t;
      }
      return;
    }
    case 'arg': {
      const beats = rule.lower ? below : above;
      const [va, ia, vb, ib] = [a.value as unknown as (number | bigint)[], a.index as Float64Array, b.value as unknown as (number | bigint)[], b.index as Float64Array];
      for (let k = 0; k < ia.length; k++) {
        const win = beats(vb[k], va[k]) || (!beats(va[k], vb[k]) && ib[k] < ia[k]);
        if (win) ((va[k] = vb[k]), (ia[k] = ib[k]));
      }
      return;
    }
    case 'moments':
      return mergeMoments(a, b);
    case 'flag': {
      const [fa, fb] = [a.flag as Uint8Array, b.flag as Uint8Array];
      const any = rule.any;
      for (let k = 0; k < fa.length; k++) fa[k] = any ? fa[k] | fb[k] : fa[k] & fb[k];
      return;
    }
    case 'count': {
      const [ca, cb] = [a.values as Float64Array, b.values as Float64Array];
      for (let k = 0; k < ca.length; k++) ca[k] += cb[k];
      return;
    }
  }
}

/** Folds moments `b` (count, mean, M2, and the low words of mean and M2
 * where kept) into `a`, position by position: crates/core's
 * `Moments::merge` (Chan et al.'s merge with the mean and M2 each carried
 * in two doubles), so that partials merged here lose no more than one
 * engine pass. A state without low words (a version-1 partial, or one
 * folded without the addon) has zeros there. */
function mergeMoments(a: Record<string, Field>, b: Record<string, Field>): void {
  const [na, ma, nb, mb] = [a.n, a.mean, b.n, b.mean] as Float64Array[];
  const len = na.length;
  const zeros = () => new Float64Array(len);
  const [qa, qb] = [a.m2 as Float64Array | undefined, b.m2 as Float64Array | undefined];
  const la = (a.meanLow ??= zeros()) as Float64Array;
  const lb = (b.meanLow ?? zeros()) as Float64Array;
  const ra = qa ? ((a.m2Low ??= zeros()) as Float64Array) : undefined;
  const rb = (b.m2Low ?? zeros()) as Float64Array;
  for (let k = 0; k < len; k++) {
    const n0 = na[k];
    const n1 = nb[k];
    if (n1 === 0) continue;
    if (n0 === 0) {
      ((na[k] = n1), (ma[k] = mb[k]), (la[k] = lb[k]));
      if (qa && ra && qb) ((qa[k] = qb[k]), (ra[k] = rb[k]));
      continue;
    }
    const n = n0 + n1;
    const d = mb[k] - ma[k] + (lb[k] - la[k]);
    // Knuth's TwoSum: s and its exact error e.
    let x = ma[k];
    let y = d * (n1 / n);
    let s = x + y;
    let bb = s - x;
    la[k] += x - (s - bb) + (y - bb);
    ma[k] = s;
    if (qa && ra && qb) {
      x = qa[k];
      y = qb[k];
      s = x + y;
      bb = s - x;
      let e = x - (s - bb) + (y - bb);
      x = s;
      y = d * d * ((n0 * n1) / n);
      s = x + y;
      bb = s - x;
      e += x - (s - bb) + (y - bb);
      qa[k] = s;
      ra[k] += rb[k] + e;
    }
    na[k] = n;
  }
}
