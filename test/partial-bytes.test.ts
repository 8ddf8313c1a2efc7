// Partial bytes from outside: today's format and yesterday's load, every
// lie in a hand-made header is a coded error, options that change a merge
// travel and are compared, and rows are never counted twice.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as zlib from 'node:zlib';

import { Partial } from '../src/merge/partial';
import { PARTIAL_OPS } from '../src/merge/partial-spec';
import type { PartialOp } from '../src/merge/partial-spec';
import { reduce } from '../src/run/sync';
import type { Reduction } from '../src/spec/types';

const CODE = { code: 'ERR_NDREDUCE_BAD_OPTION' };
const f64 = (rows: number[][]) => ({ data: Float64Array.from(rows.flat()), shape: [rows.length, rows[0].length] });
const r1 = f64([[1, 5, 2]]);
const r2 = f64([[4, 1, 9]]);
const both = f64([[1, 5, 2], [4, 1, 9]]);

function oneShot(x: unknown, op: PartialOp, options: object): unknown {
  const nan = op.startsWith('nan');
  return reduce((nan ? op.slice(3) : op) as Reduction, x, options, op, nan);
}

/** The header and the field bytes of version-2 bytes. */
function open2(b: Uint8Array): { head: Record<string, unknown>; body: Uint8Array } {
  const len = new DataView(b.buffer, b.byteOffset).getUint32(8, true);
  const head = JSON.parse(new TextDecoder().decode(b.subarray(16, 16 + len)));
  return { head, body: b.subarray(Math.ceil((16 + len) / 8) * 8) };
}

/** Version-2 bytes of `head` (any JSON text) over `body`, with a true checksum: a liar's bytes. */
function seal(json: string, body: Uint8Array, version = 2): Uint8Array {
  const text = new TextEncoder().encode(json);
  const pre = version === 1 ? 12 : 16;
  const at = Math.ceil((pre + text.length) / 8) * 8;
  const out = new Uint8Array(at + body.length);
  out.set(new TextEncoder().encode(`NDRPART${version}`));
  const dv = new DataView(out.buffer);
  dv.setUint32(8, text.length, true);
  out.set(text, pre);
  out.set(body, at);
  if (version === 2) dv.setUint32(12, zlib.crc32(out.subarray(16)) >>> 0, true);
  return out;
}

// Bytes written by version 1 (the previous release), kept verbatim.
const V1 = {
  // new Partial('argmax', { axis: 0, start: 3 }).push(both)  → [4, 3, 4]
  argmax: 'TkRSUEFSVDGcAAAAeyJvcCI6ImFyZ21heCIsImR0eXBlIjoiZmxvYXQ2NCIsIm5kaW0iOjIsImF4ZXMiOlswXSwiYWxsIjpmYWxzZSwia2VwdFNoYXBlIjpbM10sInJvd3MiOjIsImRkb2YiOjAsImZpZWxkcyI6W1sidmFsdWUiLCJmbG9hdDY0IiwyNF0sWyJpbmRleCIsImZsb2F0NjQiLDI0XV19AAAAAAAAEEAAAAAAAAAUQAAAAAAAACJAAAAAAAAAEEAAAAAAAAAIQAAAAAAAABBA',
  // new Partial('sum', { axis: 0 }).push(both as int32)  → [5n, 6n, 11n]
  sum: 'TkRSUEFSVDF9AAAAeyJvcCI6InN1bSIsImR0eXBlIjoiaW50MzIiLCJuZGltIjoyLCJheGVzIjpbMF0sImFsbCI6ZmFsc2UsImtlcHRTaGFwZSI6WzNdLCJyb3dzIjoyLCJkZG9mIjowLCJmaWVsZHMiOltbInN1bSIsImludDEyOCIsNDhdXX0AAAAAAAAABQAAAAAAAAAAAAAAAAAAAAYAAAAAAAAAAAAAAAAAAAALAAAAAAAAAAAAAAAAAAAA',
  // new Partial('var', { ddof: 1 }).push(both)
  var: 'TkRSUEFSVDGlAAAAeyJvcCI6InZhciIsImR0eXBlIjoiZmxvYXQ2NCIsIm5kaW0iOjIsImF4ZXMiOlswLDFdLCJhbGwiOnRydWUsImtlcHRTaGFwZSI6W10sInJvd3MiOjIsImRkb2YiOjEsImZpZWxkcyI6W1sibiIsImZsb2F0NjQiLDhdLFsibWVhbiIsImZsb2F0NjQiLDhdLFsibTIiLCJmbG9hdDY0Iiw4XV19AAAAAAAAAAAAAAAAABhAVVVVVVVVDUCrqqqqqqpHQA==',
};
const v1 = (k: keyof typeof V1) => new Uint8Array(Buffer.from(V1[k], 'base64'));

