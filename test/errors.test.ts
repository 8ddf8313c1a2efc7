// The bad-input table: every entry must raise the named error class with a
// message naming the field, and leave the process healthy for the next call.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';

import { max, transpose } from '../src/index';
import { loadNative } from '../src/native';
import { BACKENDS } from './backends';

import { BAD_INPUTS, d6, ok } from './bad-inputs';

for (const backend of BACKENDS) {
  test(`${backend} backend rejects ${BAD_INPUTS.length} bad inputs with typed errors`, () => {
    for (const [name, x, options, error, message] of BAD_INPUTS) {
      const opts = options === undefined ? { backend } : typeof options === 'object' ? { backend, ...options } : options;
      assert.throws(() => max(x as never, opts as never), (e: unknown) => {
        assert.ok(e instanceof error, `${name}: expected ${error.name}, got ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
        assert.match((e as Error).message, message, name);
        return true;
      }, name);
      // The process stays healthy: the next good call works.
      assert.deepEqual(max(ok, { backend }), BigInt64Array.from([4n, 5n, 6n]));
    }
  });
}

const VALID_ODDITIES: [string, unknown, BigInt64Array][] = [
  ['frozen view object', Object.freeze({ data: d6(), shape: Object.freeze([2, 3]) }), BigInt64Array.from([4n, 5n, 6n])],
  ['data over a SharedArrayBuffer', { data: new BigInt64Array(new SharedArrayBuffer(48)).fill(7n), shape: [2, 3] }, BigInt64Array.from([7n, 7n, 7n])],
  ['subarray with a byteOffset', { data: d6().subarray(2), shape: [2, 2] }, BigInt64Array.from([5n, 6n])],
  ['view of length 1', { data: new BigInt64Array([-5n]), shape: [1, 1] }, BigInt64Array.from([-5n])],
  ['0 x 0 on axis 1 is still an error-free 0 rows result', { data: d6(), shape: [0, 3] }, new BigInt64Array(0)],
];

for (const backend of BACKENDS) {
  test(`${backend} backend accepts unusual but valid inputs`, () => {
    for (const [name, x, expected] of VALID_ODDITIES) {
      const axis = name.startsWith('0 x 0') ? 1 : 0;
      assert.deepEqual(max(x as never, { axis, backend }), expected, name);
    }
  });
}

test('transpose validates its input', () => {
  assert.throws(() => transpose({ data: d6(), shape: [3, 3] }), RangeError);
});

test('the addon re-checks views itself and never reads out of bounds', () => {
  const addon = loadNative().addon!;
  const d = d6();
  const raw: [string, unknown[], typeof TypeError | typeof RangeError, RegExp][] = [
    ['one past the end', [d, 2, 3, 3, 1, 1, 0, 'auto'], RangeError, /outside data of length 6/],
    ['negative offset', [d, 1, 1, 1, 1, -1, 0, 'auto'], RangeError, /offset must be non-negative/],
    ['fractional shape', [d, 1.5, 1, 1, 1, 0, 0, 'auto'], TypeError, /shape\[0\] must be a safe integer, got 1.5/],
    ['NaN stride', [d, 2, 3, NaN, 1, 0, 0, 'serial'], TypeError, /strides\[0\].*NaN/],
    ['overflowing shape', [d, 2 ** 52, 2 ** 52, 0, 0, 0, 0, 'auto'], RangeError, /more elements than can be addressed/],
    ['before the start', [d, 2, 3, -3, 1, 2, 0, 'lockfree'], RangeError, /addresses element -1/],
    ['bad axis', [d, 2, 3, 3, 1, 0, 5, 'auto'], RangeError, /axis/],
    ['bad strategy', [d, 2, 3, 3, 1, 0, 0, 'fast'], TypeError, /strategy/],
    ['threads 0', [d, 2, 3, 3, 1, 0, 0, 'mutex', 0], RangeError, /threads/],
    ['zero rows', [d, 0, 3, 3, 1, 0, 0, 'auto'], RangeError, /zero-size array/],
  ];
  for (const [name, args, error, message] of raw) {
    assert.throws(() => (addon.maxI64 as (...a: unknown[]) => unknown)(...args), (e: unknown) => {
      assert.ok(e instanceof error, `${name}: got ${(e as Error).constructor.name}: ${(e as Error).message}`);
      assert.match((e as Error).message, message, name);
      return true;
    });
  }
});

test('a panic inside a Rust kernel surfaces as an Error, not an abort', () => {
  const addon = loadNative().addon!;
  assert.throws(() => addon._panicInKernel(), (e: unknown) => {
    assert.equal((e as NodeJS.ErrnoException).code, 'ERR_NDREDUCE_PANIC');
    assert.match((e as Error).message, /deliberate test panic/);
    return true;
  });
  assert.deepEqual(max(ok), BigInt64Array.from([4n, 5n, 6n]));
});

test('a result too large to allocate is a RangeError, not a process abort', () => {
  const x = { data: new BigInt64Array(4), shape: [1, 2 ** 50], strides: [0, 0] };
  assert.throws(() => max(x, { strategy: 'auto' }), { name: 'RangeError', message: /cannot be allocated/ });
  assert.deepEqual(max(ok), BigInt64Array.from([4n, 5n, 6n]));
});
