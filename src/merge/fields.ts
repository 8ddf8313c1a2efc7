// The merge arithmetic of a Partial's fields, position by position: one
// function per merge kind of the op table, shared by pushes, merges and
// settled native states (src/merge/partial.ts).
import type { NumericArray } from '../spec/dtypes';
import type { MergeKind, Reduction } from '../spec/ops';
import type { Field } from './bytes';

/** How extremes compare: the lower wins (the table's `lower`), NaN is skipped
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

/** A chunk's fields for a merge of `kind`, laid out [counts.length, inner]
 * (groups of a chunk by label, or one: the plain partial's), from `run`,
 * the chunk's one-shot reduction by op; `shift` moves its arg indices to
 * the whole array's. `undefined` for minmax by label, which `by` refuses. */
export function chunkFields(kind: MergeKind, reduction: Reduction, lower: boolean, run: (r: Reduction) => unknown, shift: number, inner: number, counts: readonly number[], grouped: boolean): Record<string, Field> | undefined {
  const next: Record<string, Field> = {};
  switch (kind) {
    case 'extreme':
    case 'count':
      next.values = run(reduction) as Field;
      break;
    case 'flag':
      next.flag = run(reduction) as Field;
      break;
    case 'minmax':
      if (grouped) return undefined;
      ({ min: next.min, max: next.max } = run(reduction) as { min: Field; max: Field });
      break;
    case 'sum': {
      const s = run(reduction);
      if (s instanceof Float64Array) ((next.sum = s), (next.comp = new Float64Array(s.length)));
      else next.sum = Array.from(s as BigInt64Array);
      break;
    }
    case 'arg':
      next.value = run(lower ? 'min' : 'max') as Field;
      next.index = (run(reduction) as Float64Array).map((i) => i + shift);
      break;
    case 'moments': {
      const count = new Float64Array(counts.length * inner);
      counts.forEach((c, j) => count.fill(c, j * inner, (j + 1) * inner));
      ((next.n = count), (next.mean = run('mean') as Field));
      if (reduction !== 'mean') {
        const m2 = run('var') as Float64Array;
        for (let k = 0; k < m2.length; k++) m2[k] *= count[k];
        next.m2 = m2;
      }
      break;
    }
  }
  return next;
}