test('version-1 bytes still load and give their results; their rows have no place', () => {
  assert.deepEqual(Array.from(Partial.fromBytes(v1('argmax')).result() as Float64Array), [4, 3, 4]);
  assert.deepEqual(Array.from(Partial.fromBytes(v1('sum')).result() as BigInt64Array), [5n, 6n, 11n]);
  const ints = { data: Int32Array.from(both.data), shape: both.shape };
  assert.deepEqual(Partial.fromBytes(v1('sum')).result(), oneShot(ints, 'sum', { axis: 0 }));
  assert.equal(Partial.fromBytes(v1('var')).result(), oneShot(both, 'var', { ddof: 1 }));
  // They merge (indices were already global), but an arg partial takes no push.
  const merged = Partial.fromBytes(v1('argmax')).merge(new Partial('argmax', { axis: 0 }).push(f64([[9, 0, 0]])));
  assert.deepEqual(Array.from(merged.result() as Float64Array), [0, 3, 4]);
  assert.throws(() => Partial.fromBytes(v1('argmax')).push(r1), { ...CODE, message: /version-1 bytes/ });
  // A future version says so.
  const v4 = v1('sum');
  v4[7] = 0x34;
  assert.throws(() => Partial.fromBytes(v4), { name: 'RangeError', ...CODE, message: /format version 4 is not supported/ });
});

test('start, axis and ddof travel in the bytes', () => {
  const direct = new Partial('argmax', { start: 1, axis: 0 }).push(r1).push(r2).result();
  const trip = Partial.fromBytes(new Partial('argmax', { start: 1, axis: 0 }).push(r1).toBytes()).push(r2).result();
  assert.deepEqual(trip, direct);
  assert.deepEqual(Array.from(trip as Float64Array), [2, 1, 2]);
  const v = Partial.fromBytes(new Partial('var', { ddof: 1 }).toBytes()).push(both).result();
  assert.equal(v, oneShot(both, 'var', { ddof: 1 }));
  // An empty partial with an axis survives the trip.
  assert.deepEqual(Partial.fromBytes(new Partial('sum', { axis: [0, -1] }).toBytes()).push(both).result(), oneShot(both, 'sum', { axis: [0, -1] }));
});

