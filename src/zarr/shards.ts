// Shards of one reduction for many workers (or machines): `planShards`
// splits a Zarr array or a .npy file along a reduced axis into plain-JSON
// descriptors (whole chunks, or byte ranges of whole slabs), and
// `reduceShard` turns one into a `Partial`. Partials of all shards merge,
// in any order or tree shape, into the one-machine result; a shard run
// twice gives the same bytes (chunks merge in chunk order).
import { readNpyHeader } from '../io/file';
import { Partial } from '../merge/partial';
import { CODES, ndError } from '../spec/errors';
import { spec } from '../spec/ops';
import type { OpName } from '../spec/ops';
import { entryOf, readOptions, resolveAxes } from '../validate/options';
import { groupingOf } from '../validate/labels';
import { bracket, describe, isArray, list, read } from '../validate/read';
import { partialAxis } from './blocks';
import { gridOf } from './grid';
import type { Grid } from './grid';
import { ctorOf, readSlab, slabChunks, stepBytes } from './npy';
import type { NpyLayout } from './npy';
import { foldGrid } from './pipeline';
import { partialOpOf, readConcurrency, readRegion } from './reduce';
import { DEFAULT_CONCURRENCY, openZarr, readChunk } from './source';
import type { ZarrSource } from './source';

/** One shard: JSON in, JSON out (a job's data). */
export type ShardDescriptor =
  | {
      kind: 'zarr';
      store: string;
      path: string;
      shape: number[];
      chunks: number[];
      dtype: string;
      /** The reduced axes of the whole reduction (sorted, non-negative). */
      axes: number[];
      region: [number, number][];
      /** Chunk indices [from, to) along array axis `split`. */
      split: number;
      range: [number, number];
    }
  | {
      kind: 'npy';
      file: string;
      descr: string;
      fortran: boolean;
      shape: number[];
      dataStart: number;
      axes: number[];
      split: number;
      slab: number;
      /** Slab indices [from, to). */
      range: [number, number];
      /** The file's bytes [start, end) this shard reads. */
      bytes: [number, number];
    };

export interface PlanOptions {
  /** How many shards (at most; fewer when there are fewer chunks). */
  parts?: number;
  /** The reduced axes (default all); the split runs along one of them. */
  axis?: number | readonly number[] | null;
  /** Zarr only: [start, stop) per axis. */
  region?: readonly (readonly [number, number] | null)[] | null;
  /** .npy only: elements along the split axis per slab (default: about 4 MiB a slab). */
  slab?: number;
}

const PLAN_ENTRY = entryOf(['axis'], ['parts', 'region', 'slab']);
const SHARD_ENTRY = entryOf(['ddof', 'ignoreNaN', 'threads', 'signal', 'by', 'groups'], ['concurrency']);
const bad = (message: string, Class: typeof TypeError = RangeError) => ndError(Class, CODES.BAD_OPTION, message);

function count(raw: unknown, field: string, fallback: number): number {
  if (raw === undefined) return fallback;
  if (typeof raw !== 'number' || !Number.isSafeInteger(raw) || raw < 1) throw bad(`${field} must be a positive integer, got ${describe(raw)}`);
  return raw;
}

/** [from, to) ranges that split `n` items into at most `parts` near-equal runs. */
function split(n: number, parts: number): [number, number][] {
  const k = Math.max(1, Math.min(parts, n));
  return Array.from({ length: k }, (_, i) => [Math.floor((i * n) / k), Math.floor(((i + 1) * n) / k)] as [number, number]).filter(([a, b]) => b > a);
}

const isNpy = (s: unknown) => typeof s === 'string' && /\.npy$/i.test(s);

/** Splits a Zarr array (a directory, URL or `{ store, path }`) or a .npy
 * file into at most `parts` shards along one reduced axis. */
