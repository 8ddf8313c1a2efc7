// The wasm backend's own memory: arrays allocated inside the module are read
// in place, views are refreshed after memory grows, and the 4 GiB limit of a
// 32-bit memory is a RangeError that names the size.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';

import { max, maxAsync, transpose, wasmAlloc, wasmCopy } from '../src/index';
import { referenceMax } from './oracle';
import { values } from './cases';

test('wasmAlloc gives a zeroed array in module memory that max reads in place', () => {
  const a = wasmAlloc(40, 30);
  assert.deepEqual(a.shape, [40, 30]);
  assert.equal(a.data.length, 1200);
  assert.ok(a.data.every((v) => v === 0n));
  a.data.set(values(1200, 5));
  const expected0 = referenceMax(a, 0);
  const expected1 = referenceMax(a, 1);
  for (const strategy of ['auto', 'serial', 'mutex', 'lockfree'] as const) {
    assert.deepEqual(max(a, { axis: 0, backend: 'wasm', strategy }), expected0, strategy);
    assert.deepEqual(max(a, { backend: 'wasm', strategy, axis: 1 }), expected1, strategy);
    assert.deepEqual(max(transpose(a), { axis: 0, backend: 'wasm', strategy }), expected1, `transposed ${strategy}`);
  }
  // The same memory, read by the other backends, agrees.
  assert.deepEqual(max(a, { axis: 0, backend: 'js' }), expected0);
  assert.deepEqual(max(a, { axis: 0, backend: 'native' }), expected0);
  // In place: a write through data is seen by the next call.
  a.data.fill(-5n);
  a.data[30 * 39 + 7] = 2n ** 62n;
  const after = max(a, { axis: 0, backend: 'wasm' });
  assert.equal(after[7], 2n ** 62n);
  assert.equal(after[6], -5n);
  a.free();
  assert.throws(() => a.data, { code: 'ERR_NDREDUCE_FREED', message: /freed/ });
  for (const backend of ['wasm', 'js', 'native'] as const) {
    assert.throws(() => max(a, { axis: 0, backend }), { name: 'Error', code: 'ERR_NDREDUCE_FREED', message: /this wasm array was freed/ }, backend);
  }
  assert.throws(() => wasmCopy(a), { code: 'ERR_NDREDUCE_FREED' });
});

test('regression: 2^31 rows or more (a broadcast view) are not wrapped to 32 bits', () => {
  const data = BigInt64Array.from([3n, -7n, 5n, 9n]);
  const cases: [string, object, number, bigint[]][] = [
    ['2^31 repeated rows', { data, shape: [2 ** 31, 2], strides: [0, 1] }, 0, [3n, -7n]],
    ['2^32 + 3 repeated rows, axis 1', { data, shape: [2, 2 ** 32 + 3], strides: [2, 0], offset: 1 }, 1, [-7n, 9n]],
    ['2^31 rows and 2^20 repeated columns', { data, shape: [2 ** 31, 2 ** 20], strides: [0, 0], offset: 3 }, 0, [9n]],
  ];
  for (const [name, x, axis, head] of cases) {
    for (const strategy of ['auto', 'serial'] as const) {
      const out = max(x as never, { backend: 'wasm', axis, strategy }) as BigInt64Array;
      assert.deepEqual([...out.subarray(0, head.length)], head, `${name} ${strategy}`);
      if (out.length > 2) assert.equal(out[out.length - 1], head[head.length - 1], `${name}: the last repeated column`);
    }
  }
});

test('regression: a spoofed byteOffset cannot make the wasm backend read another array', () => {
  const a = wasmAlloc(2, 2);
  const b = wasmAlloc(2, 2);
  a.data.set([1n, 2n, 3n, 4n]);
  b.data.set([100n, 200n, 300n, 400n]);
  const view = a.data;
  const bOffset = b.data.byteOffset;
  Object.defineProperty(view, 'byteOffset', { value: bOffset });
  Object.defineProperty(view, 'length', { value: 1 << 20 });
  Object.defineProperty(view, 'buffer', { value: new ArrayBuffer(8) });
  assert.deepEqual(max({ data: view, shape: [2, 2] }, { axis: 0, backend: 'wasm' }), BigInt64Array.from([3n, 4n]));
  a.free();
  b.free();
});

