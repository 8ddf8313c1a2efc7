// The bad-input table: every entry must raise the named error class with its
// code and a message naming the field, the same on every backend and dtype,
// and leave the process healthy for the next call.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';

import { addon } from '../src/addon/load';
import { testHooks } from '../bench/hooks';
import { max, min, sum, transpose } from '../src/index';
import { BACKENDS } from './backends';
import { DTYPES } from './nd-cases';

import { BAD_INPUTS, d6, ok } from './bad-inputs';

for (const backend of BACKENDS) {
  test(`${backend} backend rejects ${BAD_INPUTS.length} bad inputs with typed errors and codes`, () => {
    for (const [name, x, options, error, code, message] of BAD_INPUTS) {
      const opts = options === undefined ? { backend } : typeof options === 'object' ? { backend, ...options } : options;
      assert.throws(() => max(x as never, opts as never), (e: unknown) => {
        assert.ok(e instanceof error, `${name}: expected ${error.name}, got ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
        assert.equal((e as { code?: unknown }).code, code, `${name}: ${(e as Error).message}`);
        assert.match((e as Error).message, message, name);
        return true;
      }, name);
      // The process stays healthy: the next good call works.
      assert.deepEqual(max(ok, { axis: 0, backend }), BigInt64Array.from([4n, 5n, 6n]));
    }
  });
}

test('the same mistake gets the same message and code for every dtype', () => {
  const mistakes: [string, (data: ArrayBufferView) => unknown][] = [
    ['axis out of range', (data) => max({ data, shape: [2, 3] } as never, { axis: 2 })],
    ['axis list out of range', (data) => min({ data, shape: [2, 3] } as never, { axis: [0, -3] })],
    ['shape too big for data', (data) => sum({ data, shape: [3, 3] } as never, { axis: 0 })],
    ['shape too small for data', (data) => sum({ data, shape: [2, 2] } as never, { axis: 0 })],
    ['past the end with an offset', (data) => sum({ data, shape: [2, 3], offset: 1 } as never, { axis: 0 })],
    ['strategy on 3-D', (data) => max({ data, shape: [1, 2, 3] } as never, { axis: 0, strategy: 'mutex' })],
    ['fractional shape', (data) => max({ data, shape: [2, 1.5] } as never, { axis: 0 })],
  ];
  for (const [name, call] of mistakes) {
    const seen = new Set<string>();
    for (const dtype of DTYPES) {
      try {
        call(new dtype.ctor(6));
        assert.fail(`${name}: ${dtype.name} did not throw`);
      } catch (e) {
        seen.add(`${(e as Error).constructor.name} ${(e as { code?: string }).code}: ${(e as Error).message}`);
      }
    }
    assert.equal(seen.size, 1, `${name}: ${[...seen].join(' | ')}`);
  }
});

test('unusual but valid inputs', () => {
  const oddities: [string, unknown, unknown, BigInt64Array][] = [
    ['frozen view object', Object.freeze({ data: d6(), shape: Object.freeze([2, 3]) }), undefined, BigInt64Array.from([4n, 5n, 6n])],
    ['data over a SharedArrayBuffer', { data: new BigInt64Array(new SharedArrayBuffer(48)).fill(7n), shape: [2, 3] }, undefined, BigInt64Array.from([7n, 7n, 7n])],
    ['subarray with a byteOffset', { data: d6().subarray(2), shape: [2, 2] }, undefined, BigInt64Array.from([5n, 6n])],
    ['view of length 1', { data: new BigInt64Array([-5n]), shape: [1, 1] }, undefined, BigInt64Array.from([-5n])],
    ['0 rows on axis 1: an empty result', { data: new BigInt64Array(0), shape: [0, 3] }, { axis: 1 }, new BigInt64Array(0)],
    ['0 rows of a larger data under an offset', { data: d6(), shape: [0, 3], offset: 6 }, { axis: 1 }, new BigInt64Array(0)],
    ['a part of data under explicit strides', { data: d6(), shape: [2, 2], strides: [2, 1] }, undefined, BigInt64Array.from([3n, 4n])],
    ['a part of data under an offset', { data: d6(), shape: [2, 2], offset: 2 }, undefined, BigInt64Array.from([5n, 6n])],
    ['the scijs stride field over a part of data', { data: d6(), shape: [2, 1], stride: [2, 1] }, undefined, BigInt64Array.from([3n])],
    ['stride -0 is 0 (scijs step(-1) of one element)', { data: d6(), shape: [2, 3], strides: [-0, 1] }, undefined, BigInt64Array.from([1n, 2n, 3n])],
    ['axis -0 is 0', ok, { axis: -0 }, BigInt64Array.from([4n, 5n, 6n])],
    ['shape and strides as typed arrays', { data: d6(), shape: Int32Array.of(2, 3), strides: Int32Array.of(1, 2) }, undefined, BigInt64Array.from([2n, 4n, 6n])],
  ];
  for (const backend of BACKENDS) {
    for (const [name, x, options, expected] of oddities) {
      assert.deepEqual(max(x as never, { axis: 0, ...(options as object), backend }), expected, `${backend}: ${name}`);
    }
  }
});

test('transpose validates its input', () => {
  assert.throws(() => transpose({ data: d6(), shape: [3, 3] }), { name: 'TypeError', code: 'ERR_NDREDUCE_BAD_ARRAY', message: 'x.shape [3, 3] needs 9 elements; x.data has 6' });
  assert.throws(() => transpose({ data: d6(), shape: [3, 3], strides: [3, 1] }), { name: 'RangeError', code: 'ERR_NDREDUCE_OUT_OF_BOUNDS' });
});

test('the addon re-checks the packed layout itself and never reads out of bounds', { skip: addon() ? false : 'no addon' }, () => {
  const native = addon()!;
  const d = d6();
  // [threads, offset, ndim, shape, strides, naxes, axes]
  const raw: [string, number[], string][] = [
    ['one past the end', [0, 1, 2, 2, 3, 3, 1, 1, 0], 'ERR_NDREDUCE_OUT_OF_BOUNDS'],
    ['negative offset', [0, -1, 1, 1, 1, 1, 0], 'ERR_NDREDUCE_NEGATIVE'],
    ['fractional shape', [0, 0, 1, 1.5, 1, 1, 0], 'ERR_NDREDUCE_NOT_INTEGER'],
    ['NaN stride', [0, 0, 2, 2, 3, NaN, 1, 1, 0], 'ERR_NDREDUCE_NOT_INTEGER'],
    ['overflowing shape', [0, 0, 2, 2 ** 52, 2 ** 52, 0, 0, 1, 0], 'ERR_NDREDUCE_SHAPE_OVERFLOW'],
    ['before the start', [0, 2, 2, 2, 3, -3, 1, 1, 0], 'ERR_NDREDUCE_OUT_OF_BOUNDS'],
    ['bad axis', [0, 0, 2, 2, 3, 3, 1, 1, 5], 'ERR_NDREDUCE_BAD_OPTION'],
    ['threads too many', [5000, 0, 2, 2, 3, 3, 1, 1, 0], 'ERR_NDREDUCE_BAD_OPTION'],
    ['wrong length', [0, 0, 2, 2, 3, 3, 1, 1], 'ERR_NDREDUCE_BAD_OPTION'],
    ['zero rows', [0, 0, 2, 0, 3, 3, 1, 1, 0], 'ERR_NDREDUCE_ZERO_SIZE'],
  ];
  for (const [name, layout, code] of raw) {
    assert.throws(() => native.reduce(d, Float64Array.from(layout), 'max', 'auto'), (e: unknown) => {
      assert.ok(e instanceof TypeError || e instanceof RangeError, `${name}: ${(e as Error).message}`);
      assert.equal((e as { code?: string }).code, code, `${name}: ${(e as Error).message}`);
      return true;
    });
  }
  assert.throws(() => native.reduce(d, Float64Array.from([0, 0, 2, 2, 3, 3, 1, 1, 0]), 'fast' as never, 'auto'), { code: 'ERR_NDREDUCE_BAD_OPTION' });
});

// Published binaries leave the hook out; CI's job that tests them says so
// with NDREDUCE_RELEASE_BINARY=1. Anywhere else a missing hook fails here.
const released = process.env.NDREDUCE_RELEASE_BINARY === '1';
test('a panic inside a Rust kernel surfaces as an Error with a code, not an abort', { skip: !addon() ? 'no addon' : released && !testHooks() ? 'a release binary: no test hooks' : false }, () => {
  const hooks = testHooks();
  assert.ok(hooks, 'the addon was built without its test hooks: npm run build:native');
  assert.throws(() => hooks._panicInKernel(), (e: unknown) => {
    assert.equal((e as NodeJS.ErrnoException).code, 'ERR_NDREDUCE_PANIC');
    return true;
  });
  assert.deepEqual(max(ok, { axis: 0 }), BigInt64Array.from([4n, 5n, 6n]));
});

test('a result too large to allocate is a RangeError, not a process abort', () => {
  const x = { data: new BigInt64Array(4), shape: [1, 2 ** 50], strides: [0, 0] };
  for (const backend of BACKENDS) {
    assert.throws(() => max(x, { axis: 0, backend }), { name: 'RangeError', code: 'ERR_NDREDUCE_TOO_LARGE', message: /cannot be allocated/ });
  }
  assert.deepEqual(max(ok, { axis: 0 }), BigInt64Array.from([4n, 5n, 6n]));
});
