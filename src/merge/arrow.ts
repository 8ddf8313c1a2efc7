// Column reductions of apache-arrow Tables. Each column is walked chunk by
// chunk (one Arrow `Data` each) without concatenating: a chunk without
// nulls is reduced in place by the N-d engine; a chunk with nulls first has
// its valid values gathered, because the engine has no mask.
import { dtypeOf } from '../spec/dtypes';
import type { Dtype, NumericArray } from '../spec/dtypes';
import { reduce } from '../run/sync';
import { CODES, ndError } from '../spec/errors';
import { REDUCTIONS, spec, takes } from '../spec/ops';
import { Partial } from './partial';
import type { MergeKind, OPS, Reduction } from '../spec/ops';
import type { ColumnResultOf } from '../spec/types';
import { entryOf, readOptions } from '../validate/options';
import { describe } from '../validate/read';

/** The parts of an Arrow `Data` (one chunk) this module reads. */
export interface ArrowDataLike {
  readonly type: { readonly typeId: number; readonly precision?: number };
  readonly length: number;
  readonly offset: number;
  readonly nullCount: number;
  readonly values: unknown;
  readonly nullBitmap?: Uint8Array | null;
}

/** The parts of an Arrow `Table` this module reads (structural, so the
 * library stays a dev dependency). */
export interface ArrowTableLike {
  readonly schema: { readonly fields: readonly { readonly name: string }[] };
  getChild(name: string): { readonly data: readonly ArrowDataLike[] } | null;
}

type Scalar = number | bigint;

const isNaNValue = (x: Scalar) => typeof x === 'number' && x !== x;
/** `x` replaces `best` in a maximum: NaN beats everything and nothing
 * beats NaN (NumPy propagates it); equal values keep the first. */
export const beatsMax = (x: Scalar, best: Scalar) => x > best || (isNaNValue(x) && !isNaNValue(best));
export const beatsMin = (x: Scalar, best: Scalar) => x < best || (isNaNValue(x) && !isNaNValue(best));

/** One column's result; `null` when the column has no valid value and the
 * reduction no identity (min, max, argmin, argmax, minmax). */
export type ColumnResult = Scalar | { min: Scalar; max: Scalar } | null;

export interface ColumnOptions {
  /** Skip NaN in float columns, as `nanmax` does. */
  ignoreNaN?: boolean;
  /** `var`/`std`: the divisor is `n - ddof` (default 0, NumPy's; Polars' is 1). */
  ddof?: number;
}

/** The merges a column's chunks combine by here. */
const COLUMN_MERGES = ['extreme', 'minmax', 'sum', 'arg', 'moments', 'count'] as const;
type ColumnMerge = (typeof COLUMN_MERGES)[number];

/** The reductions `reduceColumns` offers: those whose merge is one of these. */
export type ColumnOp = { [R in Reduction]: (typeof OPS)[R]['merge'] extends ColumnMerge ? R : never }[Reduction];
const COLUMN_REDUCTIONS = REDUCTIONS.filter((r) => (COLUMN_MERGES as readonly MergeKind[]).includes(spec(r).merge)) as ColumnOp[];

const COLUMN_ENTRY = entryOf(['ignoreNaN', 'ddof'], []);
const mergeOf = (op: Reduction) => spec(op).merge as ColumnMerge;

// Arrow's Type enum (format/Schema.fbs): Int = 2, Float = 3; Float
// precision HALF = 0 has Uint16Array values that are not numbers.
const ARROW_INT = 2;
const ARROW_FLOAT = 3;
const ARROW_HALF = 0;

function numericChunk(d: ArrowDataLike): boolean {
  return d.type.typeId === ARROW_INT || (d.type.typeId === ARROW_FLOAT && d.type.precision !== ARROW_HALF);
}

/** A chunk's valid values (NaN dropped too when skipping NaN, so that a
 * chunk of only NaN cannot hide another chunk's answer), and for each its
 * row within the chunk; `rows` is undefined when nothing was dropped. */
function validValues(d: ArrowDataLike, dtype: Dtype, skipNaN: boolean): { values: NumericArray; rows: number[] | undefined; dropped: boolean } {
  const values = (d.values as NumericArray).subarray(0, d.length) as NumericArray;
  const src = values as unknown as ArrayLike<Scalar>;
  const nanSkip = skipNaN && dtype.kind === 'float';
  const bitmap = d.nullCount > 0 && d.nullBitmap && d.nullBitmap.length > 0 ? d.nullBitmap : undefined;
  if (!bitmap && !nanSkip) return { values, rows: undefined, dropped: false };
  const rows: number[] = [];
  let dropped = false;
  for (let i = 0; i < d.length; i++) {
    const bit = d.offset + i;
    if (bitmap && !(bitmap[bit >> 3] & (1 << (bit & 7)))) continue;
    if (nanSkip && Number.isNaN(src[i])) {
      dropped = true;
      continue;
    }
    rows.push(i);
  }
  const out = new dtype.ctor(rows.length) as unknown as { [i: number]: Scalar };
  rows.forEach((r, k) => (out[k] = src[r]));
  return { values: out as unknown as NumericArray, rows, dropped };
}

