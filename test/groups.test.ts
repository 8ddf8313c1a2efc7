// Reductions by label: the property (a grouped result is the reduction of
// each group's slice), the async twins, and the coded errors.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import fc from 'fast-check';

import * as api from '../src/index';

const OPS = ['sum', 'max', 'nanmin', 'mean', 'nanvar', 'argmin', 'countNonzero'] as const;

/** Group `g`'s slice along `axis` of a C-order array, copied. */
function slice(data: Float64Array, shape: number[], axis: number, picked: number[]): { data: Float64Array; shape: number[] } {
  const before = shape.slice(0, axis).reduce((p, n) => p * n, 1);
  const after = shape.slice(axis + 1).reduce((p, n) => p * n, 1);
  const out: number[] = [];
  for (let b = 0; b < before; b++) for (const i of picked) for (let a = 0; a < after; a++) out.push(data[(b * shape[axis] + i) * after + a]);
  return { data: Float64Array.from(out), shape: shape.map((n, k) => (k === axis ? picked.length : n)) };
}

test('property: a grouped reduction equals the reduction of each group\'s slice, on both backends', () => {
  const arb = fc
    .record({
      shape: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }),
      seed: fc.integer({ min: 0, max: 1 << 20 }),
      op: fc.constantFrom(...OPS),
      backend: fc.constantFrom('native', 'js'),
    })
    .chain((r) =>
      fc.record({
        axis: fc.integer({ min: 0, max: r.shape.length - 1 }),
        r: fc.constant(r),
      }),
    )
    .chain(({ axis, r }) =>
      fc.record({
        labels: fc.array(fc.integer({ min: -1, max: 3 }), { minLength: r.shape[axis], maxLength: r.shape[axis] }),
        axis: fc.constant(axis),
        r: fc.constant(r),
      }),
    );
  fc.assert(
    fc.property(arb, ({ labels, axis, r }) => {
      const n = r.shape.reduce((p, k) => p * k, 1);
      const data = Float64Array.from({ length: n }, (_, i) => (((i * 7919 + r.seed) % 11) === 3 ? NaN : ((i * 31 + r.seed) % 9) - 4));
      const x = { data, shape: r.shape };
      const f = (api as unknown as Record<string, (x: unknown, o: unknown) => unknown>)[r.op];
      const groups = 4;
      const counts = [0, 1, 2, 3].map((g) => labels.filter((l) => l === g).length);
      const noIdentity = ['max', 'nanmin', 'argmin'].includes(r.op);
      if (noIdentity && counts.includes(0)) {
        assert.throws(() => f(x, { axis, by: labels, groups, backend: r.backend }), { name: 'RangeError', code: 'ERR_NDREDUCE_ZERO_SIZE' });
        return;
      }
      let got: { data: ArrayLike<number>; shape: number[] };
      try {
        got = f(x, { axis, by: labels, groups, backend: r.backend }) as typeof got;
      } catch (e) {
        // nanargmin-like all-NaN refusals are not in OPS; nothing else throws.
        throw e;
      }
      assert.deepEqual(got.shape, r.shape.map((k, j) => (j === axis ? groups : k)));
      const after = r.shape.slice(axis + 1).reduce((p, k) => p * k, 1);
      const before = r.shape.slice(0, axis).reduce((p, k) => p * k, 1);
      for (let g = 0; g < groups; g++) {
        const picked = labels.flatMap((l, i) => (l === g ? [i] : []));
        const part = slice(data, r.shape, axis, picked);
        const want = picked.length === 0 ? null : (f(part, { axis, keepdims: true, backend: r.backend }) as { data: ArrayLike<number> }).data;
        for (let b = 0; b < before; b++) {
          for (let a = 0; a < after; a++) {
            const v = got.data[(b * groups + g) * after + a];
            if (want === null) {
              const empty = r.op === 'sum' || r.op === 'countNonzero' ? 0 : NaN;
              assert.ok(Object.is(Number(v), empty) || (Number.isNaN(empty) && Number.isNaN(Number(v))), `empty group ${g}: ${v}`);
              continue;
            }
            let w = want[b * after + a];
            if (r.op === 'argmin') w = picked[w];
            assert.ok(Object.is(v, w) || (Number.isNaN(v) && Number.isNaN(w)) || Math.abs(v - w) <= 1e-12 * Math.abs(w), `group ${g} at ${b},${a}: ${v} vs ${w}`);
          }
        }
      }
    }),
    { numRuns: 150, seed: 19 },
  );
});

