// reduceZarr: one reduction of a Zarr array (or a region of it), chunk by
// chunk, equal to loading the region and reducing it in memory.
import { Partial } from '../merge/partial';
import { PARTIAL_OPS } from '../merge/partial-spec';
import type { PartialOp } from '../merge/partial-spec';
import { reduce } from '../run/sync';
import { CODES, ndError } from '../spec/errors';
import { parseOpName, spec } from '../spec/ops';
import type { NumericArray } from '../spec/dtypes';
import type { OpName, Reduction } from '../spec/ops';
import type { OpResult } from '../spec/types';
import { entryOf, readOptions, resolveAxes } from '../validate/options';
import type { Options } from '../validate/options';
import { groupingOf } from '../validate/labels';
import { describe } from '../validate/read';
import type { Grid } from './grid';
import { gridOf } from './grid';
import type { Progress } from './pipeline';
import { foldGrid } from './pipeline';
import { openZarr, readChunk } from './source';
import type { Opened, ZarrSource } from './source';

export type { ZarrSource } from './source';
export type { ZarrArrayLike } from './load';
export type { Progress as ZarrProgress } from './pipeline';

export interface ReduceZarrOptions {
  axis?: number | readonly number[] | null;
  keepdims?: boolean;
  ddof?: number;
  dtype?: 'float64' | 'int64';
  ignoreNaN?: boolean;
  /** Threads of the engine for each chunk's reduction (default rayon's). */
  threads?: number;
  signal?: AbortSignal;
  /** [start, stop) per axis (null: all of it), or null for the whole array. */
  region?: readonly (readonly [number, number] | null)[] | null;
  /** Chunks fetched and decoded at once (default: for a directory, the
   * cores that decode plus one; 8 for any other store). */
  concurrency?: number;
  onProgress?: (p: Progress) => void;
  /** Labels of the region's positions along the one reduced axis (as the
   * one-shot `by`): position 0 is the region's first along that axis. */
  by?: ArrayLike<number> | ArrayLike<bigint>;
  /** How many groups `by` makes (default: the largest label + 1). */
  groups?: number;
}

const CTORS: Record<string, new (n: number) => unknown> = {
  int8: Int8Array, int16: Int16Array, int32: Int32Array, int64: BigInt64Array, uint8: Uint8Array, uint16: Uint16Array,
  uint32: Uint32Array, uint64: BigUint64Array, float32: Float32Array, float64: Float64Array,
};

const ZARR_ENTRY = entryOf(['axis', 'keepdims', 'ddof', 'dtype', 'ignoreNaN', 'threads', 'signal', 'by', 'groups'], ['region', 'concurrency', 'onProgress']);

const bad = (message: string, Class: typeof TypeError = RangeError) => ndError(Class, CODES.BAD_OPTION, message);

/** The op a partial computes: `op` with `ignoreNaN` folded into its name. */
export function partialOpOf(op: unknown, ignoreNaN: boolean): { name: PartialOp; reduction: Reduction; skipNaN: boolean } {
  const parsed = parseOpName(op);
  if (!parsed) throw bad(`op must be one of ${PARTIAL_OPS.join(', ')}, got ${describe(op)}`, TypeError);
  const skipNaN = parsed.skipNaN || ignoreNaN;
  const name = (skipNaN ? `nan${parsed.reduction}` : parsed.reduction) as OpName;
  if (!PARTIAL_OPS.includes(name)) throw bad(`${name} has no mergeable partial, so it cannot be reduced chunk by chunk; these can: ${PARTIAL_OPS.join(', ')}`, TypeError);
  return { name, reduction: parsed.reduction, skipNaN };
}

/** `options.concurrency`, or undefined for the source's default (`Opened.concurrency`). */
export function readConcurrency(raw: unknown): number | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'number' || !Number.isSafeInteger(raw) || raw < 1 || raw > 1024) throw bad(`options.concurrency must be an integer from 1 to 1024, got ${describe(raw)}`);
  return raw;
}

function readProgress(raw: unknown): ((p: Progress) => void) | undefined {
  if (raw !== undefined && typeof raw !== 'function') throw bad(`options.onProgress must be a function, got ${describe(raw)}`, TypeError);
  return raw as ((p: Progress) => void) | undefined;
}

/** `region` against the array's shape: [start, stop) per axis (`field`
 * names it in messages: the option, or a shard descriptor's region). */
export function readRegion(raw: unknown, shape: readonly number[], field = 'options.region'): [number, number][] {
  if (raw === undefined || raw === null) return shape.map((n) => [0, n]);
  if (!Array.isArray(raw) || raw.length !== shape.length) throw bad(`${field} must be null or a list of ${shape.length} [start, stop) pairs (null for a whole axis), got ${describe(raw)}`, TypeError);
  return raw.map((r: unknown, k) => {
    if (r === null) return [0, shape[k]];
    const ok = Array.isArray(r) && r.length === 2 && r.every((v) => Number.isSafeInteger(v));
    if (!ok) throw bad(`${field}[${k}] must be [start, stop) or null, got ${describe(r)}`, TypeError);
    const [a, b] = r as [number, number];
    if (a < 0 || b < a || b > shape[k]) throw bad(`${field}[${k}] [${a}, ${b}) is not within axis ${k} of length ${shape[k]}`);
    return [a, b];
  });
}

/** The region's elements copied into one array, for the cases the chunk
 * path does not take (a 0-d array, or no elements at all). */
