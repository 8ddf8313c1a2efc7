// Reductions by label (`by`): the addon's grouped driver, or on the js
// backend each group's positions gathered into a C-order copy and reduced
// by the same engine as a plain call (the positions of the arg ops mapped
// back to the original axis). With `where`, the addon reads the mask in
// its grouped walk; the js backend gathers the mask's flags beside each
// group's copy and reduces the two as a plain masked call. Either gives
// the raw result: the kept shape with the reduced axis replaced by the
// groups, flat in C order.
import { addon } from '../addon/load';
import { pack } from '../addon/wire';
import { jsReduce } from '../backends/js/backend';
import { emptyGroupError, ndReduceMasked } from '../backends/js/masked';
import type { NumericArray } from '../spec/dtypes';
import { spec } from '../spec/ops';
import type { Call } from '../validate/call';
import type { Grouping } from '../validate/labels';
import { packMask } from '../validate/mask';
import { cStrides } from '../validate/view';

type Values = { [i: number]: number | bigint; length: number };

/** The raw result of a grouped call, on this thread. */
export function computeGrouped(c: Call, g: Grouping): NumericArray {
  const native = c.backend === 'native' ? addon() : undefined;
  const m = c.mask;
  let raw: NumericArray;
  if (!native) raw = jsGrouped(c, g);
  else if (m) {
    // A position of a group that keeps nothing takes `initial` (folded in by finish) when there is one.
    const emptyOk = c.initial !== undefined;
    raw = native.reduceGroupedMasked(c.data, pack(c, c.offset), c.op, g.labels, g.groups, c.extras, m.data, packMask(m), emptyOk) as NumericArray;
  } else raw = native.reduceGrouped(c.data, pack(c, c.offset), c.op, g.labels, g.groups, c.extras) as NumericArray;
  return withInitial(c, g, raw);
}

/** min/max with `initial`: an empty group is `initial` (as an empty axis). */
export function withInitial(c: Call, g: Grouping, raw: NumericArray): NumericArray {
  if (c.initial === undefined || !g.counts.includes(0)) return raw;
  const inner = g.shape.slice(g.axis + 1).reduce((p, n) => p * n, 1);
  const values = raw as unknown as Values;
  for (let k = 0; k < values.length; k++) if (g.counts[Math.floor(k / inner) % g.groups] === 0) values[k] = c.initial;
  return raw;
}

/** Each group's positions along the axis, in order. */
function positionsOf(g: Grouping): number[][] {
  const at: number[][] = Array.from({ length: g.groups }, () => []);
  g.labels.forEach((l, i) => {
    if (l >= 0) at[l].push(i);
  });
  return at;
}

/** Calls `visit(w, at, mat)` for each element of the group at `picked`
 * along the axis, in the C order of its gathered copy (`w` counts them):
 * `at` is its index in x's data, `mat` in the mask's (0 without one). */
function eachOf(c: Call, axis: number, picked: readonly number[], visit: (w: number, at: number, mat: number) => void): void {
  const { shape, strides } = c;
  const ms = c.mask?.strides ?? shape.map(() => 0);
  const before = shape.slice(0, axis).reduce((p, n) => p * n, 1);
  const after = shape.slice(axis + 1).reduce((p, n) => p * n, 1);
  let w = 0;
  for (let b = 0; b < before; b++) {
    let base = c.offset;
    let mbase = c.mask?.offset ?? 0;
    for (let k = axis - 1, rest = b; k >= 0; k--) {
      base += (rest % shape[k]) * strides[k];
      mbase += (rest % shape[k]) * ms[k];
      rest = Math.floor(rest / shape[k]);
    }
    for (const i of picked) {
      const row = base + i * strides[axis];
      const mrow = mbase + i * ms[axis];
      for (let a = 0; a < after; a++) {
        let at = row;
        let mat = mrow;
        for (let k = shape.length - 1, rest = a; k > axis; k--) {
          at += (rest % shape[k]) * strides[k];
          mat += (rest % shape[k]) * ms[k];
          rest = Math.floor(rest / shape[k]);
        }
        visit(w++, at, mat);
      }
    }
  }
}

const kept = (v: number | bigint) => v !== 0 && v !== 0n;

/** With a mask and no `initial`, an op without identity: the first result
 * position (in result order, as the addon's) whose group keeps nothing. */
function checkEmpty(c: Call, g: Grouping, groups: readonly number[][]): void {
  const mask = c.mask;
  if (!mask || c.initial !== undefined || spec(c.reduction).noIdentity === null) return;
  const after = c.shape.slice(g.axis + 1).reduce((p, n) => p * n, 1);
  const counts = new Float64Array(g.kept);
  const m = mask.data as unknown as Values;
  groups.forEach((picked, group) => {
    const span = picked.length * after;
    eachOf(c, g.axis, picked, (w, _at, mat) => {
      if (kept(m[mat])) counts[(Math.floor(w / span) * g.groups + group) * after + (w % after)]++;
    });
  });
  const index = counts.indexOf(0);
  if (index >= 0) throw emptyGroupError(c.op, Math.floor(index / after) % g.groups, index);
}

/** The js backend: a group at a time, gathered and reduced as a plain call. */
function jsGrouped(c: Call, g: Grouping): NumericArray {
  const { shape, axis } = { shape: c.shape, axis: g.axis };
  const before = shape.slice(0, axis).reduce((p, n) => p * n, 1);
  const after = shape.slice(axis + 1).reduce((p, n) => p * n, 1);
  const out = new c.resultCtor(g.kept) as unknown as Values;
  const data = c.data as unknown as Values;
  const m = c.mask?.data as unknown as Values | undefined;
  const arg = spec(c.reduction).family === 'arg';
  const groups = positionsOf(g);
  checkEmpty(c, g, groups);
  groups.forEach((picked, group) => {
    if (picked.length === 0 && spec(c.reduction).noIdentity !== null) return; // `initial` fills it
    const sub = shape.map((n, k) => (k === axis ? picked.length : n));
    const copy = new c.dtype.ctor(before * picked.length * after) as unknown as Values;
    const flags = m && picked.length > 0 ? new Uint8Array(copy.length) : undefined;
    eachOf(c, axis, picked, (w, at, mat) => {
      copy[w] = data[at];
      if (flags) flags[w] = kept((m as Values)[mat]) ? 1 : 0;
    });
    const layout = pack({ threads: c.threads, shape: sub, strides: cStrides(sub), axes: [axis] }, 0);
    const values = copy as unknown as NumericArray;
    // An empty position is an error checked above, or takes `initial` (finish folds it in).
    const part = (flags
      ? ndReduceMasked(values, layout, c.op, c.extras, flags, packMask(c.mask as NonNullable<Call['mask']>, 0, cStrides(sub)), true)
      : jsReduce(values, layout, c.op, 'auto', undefined, c.extras)) as unknown as Values;
    for (let b = 0; b < before; b++) {
      for (let a = 0; a < after; a++) {
        const v = part[b * after + a];
        out[(b * g.groups + group) * after + a] = arg ? picked[v as number] : v;
      }
    }
  });
  return out as unknown as NumericArray;
}
