// A Partial's bytes, written and read: the one reader for partials that come
// from another thread, process or machine, as strict as the one for arrays.
// Every field of the header is checked against the op, the dtype and the
// others before a value is used; no key is copied onto an object, and the
// field values land in fresh typed arrays of the expected type and length.
//
// Version 2 (written), little-endian: the 8 ASCII bytes `NDRPART2`, a uint32
// JSON byte length L, a uint32 CRC-32 of every byte after it (so that a
// flipped or lost byte is an error, not another answer), L bytes of UTF-8
// JSON
//   { op, axis, ddof, start, cursor, spans, dtype, ndim, axes, keptShape, rows,
//     fields: [[name, type, byteLength], ...] }
// then, from the next multiple of 8, each field's values in that order, each
// padded with zeros to 8 bytes; nothing after. `axis` is the option as
// given, `spans` the rows [from, to) the partial holds, `cursor` the row its
// next push starts at. Version 3 (written for a partial with `by` only, so
// that readers of version 2 still read every other partial) is version 2
// with two more header keys, `groups` and `labels` (how many), the fields
// laid out [groups, ...keptShape], and after the last field the labels as
// int32, padded to 8 bytes. Version 1 (`NDRPART1`, read only) had no CRC, no
// `axis`, `start`, `cursor` or `spans` (rows whose place is unknown).
import * as zlib from 'node:zlib';

import { bufferOf, byteOffsetOf, DTYPES, lengthOf, typedArrayTag } from '../spec/dtypes';
import type { NumericArray } from '../spec/dtypes';
import { CODES, ndError } from '../spec/errors';
import { parseOpName, spec, takes } from '../spec/ops';
import type { MergeKind, Reduction } from '../spec/ops';
import { MAX_NDIM } from '../validate/read';

export type Field = Float64Array | BigInt64Array | BigUint64Array | NumericArray | bigint[];

/** Everything a Partial is, as the bytes carry it. */
export interface PartialState {
  op: string;
  axis: null | number | number[];
  ddof: number;
  start: number;
  cursor: number;
  /** Sorted, disjoint, not touching; null where unknown (version 1). */
  spans: [number, number][] | null;
  dtype: string | null;
  ndim: number;
  axes: number[];
  keptShape: number[];
  rows: number;
  fields: Record<string, Field>;
  /** `by`: the labels of the whole axis 0 and the number of groups. */
  grouping?: { labels: Int32Array; groups: number };
}

const MAGIC = 'NDRPART';
const VERSION = 2;
const GROUPED_VERSION = 3;
/** A header holds at most 64 axes and five fields: far below this. */
const MAX_JSON = 1 << 16;
const pad8 = (n: number) => Math.ceil(n / 8) * 8;

const fail = (why: string, Class: typeof TypeError = TypeError) => ndError(Class, CODES.BAD_OPTION, `Partial.fromBytes: ${why}`);

// ---- CRC-32 (IEEE), zlib's where this Node has it -------------------------

