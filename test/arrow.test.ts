// Column reductions of real apache-arrow Tables: several chunks, nulls,
// slices (offsets into unsliced null bitmaps), every numeric type. The
// expected answers come from the library's own `get`, one row at a time.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as A from 'apache-arrow';

import { maxColumns, meanColumns, minColumns, reduceColumns, sumColumns } from '../src/index';
import type { Reduction } from '../src/index';
import { beatsMax, beatsMin } from '../src/merge/arrow';
import type { ColumnOp } from '../src/merge/arrow';
import { sameResult } from './nd-cases';

type Value = number | bigint;

const TYPES: [string, () => A.DataType, (i: number) => Value][] = [
  ['Int8', () => new A.Int8(), (i) => ((i * 37) % 256) - 128],
  ['Uint8', () => new A.Uint8(), (i) => (i * 37) % 256],
  ['Int16', () => new A.Int16(), (i) => ((i * 4099) % 65536) - 32768],
  ['Uint16', () => new A.Uint16(), (i) => (i * 4099) % 65536],
  ['Int32', () => new A.Int32(), (i) => (i % 2 ? -1 : 1) * ((i * 2654435761) % 2 ** 31)],
  ['Uint32', () => new A.Uint32(), (i) => (i * 2654435761) % 2 ** 32],
  ['Int64', () => new A.Int64(), (i) => BigInt(i * i) * 1_000_000_007n - 50_000_000_000n],
  ['Uint64', () => new A.Uint64(), (i) => BigInt(i) * 123_456_789_012n],
  ['Float32', () => new A.Float32(), (i) => (i % 7 === 3 ? NaN : Math.fround(i / 3 - 5))],
  ['Float64', () => new A.Float64(), (i) => (i % 9 === 4 ? NaN : i % 5 === 0 ? -0 : i * 1.25 - 20)],
];

/** A table of three chunks, every fourth value null, plus a text column. */
function table(): A.Table {
  const chunk = (start: number, n: number) => {
    const columns: Record<string, A.Vector> = {};
    for (const [name, type, f] of TYPES) {
      columns[name] = A.vectorFromArray(Array.from({ length: n }, (_, k) => ((start + k) % 4 === 1 ? null : f(start + k))), type());
    }
    columns.text = A.vectorFromArray(Array.from({ length: n }, (_, k) => `row ${start + k}`));
    columns.allNull = A.vectorFromArray(new Array(n).fill(null), new A.Float64());
    return new A.Table(columns);
  };
  return chunk(0, 10).concat(chunk(10, 7), chunk(17, 12));
}

/** The answer from row-by-row `get`, nulls skipped. */
function expected(column: A.Vector, op: Reduction, ignoreNaN: boolean): unknown {
  const rows: [Value, number][] = [];
  for (let i = 0; i < column.length; i++) {
    const v = column.get(i) as Value | null;
    if (v !== null && !(ignoreNaN && Number.isNaN(v))) rows.push([v, i]);
  }
  const float = A.DataType.isFloat(column.type);
  if (op === 'countNonzero') return rows.filter(([v]) => v !== 0 && v !== 0n).length;
  if (op === 'mean' || op === 'var' || op === 'std') {
    if (rows.length === 0) return null;
    const xs = rows.map(([v]) => Number(v));
    const mean = xs.reduce((a, v) => a + v, 0) / xs.length;
    if (op === 'mean') return mean;
    const variance = xs.reduce((a, v) => a + (v - mean) ** 2, 0) / xs.length;
    return op === 'var' ? variance : Math.sqrt(variance);
  }
  if (op === 'sum') return float ? rows.reduce((s, [v]) => s + (v as number), 0) : rows.reduce((s, [v]) => s + BigInt(v), 0n);
  if (rows.length === 0) {
    const onlyNaN = ignoreNaN && float && column.nullCount < column.length && op !== 'argmin' && op !== 'argmax';
    return onlyNaN ? (op === 'minmax' ? { min: NaN, max: NaN } : NaN) : null;
  }
  const pick = (beats: (x: Value, b: Value) => boolean) => rows.reduce((b, r) => (beats(r[0], b[0]) ? r : b));
  if (op === 'max') return pick(beatsMax)[0];
  if (op === 'min') return pick(beatsMin)[0];
  if (op === 'argmax') return pick(beatsMax)[1];
  if (op === 'argmin') return pick(beatsMin)[1];
  return { min: pick(beatsMin)[0], max: pick(beatsMax)[0] };
}

const OPS: ColumnOp[] = ['min', 'max', 'sum', 'argmin', 'argmax', 'minmax', 'mean', 'var', 'std', 'countNonzero'];
/** Results computed in floating point, in another order than the walk's. */
const ROUNDED: Reduction[] = ['sum', 'mean', 'var', 'std'];

