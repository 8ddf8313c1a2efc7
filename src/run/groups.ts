// Reductions by label (`by`): the addon's grouped driver, or on the js
// backend each group's positions gathered into a C-order copy and reduced
// by the same engine as a plain call (the positions of the arg ops mapped
// back to the original axis). Either gives the raw result: the kept shape
// with the reduced axis replaced by the groups, flat in C order.
import { addon } from '../addon/load';
import { pack } from '../addon/wire';
import { jsReduce } from '../backends/js/backend';
import type { NumericArray } from '../spec/dtypes';
import { spec } from '../spec/ops';
import type { Call } from '../validate/call';
import type { Grouping } from '../validate/labels';
import { cStrides } from '../validate/view';

type Values = { [i: number]: number | bigint; length: number };

/** The raw result of a grouped call, on this thread. */
export function computeGrouped(c: Call, g: Grouping): NumericArray {
  const native = c.backend === 'native' ? addon() : undefined;
  const raw = native
    ? (native.reduceGrouped(c.data, pack(c, c.offset), c.op, g.labels, g.groups, c.extras) as NumericArray)
    : jsGrouped(c, g);
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

/** The js backend: a group at a time, gathered and reduced as a plain call. */
function jsGrouped(c: Call, g: Grouping): NumericArray {
  const { shape, strides, axis } = { shape: c.shape, strides: c.strides, axis: g.axis };
  const before = shape.slice(0, axis).reduce((p, n) => p * n, 1);
  const after = shape.slice(axis + 1).reduce((p, n) => p * n, 1);
  const out = new c.resultCtor(g.kept) as unknown as Values;
  const data = c.data as unknown as Values;
  const arg = spec(c.reduction).family === 'arg';
  positionsOf(g).forEach((picked, group) => {
    if (picked.length === 0 && spec(c.reduction).noIdentity !== null) return; // `initial` fills it
    const sub = shape.map((n, k) => (k === axis ? picked.length : n));
    const copy = new c.dtype.ctor(before * picked.length * after) as unknown as Values;
    let w = 0;
    for (let b = 0; b < before; b++) {
      let base = c.offset;
      for (let k = axis - 1, rest = b; k >= 0; k--) {
        base += (rest % shape[k]) * strides[k];
        rest = Math.floor(rest / shape[k]);
      }
      for (const i of picked) {
        const row = base + i * strides[axis];
        for (let a = 0; a < after; a++) {
          let at = row;
          for (let k = shape.length - 1, rest = a; k > axis; k--) {
            at += (rest % shape[k]) * strides[k];
            rest = Math.floor(rest / shape[k]);
          }
          copy[w++] = data[at];
        }
      }
    }
    const layout = pack({ threads: c.threads, shape: sub, strides: cStrides(sub), axes: [axis] }, 0);
    const part = jsReduce(copy as unknown as NumericArray, layout, c.op, 'auto', undefined, c.extras) as unknown as Values;
    for (let b = 0; b < before; b++) {
      for (let a = 0; a < after; a++) {
        const v = part[b * after + a];
        out[(b * g.groups + group) * after + a] = arg ? picked[v as number] : v;
      }
    }
  });
  return out as unknown as NumericArray;
}