async function loadRegion(opened: Opened, region: [number, number][]): Promise<{ data: unknown; shape: number[] }> {
  const a = opened.array;
  const shape = region.map(([x, y]) => y - x);
  if (shape.every((n) => n > 0)) {
    const chunk = await readChunk(opened, shape.map(() => 0), new AbortController().signal);
    return { data: chunk.data, shape: [] };
  }
  const Ctor = CTORS[a.dtype];
  return { data: new Ctor(0), shape };
}

/** A grouped result laid out [groups, ...kept] (a grouped partial's) with
 * the groups moved to `axis` of `shape`, where the one-shot call puts them. */
function groupsAt(value: { data: ArrayLike<unknown>; shape: number[] }, axis: number): { data: ArrayLike<unknown>; shape: number[] } {
  const [groups, ...kept] = value.shape;
  const shape = [...kept.slice(0, axis), groups, ...kept.slice(axis)];
  if (axis === 0) return value;
  const outer = kept.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = kept.slice(axis).reduce((a, b) => a * b, 1);
  const from = value.data as unknown as unknown[];
  const data = new (from.constructor as new (n: number) => unknown[])(from.length);
  for (let g = 0; g < groups; g++) {
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) data[(o * groups + g) * inner + i] = from[(g * outer + o) * inner + i];
    }
  }
  return { data: data as unknown as ArrayLike<unknown>, shape };
}

/** The result of a whole partial as the in-memory reduction gives it. */
function finishResult(p: Partial, o: Options, grid: Grid, integer: boolean, reduction: Reduction): unknown {
  let value = p.result() as unknown;
  const floatSum = o.floatResult && integer && spec(reduction).merge === 'sum';
  if (o.by !== undefined) {
    const g = value as { data: ArrayLike<unknown>; shape: number[] };
    const data = floatSum ? Float64Array.from(g.data as BigInt64Array, Number) : g.data;
    return groupsAt({ data, shape: g.shape }, grid.perm[0]);
  }
  if (floatSum) {
    value = typeof value === 'bigint' ? Number(value) : Float64Array.from(value as BigInt64Array, Number);
  }
  if (!o.keepdims) return value;
  const shape = grid.region.map(([a, b], k) => (grid.perm.indexOf(k) < grid.reduced ? 1 : b - a));
  const wrap = (v: unknown) => ({ data: v, shape });
  const pair = value as { min?: unknown; max?: unknown };
  if (value !== null && typeof value === 'object' && 'min' in pair) return { min: wrap(pair.min), max: wrap(pair.max) };
  return wrap(value);
}

/**
 * The reduction `op` of a Zarr array (v2 or v3) read chunk by chunk:
 * chunks are fetched and decoded `concurrency` at a time (zarrita's stores
 * and codecs), each reduced by the engine to a `Partial`, and the partials
 * merged in chunk order. The result is what the in-memory reduction of the
 * loaded array (or `region`) gives; missing chunks read as `fill_value`.
 * `by` labels the region's positions along the one reduced axis.
 *
 * @example
 * await reduceZarr('data.zarr', 'max', { axis: 0 }); // one max per column
 */
export async function reduceZarr<N extends OpName, const O extends ReduceZarrOptions = {}>(source: ZarrSource, op: N, options?: O & ReduceZarrOptions): Promise<OpResult<N, NumericArray, O>>;
export async function reduceZarr(source: ZarrSource, op: OpName, options?: ReduceZarrOptions): Promise<unknown> {
  const preliminary = parseOpName(op);
  const o = readOptions(options, preliminary?.reduction ?? null, ZARR_ENTRY);
  const { name, reduction, skipNaN } = partialOpOf(op, o.ignoreNaN);
  const concurrency = readConcurrency(o.extra.concurrency);
  const onProgress = readProgress(o.extra.onProgress);
  const opened = await openZarr(source);
  const a = opened.array;
  const region = readRegion(o.extra.region, a.shape);
  const axes = resolveAxes(o.axis, a.shape.length);
  const size = region.reduce((n, [x, y]) => n * (y - x), 1);
  // `by` against the region, before any chunk is read: one reduced axis,
  // a label per position along it, no empty group for max and its kin.
  const labels = o.by && groupingOf(reduction, 'reduceZarr', o.by, o.groups, region.map(([x, y]) => y - x), axes, undefined);
  if (a.shape.length === 0 || size === 0) {
    // Nothing to split: the in-memory reduction decides (NumPy's empty rules).
    const x = await loadRegion(opened, region);
    const keep = {
      axis: o.axis, keepdims: o.keepdims, ...(o.ddof !== 0 ? { ddof: o.ddof } : {}), ...(o.floatResult ? { dtype: 'float64' } : {}),
      ...(labels ? { by: labels.labels, groups: labels.groups } : {}),
    };
    return reduce(reduction, x, keep, 'reduceZarr', skipNaN);
  }
  const grid = gridOf(a.shape, a.chunks, region, axes);
  grid.scalar = !labels && axes.length === a.shape.length && !o.keepdims;
  const p = await foldGrid(grid, (task, signal) => readChunk(opened, task.coords, signal), name, {
    ddof: o.ddof,
    threads: o.threads,
    arg: spec(reduction).merge === 'arg',
    concurrency: concurrency ?? opened.concurrency,
    signal: o.signal,
    onProgress,
    ...(labels ? { labels: { labels: labels.labels, groups: labels.groups } } : {}),
  });
  return finishResult(p, o, grid, !a.dtype.startsWith('float'), reduction);
}
