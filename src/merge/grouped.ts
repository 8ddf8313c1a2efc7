// A Partial with `by` (src/merge/partial.ts): G group states side by side,
// its fields laid out as the one-shot `by` result, [G, ...kept] in C order.
// `by` labels the whole array's axis 0, so a chunk of rows [from, to) takes
// labels [from, to). Each chunk is reduced once by the one-shot grouped
// call, its labels renumbered to the groups it holds (no empty group, which
// max would refuse), and each of those groups is then folded into its own
// slice of the state by the merge arithmetic of fields.ts. A group no row
// has reached yet holds nothing: its first rows are copied in, not merged
// (max has no neutral value to start from).
import type { NumericArray } from '../spec/dtypes';
import { CODES, ndError } from '../spec/errors';
import { spec } from '../spec/ops';
import type { MergeKind, Reduction } from '../spec/ops';
import type { RawLabels } from '../validate/labels';
import type { Field } from './bytes';
import { combineFields } from './fields';
import type { MergeRule } from './fields';

/** `by` and `groups` as a Partial keeps them. */
export interface GroupLabels {
  readonly labels: Int32Array;
  readonly groups: number;
}

/** A chunk's labels renumbered 0.. in order of first appearance, the global
 * group of each, and rows per renumbered group. */
export function localLabels(labels: Int32Array): { by: RawLabels; global: number[]; counts: number[] } {
  const local = new Int32Array(labels.length);
  const index = new Map<number, number>();
  const global: number[] = [];
  const counts: number[] = [];
  labels.forEach((l, k) => {
    if (l < 0) return void (local[k] = -1);
    let j = index.get(l);
    if (j === undefined) {
      index.set(l, (j = global.length));
      global.push(l);
      counts.push(0);
    }
    local[k] = j;
    counts[j]++;
  });
  return { by: { labels: local, span: global.length }, global, counts };
}

/** Fresh state for `groups` groups of `inner` positions, of the types of a
 * chunk's fields; zero is every merge's empty state but an AND flag's (one), and
 * moments keep their low words so that merges can write them. */
export function emptyFields(like: Record<string, Field>, kind: MergeKind, all: boolean, size: number, out: Record<string, Field> = {}): Record<string, Field> {
  for (const [name, f] of Object.entries(like)) {
    out[name] ??= Array.isArray(f) ? new Array<bigint>(size).fill(0n) : new (f.constructor as new (n: number) => NumericArray)(size);
  }
  if (kind === 'flag' && all) (out.flag as Uint8Array).fill(1);
  if (kind === 'moments') {
    const n = (out.n as Float64Array).length;
    out.meanLow ??= new Float64Array(n);
    if (out.m2) out.m2Low ??= new Float64Array(n);
  }
  return out;
}

/** Folds group `j` of fields `b` into group `g` of the state `a` (both laid
 * out [groups, inner]); `fresh`: group `g` holds no rows yet. */
export function foldGroup(kind: MergeKind, rule: MergeRule, a: Record<string, Field>, g: number, b: Record<string, Field>, j: number, inner: number, fresh: boolean): void {
  const from = g * inner;
  const slice = (f: Field, k: number): Field => (Array.isArray(f) ? f.slice(k * inner, (k + 1) * inner) : (f as Float64Array).subarray(k * inner, (k + 1) * inner));
  if (fresh) {
    for (const [name, f] of Object.entries(b)) {
      const part = slice(f, j);
      if (Array.isArray(part)) part.forEach((v, k) => ((a[name] as bigint[])[from + k] = v));
      else (a[name] as Float64Array).set(part as Float64Array, from);
    }
    return;
  }
  const mine: Record<string, Field> = {};
  const theirs: Record<string, Field> = {};
  for (const [name, f] of Object.entries(a)) mine[name] = slice(f, g);
  for (const [name, f] of Object.entries(b)) theirs[name] = slice(f, j);
  combineFields(kind, rule, mine, theirs);
  // bigint lists are copies, not views: written back.
  for (const [name, f] of Object.entries(mine)) if (Array.isArray(f)) f.forEach((v, k) => ((a[name] as bigint[])[from + k] = v));
}

/** A grouped partial's result from its flat values: `{ data, shape }` as the
 * one-shot call, an empty group by the op's empty rule (a mean is NaN;
 * sums, counts, flags and variances already hold theirs). */
export function groupedResult(reduction: Reduction, data: NumericArray, seen: Float64Array, keptShape: readonly number[]): { data: NumericArray; shape: number[] } {
  const groups = seen.length;
  const inner = keptShape.reduce((p, n) => p * n, 1);
  const empty = seen.indexOf(0);
  if (empty >= 0 && inner > 0) {
    const numpyName = spec(reduction).noIdentity;
    if (numpyName !== null) {
      throw ndError(RangeError, CODES.ZERO_SIZE, `group ${empty} (result index ${empty} along axis 0) is empty: zero-size array to reduction operation ${numpyName} which has no identity`);
    }
    if (reduction === 'mean') for (let g = 0; g < groups; g++) if (seen[g] === 0) (data as Float64Array).fill(NaN, g * inner, (g + 1) * inner);
  }
  return { data, shape: [groups, ...keptShape] };
}

/** Rows per group over the rows `spans` holds. */
export function seenOf(g: GroupLabels, spans: readonly [number, number][]): Float64Array {
  const seen = new Float64Array(g.groups);
  for (const [from, to] of spans) for (let k = from; k < to; k++) if (g.labels[k] >= 0) seen[g.labels[k]]++;
  return seen;
}
