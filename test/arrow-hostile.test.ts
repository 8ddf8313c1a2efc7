// Arrow tables that lie: chunks whose length, null count or bitmap disagree
// with their buffers, malformed schemas, columns named after Object's own
// keys, and float sums spread over chunks.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as A from 'apache-arrow';

import { maxColumns, reduceColumns, sumColumns } from '../src/merge/arrow';
import { sum } from '../src/index';

/** A one-column table-like object over one hand-made chunk. */
function liar(chunk: Record<string, unknown>): never {
  const data = { type: { typeId: 2, bitWidth: 32, isSigned: true }, length: 3, offset: 0, nullCount: 0, values: new Int32Array([3, 4, 5]), nullBitmap: null, ...chunk };
  return { schema: { fields: [{ name: 'x' }] }, getChild: () => ({ data: [data] }) } as never;
}

test('chunks checked against their buffers: coded errors, not phantom values', () => {
  const full = new Uint8Array([0xff, 0xff]);
  const cases: [string, never, RegExp][] = [
    ['length 10 over 3 Int32 values with a bitmap', liar({ length: 10, nullCount: 1, nullBitmap: new Uint8Array([0xff, 0xfd]) }), /length is 10 but its values hold 3/],
    ['length 10 over 3 Float64 values', liar({ type: { typeId: 3, precision: 2 }, values: new Float64Array(3), length: 10 }), /length is 10/],
    ['length 10 over 3 int64 values', liar({ type: { typeId: 2, bitWidth: 64, isSigned: true }, values: new BigInt64Array(3), length: 10 }), /length is 10/],
    ['a bitmap shorter than the data', liar({ values: new Int32Array(20), length: 20, nullCount: 1, nullBitmap: new Uint8Array([0xfe]) }), /nullBitmap has 1 bytes; rows 0 to 20 need 3/],
    ['a null count the bitmap does not mark', liar({ nullCount: 2, nullBitmap: new Uint8Array([0b110]) }), /nullCount is 2 but its nullBitmap marks 1/],
    ['nulls without a bitmap', liar({ nullCount: 1, nullBitmap: null }), /has 1 nulls but its nullBitmap is null/],
    ['length -1', liar({ length: -1 }), /length must be at least 0, got -1/],
    ['length NaN', liar({ length: NaN }), /length must be a safe integer, got NaN/],
    ['offset 1.5', liar({ offset: 1.5, nullCount: 1, nullBitmap: full }), /offset must be a safe integer/],
    ['null count above the length', liar({ nullCount: 4, nullBitmap: full }), /nullCount is 4, more than its length 3/],
    ['Int32 type over Float64Array values', liar({ values: new Float64Array(3) }), /Int\(32, signed true\) over Float64Array/],
    ['Float64 type over Float32Array values', liar({ type: { typeId: 3, precision: 2 }, values: new Float32Array(3) }), /over Float32Array/],
    ['values not a typed array', liar({ values: [3, 4, 5] }), /values must be a typed array/],
  ];
  for (const [name, t, message] of cases) {
    for (const op of ['min', 'sum', 'argmax'] as const) {
      assert.throws(() => reduceColumns(t, op), (e: Error & { code?: string }) => {
        assert.ok(e.code === 'ERR_NDREDUCE_BAD_ARRAY' || e.code === 'ERR_NDREDUCE_NOT_INTEGER', `${name} ${op}: ${e.code} ${e.message}`);
        assert.match(e.message, message, name);
        return true;
      });
    }
  }
});

test('bad tables, schemas, fields and options are coded errors', () => {
  const t = A.tableFromArrays({ a: Int32Array.from([3, 1, 2]) });
  const child = () => ({ data: [] });
  const cases: [string, unknown][] = [
    ['null', null],
    ['a number', 5],
    ['no getChild', { schema: { fields: [] } }],
    ['schema null', { schema: null, getChild: child }],
    ['fields not a list', { schema: { fields: 5 }, getChild: child }],
    ['a field without a name', { schema: { fields: [{}] }, getChild: child }],
    ['a field null', { schema: { fields: [null] }, getChild: child }],
    ['a throwing schema getter', { get schema() { throw new Error('no'); }, getChild: child }],
    ['data not a list', { schema: { fields: [{ name: 'a' }] }, getChild: () => ({ data: 5 }) }],
    ['a chunk null', { schema: { fields: [{ name: 'a' }] }, getChild: () => ({ data: [null] }) }],
    ['getChild throws', { schema: { fields: [{ name: 'a' }] }, getChild: () => { throw new Error('no'); } }],
  ];
  for (const [name, table] of cases) {
    assert.throws(() => reduceColumns(table as never, 'max'), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'ERR_NDREDUCE_BAD_ARRAY', `${name}: ${e.code} ${e.message}`);
      return true;
    });
  }
  assert.throws(() => reduceColumns(t, 'max', null as never), { code: 'ERR_NDREDUCE_BAD_OPTION' });
  assert.throws(() => reduceColumns(t, 'var', { ddoff: 1 } as never), { code: 'ERR_NDREDUCE_UNKNOWN_OPTION', message: /did you mean 'ddof'/ });
  assert.throws(() => reduceColumns(t, 'max', { ddof: 1 }), { code: 'ERR_NDREDUCE_BAD_OPTION' });
});

test('columns named __proto__ or constructor are results like any other', () => {
  // tableFromArrays drops a __proto__ key; a Schema names it.
  const fields = ['__proto__', 'constructor', 'toString'].map((n) => new A.Field(n, new A.Int32()));
  const schema = new A.Schema(fields);
  const vectors = [[3, 1], [7, -2], [5, 5]].map((v) => A.makeVector(Int32Array.from(v)).data[0]);
  const t = new A.Table(schema, [A.makeData({ type: new A.Struct(fields), length: 2, children: vectors })] as never);
  const max = maxColumns(t);
  assert.equal(Object.getPrototypeOf(max), null);
  assert.deepEqual(Object.keys(max), ['__proto__', 'constructor', 'toString']);
  assert.deepEqual({ ...max }, Object.fromEntries([['__proto__', 3], ['constructor', 7], ['toString', 5]]));
  const mm = reduceColumns(t, 'minmax');
  assert.equal(Object.getPrototypeOf(mm), null);
  assert.deepEqual(Object.getOwnPropertyDescriptor(mm, '__proto__')?.value, { min: 1, max: 3 });
});

test('float sums over chunks are compensated: chunks [1e16], [1], [-1e16] sum to 1', () => {
  const values = [1e16, 1, -1e16];
  const chunked = values.map((v) => new A.Table({ f: A.vectorFromArray([v], new A.Float64()) })).reduce((a, b) => a.concat(b));
  assert.equal(chunked.getChild('f')!.data.length, 3);
  assert.equal(sumColumns(chunked).f, sum(new Float64Array(values)));
  assert.equal(sumColumns(chunked).f, 1);
});
