// The public signatures: these assignments only compile when each function
// returns the documented type for its input, axis, dtype, keepdims and out
// options, so `tsc` is the test; the runtime half checks the values have
// those types.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { all, any, argmax, argmaxAsync, countNonzero, loadNpy, max, maxAsync, maxColumns, mean, meanColumns, min, minmax, nanmax, parseNpy, Partial, prod, reduceChunks, reduceColumns, reduceFile, reduceZarr, saveNpy, std, sum, sumAsync } from '../src/index';
import type { NdArrayLike } from '../src/index';

const f32 = { data: new Float32Array([1, 4, 3, 2]), shape: [2, 2] };
const u16 = { data: new Uint16Array([1, 4, 3, 2]), shape: [4] };
const i64 = { data: BigInt64Array.from([1n, 4n, 3n, 2n]), shape: [2, 2] };

test('signatures follow dtype, axis, dtype, keepdims and out', async () => {
  const a: Float32Array = max(f32, { axis: 0 });
  const b: number = max(f32);
  const c: Float32Array = nanmax(f32, { axis: [0, 1] });
  const d: bigint = min(i64, { axis: null });
  const e: BigUint64Array = sum(u16, { axis: 0 });
  const f: bigint = sum(u16);
  const g: Float64Array = sum(f32, { axis: 1 });
  const h: number = sum(f32, { axis: null });
  const i: Float64Array = argmax(i64, { axis: 0 });
  const j: number = argmax(u16);
  const k: { min: Float32Array; max: Float32Array } = minmax(f32, { axis: 0 });
  const l: { min: bigint; max: bigint } = minmax(i64);
  const m: BigInt64Array = max(i64, { axis: 1, strategy: 'serial', backend: 'js' });
  const n: Float64Array = await sumAsync(f32, { axis: 0 });
  const o: number = await argmaxAsync(f32, { axis: null });
  const p: BigInt64Array = await maxAsync(i64, { axis: 0, strategy: 'lockfree' });
  const q: bigint = await maxAsync(i64);
  const r: number = sum(u16, { dtype: 'float64' });
  const s: Float64Array = prod(i64, { axis: 0, dtype: 'float64' });
  const t: number = mean(i64);
  const u: Float64Array = std(f32, { axis: 1, ddof: 1 });
  const v: boolean = any(f32);
  const w: Uint8Array = all(f32, { axis: 0 });
  const x: number = countNonzero(u16);
  const y: NdArrayLike<Float32Array> = max(f32, { axis: 1, keepdims: true });
  const z: Float64Array = mean(f32, { axis: 0, out: new Float64Array(2) });
  const aa: number = max(new Int8Array([1, 2]));
  const bb: number = max([[1, 2], [3, 4]]);
  const cc: bigint = sum([1n, 2n]);
  const dd: Float64Array = max([[1, 2], [3, 4]], { axis: 0 });
  assert.deepEqual(
    [a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p, q, r, s, t, u, v, w, x, y, z, aa, bb, cc, dd].map((value) =>
      ArrayBuffer.isView(value) ? value.constructor.name : typeof value,
    ),
    [
      'Float32Array', 'number', 'Float32Array', 'bigint', 'BigUint64Array', 'bigint', 'Float64Array', 'number', 'Float64Array', 'number',
      'object', 'object', 'BigInt64Array', 'Float64Array', 'number', 'BigInt64Array', 'bigint', 'number', 'Float64Array', 'number',
      'Float64Array', 'boolean', 'Uint8Array', 'number', 'object', 'Float64Array', 'number', 'number', 'bigint', 'Float64Array',
    ],
  );
});

test('a list\'s scalar follows its elements; an empty list is float64, as at run time', () => {
  const a: number = max([], { initial: 0 });
  const b: number = sum([]);
  const c: number = sum([[]]);
  const d: bigint = sum([1n, 2n]);
  const e: Float64Array = sum([[1, 2]], { axis: 0 });
  assert.deepEqual([a, b, c, d, e].map((v) => (ArrayBuffer.isView(v) ? v.constructor.name : typeof v)), ['number', 'number', 'number', 'bigint', 'Float64Array']);
});

