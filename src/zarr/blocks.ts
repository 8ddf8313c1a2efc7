// Partials of chunks, and of groups of chunks, made into one: each chunk's
// partial is placed at its rows (and, for the arg ops, its indices made
// global over the region's reduced axes), the partials of one group are
// merged in chunk order, and the groups' blocks are laid side by side into
// one partial over the whole kept shape. With `by` (one reduced axis) the
// partials' rows are the region's positions along that axis, which the
// labels index, and the fields of each block lead with the groups.
import { decodePartial, encodePartial } from '../merge/bytes';
import type { Field, PartialState } from '../merge/bytes';
import type { GroupLabels } from '../merge/grouped';
import { Partial, partialState, sharedLabelsPartial } from '../merge/partial';
import type { PartialOp } from '../merge/partial-spec';
import type { ChunkTask, Grid } from './grid';

/** The axis option of every partial of a grid: reduced axes come first. */
export function partialAxis(grid: Grid): null | number[] {
  return grid.scalar ? null : [...Array(grid.reduced).keys()];
}

/** The partial of one chunk's view (axes permuted, reduced first). */
export function chunkPartial(op: PartialOp, grid: Grid, task: ChunkTask, view: object, ddof: number, threads: number, arg: boolean, labels?: GroupLabels): Partial {
  const axis = partialAxis(grid);
  const base = { axis, ...(ddof !== 0 ? { ddof } : {}), ...(threads !== 0 ? { threads } : {}) };
  // By label: the chunk's first row is its first position in the region, so
  // that it takes those labels; the arg ops' indices come out region-wide.
  if (labels) return sharedLabelsPartial(op, { ...base, start: task.at[grid.perm[0]] }, labels).push(view);
  if (!arg) return new Partial(op, { ...base, start: task.row }).push(view) as Partial;
  // The engine's index is flat over the chunk's own reduced extents: made
  // flat over the region's instead, and the rows moved to the chunk's.
  const s = decodePartial(new Partial(op, base).push(view).toBytes());
  const r = grid.reduced;
  const ext = grid.perm.slice(0, r).map((k) => task.to[k] - task.from[k]);
  const len = grid.perm.slice(0, r).map((k) => grid.region[k][1] - grid.region[k][0]);
  const at = grid.perm.slice(0, r).map((k) => task.at[k]);
  const index = s.fields.index as Float64Array;
  for (let i = 0; i < index.length; i++) {
    let local = index[i];
    let global = 0;
    let scale = 1;
    for (let d = r - 1; d >= 0; d--) {
      const c = local % ext[d];
      local = Math.floor(local / ext[d]);
      global += (c + at[d]) * scale;
      scale *= len[d];
    }
    index[i] = global;
  }
  const n = ext[0];
  return Partial.fromBytes(encodePartial({ ...s, start: task.row, cursor: task.row + n, spans: [[task.row, task.row + n]] }));
}

/** Lays the groups' partials (each over its block of the kept shape) into
 * one partial over the whole kept shape; a grouped partial's fields are
 * [groups, ...block], laid into [groups, ...kept]. The blocks' states are
 * read in place, not through bytes (which would copy a grouped one's labels). */
export function assemble(grid: Grid, groups: Partial[], firstTasks: ChunkTask[]): Partial {
  if (groups.length === 1 && grid.groups === 1) return groups[0];
  const r = grid.reduced;
  const keptAxes = grid.perm.slice(r);
  const keptShape = keptAxes.map((k) => grid.region[k][1] - grid.region[k][0]);
  const size = keptShape.reduce((a, b) => a * b, 1);
  let s0: PartialState | undefined;
  let lead = 1;
  const fields: Record<string, Field> = {};
  groups.forEach((p, g) => {
    const s = partialState(p);
    if (s0 === undefined) {
      s0 = s;
      lead = s.grouping ? s.grouping.groups : 1;
      for (const [name, v] of Object.entries(s.fields)) {
        fields[name] = Array.isArray(v) ? new Array<bigint>(lead * size).fill(0n) : new (v.constructor as new (n: number) => Exclude<Field, bigint[]>)(lead * size);
      }
    }
    const task = firstTasks[g];
    const ext = keptAxes.map((k) => task.to[k] - task.from[k]);
    const at = keptAxes.map((k) => task.at[k]);
    const count = ext.reduce((a, b) => a * b, 1);
    for (let i = 0; i < count; i++) {
      // Block position i (C order over ext) → whole kept position.
      let rest = i;
      let dest = 0;
      let scale = 1;
      for (let d = ext.length - 1; d >= 0; d--) {
        const c = rest % ext[d];
        rest = Math.floor(rest / ext[d]);
        dest += (c + at[d]) * scale;
        scale *= keptShape[d];
      }
      for (const name of Object.keys(fields)) {
        const to = fields[name] as unknown as unknown[];
        const from = s.fields[name] as unknown as unknown[];
        for (let j = 0; j < lead; j++) to[j * size + dest] = from[j * count + i];
      }
    }
  });
  return Partial.fromBytes(encodePartial({ ...s0!, keptShape, fields }));
}