test('every op on every numeric column, whole and sliced, equals a row-by-row walk', () => {
  const whole = table();
  assert.equal(whole.getChild('Int32')!.data.length, 3, 'three chunks');
  for (const [name, t] of [['whole', whole], ['sliced 3..25', whole.slice(3, 25)], ['one chunk', whole.slice(11, 15)]] as const) {
    for (const op of OPS) {
      for (const ignoreNaN of op === 'countNonzero' ? [false] : [false, true]) {
        const got = reduceColumns(t, op, { ignoreNaN });
        assert.ok(!('text' in got), 'text columns are left out');
        for (const [column] of TYPES) {
          sameResult(got[column], expected(t.getChild(column)!, op, ignoreNaN), `${name} ${column} ${op} ignoreNaN=${ignoreNaN}`, ROUNDED.includes(op));
        }
        const allNull = op === 'sum' || op === 'countNonzero' ? 0 : null;
        assert.equal(got.allNull, allNull, `${name} all-null column ${op}`);
      }
    }
  }
});

test('shortcuts and hand-checked answers', () => {
  const t = new A.Table({
    a: A.vectorFromArray([3, null, 9, -2], new A.Int32()),
    b: A.vectorFromArray([1.5, NaN, null, 0.5], new A.Float64()),
    c: A.vectorFromArray([2n ** 62n, 2n ** 62n], new A.Int64()),
  });
  assert.deepEqual(maxColumns(t, {}).a, 9);
  assert.ok(Number.isNaN(maxColumns(t).b as number), 'NaN propagates');
  assert.equal(maxColumns(t, { ignoreNaN: true }).b, 1.5);
  assert.equal(minColumns(t).a, -2);
  assert.equal(reduceColumns(t, 'argmin').a, 3);
  assert.deepEqual(reduceColumns(t, 'minmax').a, { min: -2, max: 9 });
  assert.throws(() => sumColumns(t), { name: 'RangeError', message: /does not fit int64/ });
  const nanChunk = new A.Table({ f: A.vectorFromArray([NaN, NaN], new A.Float64()) }).concat(new A.Table({ f: A.vectorFromArray([null, 4, NaN, 2], new A.Float64()) }));
  assert.equal(maxColumns(nanChunk, { ignoreNaN: true }).f, 4, 'a chunk of only NaN does not hide the next');
  assert.equal(reduceColumns(nanChunk, 'argmin', { ignoreNaN: true }).f, 5);
  assert.equal(reduceColumns(nanChunk, 'argmax').f, 0);
  assert.ok(Number.isNaN(minColumns(nanChunk.slice(0, 2), { ignoreNaN: true }).f as number));
  const across = new A.Table({ c: A.vectorFromArray([2n ** 62n], new A.Int64()) }).concat(new A.Table({ c: A.vectorFromArray([2n ** 62n], new A.Int64()) }));
  assert.throws(() => sumColumns(across), /does not fit int64/, 'an overflow across chunks is caught too');
  // Nulls skipped as Polars does; NaN propagates unless skipped.
  assert.equal(meanColumns(t).a, 10 / 3);
  assert.ok(Number.isNaN(meanColumns(t).b as number));
  assert.equal(meanColumns(t, { ignoreNaN: true }).b, 1);
  assert.ok(Math.abs((reduceColumns(t, 'var', { ddof: 1 }).a as number) - 91 / 3) < 1e-12);
  assert.equal(reduceColumns(t, 'std', { ignoreNaN: true }).b, 0.5);
  assert.deepEqual({ ...reduceColumns(t, 'countNonzero') }, { a: 3, b: 3, c: 2 });
  // Equal zeros: +0 is the max and -0 the min, within a chunk and across
  // chunks, in either order (the engines' rule).
  const f64 = (...xs: number[]) => A.vectorFromArray(xs, new A.Float64());
  const z = new A.Table({ a: f64(-0), b: f64(0), c: f64(0, -0), d: f64(-0, 0) }).concat(new A.Table({ a: f64(0), b: f64(-0), c: f64(0), d: f64(-0) }));
  for (const k of 'abcd') {
    assert.ok(Object.is(maxColumns(z)[k], 0) && Object.is(minColumns(z)[k], -0), `column ${k}: max +0, min -0`);
    const mm = reduceColumns(z, 'minmax')[k] as { min: number; max: number };
    assert.ok(Object.is(mm.max, 0) && Object.is(mm.min, -0), `column ${k}: minmax`);
  }
});

test('bad arguments', () => {
  assert.throws(() => reduceColumns({} as never, 'max'), /table must be an apache-arrow Table, got an object/);
  assert.throws(() => reduceColumns(table(), 'prod' as never), /op must be one of "min", "max", "minmax", "sum", "mean", "var", "std", "argmin", "argmax", "countNonzero", got "prod"/);
  assert.throws(() => reduceColumns(table(), 'var', { ddof: '1' as never }), /options.ddof must be a finite number, got "1"/);
  assert.throws(() => reduceColumns(table(), 'max', { ignoreNaN: 1 as never }), /options.ignoreNaN must be a boolean, got 1/);
});
