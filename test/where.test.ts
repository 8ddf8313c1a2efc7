// `where`: fast-check properties (a mask of ones is no mask; a mask is the
// reduction of the elements it keeps) on both backends, sync and async,
// and the bad masks: each a coded error naming options.where, before any work.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import fc from 'fast-check';

import * as api from '../src/index';
import { DTYPES, fillValues, sameResult } from './nd-cases';

type Fn = (x: unknown, o?: unknown) => unknown;
const fn = (name: string) => (api as unknown as Record<string, Fn>)[name];

const OPS = ['min', 'max', 'nanmin', 'nanmax', 'ptp', 'sum', 'nansum', 'prod', 'mean', 'nanmean', 'var', 'std', 'argmin', 'argmax', 'any', 'all', 'countNonzero'];
const ROUNDED = new Set(['sum', 'nansum', 'prod', 'mean', 'nanmean', 'var', 'std']);
const BACKENDS = ['native', 'js'] as const;

const shapes = fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 3 });

test('where: a mask of ones gives the unmasked result (every dtype, op, axis, backend)', () => {
  fc.assert(
    fc.property(fc.constantFrom(...DTYPES), shapes, fc.constantFrom(...OPS), fc.constantFrom(...BACKENDS), fc.integer({ min: 0, max: 1000 }), fc.boolean(), (dtype, shape, op, backend, seed, keepdims) => {
      const n = shape.reduce((a, b) => a * b, 1);
      const x = { data: fillValues(dtype, n, seed, seed % 2 === 0), shape };
      const axis = seed % 3 === 0 ? null : (seed % shape.length) - (seed % 2 ? shape.length : 0);
      const ones = { data: new Int32Array(n).fill(-1), shape };
      const run = (o: object) => {
        try {
          return fn(op)(x, { axis, keepdims, backend, ...o });
        } catch (e) {
          return (e as Error & { code?: string }).code;
        }
      };
      sameResult(run({ where: ones }), run({}), `${dtype.name} ${op} ${JSON.stringify(shape)} axis ${axis} ${backend}`, ROUNDED.has(op));
    }),
    { numRuns: 300, seed: 19 },
  );
});

test('where: a mask equals the reduction of the elements it keeps (sync and async)', async () => {
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...DTYPES), fc.uint8Array({ minLength: 1, maxLength: 40 }), fc.constantFrom(...OPS), fc.constantFrom(...BACKENDS), fc.boolean(), async (dtype, bits, op, backend, async) => {
      const n = bits.length;
      const data = fillValues(dtype, n, n, n % 2 === 0);
      const keep = bits.map((b) => b & 1);
      const kept: number[] = [];
      keep.forEach((k, i) => k && kept.push(i));
      const selected = new dtype.ctor(kept.length) as unknown as { [i: number]: unknown };
      kept.forEach((i, j) => (selected[j] = (data as unknown as { [i: number]: unknown })[i]));
      const call = (x: unknown, o: object) =>
        async ? (fn(`${op}Async`) as (x: unknown, o: unknown) => Promise<unknown>)(x, { backend, ...o }) : Promise.resolve().then(() => fn(op)(x, { backend, ...o }));
      const outcome = (p: Promise<unknown>) => p.then((v) => ({ v }), (e: Error & { code?: string }) => ({ e: e.code }));
      // A 2-D [1, n] x with the mask as its one row, reduced along axis 1.
      const got = await outcome(call({ data, shape: [1, n] }, { axis: 1, where: keep }));
      const want = await outcome(call(selected, { axis: 0, keepdims: true }));
      const where = `${dtype.name} ${op} keep ${keep.join('')} ${backend}${async ? ' async' : ''}`;
      if ('e' in want) {
        assert.ok('e' in got, `${where}: ${JSON.stringify(got)}`);
        return;
      }
      assert.ok('v' in got, `${where}: raised ${'e' in got ? got.e : ''}`);
      let w = (want.v as { data: unknown }).data;
      if (op === 'argmin' || op === 'argmax') w = Float64Array.from(w as Float64Array, (j) => kept[j]);
      sameResult(got.v, w, where, ROUNDED.has(op));
    }),
    { numRuns: 300, seed: 19 },
  );
});

test('where: a lane that keeps nothing follows the op\'s empty rule', () => {
  const x = { data: new Float64Array([1, 2, 3, 4, 5, 6]), shape: [2, 3] };
  const where = [[true, false, true], [false, false, false]];
  for (const backend of BACKENDS) {
    const o = { axis: 1, where, backend };
    for (const op of ['max', 'min', 'ptp', 'argmax', 'argmin']) {
      assert.throws(() => fn(op)(x, o), { name: 'RangeError', code: 'ERR_NDREDUCE_ZERO_SIZE', message: /options\.where keeps no element at output index 1/ }, `${op} ${backend}`);
    }
    assert.deepEqual(api.max(x, { ...o, initial: 0 }), new Float64Array([3, 0]));
    assert.deepEqual(api.sum(x, o), new Float64Array([4, 0]));
    assert.deepEqual(api.prod(x, o), new Float64Array([3, 1]));
    assert.deepEqual(api.any(x, o), new Uint8Array([1, 0]));
    assert.deepEqual(api.all(x, o), new Uint8Array([1, 1]));
    assert.deepEqual(api.countNonzero(x, o), new Float64Array([2, 0]));
    const mean = api.mean(x, o) as Float64Array;
    assert.equal(mean[0], 2);
    assert.ok(Number.isNaN(mean[1]));
    assert.ok(Number.isNaN((api.std(x, o) as Float64Array)[1]));
    // The index along the reduced axis, as without a mask.
    assert.deepEqual(api.argmax(x, { axis: 1, where: [1, 0, 1] as never, backend }), new Float64Array([2, 2]));
  }
});

