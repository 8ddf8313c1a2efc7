// The asynchronous N-d reductions: the same answers and errors as the
// synchronous ones, shared or copied input, abort, and the fallback.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';

import * as api from '../src/index';
import type { Reduction } from '../src/index';
import { DTYPES, LAYOUTS, axesFor, fillValues, sameResult, viewOf } from './nd-cases';

type Fn = (x: never, o?: never) => unknown;
/** Large enough that copying takes several event-loop turns. */
const COPY_SLICE = 1 << 18;
const PAIRS: [Reduction, Fn, Fn][] = [
  ['min', api.min, api.minAsync],
  ['max', api.max, api.maxAsync],
  ['sum', api.sum, api.sumAsync],
  ['argmin', api.argmin, api.argminAsync],
  ['argmax', api.argmax, api.argmaxAsync],
  ['minmax', api.minmax, api.minmaxAsync],
] as never;
const API = Object.fromEntries(PAIRS.map(([op, sync]) => [op, sync])) as Record<Reduction, Fn>;
const ASYNC = Object.fromEntries(PAIRS.map(([op, , async]) => [op, async])) as Record<Reduction, Fn>;

function onShared<T extends { data: ArrayBufferView }>(x: T): T {
  const bytes = new Uint8Array(new SharedArrayBuffer(x.data.byteLength));
  bytes.set(new Uint8Array(x.data.buffer, x.data.byteOffset, x.data.byteLength));
  const ctor = x.data.constructor as new (b: SharedArrayBuffer) => ArrayBufferView;
  return { ...x, data: new ctor(bytes.buffer as SharedArrayBuffer) };
}

async function settled(p: () => Promise<unknown>): Promise<{ value?: unknown; error?: Error }> {
  try {
    return { value: await p() };
  } catch (error) {
    return { error: error as Error };
  }
}

test('every ...Async equals its synchronous twin, on shared and copied input', async () => {
  const layouts = LAYOUTS.filter((l) => ['3-D negative strides', 'C 4-D', 'Fortran 7x11', 'zero rows', 'C 300x257'].includes(l.name));
  for (const dtype of DTYPES) {
    for (const layout of layouts) {
      const x = viewOf(fillValues(dtype, layout.size, 5), layout);
      for (const input of [x, onShared(x)]) {
        for (const axis of axesFor(layout.shape.length, true)) {
          for (const [op, sync, async] of PAIRS) {
            const where = `${dtype.name} ${layout.name} ${op} axis ${JSON.stringify(axis)}`;
            let want: unknown;
            try {
              want = sync(input as never, { axis } as never);
            } catch (e) {
              await assert.rejects(async(input as never, { axis, threads: 2 } as never) as Promise<unknown>, { constructor: (e as Error).constructor, message: (e as Error).message }, where);
              continue;
            }
            sameResult(await async(input as never, { axis, threads: 2 } as never), want, where, op === 'sum');
          }
        }
      }
    }
  }
});

test('nanmaxAsync and nanminAsync skip NaN', async () => {
  const x = { data: new Float64Array([NaN, 1, 2, NaN]), shape: [2, 2] };
  assert.deepEqual(Array.from(await api.nanmaxAsync(x, { axis: 0 })), [2, 1]);
  assert.deepEqual(Array.from(await api.nanminAsync(x, { axis: 1 })), [1, 2]);
  assert.ok(Number.isNaN((await api.maxAsync(x, { axis: 0 }))[0]));
});

test('the js backend (the fallback without the addon) gives the same answers off the main thread', async () => {
  const layout = LAYOUTS.find((l) => l.name === 'transposed 3-D')!;
  for (const dtype of DTYPES) {
    const x = viewOf(fillValues(dtype, layout.size, 9), layout);
    for (const [op] of PAIRS) {
      for (const axis of axesFor(3)) {
        const want = await settled(async () => API[op](x as never, { axis } as never));
        const got = await settled(() => ASYNC[op](x as never, { axis, backend: 'js' } as never) as Promise<unknown>);
        if (want.error) assert.equal(got.error?.constructor, want.error.constructor);
        else sameResult(got.value, want.value, `${dtype.name} ${op} ${JSON.stringify(axis)}`, op === 'sum');
      }
    }
  }
});