/** The reduction of one column, chunk by chunk. */
function reduceColumn(chunks: readonly ArrowDataLike[], op: Reduction, ignoreNaN: boolean, ddof: number): ColumnResult | undefined {
  if (chunks.length === 0 || !chunks.every(numericChunk)) return undefined;
  const merge = mergeOf(op);
  if (merge === 'arg') return argOfColumn(chunks, op, ignoreNaN);
  // The valid values of each chunk (NaN dropped too when skipping it) are
  // the next rows of one 1-D array: a Partial of the plain op merges them.
  const p = new Partial(op, takes(op, 'ddof') ? { ddof } : undefined);
  let dtype: Dtype | undefined;
  let sawNaN = false;
  for (const d of chunks) {
    dtype = dtypeOf(d.values);
    if (!dtype) return undefined;
    const { values, dropped } = validValues(d, dtype, ignoreNaN);
    sawNaN ||= dropped;
    if (values.length > 0) p.push(values);
  }
  if (p.length > 0) return p.result() as ColumnResult;
  // No valid value: what each merge gives for nothing.
  if (merge === 'count') return 0;
  if (merge === 'sum') return dtype?.kind === 'float' ? 0 : 0n;
  if (merge === 'moments') return null;
  // Only NaN (and nulls) with NaN skipped: NaN, as nanmax gives.
  if (sawNaN) return merge === 'minmax' ? { min: NaN, max: NaN } : NaN;
  return null;
}

/** argmin/argmax of a column: the row within the whole column, nulls (and
 * NaN when skipped) left out; ties keep the first row. */
function argOfColumn(chunks: readonly ArrowDataLike[], op: Reduction, ignoreNaN: boolean): ColumnResult | undefined {
  let best: { value: Scalar; row: number } | undefined;
  let start = 0;
  for (const d of chunks) {
    const dtype = dtypeOf(d.values);
    if (!dtype) return undefined;
    const { values, rows } = validValues(d, dtype, ignoreNaN);
    if (values.length > 0) {
      const at = reduce(op, { data: values, shape: [values.length] }, { axis: null }, 'reduceColumns') as number;
      const value = (values as unknown as ArrayLike<Scalar>)[at];
      const beats = op === 'argmax' ? beatsMax : beatsMin;
      // Later chunks win only strictly, so ties keep the first row.
      if (!best || beats(value, best.value)) best = { value, row: start + (rows ? rows[at] : at) };
    }
    start += d.length;
  }
  return best ? best.row : null;
}

/**
 * `op` of every numeric (int and float) column of an apache-arrow Table,
 * skipping nulls as Polars does: `{ columnName: result }`. Other columns
 * are left out. The arg reductions give the row within the whole column;
 * the moments (mean, var, std) are numbers (null for a column without a
 * value), and counts are numbers.
 */
export function reduceColumns<R extends ColumnOp>(table: ArrowTableLike, op: R, options?: ColumnOptions): Record<string, ColumnResultOf<R>> {
  if (table === null || typeof table !== 'object' || typeof (table as ArrowTableLike).getChild !== 'function') {
    throw ndError(TypeError, CODES.BAD_ARRAY, `table must be an apache-arrow Table, got ${describe(table)}`);
  }
  if (!COLUMN_REDUCTIONS.includes(op)) {
    throw ndError(TypeError, CODES.BAD_OPTION, `op must be one of ${COLUMN_REDUCTIONS.map((r) => `"${r}"`).join(', ')}, got ${describe(op)}`);
  }
  const o = readOptions(options, op, COLUMN_ENTRY);
  const out: Record<string, ColumnResult> = {};
  for (const field of table.schema.fields) {
    const column = table.getChild(field.name);
    if (!column) continue;
    const result = reduceColumn(column.data, op, o.ignoreNaN, o.ddof);
    if (result !== undefined) out[field.name] = result;
  }
  return out as Record<string, ColumnResultOf<R>>;
}

export const maxColumns = (table: ArrowTableLike, options?: ColumnOptions) => reduceColumns(table, 'max', options);
export const minColumns = (table: ArrowTableLike, options?: ColumnOptions) => reduceColumns(table, 'min', options);
export const sumColumns = (table: ArrowTableLike, options?: ColumnOptions) => reduceColumns(table, 'sum', options);
export const meanColumns = (table: ArrowTableLike, options?: ColumnOptions) => reduceColumns(table, 'mean', options);
