// Partial results that merge (the MapReduce / Dask model): a `Partial`
// takes chunks of an array along its axis 0, which must be one of the
// reduced axes, reduces each with the one engine (src/run/sync.ts) and keeps
// per kept position only what merges exactly or with a known error, by the
// reduction's `merge` in the op table (src/spec/ops.ts):
//   extreme, minmax      the extremes                                exact
//   arg                  extreme + global flat C-order index         exact, ties to the lower index
//   sum (integers)       the exact sum (bigint)                      exact
//   sum (floats)         sum and a Neumaier compensation term        within a few ulps of the total
//   moments              count, mean and M2, merged by Chan's formula (as crates/core's Moments)
//   flag                 one flag
//   count                the count                                   exact
// `toBytes()` / `Partial.fromBytes()` carry a partial between threads,
// processes or machines (the format and its reader: bytes.ts), and `merge`
// combines partials of the same reduction, options and array over rows that
// do not overlap, in any order; anything else is refused (compat.ts). The
// ops and options it takes: partial-spec.ts.
import { finish } from '../run/result';
import { sharedResult } from '../run/shared';
import { compute } from '../run/sync';
import { addon } from '../addon/load';
import { pack } from '../addon/wire';
import type { NumericArray } from '../spec/dtypes';
import { CODES, ndError } from '../spec/errors';
import { lowerWins, parseOpName, spec, takes } from '../spec/ops';
import type { MergeKind, Reduction } from '../spec/ops';
import type { ChunkDataOf, OpResult } from '../spec/types';
import { callOf } from '../validate/call';
import { DEFAULTS, readOptions, readShared, resolveAxes } from '../validate/options';
import type { Options } from '../validate/options';
import { groupingOf } from '../validate/labels';
import { describe } from '../validate/read';
import { readView } from '../validate/view';
import type { View } from '../validate/view';
import { decodePartial, encodePartial } from './bytes';
import type { Field, PartialState } from './bytes';
import { chunkFields, combineFields } from './fields';
import { emptyFields, foldGroup, groupedResult, localLabels, seenOf } from './grouped';
import type { GroupLabels } from './grouped';
import { checkArraysMerge, checkOptionsMerge, axesOf } from './compat';
import type { MergeShape } from './compat';
import { PARTIAL_ENTRY, PARTIAL_OPS, startOf } from './partial-spec';
import type { PartialOp, PartialOptions } from './partial-spec';
import { claimRows } from './spans';
import { valueOf } from './value';
import type { HeldFields } from './value';
import { NativeState } from './state';

const bad = (message: string) => ndError(RangeError, CODES.BAD_OPTION, message);

/** `r` of a checked view along `axes` (a list: typed-array results). */
function reduceView(r: Reduction, view: View, axes: readonly number[], skipNaN: boolean, threads: number, by?: Options['by']): unknown {
  const c = callOf(r, view, { ...DEFAULTS, axis: axes, threads, by, groups: by?.span }, 'Partial.push', skipNaN);
  return finish(c, compute(c));
}

/** For the Zarr grid (src/zarr/blocks.ts), not exported by the package: a
 * Partial over labels checked once for a whole region. The partials of its
 * chunks share them: a copy and a check per chunk would cost the labels'
 * length each time, and merges compare shared labels by identity. */
export let sharedLabelsPartial: (op: PartialOp, options: PartialOptions, grouping: GroupLabels) => Partial;
/** For the same grid: a partial's state as its bytes carry it, without the
 * bytes (a grouped partial's would copy and check its labels each time);
 * read-only, its fields are the partial's own. */
export let partialState: (p: Partial) => PartialState;

/** One reduction's mergeable state over the chunks pushed so far. */
/** `O`: the options as written (a literal type), which fix the result's
 * kind (`axis: 0` gives arrays, none a scalar); unknown axes (a partial
 * from bytes) give either. */
export class Partial<N extends PartialOp = PartialOp, const O = PartialOptions> {
  readonly op: N;
  private reduction: Reduction;
  private skipNaN: boolean;
  private kind: MergeKind;
  private axisAll: boolean;
  private axisOption: Options['axis'];
  private ddof: number;
  private threads: number;
  private start: number;
  /** The row the next push starts at. */
  private cursor: number;
  /** The rows held, as sorted [from, to) ranges that neither overlap nor
   * touch; null where unknown (read from version-1 bytes). */
  private spans: [number, number][] | null = [];
  /** Set by the first chunk (or by `fromBytes`). */
  private dtype: string | undefined;
  private ndim = 0;
  private axes: number[] = [];
  private keptShape: number[] = [];
  private rows = 0;
  private fields: Record<string, Field> = {};
  /** `by`: the labels of the whole axis 0, and rows held per group. */
  private grouping: GroupLabels | undefined;
  private seen: Float64Array = new Float64Array(0);
  /** `grouping` was checked against the whole array by the caller. */
  private labelsChecked = false;

