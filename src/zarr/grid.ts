// The chunk grid of a region of an array, in the order partials merge:
// chunks are grouped by their place along the kept axes (a group reduces
// to one block of the result), and inside a group ordered in C order over
// the reduced axes. Each chunk gets the rows it stands for along the first
// reduced axis, unique over the whole grid, so that partials of different
// chunks (or shards) merge without a row counted twice.
import { CODES, ndError } from '../spec/errors';

/** A decoded chunk as zarrita gives it: C or F order, by `stride`. */
export interface ChunkData {
  data: ArrayLike<unknown> & { length: number; byteLength?: number };
  shape: readonly number[];
  stride: readonly number[];
  /** Hands the chunk's memory back for reuse, once nothing reads it. */
  release?: () => void;
}

export interface ChunkTask {
  /** The chunk's coordinates in the array's chunk grid. */
  coords: number[];
  /** The chunk's part inside the region, per axis, relative to the chunk. */
  from: number[];
  to: number[];
  /** Where that part starts, per axis, relative to the region. */
  at: number[];
  /** The group (kept-axes block) this chunk folds into. */
  group: number;
  /** The chunk's first virtual row (see `rowsOf`). */
  row: number;
}

export interface Grid {
  shape: number[];
  chunks: number[];
  /** [start, stop) per axis. */
  region: [number, number][];
  /** Reduced axes first (in order), then the kept ones. */
  perm: number[];
  reduced: number;
  /** Every axis reduced to a scalar (partials over `axis: null`). */
  scalar: boolean;
  /** How many chunks, and chunk `i` in merge order: made when asked for,
   * since a store's metadata can name more chunks than memory holds
   * tasks for (an array of 1e15 one-element chunks ended the process). */
  count: number;
  task(i: number): ChunkTask;
  groups: number;
}

const ceilDiv = (a: number, b: number) => Math.ceil(a / b);

/** Chunk indices along `axis` that meet [start, stop). */
function chunkRange(start: number, stop: number, size: number): [number, number] {
  return stop <= start ? [0, 0] : [Math.floor(start / size), ceilDiv(stop, size)];
}

/** A shard's part of a grid: chunk indices [from, to) along one reduced axis. */
export interface Only {
  axis: number;
  range: [number, number];
}

/** Every chunk of `region`, grouped by kept-axes block, C order inside.
 * `only` limits one reduced axis to some chunk indices (a shard). */
export function gridOf(shape: readonly number[], chunks: readonly number[], region: [number, number][], axes: readonly number[], only?: Only): Grid {
  const nd = shape.length;
  const kept = [...Array(nd).keys()].filter((k) => !axes.includes(k));
  const perm = [...axes, ...kept];
  const ranges = region.map(([a, b], k) => chunkRange(a, b, chunks[k]));
  // Rows are numbered from the full grid below, so shards never share one.
  const full = ranges.map((r) => [...r] as [number, number]);
  if (only) {
    const r = ranges[only.axis];
    ranges[only.axis] = [Math.max(r[0], only.range[0]), Math.max(Math.max(r[0], only.range[0]), Math.min(r[1], only.range[1]))];
  }
  const count = (list: readonly number[]) => list.reduce((n, k) => n * Math.max(0, ranges[k][1] - ranges[k][0]), 1);
  const groups = count(kept);
  const inGroup = count(axes);
  const base = { shape: [...shape], chunks: [...chunks], region, perm, reduced: axes.length, scalar: axes.length === nd };
  const none = (): ChunkTask => {
    throw new RangeError('no such chunk');
  };
  if (groups === 0 || inGroup === 0) return { ...base, count: 0, task: none, groups: 0 };
  const total = groups * inGroup;
  if (!Number.isSafeInteger(total)) throw ndError(RangeError, CODES.BAD_ARRAY, `the region spans ${total} chunks, more than can be counted exactly (${Number.MAX_SAFE_INTEGER})`);
  // Rows along the first reduced axis: a chunk's ordinal over the whole
  // reduced grid (not only this shard's) times the chunk extent, so that
  // every shard of a plan holds rows no other does.
  const first = axes.length > 0 ? axes[0] : -1;
  const width = first >= 0 ? chunks[first] : 1;
  const task = (i: number): ChunkTask => {
    const coords = new Array<number>(nd);
    const g = Math.floor(i / inGroup);
    let rest = g;
    for (let q = kept.length - 1; q >= 0; q--) {
      const k = kept[q];
      const n = ranges[k][1] - ranges[k][0];
      coords[k] = ranges[k][0] + (rest % n);
      rest = Math.floor(rest / n);
    }
    let r = i % inGroup;
    for (let q = axes.length - 1; q >= 0; q--) {
      const k = axes[q];
      const n = ranges[k][1] - ranges[k][0];
      coords[k] = ranges[k][0] + (r % n);
      r = Math.floor(r / n);
    }
    // The chunk's ordinal over the full reduced grid of the region.
    let ordinal = 0;
    for (const k of axes) ordinal = ordinal * (full[k][1] - full[k][0]) + (coords[k] - full[k][0]);
    const from: number[] = [];
    const to: number[] = [];
    const at: number[] = [];
    for (let k = 0; k < nd; k++) {
      const c0 = coords[k] * chunks[k];
      const lo = Math.max(region[k][0], c0);
      const hi = Math.min(region[k][1], c0 + chunks[k]);
      from.push(lo - c0);
      to.push(hi - c0);
      at.push(lo - region[k][0]);
    }
    return { coords, from, to, at, group: g, row: ordinal * width };
  };
  return { ...base, count: total, task, groups };
}

/** The chunk's part inside the region as a view with the axes permuted
 * (reduced first): no copy. */
export function viewOf(chunk: ChunkData, task: ChunkTask, perm: readonly number[]): { data: ChunkData['data']; shape: number[]; strides: number[]; offset: number } {
  let offset = 0;
  for (let k = 0; k < task.from.length; k++) offset += task.from[k] * chunk.stride[k];
  return {
    data: chunk.data,
    shape: perm.map((k) => task.to[k] - task.from[k]),
    strides: perm.map((k) => chunk.stride[k]),
    offset,
  };
}