test('loadNpy and parseNpy with expect: typed by the class named, checked against the file', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ndreduce-types-'));
  try {
    const file = path.join(dir, 'a.npy');
    saveNpy(file, { data: new Int32Array([1, 9, 4, 2]), shape: [2, 2] });
    const arr = loadNpy(file, { expect: Int32Array });
    const m: Int32Array = max(arr, { axis: 1 });
    const s: bigint = sum(arr);
    const p = parseNpy(fs.readFileSync(file), { expect: Int32Array, shared: true });
    const q: Int32Array = p.data;
    assert.deepEqual([m.constructor.name, typeof s, q.constructor.name], ['Int32Array', 'bigint', 'Int32Array']);
    // Without expect: a union, which the reductions carry through.
    const any_ = loadNpy(file);
    const r: Int32Array | Float64Array | BigInt64Array | Int8Array | Int16Array | Uint8Array | Uint8ClampedArray | Uint16Array | Uint32Array | BigUint64Array | Float32Array = max(any_, { axis: 0 });
    assert.ok(ArrayBuffer.isView(r));
    assert.throws(() => loadNpy(file, { expect: Float64Array }), { name: 'TypeError', code: 'ERR_NDREDUCE_BAD_NPY', message: /holds <i4 \(read as Int32Array\), not the Float64Array options.expect names/ });
    assert.throws(() => loadNpy(file, { expect: Array } as never), { code: 'ERR_NDREDUCE_BAD_OPTION', message: /options.expect must be a typed array class/ });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('reduceFile, reduceChunks and Partial type their results from the op and the options', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ndreduce-types-'));
  try {
    const file = path.join(dir, 'f.npy');
    saveNpy(file, { data: new Float64Array([1, 5, 3, 4, 2, 6]), shape: [2, 3] });
    const a: Float64Array = await reduceFile(file, 'max', { axis: 0, expect: Float64Array });
    const b: Float64Array = await reduceFile(file, 'mean', { axis: 1 });
    const c: number = await reduceFile(file, 'argmax');
    const chunk = { data: new Int32Array([1, 2, 3]), shape: [1, 3] };
    const d: BigInt64Array = await reduceChunks([chunk, chunk], 'sum', { axis: 0 });
    const e: number = await reduceChunks([chunk], 'mean');
    const f: Float64Array = new Partial('var', { axis: 0 }).push(chunk).result();
    const g = Partial.fromBytes(new Partial('std', { axis: 0 }).push(chunk).toBytes()).result();
    assert.deepEqual([a, b, c, d, e, f, g].map((v) => (ArrayBuffer.isView(v) ? v.constructor.name : typeof v)), ['Float64Array', 'Float64Array', 'number', 'BigInt64Array', 'number', 'Float64Array', 'Float64Array']);
    await assert.rejects(reduceFile(file, 'max', { expect: Int32Array }), { name: 'TypeError', code: 'ERR_NDREDUCE_BAD_NPY', message: /holds <f8 \(read as Float64Array\), not the Int32Array options.expect names/ });
    await assert.rejects(reduceFile(file, 'max', { expect: Date } as never), { code: 'ERR_NDREDUCE_BAD_OPTION' });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// Options a reduction does not take, and ops an entry does not offer, are
// compile errors: tsc checks these lines, which never run.
export function refusedByTypes(t: import('../src/merge/arrow').ArrowTableLike): void {
  // @ts-expect-error max takes no ddof
  max(f32, { ddof: 1 });
  // @ts-expect-error not even beside options it takes
  max(f32, { axis: 0, ddof: 1 });
  // @ts-expect-error sum takes no initial
  sum(u16, { axis: 0, initial: 0 });
  // @ts-expect-error prod has no column reduction
  reduceColumns(t, 'prod');
  // @ts-expect-error no such reduction
  void reduceFile('x.npy', 'maximum');
  const file: Promise<number | Float64Array | NdArrayLike<Float64Array>> = reduceFile('x.npy', 'nanmean');
  const part: number | Float64Array | NdArrayLike<Float64Array> = new Partial('std').result();
  // Typed, not any: a wrong result type is refused.
  // @ts-expect-error a file's mean is float64, never int64
  const fileWrong: Promise<BigInt64Array> = reduceFile('x.npy', 'mean');
  // @ts-expect-error a partial's std is float64, never int64
  const partWrong: BigInt64Array = new Partial('std').result();
  void fileWrong;
  void partWrong;
  // reduceZarr's results by op and options, as reduceFile's: by label, { data, shape }.
  const zarrMean: Promise<NdArrayLike<Float64Array>> = reduceZarr('x.zarr', 'mean', { axis: 0, by: [0, 1, 0] });
  const zarrArg: Promise<number> = reduceZarr('x.zarr', 'argmax');
  // @ts-expect-error by labels give { data, shape }, not an array
  const zarrFlat: Promise<Float64Array> = reduceZarr('x.zarr', 'mean', { axis: 0, by: [0, 1, 0] });
  void file;
  void part;
  void zarrMean;
  void zarrArg;
  void zarrFlat;
  // Column results are typed per op.
  const price: number | bigint | null = maxColumns(t).price;
  const avg: number = meanColumns(t).price;
  const range: { min: number | bigint; max: number | bigint } | null = reduceColumns(t, 'minmax').price;
  const at: number | null = reduceColumns(t, 'argmax').price;
  // @ts-expect-error a max column is a scalar, never { min, max }
  const wrong: { min: number } = maxColumns(t).price;
  // @ts-expect-error a column's max may be null (no valid value)
  const notNull: number | bigint = maxColumns(t).price;
  // @ts-expect-error expect names a typed array class
  loadNpy('x.npy', { expect: Array });
  // @ts-expect-error the array is typed by expect
  const i8: Int8Array = loadNpy('x.npy', { expect: Int32Array }).data;
  void [price, avg, range, at, wrong, notNull, i8];
}