  static {
    sharedLabelsPartial = (op, options, grouping) => {
      const p = new Partial(op, options);
      p.grouping = grouping;
      p.seen = new Float64Array(grouping.groups);
      p.labelsChecked = true;
      return p;
    };
    partialState = (p) => p.snapshot();
  }

  constructor(op: N, options?: O & PartialOptions) {
    const name = parseOpName(op);
    if (!name || !PARTIAL_OPS.includes(op)) throw ndError(TypeError, CODES.BAD_OPTION, `op must be one of ${PARTIAL_OPS.join(', ')}, got ${describe(op)}`);
    const o = readOptions(options, name.reduction, PARTIAL_ENTRY);
    this.op = op;
    this.reduction = name.reduction;
    this.skipNaN = name.skipNaN;
    this.kind = spec(name.reduction).merge;
    this.axisOption = o.axis === undefined ? null : o.axis;
    this.axisAll = this.axisOption === null;
    this.ddof = o.ddof;
    this.threads = o.threads;
    this.start = startOf(o.extra.start);
    this.cursor = this.start;
    if (o.by !== undefined) {
      // The labels and the op checked now (minmax refused, a label past
      // `groups`); the axes and empty groups at the first chunk, as the
      // one-shot call does (`initial` 0 only defers the empty-group check).
      groupingOf(name.reduction, 'Partial', o.by, o.groups, [o.by.labels.length], [0], 0);
      this.grouping = { labels: o.by.labels, groups: o.groups ?? o.by.span };
      this.seen = new Float64Array(this.grouping.groups);
    }
    // Duplicates as written; those through negative axes are found at the
    // first chunk, once ndim is known.
    const listed = Array.isArray(this.axisOption) ? (this.axisOption as number[]) : [];
    const twice = listed.find((a, k) => listed.indexOf(a) !== k);
    if (twice !== undefined) throw bad(`options.axis [${listed.join(', ')}] names axis ${twice} twice`);
  }

  /** Rows (axis-0 length) pushed or merged in so far. */
  get length(): number {
    return this.rows;
  }

  private setup(dtype: string, shape: readonly number[]): void {
    const axes = resolveAxes(this.axisOption, shape.length);
    if (axes[0] !== 0) throw bad(`a Partial takes chunks along axis 0, which must be reduced: options.axis is ${describe(this.axisOption)}`);
    const g = this.grouping;
    if (g && !this.labelsChecked) groupingOf(this.reduction, 'Partial.push', { labels: g.labels, span: g.groups }, g.groups, [g.labels.length, ...shape.slice(1)], axes, undefined);
    this.dtype = dtype;
    this.ndim = shape.length;
    this.axes = axes;
    this.keptShape = shape.filter((_, k) => !axes.includes(k));
  }

  /** Reduces one chunk (the next rows of the whole array along axis 0);
   * the chunk is read once, here. */
  push(chunk: unknown): this {
    const view = readView(chunk);
    const dtype = view.dtype.name === 'uint8c' ? 'uint8' : view.dtype.name;
    if (this.dtype === undefined) this.setup(dtype, view.shape);
    const kept = view.shape.filter((_, k) => !this.axes.includes(k));
    if (dtype !== this.dtype || view.shape.length !== this.ndim || kept.join() !== this.keptShape.join()) {
      throw bad(`Partial.push: a chunk of ${dtype} with shape [${view.shape.join(', ')}] does not continue ${this.dtype} chunks with kept shape [${this.keptShape.join(', ')}]`);
    }
    const n = view.shape[0];
    const from = this.cursor;
    if (this.grouping && from + n > this.grouping.labels.length) {
      throw bad(`Partial.push: rows [${from}, ${from + n}) run past the ${this.grouping.labels.length} labels of options.by (one per row of the whole array)`);
    }
    if (n > 0) this.claim(from, from + n, 'Partial.push');
    this.cursor = from + n;
    // No rows: nothing to fold (a reduction of it alone would be empty,
    // an error for max), but the whole array may well not be. Kept, and
    // folded by `result()` only if no rows come at all.
    if (n === 0) {
      this.empty ??= view;
      return this;
    }
    return this.fold(view, from);
  }

  /** A chunk of no rows, kept until a row arrives. */
  private empty: View | undefined;
  /** `empty` was folded: no rows at all, and that is the answer. */
  private onlyEmpty = false;