test('where: bad masks are coded errors naming options.where', () => {
  const x = { data: new Float64Array(6), shape: [2, 3] };
  const bad: [unknown, object][] = [
    [{ data: new Uint8Array(2), shape: [2] }, { name: 'RangeError', code: 'ERR_NDREDUCE_BAD_OPTION', message: /options\.where of shape \[2\] does not broadcast to x's shape \[2, 3\]/ }],
    [{ data: new Uint8Array(12), shape: [2, 2, 3] }, { name: 'RangeError', code: 'ERR_NDREDUCE_BAD_OPTION', message: /options\.where of shape \[2, 2, 3\] does not broadcast/ }],
    [{ data: [1, 0, 1], shape: [3] }, { name: 'TypeError', code: 'ERR_NDREDUCE_BAD_ARRAY', message: /options\.where\.data must be a numeric typed array/ }],
    [{ data: new Uint8Array(3), shape: [3], strides: [2], offset: 0 }, { name: 'RangeError', code: 'ERR_NDREDUCE_OUT_OF_BOUNDS', message: /options\.where\.strides \[2\]/ }],
    [{ data: new Uint8Array(4), shape: [3] }, { name: 'TypeError', code: 'ERR_NDREDUCE_BAD_ARRAY', message: /options\.where\.shape \[3\] needs 3 elements; options\.where\.data has 4/ }],
    [[[true, false, true], [true]], { name: 'TypeError', code: 'ERR_NDREDUCE_BAD_ARRAY', message: /options\.where\[1\] has 1 entry/ }],
    [['yes', 'no', 'yes'], { name: 'TypeError', code: 'ERR_NDREDUCE_BAD_ARRAY', message: /options\.where\[0\] must be a number/ }],
    [5, { name: 'TypeError', code: 'ERR_NDREDUCE_BAD_ARRAY', message: /^options\.where must be an object/ }],
    [{ get data() { throw new Error('boom'); }, shape: [3] }, { code: 'ERR_NDREDUCE_BAD_ARRAY', message: /options\.where/ }],
  ];
  for (const backend of BACKENDS) {
    bad.forEach(([where, error], k) => {
      assert.throws(() => api.sum(x, { axis: 1, where, backend } as never), error, `${backend} mask ${k}`);
    });
  }
  assert.throws(() => api.max({ data: new BigInt64Array(6), shape: [2, 3] }, { axis: 0, where: new Uint8Array(6), strategy: 'serial' }), { name: 'TypeError', code: 'ERR_NDREDUCE_BAD_OPTION' });
});

test('where: options.where is read once, and async rejects what sync throws', async () => {
  let reads = 0;
  const options = {
    get where() {
      reads++;
      return new Uint8Array([1, 0, 1]);
    },
  };
  assert.equal(api.sum(new Float64Array([1, 2, 3]), options), 4);
  assert.equal(reads, 1);
  assert.equal(await api.sumAsync(new Float64Array([1, 2, 3]), options), 4);
  assert.equal(reads, 2);
  await assert.rejects(api.maxAsync(new Float64Array([1, 2]), { where: [false, false] }), { code: 'ERR_NDREDUCE_ZERO_SIZE' });
  await assert.rejects(api.sumAsync(new Float64Array(6), { where: { data: new Uint8Array(2), shape: [2] } }), { code: 'ERR_NDREDUCE_BAD_OPTION' });
});

test('where: a byte mask keeps every non-zero byte, as its 0/1 form does (the row order reads the bytes in place)', () => {
  const rows = 9, cols = 1100;
  const data = Float64Array.from({ length: rows * cols }, (_, k) => ((k * 7919) % 1009) - 504);
  const bytes = Uint8Array.from({ length: rows * cols }, (_, k) => [0, 1, 2, 255, 0, 128][(k * 31) % 6]);
  const ones = Uint8Array.from(bytes, (b) => (b !== 0 ? 1 : 0));
  const x = { data, shape: [rows, cols] };
  for (const op of ['max', 'min', 'sum', 'mean', 'var', 'countNonzero', 'argmax'] as const) {
    for (const axis of [0, 1]) {
      const got = api[op](x, { axis, where: { data: bytes, shape: [rows, cols] } } as never);
      const want = api[op](x, { axis, where: { data: ones, shape: [rows, cols] } } as never);
      assert.deepEqual(got, want, `${op} axis ${axis}`);
    }
  }
});
