// The moving functions' API: validation codes, result forms, `out`, the
// async twins (equal to the sync ones, abortable) on both backends.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

import * as api from '../src/index';

const x = { data: Float64Array.from({ length: 24 }, (_, k) => (k * 7) % 11), shape: [4, 6] };

test('bad windows, minCounts and options are coded errors', () => {
  const cases: [() => unknown, string, string][] = [
    [() => api.moveMean(x, 0), 'RangeError', 'ERR_NDREDUCE_BAD_OPTION'],
    [() => api.moveMean(x, 7), 'RangeError', 'ERR_NDREDUCE_BAD_OPTION'],
    [() => api.moveMean(x, 5, { axis: 0 }), 'RangeError', 'ERR_NDREDUCE_BAD_OPTION'],
    [() => api.moveMean(x, 2.5), 'TypeError', 'ERR_NDREDUCE_NOT_INTEGER'],
    [() => api.moveMean(x, 3, { minCount: 4 }), 'RangeError', 'ERR_NDREDUCE_BAD_OPTION'],
    [() => api.moveMean(x, 3, { minCount: 0 }), 'RangeError', 'ERR_NDREDUCE_BAD_OPTION'],
    [() => api.moveMean(x, 3, { axis: 2 }), 'RangeError', 'ERR_NDREDUCE_BAD_OPTION'],
    [() => api.moveMean(x, 3, { axis: null } as never), 'TypeError', 'ERR_NDREDUCE_BAD_OPTION'],
    [() => api.moveMean(x, 3, { ddof: 1 } as never), 'TypeError', 'ERR_NDREDUCE_UNKNOWN_OPTION'],
    [() => api.moveMean(x, 3, { min_count: 1 } as never), 'TypeError', 'ERR_NDREDUCE_UNKNOWN_OPTION'],
    [() => api.moveMean(x, 3, { out: new Float64Array(3) }), 'TypeError', 'ERR_NDREDUCE_BAD_OPTION'],
    [() => api.moveMean('abc' as never, 3), 'TypeError', 'ERR_NDREDUCE_BAD_ARRAY'],
  ];
  for (const [f, name, code] of cases) {
    assert.throws(f, (e: Error & { code?: string }) => e.constructor.name === name && e.code === code, String(f));
  }
});

test('result forms and out', () => {
  const bare = api.moveSum(new Int16Array([1, 2, 3]), 2);
  assert.deepEqual(bare, Float64Array.from([NaN, 3, 5]));
  assert.deepEqual(api.moveSum([1, 2, 3], 2, { minCount: 1 }), Float64Array.from([1, 3, 5]));
  const nested = api.moveMax([[1, 2], [3, 0]], 2, { axis: 0 }) as { data: Float64Array; shape: number[] };
  assert.deepEqual(nested, { data: Float64Array.from([NaN, NaN, 3, 2]), shape: [2, 2] });
  const out = new Float64Array(24);
  for (const backend of ['native', 'js'] as const) {
    out.fill(-1);
    const r = api.moveStd(x, 3, { out, backend, ddof: 1 }) as { data: Float64Array };
    assert.equal(r.data, out);
    assert.ok(Number.isNaN(out[1]) && out[2] > 0);
  }
});

test('the async twins equal the sync functions and abort', async () => {
  for (const backend of ['native', 'js'] as const) {
    for (const name of api.MOVING_NAMES) {
      const sync = (api[name] as (x: unknown, w: number, o: unknown) => { data: Float64Array })(x, 3, { axis: 1, backend, minCount: 2 });
      const asyncFn = api[`${name}Async` as keyof typeof api] as (x: unknown, w: number, o: unknown) => Promise<{ data: Float64Array }>;
      const got = await asyncFn(x, 3, { axis: 1, backend, minCount: 2 });
      assert.deepEqual(got.data, sync.data, `${name} ${backend}`);
    }
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(api.moveMeanAsync(x, 3, { signal: controller.signal, backend }), { name: 'AbortError' });
  }
});

test('an async twin writes a shared out in place, and a shared out over its own input still gets the right answer', async () => {
  const n = 4 * 6;
  const shared = new Float64Array(new SharedArrayBuffer(n * 8));
  for (let i = 0; i < n; i++) shared[i] = ((i * 7) % 11) - 5;
  const input = { data: shared, shape: [4, 6] };
  const want = api.moveMean({ data: Float64Array.from(shared), shape: [4, 6] }, 3, { axis: 0 }) as { data: Float64Array };
  for (const backend of ['native', 'js'] as const) {
    const out = new Float64Array(new SharedArrayBuffer(n * 8)).fill(-1);
    const r = await api.moveMeanAsync(input, 3, { axis: 0, out, backend });
    assert.equal(r.data, out, backend);
    assert.deepEqual(Array.from(out), Array.from(want.data), backend);
    // The wrong length is refused before any work.
    await assert.rejects(api.moveMeanAsync(input, 3, { axis: 0, out: out.subarray(1), backend }), { code: 'ERR_NDREDUCE_BAD_OPTION' });
  }
  // Overlapping: the result is computed whole, then copied over the input.
  const r = await api.moveMeanAsync(input, 3, { axis: 0, out: shared });
  assert.equal(r.data, shared);
  assert.deepEqual(Array.from(shared), Array.from(want.data));
});

test('a synchronous loop of moving calls does not hold every result until the event loop turns', () => {
  // The addon's own buffers are freed only after the event loop turns; the
  // sync path writes into a buffer V8 allocated, which a collection frees.
  // 30 results of 16 MB each would hold 480 MB; the run is in a child so
  // that its RSS is its own.
  const index = require.resolve('../src/index');
  const script = `
    const api = require(${JSON.stringify(index)});
    const x = { data: new Float64Array(2e6).fill(1), shape: [2, 1e6] };
    api.moveMean(x, 3);
    gc();
    const before = process.memoryUsage().rss;
    for (let i = 0; i < 30; i++) { api.moveMean(x, 3); gc(); }
    process.stdout.write(String((process.memoryUsage().rss - before) / 1e6));`;
  const r = spawnSync(process.execPath, ['--expose-gc', '-e', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const grewMb = Number(r.stdout);
  assert.ok(grewMb < 160, `RSS grew by ${grewMb} MB over 30 calls of 16 MB results`);
});