export async function planShards(source: ZarrSource | string, options?: PlanOptions): Promise<ShardDescriptor[]> {
  const o = readOptions(options, null, PLAN_ENTRY);
  const parts = count(o.extra.parts, 'options.parts', 1);
  if (isNpy(source)) {
    if (o.extra.region !== undefined) throw bad('options.region applies to Zarr arrays, not to .npy files', TypeError);
    const h = await readNpyHeader(source as string);
    ctorOf(h.descr);
    const axes = resolveAxes(o.axis, h.shape.length);
    const at = h.fortran ? h.shape.length - 1 : 0;
    if (h.shape.length === 0 || !axes.includes(at)) {
      throw bad(`a ${h.fortran ? 'Fortran' : 'C'}-order .npy file splits along axis ${at}, which must be reduced: options.axis is ${describe(o.axis ?? null)}`);
    }
    const layout: NpyLayout = { file: source as string, descr: h.descr, fortran: h.fortran, shape: h.shape, dataStart: h.dataStart, split: at, slab: 1 };
    const step = Math.max(1, stepBytes(layout));
    layout.slab = count(o.extra.slab, 'options.slab', Math.max(1, Math.floor((4 << 20) / step)));
    const slabs = Math.ceil(h.shape[at] / layout.slab);
    return split(slabs, parts).map((range) => ({
      kind: 'npy', file: layout.file, descr: h.descr, fortran: h.fortran, shape: h.shape, dataStart: h.dataStart, axes, split: at, slab: layout.slab, range,
      bytes: [h.dataStart + range[0] * layout.slab * stepBytes(layout), h.dataStart + Math.min(range[1] * layout.slab, h.shape[at]) * stepBytes(layout)],
    }));
  }
  if (o.extra.slab !== undefined) throw bad('options.slab applies to .npy files, not to Zarr arrays', TypeError);
  const opened = await openZarr(source);
  if (!opened.where) throw bad('planShards needs a Zarr source that another process can open (a path, a URL or { store, path }), not an opened array', TypeError);
  const a = opened.array;
  const region = readRegion(o.extra.region, a.shape);
  const axes = resolveAxes(o.axis, a.shape.length);
  if (axes.length === 0) throw bad('planShards: the reduction must reduce an axis');
  // Along the reduced axis with the most chunks in the region.
  const along = (k: number) => (region[k][1] > region[k][0] ? Math.ceil(region[k][1] / a.chunks[k]) - Math.floor(region[k][0] / a.chunks[k]) : 0);
  const at = axes.reduce((best, k) => (along(k) > along(best) ? k : best), axes[0]);
  const first = Math.floor(region[at][0] / a.chunks[at]);
  return split(along(at), parts).map(([x, y]) => ({
    kind: 'zarr', store: opened.where!.store, path: opened.where!.path, shape: [...a.shape], chunks: [...a.chunks], dtype: a.dtype,
    axes, region, split: at, range: [first + x, first + y],
  }));
}

export interface ShardOptions {
  ddof?: number;
  ignoreNaN?: boolean;
  threads?: number;
  signal?: AbortSignal;
  concurrency?: number;
  /** Labels of the plan's region along its one reduced axis (as
   * reduceZarr's `by`); every shard of a plan takes the same. */
  by?: ArrayLike<number> | ArrayLike<bigint>;
  /** How many groups `by` makes (default: the largest label + 1). */
  groups?: number;
}

const badShard = (field: string, want: string, got: unknown, Class: typeof TypeError = TypeError) =>
  ndError(Class, CODES.BAD_OPTION, `reduceShard: shard.${field} must be ${want}, got ${describe(got)}`);

const isCount = (v: unknown, min = 0): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= min;

/** A list of counts of at least `min` (of `length` entries, if given),
 * read through the validator's guarded `list`. */
function counts(v: unknown, field: string, min = 0, length?: number): number[] {
  const want = length === undefined ? `a list of integers of at least ${min}` : `a list of ${length} integers (one per axis) of at least ${min}`;
  if (!isArray(v)) throw badShard(field, want, v);
  const entries = list(v, `shard.${field}`, CODES.BAD_OPTION);
  if ((length !== undefined && entries.length !== length) || !entries.every((x) => isCount(x, min))) throw badShard(field, want, v);
  return entries as number[];
}

function span(v: unknown, field: string, limit: number): [number, number] {
  const want = `[from, to) with 0 <= from <= to <= ${limit}`;
  const pair = isArray(v) ? list(v, `shard.${field}`, CODES.BAD_OPTION) : undefined;
  if (pair?.length !== 2 || !isCount(pair[0]) || !isCount(pair[1])) throw badShard(field, want, v);
  const [a, b] = pair as [number, number];
  if (a > b || b > limit) throw badShard(field, want, v, RangeError);
  return [a, b];
}

/** A shard descriptor as planShards writes it, checked field by field and
 * copied (each field read once, through the validator's guarded reads): a
 * job's data is a trust boundary, and a descriptor with, say, a negative
 * dataStart read the file's header as data. */