test('bad input rejects with the synchronous error', async () => {
  const f = new Float32Array(6);
  const bad: [unknown, unknown][] = [
    [{ data: f, shape: [2, 2, 2] }, undefined],
    [{ data: f, shape: [2, 3] }, { axis: [0, 0] }],
    [{ data: f, shape: [0, 3] }, undefined],
    [{ data: BigInt64Array.from([2n ** 63n - 1n, 1n]), shape: [2] }, undefined],
    [{ data: f, shape: [6] }, { signal: 'stop' }],
    [{ data: [1, 2], shape: [2] }, undefined],
  ];
  for (const [x, options] of bad) {
    for (const [op, sync, async] of PAIRS) {
      if (op === 'sum' && (x as { shape: number[] }).shape[0] === 0) continue;
      // Synchronous calls take no signal (an unknown option there).
      if ((options as { signal?: unknown })?.signal !== undefined) {
        await assert.rejects(async(x as never, options as never) as Promise<unknown>, /options.signal must be an AbortSignal, got "stop"/);
        assert.throws(() => sync(x as never, options as never), { code: 'ERR_NDREDUCE_UNKNOWN_OPTION', message: /signal is for the \.\.\.Async functions/ });
        continue;
      }
      const e = await settled(async () => sync(x as never, options as never));
      if (!e.error) {
        // Other ops of the overflow row are fine.
        sameResult(await async(x as never, options as never), e.value, op);
        continue;
      }
      await assert.rejects(async(x as never, options as never) as Promise<unknown>, { constructor: e.error.constructor, message: e.error.message }, `${op} ${e.error.message}`);
    }
  }
});

test('abort before or during the work rejects with AbortError; the next call works', async () => {
  const x = { data: new Float64Array(4_000_000).fill(1.5), shape: [2000, 2000] };
  const before = new AbortController();
  before.abort();
  for (const [, , async] of PAIRS) {
    await assert.rejects(async(x as never, { signal: before.signal } as never) as Promise<unknown>, { name: 'AbortError', code: 'ABORT_ERR' });
  }
  const during = new AbortController();
  const pending = api.sumAsync(onShared(x), { axis: null, signal: during.signal });
  during.abort(new Error('user gave up'));
  await assert.rejects(pending, (e: Error) => e.name === 'AbortError' && (e.cause as Error).message === 'user gave up');
  assert.equal(await api.sumAsync(x, { axis: null }), 6_000_000);
});

test('buffer rule: copied input is a snapshot; a transfer during the copy rejects', async () => {
  const small = { data: new Int16Array(300).fill(3), shape: [30, 10] };
  const pending = api.minAsync(small, { axis: 0 });
  small.data.fill(-7);
  assert.deepEqual(Array.from(await pending), new Array(10).fill(3));

  const big = { data: new Float32Array(COPY_SLICE * 3), shape: [3, COPY_SLICE] };
  const moving = api.minmaxAsync(big, { axis: 0 });
  structuredClone(big.data.buffer, { transfer: [big.data.buffer as ArrayBuffer] });
  await assert.rejects(moving, { name: 'TypeError', code: 'ERR_NDREDUCE_DETACHED', message: /x.data was detached, transferred or shrunk while minmaxAsync was copying it/ });
});

test('24 concurrent calls of mixed ops, dtypes and axes all settle with the right results', async () => {
  const layout = LAYOUTS.find((l) => l.name === 'C 300x257')!;
  const calls = Array.from({ length: 24 }, (_, i) => {
    const dtype = DTYPES[i % DTYPES.length];
    const [op, sync, async] = PAIRS[i % PAIRS.length];
    const x = viewOf(fillValues(dtype, layout.size, i + 1, false), layout);
    const input = i % 3 === 0 ? onShared(x) : x;
    const axis = [0, 1, null][i % 3];
    return { where: `${dtype.name} ${op} ${axis}`, op, promise: settled(() => async(input as never, { axis, threads: 1 + (i % 2) } as never) as Promise<unknown>), want: settled(async () => sync(x as never, { axis } as never)) };
  });
  for (const { where, op, promise, want } of calls) {
    const [got, expected] = [await promise, await want];
    if (expected.error) assert.equal(got.error?.message, expected.error.message, where);
    else sameResult(got.value, expected.value, where, op === 'sum');
  }
});

test('the N-d functions work in several worker threads at once', async () => {
  const index = require.resolve('../src/index');
  const script = `
    const { parentPort, workerData } = require('node:worker_threads');
    const api = require(${JSON.stringify(index)});
    const x = { data: new Float32Array(workerData.n).map((_, i) => (i * 7919) % 10007), shape: [workerData.n / 50, 50] };
    Promise.all([api.sumAsync(x, { axis: null }), api.argmaxAsync(x, { axis: 0 })]).then(([s, a]) =>
      parentPort.postMessage({ sync: [api.sum(x, { axis: null }), Array.from(api.argmax(x, { axis: 0 }))], async: [s, Array.from(a)] }));
  `;
  const runs = [1000, 5000, 20000].map(
    (n) =>
      new Promise<{ sync: unknown[]; async: unknown[] }>((resolve, reject) => {
        const w = new Worker(script, { eval: true, workerData: { n } });
        w.once('message', resolve);
        w.once('error', reject);
      }),
  );
  const results = await Promise.all(runs);
  [1000, 5000, 20000].forEach((n, k) => {
    const x = { data: new Float32Array(n).map((_, i) => (i * 7919) % 10007), shape: [n / 50, 50] };
    const want = [api.sum(x, { axis: null }), Array.from(api.argmax(x, { axis: 0 }))];
    assert.deepEqual(results[k].sync, want, `n=${n} sync`);
    assert.deepEqual(results[k].async, want, `n=${n} async`);
  });
});