test('hand-made headers that lie are coded errors', () => {
  const honest = new Partial('argmax', { axis: 0 }).push(both).toBytes();
  const { head, body } = open2(honest);
  const lie = (patch: Record<string, unknown>, b = body) => seal(JSON.stringify({ ...head, ...patch }), b);
  const cases: [string, Uint8Array][] = [
    ['fields: []', lie({ fields: [] })],
    ['a field named __proto__', lie({ fields: [['__proto__', 'float64', 24], ['index', 'float64', 24]] })],
    ['a __proto__ key', seal(JSON.stringify(head).replace('{', '{"__proto__":{"rows":1},'), body)],
    ['rows: -5', lie({ rows: -5 })],
    ['rows: 1.5', lie({ rows: 1.5 })],
    ['dtype int64 over float64 fields', lie({ dtype: 'int64' })],
    ['dtype uint8c', lie({ dtype: 'uint8c' })],
    ['axes: [1]', lie({ axes: [1] })],
    ['axes out of order', lie({ axes: [0, 0] })],
    ['axes not those of the axis option', lie({ axis: [0, 1], axes: [0] })],
    ['op unknown', lie({ op: 'median' })],
    ['op ptp (no partial)', lie({ op: 'ptp' })],
    ['ddof on argmax', lie({ ddof: 1 })],
    ['keptShape of another length', lie({ keptShape: [3, 1] })],
    ['keptShape of more positions', lie({ keptShape: [4] })],
    ['a field of another type', lie({ fields: [['value', 'float32', 24], ['index', 'float64', 24]] })],
    ['a field twice', lie({ fields: [['index', 'float64', 24], ['index', 'float64', 24]] })],
    ['a field missing', lie({ fields: [['value', 'float64', 24]] }, body.subarray(0, 24))],
    ['an extra key', lie({ extra: 1 })],
    ['a missing key', seal(JSON.stringify({ ...head, start: undefined }), body)],
    ['spans that do not add up to rows', lie({ spans: [[0, 1]] })],
    ['spans that overlap', lie({ spans: [[0, 2], [1, 3]], rows: 3 })],
    ['cursor before start', lie({ start: 5, cursor: 2 })],
    ['start -1', lie({ start: -1 })],
    ['not JSON', seal('{"op": ', body)],
    ['JSON, not an object', seal('[1, 2]', body)],
    ['trailing bytes', seal(JSON.stringify(head), new Uint8Array([...body, 0, 0, 0, 0, 0, 0, 0, 0]))],
    ['an index of -1.5', lie({}, (() => { const b = body.slice(); new Float64Array(b.buffer, 24, 3)[1] = -1.5; return b; })())],
    ['a version-1 header with rows: -5', seal(JSON.stringify({ op: 'sum', dtype: 'int32', ndim: 2, axes: [0], all: false, keptShape: [3], rows: -5, ddof: 0, fields: [['sum', 'int128', 48]] }), new Uint8Array(48), 1)],
    ['a version-1 header with dtype int64 over int128', seal(JSON.stringify({ op: 'max', dtype: 'int64', ndim: 1, axes: [0], all: true, keptShape: [], rows: 1, ddof: 0, fields: [['values', 'float64', 8]] }), new Uint8Array(8), 1)],
    ['a flag of 2', seal(JSON.stringify({ ...open2(new Partial('any').push(both).toBytes()).head }), new Uint8Array([2, 0, 0, 0, 0, 0, 0, 0]))],
    ['a count of -1', seal(JSON.stringify({ ...open2(new Partial('countNonzero').push(both).toBytes()).head }), new Uint8Array(new Float64Array([-1]).buffer))],
    ['not bytes', 'NDRPART2' as unknown as Uint8Array],
    ['a Float64Array', new Float64Array(4) as unknown as Uint8Array],
  ];
  for (const [name, bytes] of cases) {
    assert.throws(() => Partial.fromBytes(bytes), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'ERR_NDREDUCE_BAD_OPTION', `${name}: ${e.constructor.name} ${e.code}: ${e.message}`);
      assert.ok(e instanceof TypeError || e instanceof RangeError, name);
      return true;
    });
  }
  // The honest bytes, sealed the same way, load: the liar's checksum is not the check.
  assert.deepEqual(Partial.fromBytes(lie({})).result(), oneShot(both, 'argmax', { axis: 0 }));
});

test('a changed or missing byte anywhere is refused (the checksum)', () => {
  const honest = new Partial('sum', { axis: 0 }).push(both).toBytes();
  for (let k = 0; k < honest.length; k++) {
    const b = honest.slice();
    b[k] ^= 0x20;
    assert.throws(() => Partial.fromBytes(b), CODE, `byte ${k}`);
  }
  for (const n of [0, 8, 12, 16, honest.length - 8, honest.length - 1]) assert.throws(() => Partial.fromBytes(honest.subarray(0, n)), CODE, `cut at ${n}`);
});