  /** Folds a chunk whose first row is row `from` of the whole array. */
  private fold(view: View, from: number): this {
    const n = view.shape[0];
    if (this.grouping) return this.foldGrouped(view, from);
    const kept = this.keptShape.reduce((a, b) => a * b, 1);
    const reduced = this.axes.reduce((a, k) => a * view.shape[k], 1);
    // Moments of any dtype and a float mean: folded into the addon's state.
    if (this.kind === 'moments' && this.foldInto(view, kept, reduced)) {
      this.rows += n;
      return this;
    }
    const run = (r: Reduction) => reduceView(r, view, this.axes, this.skipNaN, this.threads);
    // Axis 0 is the first reduced axis: a flat C-order index over the
    // reduced axes moves by the product of the others per row.
    const shift = from * this.axes.slice(1).reduce((a, k) => a * view.shape[k], 1);
    const next = chunkFields(this.kind, this.reduction, this.lower(), run, shift, kept, [reduced], false)!;
    this.combine(next);
    this.rows += n;
    return this;
  }

  /** A chunk by its labels: one grouped reduction per field over the
   * groups the chunk holds, each group then folded into its own. */
  private foldGrouped(view: View, from: number): this {
    const g = this.grouping!;
    const n = view.shape[0];
    const { by, global, counts } = localLabels(g.labels.subarray(from, from + n));
    const run = (r: Reduction) => (reduceView(r, view, this.axes, this.skipNaN, this.threads, by) as { data: Field }).data;
    const inner = this.keptShape.reduce((a, b) => a * b, 1);
    const next = chunkFields(this.kind, this.reduction, this.lower(), run, from, inner, counts, true);
    // minmax: refused by the constructor, as the one-shot `by` refuses it.
    if (next === undefined) throw bad(`options.by does not apply to ${this.op}`);
    this.foldGroups(next, global, counts);
    this.rows += n;
    return this;
  }

  /** Folds fields laid out [groups.length, inner] into groups `groups`. */
  private foldGroups(b: Record<string, Field>, groups: ArrayLike<number>, counts: ArrayLike<number>): void {
    const inner = this.keptShape.reduce((a, c) => a * c, 1);
    if (Object.keys(this.fields).length === 0) this.fields = emptyFields(b, this.kind, this.reduction === 'all', this.seen.length * inner);
    const rule = { lower: this.lower(), any: this.reduction === 'any', skipNaN: this.skipNaN };
    for (let j = 0; j < groups.length; j++) {
      const g = groups[j];
      if (counts[j] === 0) continue;
      foldGroup(this.kind, rule, this.fields, g, b, j, inner, this.seen[g] === 0);
      this.seen[g] += counts[j];
    }
  }

  /** Adds rows [from, to) to the spans held (spans.ts). */
  private claim(from: number, to: number, where: string, dryRun = false): void {
    if (this.spans !== null) return claimRows(this.spans, from, to, where, dryRun);
    if (this.kind === 'arg') throw bad(`${where}: this partial came from version-1 bytes, which do not say which rows it holds; push into a new Partial with options.start and merge`);
  }

  /** Accumulators the addon folds chunks into (moments of any dtype, or
   * the compensated sums of a float mean), not yet in `fields`. */
  private state: NativeState | undefined;

  /** Folds a chunk into the addon's state: one pass, no per-chunk
   * allocation; false without the addon. */
  private foldInto(view: View, kept: number, reduced: number): boolean {
    const native = addon();
    if (!native) return false;
    const kind = this.reduction === 'mean' && view.dtype.kind === 'float' ? 'sum' : 'moments';
    if (this.state?.kind !== kind) {
      this.settle();
      this.state = new NativeState(kind, kept);
    }
    const layout = pack({ threads: this.threads, shape: view.shape, strides: view.strides, axes: this.axes }, view.offset);
    native.foldState(view.data, layout, kind, this.state.count, this.state.values);
    this.state.count += reduced;
    return true;
  }

  /** Moves the addon's state into `fields` (count, mean and M2 arrays). */
  private settle(): void {
    const st = this.state;
    if (!st) return;
    this.state = undefined;
    this.combine(st.fields());
  }

  private lower(): boolean {
    return lowerWins(this.reduction);
  }