test('views of module memory are refreshed when memory grows', () => {
  const small = wasmAlloc(2, 3);
  small.data.set([1n, 9n, 3n, 4n, 2n, 6n]);
  const stale = small.data;
  // Enough to grow the memory, which detaches every earlier view of it.
  const big = wasmAlloc(1024, 1024);
  assert.equal(stale.length, 0, 'an old view of grown memory reads as empty');
  assert.deepEqual(max(small, { axis: 0, backend: 'wasm' }), BigInt64Array.from([4n, 9n, 6n]));
  assert.deepEqual(small.data, BigInt64Array.from([1n, 9n, 3n, 4n, 2n, 6n]));
  // The input is addressed before the output is allocated, even when that
  // allocation grows memory: a wide axis-1 output on a freshly grown heap.
  big.data.fill(-3n);
  big.data[1024 * 1024 - 1] = 5n;
  const wide = max(big, { backend: 'wasm', axis: 1 });
  assert.equal(wide.length, 1024);
  assert.equal(wide[1023], 5n);
  assert.equal(wide[0], -3n);
  big.free();
  small.free();
});

test('freed memory is reused', () => {
  const a = wasmAlloc(100, 100);
  a.data.fill(7n);
  a.free();
  const b = wasmAlloc(100, 100);
  assert.ok(b.data.every((v) => v === 0n), 'a reused block is zeroed');
  b.free();
});

test('wasmCopy copies any view, keeping dense layouts and packing sparse ones', () => {
  const data = values(67 * 1031 + 9, 2);
  const cases = [
    { data: data.subarray(0, 67 * 1031), shape: [67, 1031] },
    { data, shape: [1031, 67], strides: [1, 1031] },
    { data, shape: [67, 1031], strides: [-1031, -1], offset: 67 * 1031 - 1 },
    { data, shape: [3, 4], strides: [20000, 7], offset: 5 },
    { data: data.subarray(0, 0), shape: [0, 4] },
  ];
  for (const x of cases) {
    const c = wasmCopy(x);
    assert.notEqual(c.data.buffer, data.buffer);
    for (const axis of [0, 1] as const) {
      if (x.shape[axis] === 0) continue;
      assert.deepEqual(max(c, { backend: 'wasm', axis }), referenceMax(x, axis), `${JSON.stringify(x.shape)} axis ${axis}`);
    }
    c.free();
  }
  const sparse = wasmCopy(cases[3]);
  assert.deepEqual(sparse.strides, [4, 1], 'a sparse view is packed');
  assert.equal(sparse.data.length, 12);
  sparse.free();
});

test('more than 4 GiB of wasm memory is a RangeError naming the size', () => {
  const check = (e: unknown) => {
    assert.ok(e instanceof RangeError, String(e));
    assert.match((e as Error).message, /needs 4294967296 bytes \(4\.00 GiB\).*a 65536 x 8192 int64 array.*at most 4 GiB/);
    return true;
  };
  assert.throws(() => wasmAlloc(65536, 8192), check);
  assert.throws(() => wasmAlloc(2 ** 40, 2 ** 12), RangeError);
  assert.throws(() => wasmAlloc(-1, 2), RangeError);
  assert.throws(() => wasmAlloc(1.5, 2), TypeError);
  // The failed allocations left the heap usable.
  const a = wasmAlloc(2, 2);
  a.data.set([1n, -2n, 3n, 4n]);
  assert.deepEqual(max(a, { axis: 0, backend: 'wasm' }), BigInt64Array.from([3n, 4n]));
  a.free();
});

test('regression: byteOffset, length and buffer are read through the platform getters, whatever the object says', async () => {
  const a = wasmAlloc(2, 2);
  const b = wasmAlloc(2, 2);
  a.data.set([1n, 2n, 3n, 4n]);
  b.data.set([100n, 200n, 300n, 400n]);
  const expected = BigInt64Array.from([3n, 4n]);
  // A fresh view of a's block (not the cached one), spoofed three ways.
  const fresh = () => new BigInt64Array(a.data.buffer, a.data.byteOffset, 4);
  const own = fresh();
  Object.defineProperty(own, 'byteOffset', { get: () => b.data.byteOffset });
  const swapped = fresh();
  const fake = Object.create(BigInt64Array.prototype, { byteOffset: { get: () => b.data.byteOffset }, length: { get: () => 1 << 20 } });
  Object.setPrototypeOf(swapped, fake);
  class Lying extends BigInt64Array {
    override get byteOffset(): number {
      return b.data.byteOffset;
    }
  }
  const sub = new Lying(a.data.buffer as ArrayBuffer, a.data.byteOffset, 4);
  for (const data of [own, swapped, sub]) {
    assert.deepEqual(max({ data, shape: [2, 2] }, { axis: 0, backend: 'wasm' }), expected);
    assert.deepEqual(await maxAsync({ data, shape: [2, 2] }, { axis: 0, backend: 'wasm' }), expected);
    assert.deepEqual(max({ data, shape: [2, 2] }, { axis: 0 }), expected, 'and the native backend');
  }
  a.free();
  b.free();
});
