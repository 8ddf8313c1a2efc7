// Column reductions of apache-arrow Tables. Each column is walked chunk by
// chunk (one Arrow `Data` each) without concatenating: a chunk without
// nulls is reduced in place by the N-d engine; a chunk with nulls first has
// its valid values gathered, because the engine has no mask. Tables are
// read once, here, through guarded reads: every chunk's length, offset,
// null count and bitmap are checked against its buffers before a value is
// read, so a table that lies is an error, never phantom values.
import { bufferOf, byteOffsetOf, dtypeOf, lengthOf, typedArrayTag } from '../spec/dtypes';
import type { Dtype, NumericArray } from '../spec/dtypes';
import { reduce } from '../run/sync';
import { CODES, ndError } from '../spec/errors';
import { lowerWins, REDUCTIONS, spec, takes } from '../spec/ops';
import { Partial } from './partial';
import type { MergeKind, OPS, Reduction } from '../spec/ops';
import type { ColumnResultOf } from '../spec/types';
import { entryOf, readOptions } from '../validate/options';
import { describe, integer, list, read } from '../validate/read';

/** The parts of an Arrow `Data` (one chunk) this module reads. */
interface ArrowDataLike {
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
 * reduction no identity (the extremes and the arg reductions). */
export type ColumnResult = Scalar | { min: Scalar; max: Scalar } | null;

interface ColumnOptions {
  /** Skip NaN in float columns, as the `nan` twins do. */
  ignoreNaN?: boolean;
  /** The moments' divisor is `n - ddof` (default 0, NumPy's; Polars' is 1). */
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

/** A chunk as read and checked: its own views of the values (the
 * `length` valid slots) and of the null bitmap (undefined without nulls). */
interface Chunk {
  readonly dtype: Dtype;
  readonly values: NumericArray;
  readonly length: number;
  readonly offset: number;
  readonly bitmap: Uint8Array | undefined;
}

/** Columns of a table, and chunks of a column, read at most: a bound on
 * what a hostile `length` can make this loop over. */
const MAX_ENTRIES = 1 << 20;

const badTable = (Class: typeof TypeError, message: string) => ndError(Class, CODES.BAD_ARRAY, message);

/** Bits set in bytes of `bitmap` for rows [offset, offset + length). */
function validCount(bitmap: Uint8Array, offset: number, length: number): number {
  let n = 0;
  for (let i = offset; i < offset + length; i++) n += (bitmap[i >> 3] >> (i & 7)) & 1;
  return n;
}

/** Chunk `k` of column `name`: undefined when it is not numeric (the column
 * is then left out), an error when it is numeric and its parts disagree. */
function readChunk(raw: unknown, name: string, k: number): Chunk | undefined {
  const where = `column ${JSON.stringify(name)} chunk ${k}`;
  if (raw === null || typeof raw !== 'object') throw badTable(TypeError, `${where} must be an Arrow Data, got ${describe(raw)}`);
  const code = CODES.BAD_ARRAY;
  const type = read(raw, 'type', where, code);
  if (type === null || typeof type !== 'object') throw badTable(TypeError, `${where}.type must be an Arrow DataType, got ${describe(type)}`);
  const typeId = read(type, 'typeId', `${where}.type`, code);
  const precision = read(type, 'precision', `${where}.type`, code);
  if (typeId !== ARROW_INT && (typeId !== ARROW_FLOAT || precision === ARROW_HALF)) return undefined;
  const bitWidth = read(type, 'bitWidth', `${where}.type`, code);
  const isSigned = read(type, 'isSigned', `${where}.type`, code);
  const rawValues = read(raw, 'values', where, code);
  const dtype = dtypeOf(rawValues);
  if (!dtype || typedArrayTag(rawValues) === 'Uint8ClampedArray') throw badTable(TypeError, `${where}.values must be a typed array, got ${describe(rawValues)}`);
  // The type says what the values are; a typed array of another kind is a lie.
  const agrees =
    typeId === ARROW_INT
      ? dtype.kind !== 'float' && (bitWidth === undefined || bitWidth === dtype.bytes * 8) && (isSigned === undefined || isSigned === (dtype.kind === 'int'))
      : dtype.kind === 'float' && (precision === undefined || precision === (dtype.bytes === 4 ? 1 : 2));
  if (!agrees) throw badTable(TypeError, `${where}: an Arrow ${typeId === ARROW_INT ? `Int(${describe(bitWidth)}, signed ${describe(isSigned)})` : `Float(precision ${describe(precision)})`} over ${dtype.ctor.name} values`);
  const length = integer(read(raw, 'length', where, code), `${where}.length`, 0, code);
  const offset = integer(read(raw, 'offset', where, code), `${where}.offset`, 0, code);
  const nullCount = integer(read(raw, 'nullCount', where, code), `${where}.nullCount`, 0, code);
  const data = rawValues as NumericArray;
  const have = lengthOf(data);
  if (nullCount > length) throw badTable(RangeError, `${where}.nullCount is ${nullCount}, more than its length ${length}`);
  // A chunk of only nulls needs no values (Arrow pads short columns so).
  if (nullCount === length) return { dtype, values: new dtype.ctor(0) as NumericArray, length, offset: 0, bitmap: undefined };
  if (length > have) throw badTable(RangeError, `${where}.length is ${length} but its values hold ${have}`);
  const values = new dtype.ctor(bufferOf(data), byteOffsetOf(data), length) as NumericArray;
  let bitmap: Uint8Array | undefined;
  if (nullCount > 0) {
    const rawBitmap = read(raw, 'nullBitmap', where, code);
    if (typedArrayTag(rawBitmap) !== 'Uint8Array') throw badTable(TypeError, `${where} has ${nullCount} nulls but its nullBitmap is ${describe(rawBitmap)}`);
    const b = rawBitmap as Uint8Array;
    const need = Math.ceil((offset + length) / 8);
    if (lengthOf(b) < need) throw badTable(RangeError, `${where}.nullBitmap has ${lengthOf(b)} bytes; rows ${offset} to ${offset + length} need ${need}`);
    bitmap = new Uint8Array(bufferOf(b), byteOffsetOf(b), need);
    const nulls = length - validCount(bitmap, offset, length);
    if (nulls !== nullCount) throw badTable(RangeError, `${where}.nullCount is ${nullCount} but its nullBitmap marks ${nulls} nulls`);
  }
  return { dtype, values, length, offset, bitmap };
}

/** The chunks of column `name`; undefined when it is not numeric. */
function readColumn(table: object, name: string): Chunk[] | undefined {
  const where = `column ${JSON.stringify(name)}`;
  const getChild = read(table, 'getChild', 'table', CODES.BAD_ARRAY);
  if (typeof getChild !== 'function') throw badTable(TypeError, `table.getChild must be a function, got ${describe(getChild)}`);
  let column: unknown;
  try {
    column = getChild.call(table, name);
  } catch (cause) {
    throw ndError(TypeError, CODES.BAD_ARRAY, `table.getChild(${JSON.stringify(name)}) threw: ${(cause as Error)?.message}`, cause);
  }
  if (column === null || column === undefined) return undefined;
  if (typeof column !== 'object') throw badTable(TypeError, `${where} must be an Arrow Vector, got ${describe(column)}`);
  const data = list(read(column, 'data', where, CODES.BAD_ARRAY), `${where}.data`, CODES.BAD_ARRAY, MAX_ENTRIES);
  if (data.length === 0) return undefined;
  const chunks: Chunk[] = [];
  for (let k = 0; k < data.length; k++) {
    const c = readChunk(data[k], name, k);
    if (!c) return undefined;
    chunks.push(c);
  }
  return chunks;
}

/** A chunk's valid values (NaN dropped too when skipping NaN, so that a
 * chunk of only NaN cannot hide another chunk's answer), and for each its
 * row within the chunk; `rows` is undefined when nothing was dropped. */
function validValues(d: Chunk, skipNaN: boolean): { values: NumericArray; rows: number[] | undefined; dropped: boolean } {
  const { values, dtype, bitmap } = d;
  const src = values as unknown as ArrayLike<Scalar>;
  const nanSkip = skipNaN && dtype.kind === 'float';
  if (!bitmap && !nanSkip) return { values, rows: undefined, dropped: false };
  const rows: number[] = [];
  let dropped = false;
  // values.length: `length`, or 0 for a chunk of only nulls.
  for (let i = 0; i < values.length; i++) {
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
function reduceColumn(chunks: readonly Chunk[], op: Reduction, ignoreNaN: boolean, ddof: number): ColumnResult {
  const merge = mergeOf(op);
  if (merge === 'arg') return argOfColumn(chunks, op, ignoreNaN);
  // The valid values of each chunk (NaN dropped too when skipping it) are
  // the next rows of one 1-D array: a Partial of the plain op merges them
  // (float sums with its compensation, so chunking does not lose digits).
  const p = new Partial(op, takes(op, 'ddof') ? { ddof } : undefined);
  let sawNaN = false;
  for (const d of chunks) {
    if (d.dtype !== chunks[0].dtype) throw badTable(TypeError, `a column's chunks are ${chunks[0].dtype.ctor.name} and ${d.dtype.ctor.name}`);
    const { values, dropped } = validValues(d, ignoreNaN);
    sawNaN ||= dropped;
    if (values.length > 0) p.push(values);
  }
  if (p.length > 0) return p.result() as ColumnResult;
  // No valid value: what each merge gives for nothing.
  if (merge === 'count') return 0;
  if (merge === 'sum') return chunks[0].dtype.kind === 'float' ? 0 : 0n;
  if (merge === 'moments') return null;
  // Only NaN (and nulls) with NaN skipped: NaN, as the `nan` twins give.
  if (sawNaN) return merge === 'minmax' ? { min: NaN, max: NaN } : NaN;
  return null;
}

/** An arg reduction of a column: the row within the whole column, nulls (and
 * NaN when skipped) left out; ties keep the first row. */
function argOfColumn(chunks: readonly Chunk[], op: Reduction, ignoreNaN: boolean): ColumnResult {
  let best: { value: Scalar; row: number } | undefined;
  let start = 0;
  for (const d of chunks) {
    const { values, rows } = validValues(d, ignoreNaN);
    if (values.length > 0) {
      const at = reduce(op, { data: values, shape: [values.length] }, { axis: null }, 'reduceColumns') as number;
      const value = (values as unknown as ArrayLike<Scalar>)[at];
      const beats = lowerWins(op) ? beatsMin : beatsMax;
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
 * the moments are numbers (null for a column without a
 * value), and counts are numbers.
 */
export function reduceColumns<R extends ColumnOp>(table: ArrowTableLike, op: R, options?: ColumnOptions): Record<string, ColumnResultOf<R>> {
  if (table === null || typeof table !== 'object' || typeof read(table, 'getChild', 'table', CODES.BAD_ARRAY) !== 'function') {
    throw badTable(TypeError, `table must be an apache-arrow Table, got ${describe(table)}`);
  }
  if (!COLUMN_REDUCTIONS.includes(op)) {
    throw ndError(TypeError, CODES.BAD_OPTION, `op must be one of ${COLUMN_REDUCTIONS.map((r) => `"${r}"`).join(', ')}, got ${describe(op)}`);
  }
  const o = readOptions(options, op, COLUMN_ENTRY);
  const schema = read(table, 'schema', 'table', CODES.BAD_ARRAY);
  if (schema === null || typeof schema !== 'object') throw badTable(TypeError, `table.schema must be an Arrow Schema, got ${describe(schema)}`);
  const fields = list(read(schema, 'fields', 'table.schema', CODES.BAD_ARRAY), 'table.schema.fields', CODES.BAD_ARRAY, MAX_ENTRIES);
  const names = fields.map((f, k) => {
    const name = f !== null && typeof f === 'object' ? read(f, 'name', `table.schema.fields[${k}]`, CODES.BAD_ARRAY) : undefined;
    if (typeof name !== 'string') throw badTable(TypeError, `table.schema.fields[${k}].name must be a string, got ${describe(name)}`);
    return name;
  });
  // Every column read and checked before any is reduced.
  const columns = names.map((name) => [name, readColumn(table, name)] as const);
  // No prototype: a column may be named __proto__ or constructor.
  const out: Record<string, ColumnResult> = Object.create(null);
  for (const [name, chunks] of columns) if (chunks) out[name] = reduceColumn(chunks, op, o.ignoreNaN, o.ddof);
  return out as Record<string, ColumnResultOf<R>>;
}

export const maxColumns = (table: ArrowTableLike, options?: ColumnOptions) => reduceColumns(table, 'max', options);
export const minColumns = (table: ArrowTableLike, options?: ColumnOptions) => reduceColumns(table, 'min', options);
export const sumColumns = (table: ArrowTableLike, options?: ColumnOptions) => reduceColumns(table, 'sum', options);
export const meanColumns = (table: ArrowTableLike, options?: ColumnOptions) => reduceColumns(table, 'mean', options);