  /** Adds `other`'s chunks (any rows: partials merge in any order). */
  // Any partial's options type: its result type is a conditional one, which
  // TypeScript compares invariantly; the run-time checks are below.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  merge(other: Partial<PartialOp, any>): this {
    if (!(other instanceof Partial) || other.op !== this.op) throw bad(`Partial.merge: needs a Partial of ${this.op}, got ${other instanceof Partial ? `one of ${other.op}` : describe(other)}`);
    if (other === this) throw bad('Partial.merge: a partial cannot merge itself (its rows would count twice)');
    checkOptionsMerge(this.shape(), other.shape());
    this.settle();
    other.settle();
    if (other.dtype === undefined) return this;
    checkArraysMerge(this.shape(), other.shape());
    // Every row checked before any is taken: a refused merge changes nothing.
    if (this.spans !== null && other.spans !== null) for (const [from, to] of other.spans) this.claim(from, to, 'Partial.merge', true);
    if (this.dtype === undefined) {
      this.dtype = other.dtype;
      this.ndim = other.ndim;
      this.axes = [...other.axes];
      this.keptShape = [...other.keptShape];
    }
    if (this.spans !== null && other.spans !== null) for (const [from, to] of other.spans) this.claim(from, to, 'Partial.merge');
    else this.spans = null;
    if (this.grouping && Object.keys(other.fields).length > 0) this.foldGroups(other.fields, Array.from(other.seen.keys()), other.seen);
    else if (Object.keys(other.fields).length > 0) this.combine(other.fields);
    this.rows += other.rows;
    return this;
  }

  /** What `merge` compares (compat.ts). */
  private shape(): MergeShape {
    const { ddof, grouping, axisAll, axisOption, dtype, ndim, axes, keptShape } = this;
    return { ddof, grouping, axisAll, axisOption, dtype, ndim, axes, keptShape };
  }

  /** Folds state `b` into this one, position by position. */
  private combine(b: Record<string, Field>): void {
    combineFields(this.kind, { lower: this.lower(), any: this.reduction === 'any', skipNaN: this.skipNaN }, this.fields, b);
  }

  /** The reduction of every row pushed or merged: what the one-shot
   * function returns for the whole array with the same `axis`. */
  result(options?: { shared?: boolean }): OpResult<N, NumericArray, O> {
    const shared = readShared(options);
    const value = this.value() as OpResult<N, NumericArray, O>;
    return shared ? sharedResult(value) : value;
  }

  private value(): unknown {
    // Only chunks of no rows: their reduction is NumPy's for an empty axis
    // (zeros for a sum, an error for max), folded once.
    if (this.rows === 0 && this.empty) {
      const empty = this.empty;
      this.empty = undefined;
      this.fold(empty, this.cursor);
      this.onlyEmpty = true;
    }
    if (this.state && Object.keys(this.fields).length === 0) return this.state.value(this.reduction, this.ddof, this.threads, this.axisAll);
    this.settle();
    if (this.dtype === undefined || (this.rows === 0 && !this.onlyEmpty)) throw ndError(RangeError, CODES.ZERO_SIZE, `${this.op} of a Partial that holds no rows`);
    const f = this.fields;
    if (this.grouping) {
      const flat = this.kind === 'flag' ? (f.flag as Uint8Array).slice() : valueOf(this.fieldsOf(), false);
      return groupedResult(this.reduction, flat as NumericArray, this.seen, this.keptShape);
    }
    return valueOf(this.fieldsOf(), this.axisAll);
  }

  private fieldsOf(): HeldFields {
    return { kind: this.kind, reduction: this.reduction, dtype: this.dtype!, ddof: this.ddof, fields: this.fields };
  }

  /** The partial as bytes (the format: bytes.ts). */
  toBytes(): Uint8Array {
    return encodePartial(this.snapshot());
  }

  /** What the bytes carry; the fields are this partial's own, not copies. */
  private snapshot(): PartialState {
    this.settle();
    return {
      op: this.op, axis: this.axisOption === undefined ? null : (this.axisOption as PartialState['axis']), ddof: this.ddof,
      start: this.start, cursor: this.cursor, spans: this.spans, dtype: this.dtype ?? null,
      ndim: this.ndim, axes: this.axes, keptShape: this.keptShape, rows: this.rows, fields: this.fields,
      ...(this.grouping ? { grouping: this.grouping } : {}),
    };
  }

  /** A partial from `toBytes()` output (of this or another process, of
   * this version or the one before); every field is checked. */
  static fromBytes(bytes: Uint8Array): Partial {
    const s = decodePartial(bytes);
    // The constructor checks the op and options as it checks a caller's.
    const p = new Partial<PartialOp, PartialOptions>(s.op as PartialOp, {
      axis: s.axis,
      ...(s.ddof !== 0 ? { ddof: s.ddof } : {}),
      start: s.start,
      ...(s.grouping ? { by: s.grouping.labels, groups: s.grouping.groups } : {}),
    });
    p.cursor = s.cursor;
    p.spans = s.spans;
    if (s.dtype === null) return p;
    if (axesOf(p.axisOption, s.ndim)?.join() !== s.axes.join()) throw bad(`Partial.fromBytes: axes ${describe(s.axes)} are not those of axis ${describe(s.axis)} over ${s.ndim} axes`);
    p.dtype = s.dtype;
    p.ndim = s.ndim;
    p.axes = s.axes;
    p.keptShape = s.keptShape;
    p.rows = s.rows;
    p.fields = s.fields;
    if (p.grouping) {
      p.seen = seenOf(p.grouping, s.spans!);
      // Group merges write the low words in place: they must exist.
      if (p.kind === 'moments') p.fields = emptyFields(p.fields, 'moments', false, 0, p.fields);
    }
    return p;
  }
}
