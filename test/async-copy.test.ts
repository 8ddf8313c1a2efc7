// The copy an ...Async call makes of a non-shared input: only the elements
// the view reads, bit for bit, whatever the strides; and the answer is the
// synchronous call's.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isSharedArrayBuffer } from 'node:util/types';
import fc from 'fast-check';

import { argmax, argmaxAsync, loadNpy, max, maxAsync, mean, meanAsync, minmax, minmaxAsync, parseNpy, Partial, saveNpy, sum, sumAsync } from '../src/index';
import { lastCopyElements } from '../src/run/copy';

test('regression: a two-element view far apart copies two elements, not the span between them', async () => {
  // 1 GiB of zeros that were never touched: only what is copied becomes resident.
  const data = new Float64Array(2 ** 27);
  data[0] = 1.5;
  data[2 ** 27 - 1] = 2.25;
  assert.equal(await sumAsync({ data, shape: [2], strides: [2 ** 27 - 1] }), 3.75);
  assert.equal(lastCopyElements(), 2);
  // A broadcast axis is copied once.
  assert.equal(await sumAsync({ data, shape: [3, 2], strides: [0, 2 ** 27 - 1], offset: 0 }, { axis: 0 }).then((r) => [...r].join()), '4.5,6.75');
  assert.equal(lastCopyElements(), 2);
  // A dense view copies its span (one memcpy).
  await sumAsync({ data: data.subarray(0, 1000), shape: [10, 100] });
  assert.equal(lastCopyElements(), 1000);
});

test('NaN payloads and int64 bits survive a packed copy', async () => {
  // Sparse enough (3 of 7 elements) to be packed.
  const words = new Uint32Array([0x7ff80001, 1, 2, 0x7ff00002, 3, 4, 0xffc00003]);
  const f32 = new Float32Array(words.buffer);
  const view = { data: f32, shape: [3], strides: [3], offset: 0 };
  const got = await maxAsync(view, { axis: 0 });
  assert.equal(lastCopyElements(), 3);
  assert.deepEqual(new Uint32Array(got.buffer, got.byteOffset, 1), new Uint32Array(max(view, { axis: 0 }).buffer, 0, 1));
  const big = BigInt64Array.from([-(2n ** 63n), 5n, 1n, 2n ** 63n - 1n, 7n, 8n, -3n]);
  const bigView = { data: big, shape: [3], strides: [-3], offset: 6 };
  assert.deepEqual(await minmaxAsync(bigView), minmax(bigView));
  assert.equal(lastCopyElements(), 3);
});

const dims = fc.integer({ min: 1, max: 4 });
const viewArb = dims.chain((nd) =>
  fc.record({
    shape: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: nd, maxLength: nd }),
    strides: fc.array(fc.oneof(fc.integer({ min: -40, max: 40 }), fc.constant(0)), { minLength: nd, maxLength: nd }),
    dtype: fc.constantFrom('f64', 'i64', 'u8', 'i16', 'f32'),
    axis: fc.integer({ min: 0, max: nd - 1 }),
  }),
);

const make = (dtype: string, n: number) => {
  const ints = Array.from({ length: n }, (_, i) => ((i * 7919) % 251) - 100);
  switch (dtype) {
    case 'f64':
      return Float64Array.from(ints);
    case 'f32':
      return Float32Array.from(ints);
    case 'i64':
      return BigInt64Array.from(ints, BigInt);
    case 'u8':
      return Uint8Array.from(ints, (v) => v & 255);
    default:
      return Int16Array.from(ints);
  }
};

test('random strided views: async (packed or span copy) equals sync', async () => {
  await fc.assert(
    fc.asyncProperty(viewArb, async ({ shape, strides, dtype, axis }) => {
      // The smallest data and offset that hold the view.
      let low = 0;
      let high = 0;
      shape.forEach((n, k) => ((n - 1) * strides[k] < 0 ? (low += (n - 1) * strides[k]) : (high += (n - 1) * strides[k])));
      const x = { data: make(dtype, high - low + 1 + 3), shape, strides, offset: -low + 1 };
      for (const options of [{ axis }, { axis: null }] as { axis: number | null }[]) {
        assert.deepEqual(await maxAsync(x, options), max(x, options));
        assert.deepEqual(await argmaxAsync(x, options), argmax(x, options));
        assert.deepEqual(await sumAsync(x, options), sum(x, options));
      }
    }),
    { numRuns: 300, seed: 20261203 },
  );
});

test('{ shared: true }: loadNpy, parseNpy and Partial.result() return shared memory that async calls read in place', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ndreduce-shared-'));
  try {
    const file = path.join(dir, 'x.npy');
    const values = Float64Array.from({ length: 24 }, (_, i) => (i * 37) % 11);
    saveNpy(file, { data: values, shape: [4, 6] });
    const loaded = loadNpy(file, { shared: true });
    const parsed = parseNpy(fs.readFileSync(file), { shared: true });
    for (const a of [loaded, parsed]) {
      assert.ok(isSharedArrayBuffer(a.data.buffer));
      assert.deepEqual([...a.data], [...values]);
      // A copy of another size first, so that an unexpected copy would show.
      await sumAsync(new Float64Array(7));
      assert.deepEqual(await meanAsync(a, { axis: 0 }), mean(a, { axis: 0 }));
      assert.equal(lastCopyElements(), 7, 'the shared array was copied');
    }
    assert.ok(!isSharedArrayBuffer(loadNpy(file).data.buffer), 'shared only when asked');
    const p = new Partial('minmax', { axis: 0 });
    p.push(loaded);
    const r = p.result({ shared: true }) as { min: Float64Array; max: Float64Array };
    assert.ok(isSharedArrayBuffer(r.min.buffer) && isSharedArrayBuffer(r.max.buffer));
    assert.deepEqual(r, minmax(loaded, { axis: 0 }));
    assert.throws(() => loadNpy(file, { share: true } as never), { code: 'ERR_NDREDUCE_UNKNOWN_OPTION', message: /did you mean 'shared'/ });
    assert.throws(() => parseNpy(fs.readFileSync(file), { shared: 'yes' } as never), { code: 'ERR_NDREDUCE_BAD_OPTION', message: /options.shared must be a boolean/ });
    assert.throws(() => p.result(null as never), { code: 'ERR_NDREDUCE_BAD_OPTION' });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