test('monthly climatology: mean by month along time, sync and async, both backends', async () => {
  // 24 "months" x 2 x 3, labels 0..11 twice.
  const shape = [24, 2, 3];
  const data = Float64Array.from({ length: 144 }, (_, i) => i);
  const months = Int32Array.from({ length: 24 }, (_, t) => t % 12);
  const want = new Float64Array(72);
  for (let m = 0; m < 12; m++) for (let j = 0; j < 6; j++) want[m * 6 + j] = (data[m * 6 + j] + data[(m + 12) * 6 + j]) / 2;
  for (const backend of ['native', 'js'] as const) {
    assert.deepEqual(api.mean({ data, shape }, { axis: 0, by: months, backend }), { data: want, shape: [12, 2, 3] });
    assert.deepEqual(await api.meanAsync({ data, shape }, { axis: 0, by: months, backend }), { data: want, shape: [12, 2, 3] });
    assert.deepEqual(await api.argmaxAsync({ data, shape }, { axis: 0, by: months, backend, threads: 2 }), { data: Float64Array.from(want, (_, k) => 12 + Math.floor(k / 6)), shape: [12, 2, 3] });
    await assert.rejects(api.sumAsync({ data, shape }, { axis: 0, by: months, backend, signal: AbortSignal.abort() }), { name: 'AbortError' });
  }
  const out = new Float64Array(72);
  assert.equal((api.mean({ data, shape }, { axis: 0, by: months, out }) as { data: Float64Array }).data, out);
  assert.deepEqual(out, want);
});

test('by: empty groups follow the op\'s rule; labels, axes and options are checked once with coded errors', async () => {
  const x = { data: new Int32Array([5, 1, 4, 2, 3, 9]), shape: [2, 3] };
  const by = [0, 2, 0];
  assert.deepEqual(api.sum(x, { axis: 1, by }), { data: new BigInt64Array([9n, 0n, 1n, 11n, 0n, 3n]), shape: [2, 3] });
  assert.deepEqual(api.prod(x, { axis: 1, by, groups: 4 }), { data: new BigInt64Array([20n, 1n, 1n, 1n, 18n, 1n, 3n, 1n]), shape: [2, 4] });
  assert.deepEqual(api.all(x, { axis: 1, by: [-1, -1, 0] }), { data: new Uint8Array([1, 1]), shape: [2, 1] });
  const mean = api.mean(x, { axis: 1, by }) as { data: Float64Array };
  assert.ok(Number.isNaN(mean.data[1]));
  assert.deepEqual(api.max(x, { axis: 1, by, initial: -7 }), { data: new Int32Array([5, -7, 1, 9, -7, 3]), shape: [2, 3] });
  const code = (name: string, c: string, re?: RegExp) => (e: Error & { code: string }) => e.name === name && e.code === c && (!re || re.test(e.message));
  assert.throws(() => api.max(x, { axis: 1, by }), code('RangeError', 'ERR_NDREDUCE_ZERO_SIZE', /group 1/));
  assert.throws(() => api.argmin(x, { axis: 1, by, backend: 'js' }), code('RangeError', 'ERR_NDREDUCE_ZERO_SIZE', /group 1/));
  assert.throws(() => api.sum(x, { axis: 1, by, groups: 2 }), code('RangeError', 'ERR_NDREDUCE_BAD_OPTION', /options\.by\[1\] is 2/));
  assert.throws(() => api.sum(x, { axis: 1, by: [0, 1] }), code('RangeError', 'ERR_NDREDUCE_BAD_OPTION', /2 labels/));
  assert.throws(() => api.sum(x, { axis: [0, 1], by }), code('RangeError', 'ERR_NDREDUCE_BAD_OPTION', /exactly one reduced axis/));
  assert.throws(() => api.sum(x, { by }), code('RangeError', 'ERR_NDREDUCE_BAD_OPTION', /exactly one reduced axis/));
  assert.throws(() => api.sum(x, { axis: 1, by: new Float64Array([0, 1, 0]) }), code('TypeError', 'ERR_NDREDUCE_BAD_OPTION', /integer labels/));
  assert.throws(() => api.sum(x, { axis: 1, by: [0, 0.5, 1] }), code('TypeError', 'ERR_NDREDUCE_BAD_OPTION', /options\.by\[1\]/));
  assert.throws(() => api.sum(x, { axis: 1, by: 'abc' as never }), code('TypeError', 'ERR_NDREDUCE_BAD_OPTION'));
  assert.throws(() => api.sum(x, { axis: 1, groups: 3 }), code('TypeError', 'ERR_NDREDUCE_BAD_OPTION', /goes with options\.by/));
  assert.throws(() => api.minmax(x, { axis: 1, by } as never), code('TypeError', 'ERR_NDREDUCE_BAD_OPTION'));
  assert.throws(() => api.max(x, { axis: 1, by: [0, 0, 0], strategy: 'serial' }), code('RangeError', 'ERR_NDREDUCE_BAD_OPTION'));
  assert.deepEqual(api.resultShape(x, { axis: 1, by, groups: 5 }), [2, 5]);
  // reduceFile takes by (test/groups-partial.test.ts): a missing file is the error here.
  await assert.rejects(api.reduceFile('x.npy', 'sum', { axis: 1, by }), { code: 'ENOENT' });
  // The labels are read once: a later change does not reach the call.
  const live = new Int32Array([0, 1, 0]);
  assert.deepEqual(api.sum(x, { axis: 1, by: live, groups: 2 }), { data: new BigInt64Array([9n, 1n, 11n, 3n]), shape: [2, 2] });
});