function readShard(raw: unknown): ShardDescriptor {
  if (raw === null || typeof raw !== 'object') throw bad(`reduceShard: not a shard descriptor: ${describe(raw)}`, TypeError);
  const field = (key: string) => read(raw, key, 'shard', CODES.BAD_OPTION);
  const text = (key: string) => {
    const v = field(key);
    if (typeof v !== 'string') throw badShard(key, 'a string', v);
    return v;
  };
  const kind = field('kind');
  if (kind !== 'zarr' && kind !== 'npy') throw bad(`reduceShard: not a shard descriptor: ${describe(raw)}`, TypeError);
  const shape = counts(field('shape'), 'shape');
  const nd = shape.length;
  const axes = counts(field('axes'), 'axes');
  if (axes.length === 0 || !axes.every((k, i) => k < nd && (i === 0 || k > axes[i - 1]))) throw badShard('axes', `sorted, distinct axes of the ${nd}-d shape`, axes, RangeError);
  const at = field('split');
  if (!isCount(at) || !axes.includes(at)) throw badShard('split', `one of the reduced axes ${bracket(axes)}`, at, RangeError);
  if (kind === 'npy') {
    const file = text('file');
    const descr = text('descr');
    const fortran = field('fortran');
    if (typeof fortran !== 'boolean') throw badShard('fortran', 'a boolean', fortran);
    const dataStart = field('dataStart');
    if (!isCount(dataStart)) throw badShard('dataStart', 'a byte offset (an integer of at least 0)', dataStart);
    const slab = field('slab');
    if (!isCount(slab, 1)) throw badShard('slab', 'an integer of at least 1', slab);
    if (at !== (fortran ? nd - 1 : 0)) throw badShard('split', `axis ${fortran ? nd - 1 : 0} (the slowest of a ${fortran ? 'Fortran' : 'C'}-order file)`, at, RangeError);
    const range = span(field('range'), 'range', Math.ceil(shape[at] / slab));
    // `bytes` tells a worker what it will read; nothing here reads it.
    return { kind, file, descr, fortran, shape, dataStart, axes, split: at, slab, range, bytes: [0, 0] };
  }
  const store = text('store');
  const path = text('path');
  const dtype = text('dtype');
  const chunks = counts(field('chunks'), 'chunks', 1, nd);
  const region = readRegion(field('region'), shape, 'shard.region');
  const range = span(field('range'), 'range', Math.ceil(shape[at] / chunks[at]));
  return { kind, store, path, shape, chunks, dtype, axes, region, split: at, range };
}

/** The `Partial` of one shard from `planShards`: merge the partials of
 * all shards (any order, any tree) and call `result()`. */
export async function reduceShard(descriptor: ShardDescriptor, op: OpName, options?: ShardOptions): Promise<Partial> {
  const o = readOptions(options, partialOpOf(op, false).reduction, SHARD_ENTRY);
  const { name, reduction } = partialOpOf(op, o.ignoreNaN);
  const concurrency = readConcurrency(o.extra.concurrency);
  const shard = readShard(descriptor);
  let grid: Grid;
  let read: Parameters<typeof foldGrid>[1];
  let inFlight = DEFAULT_CONCURRENCY;
  if (shard.kind === 'npy') {
    ctorOf(shard.descr);
    // The file's own header must still say what the plan read from it.
    const h = await readNpyHeader(shard.file);
    if (h.descr !== shard.descr || h.fortran !== shard.fortran || h.dataStart !== shard.dataStart || h.shape.join() !== shard.shape.join() || h.shape.length !== shard.shape.length) {
      throw ndError(Error, CODES.STORE, `reduceShard: the file ${shard.file} is no longer the one planned (its dtype, order, shape or header length differs from the shard's)`);
    }
    const layout: NpyLayout = { file: shard.file, descr: shard.descr, fortran: shard.fortran, shape: shard.shape, dataStart: shard.dataStart, split: shard.split, slab: shard.slab };
    grid = gridOf(shard.shape, slabChunks(layout), shard.shape.map((n) => [0, n]), shard.axes, { axis: shard.split, range: shard.range });
    read = (task, signal) => readSlab(layout, task.coords[shard.split], signal);
  } else {
    const opened = await openZarr(shard.path ? { store: shard.store, path: shard.path } : shard.store);
    if (opened.array.shape.join() !== shard.shape.join() || opened.array.chunks.join() !== shard.chunks.join() || opened.array.dtype !== shard.dtype) {
      throw ndError(Error, CODES.STORE, `reduceShard: the array at ${shard.store} ${shard.path} is no longer the one planned (shape, chunks or dtype changed)`);
    }
    grid = gridOf(shard.shape, shard.chunks, shard.region, shard.axes, { axis: shard.split, range: shard.range });
    read = (task, signal) => readChunk(opened, task.coords, signal);
    inFlight = opened.concurrency;
  }
  // `by` against the plan's whole region (not the shard's part), so that
  // every shard refuses what the one-machine call would.
  const labels = o.by && groupingOf(reduction, 'reduceShard', o.by, o.groups, grid.region.map(([x, y]) => y - x), shard.axes, undefined);
  if (labels) grid.scalar = false;
  const by = labels && { labels: labels.labels, groups: labels.groups };
  if (grid.count === 0) {
    return new Partial(name, { axis: partialAxis(grid), ...(o.ddof !== 0 ? { ddof: o.ddof } : {}), ...(by ? { by: by.labels, groups: by.groups } : {}) }) as Partial;
  }
  return foldGrid(grid, read, name, { ddof: o.ddof, threads: o.threads, arg: spec(reduction).merge === 'arg', concurrency: concurrency ?? inFlight, signal: o.signal, onProgress: undefined, ...(by ? { labels: by } : {}) });
}