test('partials that cannot merge refuse, and change nothing', () => {
  const v = (ddof: number, start: number) => new Partial('var', { ddof, start }).push(f64([[1, 2, 9]]));
  assert.throws(() => v(0, 0).merge(v(1, 1)), { ...CODE, message: /ddof 0 and 1/ });
  assert.throws(() => v(1, 1).merge(v(0, 0)), { ...CODE, message: /ddof 1 and 0/ });
  // Rows counted twice: the same start, overlapping ranges, itself.
  const s = (start: number, rows: number[][]) => new Partial('sum', { axis: 0, start }).push(f64(rows));
  assert.throws(() => s(0, [[1, 2, 3]]).merge(s(0, [[1, 2, 3]])), { ...CODE, message: /rows \[0, 1\) overlap rows \[0, 1\)/ });
  const a = s(0, [[1, 2, 3], [4, 5, 6]]);
  assert.throws(() => a.merge(s(1, [[7, 8, 9]])), { ...CODE, message: /overlap/ });
  assert.throws(() => a.merge(a), { ...CODE, message: /cannot merge itself/ });
  assert.deepEqual(Array.from(a.result() as Float64Array), [5, 7, 9], 'a refused merge leaves the partial as it was');
  // Disjoint ranges merge in any order, gaps included, and pushes continue the partial's own rows.
  const b = s(5, [[1, 1, 1]]).merge(s(2, [[2, 2, 2]])).merge(s(0, [[3, 3, 3]]));
  assert.equal(b.length, 3);
  assert.throws(() => b.merge(s(2, [[0, 0, 0]])), CODE);
  assert.deepEqual(Array.from(b.push(f64([[4, 4, 4]])).result() as Float64Array), [10, 10, 10]);
  const c = s(0, [[1, 1, 1]]).merge(s(1, [[2, 2, 2]]));
  assert.throws(() => c.push(f64([[3, 3, 3]])), { ...CODE, message: /rows \[1, 2\) overlap rows \[0, 2\)/ });
  // Other options, dtypes and shapes.
  assert.throws(() => new Partial('sum', { axis: 0 }).merge(new Partial('sum', { axis: null })), CODE);
  assert.throws(() => new Partial('sum', { axis: 1 }).merge(s(0, [[1, 2, 3]])), CODE);
  assert.throws(() => s(0, [[1, 2, 3]]).merge(new Partial('sum', { axis: 0, start: 1 }).push({ data: new Int32Array(3), shape: [1, 3] })), CODE);
  assert.throws(() => s(0, [[1, 2, 3]]).merge(new Partial('sum', { axis: 0, start: 1 }).push(f64([[1, 2]]))), CODE);
  assert.throws(() => s(0, [[1, 2, 3]]).merge(new Partial('max', { axis: 0, start: 1 }).push(f64([[1, 2, 3]]))), CODE);
  assert.throws(() => s(0, [[1, 2, 3]]).merge({} as Partial), CODE);
});

test('new Partial refuses unknown and inapplicable options', () => {
  assert.throws(() => new Partial('max', { axes: 1 } as object), { code: 'ERR_NDREDUCE_UNKNOWN_OPTION', message: /did you mean 'axis'/ });
  assert.throws(() => new Partial('max', { ddof: 1 }), { ...CODE, message: /ddof applies to/ });
  assert.throws(() => new Partial('max', { axis: [0, 0] }), { ...CODE, message: /names axis 0 twice/ });
  assert.throws(() => new Partial('max', { axis: [0, -2] }).push(both), { ...CODE, message: /names axis 0 twice/ });
  assert.throws(() => new Partial('max', { start: -1 }), CODE);
  assert.throws(() => new Partial('max', { start: 1.5 }), CODE);
  assert.throws(() => new Partial('ptp' as PartialOp), CODE);
});

test('push reads a chunk once: getters that change between reads change nothing', () => {
  let shapeReads = 0;
  const flipShape = { data: new Float64Array([1, 2, 3]), get shape() { return shapeReads++ === 0 ? [3] : [2]; } };
  assert.equal(new Partial('sum').push(flipShape).result(), 6);
  assert.equal(shapeReads, 1);
  let dataReads = 0;
  const flipData = { get data() { return dataReads++ === 0 ? new Float64Array([1, 2]) : new BigInt64Array([1n, 2n]); }, shape: [2] };
  assert.equal(new Partial('sum').push(flipData).result(), 3);
  assert.equal(dataReads, 1);
});

test('chunks of zero rows are taken, first or between others', () => {
  const empty = { data: new Float64Array(0), shape: [0, 3] };
  for (const op of PARTIAL_OPS) {
    const p = new Partial(op, { axis: 0 }).push(empty).push(r1).push(empty).push(r2).push(empty);
    assert.deepEqual(p.result(), oneShot(both, op, { axis: 0 }), op);
    assert.deepEqual(Partial.fromBytes(p.toBytes()).result(), oneShot(both, op, { axis: 0 }), `${op} (bytes)`);
    // Only empty chunks: the reduction of the empty array, as in one shot
    // (zeros for a sum, an error for max).
    const lone = () => new Partial(op, { axis: 0 }).push(empty).push(empty).result();
    let want: unknown;
    try {
      want = oneShot(empty, op, { axis: 0 });
    } catch (e) {
      assert.throws(lone, { code: (e as { code?: string }).code }, op);
      continue;
    }
    assert.deepEqual(lone(), want, `${op} of empty chunks only`);
  }
});