let table: Uint32Array | undefined;
function crc32(bytes: Uint8Array): number {
  const native = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;
  if (native) return native(bytes) >>> 0;
  if (!table) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = table[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// ---- the fields each op keeps -----------------------------------------------

const TYPES: Record<string, { bytes: number; make: (b: ArrayBuffer, at: number, n: number) => Field }> = {
  int128: { bytes: 16, make: (b, at, n) => unpackBig(new BigUint64Array(b, at, 2 * n)) },
};
for (const d of DTYPES) if (d.name !== 'uint8c') TYPES[d.name] = { bytes: d.bytes, make: (b, at, n) => new d.ctor(b, at, n) as NumericArray };

/** The fields a partial of `reduction` (merged by `kind`) over `dtype`
 * keeps, with their types; `optional` ones may be absent. */
function expectedFields(kind: MergeKind, reduction: Reduction, dtype: string): { name: string; type: string; optional?: boolean }[] {
  const own = dtype === 'uint8c' ? 'uint8' : dtype;
  switch (kind) {
    case 'extreme':
      return [{ name: 'values', type: own }];
    case 'count':
      return [{ name: 'values', type: 'float64' }];
    case 'flag':
      return [{ name: 'flag', type: 'uint8' }];
    case 'minmax':
      return [{ name: 'min', type: own }, { name: 'max', type: own }];
    case 'sum':
      return dtype.startsWith('float') ? [{ name: 'sum', type: 'float64' }, { name: 'comp', type: 'float64' }] : [{ name: 'sum', type: 'int128' }];
    case 'arg':
      return [{ name: 'value', type: own }, { name: 'index', type: 'float64' }];
    default:
      // A mean folded without the addon keeps no M2.
      // The low words of mean and M2 (crates/core's Moments) are absent
      // from version 1 and from states folded without them.
      return [
        { name: 'n', type: 'float64' },
        { name: 'mean', type: 'float64' },
        { name: 'm2', type: 'float64', optional: reduction === 'mean' },
        { name: 'meanLow', type: 'float64', optional: true },
        { name: 'm2Low', type: 'float64', optional: true },
      ];
  }
}

/** Values that only some numbers can be: counts and indices are whole and
 * not negative, flags 0 or 1. */
function checkValues(name: string, kind: MergeKind, v: Field): void {
  const whole = (kind === 'moments' && name === 'n') || kind === 'count' || (kind === 'arg' && name === 'index');
  if (whole) {
    const a = v as Float64Array;
    for (let k = 0; k < a.length; k++) {
      if (!(Number.isSafeInteger(a[k]) && a[k] >= 0)) throw fail(`field ${name}[${k}] is ${a[k]}; it must be a whole number of at least 0`, RangeError);
    }
  }
  if (kind === 'flag') {
    const a = v as Uint8Array;
    for (let k = 0; k < a.length; k++) if (a[k] > 1) throw fail(`field flag[${k}] is ${a[k]}; it must be 0 or 1`, RangeError);
  }
}

// ---- writing -----------------------------------------------------------------

/** The bytes of `s` (version 2). */
export function encodePartial(s: PartialState): Uint8Array {
  const names = Object.keys(s.fields);
  const typed = names.map((name) => {
    const v = s.fields[name];
    if (Array.isArray(v)) return ['int128', packBig(v)] as const;
    const d = DTYPES.find((t) => v instanceof t.ctor && t.name !== 'uint8c') ?? DTYPES.find((t) => t.name === 'uint8')!;
    return [d.name, new Uint8Array(v.buffer, v.byteOffset, v.byteLength)] as const;
  });
  const g = s.grouping;
  const head = {
    op: s.op, axis: s.axis, ddof: s.ddof, start: s.start, cursor: s.cursor, spans: s.spans,
    dtype: s.dtype, ndim: s.ndim, axes: s.axes, keptShape: s.keptShape, rows: s.rows,
    fields: names.map((name, k) => [name, typed[k][0], typed[k][1].length]),
    ...(g ? { groups: g.groups, labels: g.labels.length } : {}),
  };
  if (g) typed.push(['int32', new Uint8Array(g.labels.buffer, g.labels.byteOffset, g.labels.byteLength)]);
  const json = new TextEncoder().encode(JSON.stringify(head));
  let size = pad8(16 + json.length);
  for (const [, bytes] of typed) size += pad8(bytes.length);
  const out = new Uint8Array(size);
  out.set(new TextEncoder().encode(`${MAGIC}${g ? GROUPED_VERSION : VERSION}`));
  const dv = new DataView(out.buffer);
  dv.setUint32(8, json.length, true);
  out.set(json, 16);
  let at = pad8(16 + json.length);
  for (const [, bytes] of typed) {
    out.set(bytes, at);
    at += pad8(bytes.length);
  }
  dv.setUint32(12, crc32(out.subarray(16)), true);
  return out;
}

// ---- reading -----------------------------------------------------------------

const isInt = (v: unknown, min = 0): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= min;

function intList(v: unknown, what: string, most = MAX_NDIM): number[] {
  if (!Array.isArray(v) || v.length > most || !v.every((x) => isInt(x))) throw fail(`${what} must be a list of at most ${most} whole numbers, got ${JSON.stringify(v)?.slice(0, 80)}`);
  return v as number[];
}

/** Parses and checks the bytes of a partial: its state, every field
 * checked against the others (the Partial's own constructor then checks
 * the options the state names). */
export function decodePartial(input: unknown): PartialState {
  if (typedArrayTag(input) !== 'Uint8Array') throw fail(`bytes must be a Uint8Array, got ${input === null ? 'null' : typeof input}`);
  const u = input as Uint8Array;
  // One copy, read through the platform's accessors: no getter of the
  // caller's object and no other thread (a SharedArrayBuffer) can change
  // what was checked; the fields are then views of this copy.
  const bytes = new Uint8Array(bufferOf(u), byteOffsetOf(u), lengthOf(u)).slice();
  if (bytes.length < 12 || String.fromCharCode(...bytes.subarray(0, 7)) !== MAGIC) throw fail('not a partial (the magic NDRPART is missing)');
  const version = bytes[7] - 0x30;
  if (version !== 1 && version !== 2 && version !== 3) throw fail(`format version ${String.fromCharCode(bytes[7])} is not supported (1 to 3 are; a newer ndreduce wrote it?)`, RangeError);
  const dv = new DataView(bytes.buffer);
  const length = dv.getUint32(8, true);
  const jsonAt = version === 1 ? 12 : 16;
  if (length > MAX_JSON || jsonAt + length > bytes.length) throw fail(`the header claims ${length} bytes, of ${bytes.length - jsonAt} after the preamble (at most ${MAX_JSON})`, RangeError);
  if (version >= 2 && crc32(bytes.subarray(16)) !== dv.getUint32(12, true)) throw fail('the checksum does not match: the bytes were changed or cut short', RangeError);
  let head: unknown;
  try {
    head = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(jsonAt, jsonAt + length)), (key, value) => {
      if (key === '__proto__') throw new Error('a __proto__ key');
      return value;
    });
  } catch (e) {
    throw fail(`the header is not JSON (${(e as Error).message})`);
  }
  if (head === null || typeof head !== 'object' || Array.isArray(head)) throw fail('the header is not a JSON object');
  const h = head as Record<string, unknown>;
  const keys = version === 1 ? ['op', 'dtype', 'ndim', 'axes', 'keptShape', 'rows', 'ddof', 'fields'] : ['op', 'axis', 'ddof', 'start', 'cursor', 'spans', 'dtype', 'ndim', 'axes', 'keptShape', 'rows', 'fields'];
  if (version === 3) keys.push('groups', 'labels');
  const optional = version === 1 ? ['all'] : [];
  for (const k of Object.keys(h)) if (!keys.includes(k) && !optional.includes(k)) throw fail(`unknown header key ${JSON.stringify(k)}`);
  for (const k of keys) if (!(k in h)) throw fail(`the header has no ${k}`);

  const name = typeof h.op === 'string' ? parseOpName(h.op) : undefined;
  if (!name || spec(name.reduction).merge === null) throw fail(`op ${JSON.stringify(h.op)} is not one a Partial computes`);
  const kind = spec(name.reduction).merge as MergeKind;
  if (typeof h.ddof !== 'number' || !Number.isFinite(h.ddof) || (!takes(name.reduction, 'ddof') && h.ddof !== 0)) throw fail(`ddof ${JSON.stringify(h.ddof)} does not fit ${h.op}`);
  const dtype = h.dtype;
  if (dtype !== null && (typeof dtype !== 'string' || !DTYPES.some((d) => d.name === dtype && d.name !== 'uint8c'))) throw fail(`dtype ${JSON.stringify(dtype)} is not one a Partial keeps`);
  const rows = h.rows;
  if (!isInt(rows)) throw fail(`rows must be a whole number of at least 0, got ${JSON.stringify(rows)}`, RangeError);

  let axis: PartialState['axis'];
  let start = 0;
  let cursor = rows;
  let spans: PartialState['spans'] = null;
  if (version >= 2) {
    if (h.axis === null || isInt(h.axis, -MAX_NDIM)) axis = h.axis as null | number;
    else if (Array.isArray(h.axis) && h.axis.length >= 1 && h.axis.length <= MAX_NDIM && h.axis.every((a) => isInt(a, -MAX_NDIM))) axis = h.axis as number[];
    else throw fail(`axis ${JSON.stringify(h.axis)} is not null, an axis or a list of axes`);
    if (!isInt(h.start) || !isInt(h.cursor) || h.cursor < h.start) throw fail(`start ${JSON.stringify(h.start)} and cursor ${JSON.stringify(h.cursor)} must be rows, the cursor not before the start`, RangeError);
    start = h.start;
    cursor = h.cursor;
    spans = readSpans(h.spans, rows);
    // The partial's own pushes, rows [start, cursor), are rows it holds.
    if (spans !== null && cursor > start && !spans.some(([from, to]) => from <= start && cursor <= to)) {
      throw fail(`rows [${start}, ${cursor}) pushed from start to cursor are not among the rows held`, RangeError);
    }
  } else {
    if (h.all !== undefined && typeof h.all !== 'boolean') throw fail(`all must be a boolean, got ${JSON.stringify(h.all)}`);
    // Version 1 kept the axes, not the option: all of them was null.
    axis = h.all === true || (h.all === undefined && Array.isArray(h.axes) && h.axes.length === h.ndim) ? null : (h.axes as number[]);
  }
  const fieldsRaw = h.fields;
  if (!Array.isArray(fieldsRaw) || fieldsRaw.length > 5) throw fail('fields must be a list of at most 5 entries');

  let groups = 1;
  let labelCount = 0;
  if (version === 3) {
    if (!isInt(h.groups) || !isInt(h.labels) || h.groups > 2 ** 31 - 1 || h.labels > 2 ** 31 - 1) throw fail(`groups ${JSON.stringify(h.groups)} and labels ${JSON.stringify(h.labels)} must be counts below 2^31`, RangeError);
    const count = h.labels;
    if (spans === null || cursor > count || spans.some(([, to]) => to > count)) throw fail(`the rows held run past the ${count} labels`, RangeError);
    if (spec(name.reduction).family === 'minmax') throw fail(`${h.op} does not take by`);
    ((groups = h.groups), (labelCount = count));
  }
  const state: PartialState = { op: h.op as string, axis, ddof: h.ddof, start, cursor, spans, dtype: null, ndim: 0, axes: [], keptShape: [], rows: 0, fields: Object.create(null) };
  if (dtype === null) {
    // No chunk yet: nothing else may be set.
    const emptyList = (v: unknown) => Array.isArray(v) && v.length === 0;
    if (h.ndim !== 0 || !emptyList(h.axes) || !emptyList(h.keptShape) || rows !== 0 || fieldsRaw.length !== 0 || (spans !== null && spans.length !== 0) || cursor !== start) {
      throw fail('a partial without a dtype holds no rows, axes, shape or fields');
    }
    if (version === 3) return { ...state, grouping: readLabelSection(bytes, pad8(jsonAt + length), labelCount, groups) };
    if (version === 1 && axis !== null && (axis as number[]).length === 0) throw fail('a version-1 partial without chunks and with an axis does not say which axis; make a new Partial', RangeError);
    return state;
  }

  if (!isInt(h.ndim, 1) || h.ndim > MAX_NDIM) throw fail(`ndim must be 1 to ${MAX_NDIM}, got ${JSON.stringify(h.ndim)}`, RangeError);
  const ndim = h.ndim;
  const axes = intList(h.axes, 'axes');
  if (axes.length === 0 || axes[0] !== 0 || axes.some((a, k) => a >= ndim || (k > 0 && a <= axes[k - 1]))) {
    throw fail(`axes ${JSON.stringify(axes)} must be increasing axes of a ${ndim}-D array, starting with 0`, RangeError);
  }
  const keptShape = intList(h.keptShape, 'keptShape');
  if (keptShape.length !== ndim - axes.length) throw fail(`keptShape ${JSON.stringify(keptShape)} must have ${ndim - axes.length} entries (${ndim} axes, ${axes.length} reduced)`, RangeError);
  if (version === 3 && axes.length !== 1) throw fail(`a partial by label reduces axis 0 only, not axes ${JSON.stringify(axes)}`, RangeError);
  let kept = groups;
  for (const d of keptShape) kept *= d;
  if (!Number.isSafeInteger(kept)) throw fail(`keptShape ${JSON.stringify(keptShape)} has more than 2^53 - 1 positions`, RangeError);

  // The fields: exactly the op's, in any order, each of its type and
  // length, at the offsets that follow from the lengths; nothing after.
  const expected = expectedFields(kind, name.reduction, dtype as string);
  let at = pad8(jsonAt + length);
  const seen = new Set<string>();
  for (const entry of fieldsRaw) {
    if (!Array.isArray(entry) || entry.length !== 3) throw fail(`a field must be [name, type, byteLength], got ${JSON.stringify(entry)?.slice(0, 80)}`);
    const [fname, type, n] = entry as unknown[];
    const want = expected.find((f) => f.name === fname);
    if (!want || seen.has(want.name)) throw fail(`field ${JSON.stringify(fname)} is not one of ${h.op}'s (${expected.map((f) => f.name).join(', ')}) or comes twice`);
    seen.add(want.name);
    if (type !== want.type) throw fail(`field ${want.name} of ${h.op} over ${dtype} must be ${want.type}, got ${JSON.stringify(type)}`);
    const t = TYPES[want.type];
    if (!isInt(n) || n !== kept * t.bytes) throw fail(`field ${want.name} has ${JSON.stringify(n)} bytes for ${kept} positions of ${t.bytes}`, RangeError);
    if (at + n > bytes.length) throw fail(`field ${want.name} is truncated`, RangeError);
    const value = t.make(bytes.buffer, at, kept);
    checkValues(want.name, kind, value);
    state.fields[want.name] = value;
    at += pad8(n);
  }
  for (const f of expected) if (!f.optional && !seen.has(f.name)) throw fail(`field ${f.name} of ${h.op} is missing`);
  let grouping: PartialState['grouping'];
  if (version === 3) {
    grouping = readLabelSection(bytes, at, labelCount, groups);
    at += pad8(labelCount * 4);
  }
  if (at !== bytes.length) throw fail(`${bytes.length - at} bytes follow the last field`, RangeError);
  if (rows === 0) {
    // Only empty chunks so far: no values to hold.
    if (seen.size !== 0) throw fail('a partial of 0 rows holds no fields', RangeError);
  } else if (seen.size === 0) throw fail(`a partial of ${rows} rows has no fields`, RangeError);
  return { ...state, dtype: dtype as string, ndim, axes, keptShape, rows, ...(grouping ? { grouping } : {}) };
}

/** Version 3's labels: `count` int32 at `at`, each -1 or a group below `groups`. */
function readLabelSection(bytes: Uint8Array, at: number, count: number, groups: number): { labels: Int32Array; groups: number } {
  if (at + pad8(count * 4) !== bytes.length) throw fail(`the ${count} labels do not end the bytes`, RangeError);
  const labels = new Int32Array(bytes.buffer, at, count);
  const k = labels.findIndex((l) => l < -1 || l >= groups);
  if (k >= 0) throw fail(`label ${k} is ${labels[k]}, not -1 or a group below ${groups}`, RangeError);
  return { labels, groups };
}

function readSpans(v: unknown, rows: number): [number, number][] | null {
  if (v === null) return null;
  if (!Array.isArray(v) || v.length > 1 << 16) throw fail('spans must be a list of [from, to] rows');
  let total = 0;
  let last = -1;
  const out: [number, number][] = [];
  for (const s of v) {
    if (!Array.isArray(s) || s.length !== 2 || !isInt(s[0]) || !isInt(s[1]) || s[0] >= s[1] || s[0] <= last) {
      throw fail(`spans must be increasing [from, to] rows that neither overlap nor touch, got ${JSON.stringify(s)}`, RangeError);
    }
    out.push([s[0], s[1]]);
    total += s[1] - s[0];
    last = s[1];
  }
  if (total !== rows) throw fail(`spans hold ${total} rows, the header says ${rows}`, RangeError);
  return out;
}

/** Exact integer sums as 16-byte two's complement little-endian numbers. */
function packBig(v: bigint[]): Uint8Array {
  const out = new BigUint64Array(v.length * 2);
  v.forEach((s, k) => {
    const u = BigInt.asUintN(128, s);
    out[2 * k] = u & (2n ** 64n - 1n);
    out[2 * k + 1] = u >> 64n;
  });
  return new Uint8Array(out.buffer);
}

function unpackBig(w: BigUint64Array): bigint[] {
  return Array.from({ length: w.length / 2 }, (_, k) => BigInt.asIntN(128, w[2 * k] | (w[2 * k + 1] << 64n)));
}
