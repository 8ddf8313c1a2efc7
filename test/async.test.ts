// maxAsync: same answers as max, typed rejections, abort, the buffer rule,
// concurrency, and the addon loaded in worker threads.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { Worker } from 'node:worker_threads';

import { max, maxAsync } from '../src/index';
import type { Strategy } from '../src/index';
import { addon } from '../src/addon/load';
import { scratchAlive } from '../src/run/copy';
import { BAD_INPUTS, ok } from './bad-inputs';
import { layouts, values } from './cases';

const STRATEGIES: Strategy[] = ['auto', 'serial', 'mutex', 'lockfree'];
/** Large enough that copying takes several event-loop turns. */
const COPY_SLICE = 1 << 18;

function onShared<T extends { data: BigInt64Array }>(x: T): T {
  const data = new BigInt64Array(new SharedArrayBuffer(x.data.byteLength));
  data.set(x.data);
  return { ...x, data };
}

test('maxAsync equals max on every layout, strategy and axis, shared or not', async () => {
  for (const { name, x } of layouts()) {
    for (const input of [x, onShared(x)]) {
      for (const axis of [0, 1]) {
        let expected: BigInt64Array;
        try {
          expected = max(input, { axis });
        } catch (e) {
          await assert.rejects(maxAsync(input, { axis }), (e as Error).constructor as typeof Error, name);
          continue;
        }
        for (const strategy of STRATEGIES) {
          assert.deepEqual(await maxAsync(input, { axis, strategy, threads: 2 }), expected, `${name} ${strategy} axis ${axis}`);
        }
      }
    }
  }
});

test('maxAsync rejects every bad input with the same typed error as max', async () => {
  for (const [name, x, options, error, code, message] of BAD_INPUTS) {
    await assert.rejects(maxAsync(x as never, options as never), (e: unknown) => {
      assert.ok(e instanceof error, `${name}: got ${(e as Error)?.constructor?.name}`);
      assert.equal((e as { code?: string }).code, code, name);
      assert.match((e as Error).message, message, name);
      return true;
    });
  }
  await assert.rejects(maxAsync(ok, { axis: 0, signal: 'stop' as never }), /options.signal must be an AbortSignal, got "stop"/);
});

test('an aborted signal rejects with AbortError, before or during the work', async () => {
  const x = { data: values(4_000_000), shape: [2000, 2000] };
  const before = new AbortController();
  before.abort();
  await assert.rejects(maxAsync(x, { axis: 0, signal: before.signal }), { name: 'AbortError', code: 'ABORT_ERR' });
  const during = new AbortController();
  const pending = maxAsync(onShared(x), { axis: 0, signal: during.signal, strategy: 'serial' });
  during.abort(new Error('user gave up'));
  await assert.rejects(pending, (e: Error) => e.name === 'AbortError' && (e.cause as Error).message === 'user gave up');
  // The promise settles, the process is healthy, the next call works.
  assert.deepEqual(await maxAsync(ok, { axis: 0 }), BigInt64Array.from([4n, 5n, 6n]));
});

test('the cancel token stops the Rust kernels themselves', { skip: addon() ? false : 'no addon' }, async () => {
  const native = addon()!;
  const data = new BigInt64Array(new SharedArrayBuffer(8 * 1_000_000));
  // threads 2, offset 0, 1000 x 1000 C order, axis 0
  const layout = Float64Array.from([2, 0, 2, 1000, 1000, 1000, 1, 1, 0]);
  for (const strategy of STRATEGIES) {
    // Raised before the call, so the outcome does not race the thread pool:
    // only the kernels' own checks can turn this into a rejection.
    const token = new native.CancelToken();
    token.cancel();
    await assert.rejects(native.reduceAsync(data, layout, 'max', strategy, token), { name: 'AbortError', code: 'ABORT_ERR' }, strategy);
    const untouched = new native.CancelToken();
    assert.equal((await native.reduceAsync(data, layout, 'max', strategy, untouched)).length, 1000);
  }
});

test('buffer rule: a non-shared input is snapshotted; mutating it afterwards does not change the result', async () => {
  const x = { data: values(3000), shape: [30, 100] };
  const expected = max(x, { axis: 0 });
  const pending = maxAsync(x, { axis: 0 });
  x.data.fill(2n ** 62n); // after the call returned: the small input is already copied
  assert.deepEqual(await pending, expected);
});

test('buffer rule: transferring the input while it is being copied rejects cleanly', async () => {
  const n = COPY_SLICE * 3;
  const x = { data: values(n), shape: [3, COPY_SLICE] };
  const pending = maxAsync(x, { axis: 0 });
  structuredClone(x.data.buffer, { transfer: [x.data.buffer as ArrayBuffer] });
  await assert.rejects(pending, { name: 'TypeError', code: 'ERR_NDREDUCE_DETACHED', message: /detached, transferred or shrunk while maxAsync was copying/ });
  assert.deepEqual(await maxAsync(ok, { axis: 0 }), BigInt64Array.from([4n, 5n, 6n]));
});

test('buffer rule: a shared input is read in place and can be neither detached nor transferred', () => {
  const x = onShared({ data: values(10), shape: [2, 5] });
  assert.throws(() => structuredClone(x.data.buffer, { transfer: [x.data.buffer as unknown as ArrayBuffer] }));
});

test('32 concurrent maxAsync calls with mixed shapes and strategies all return the right results', async () => {
  const cases = layouts().filter((c) => c.x.shape[0] !== 0);
  const calls = Array.from({ length: 32 }, (_, i) => {
    const { x } = cases[i % cases.length];
    const strategy = STRATEGIES[i % STRATEGIES.length];
    const axis = (i >> 2) % 2;
    const input = i % 3 === 0 ? onShared(x) : x;
    return { promise: maxAsync(input, { axis, strategy, threads: 1 + (i % 3) }), expected: max(x, { axis }) };
  });
  for (const { promise, expected } of calls) assert.deepEqual(await promise, expected);
});

test('the addon loads and computes in several worker threads at once', async () => {
  const script = `
    const { parentPort, workerData } = require('node:worker_threads');
    const { max, maxAsync } = require(${JSON.stringify(path.join(__dirname, '..', 'src', 'index.js'))});
    const data = new BigInt64Array(workerData.n).map((_, i) => BigInt((i * 7919) % 10007) - 5000n);
    const x = { data, shape: [workerData.n / 50, 50] };
    maxAsync(x, { axis: 0, threads: 2 }).then((a) => parentPort.postMessage({ sync: Array.from(max(x, { axis: 0 }), String), async: Array.from(a, String) }));
  `;
  const runs = [1000, 5000, 20000].map(
    (n) =>
      new Promise<{ n: number; out: { sync: string[]; async: string[] } }>((resolve, reject) => {
        const w = new Worker(script, { eval: true, workerData: { n } });
        w.once('message', (out) => resolve({ n, out }));
        w.once('error', reject);
      }),
  );
  for (const { n, out } of await Promise.all(runs)) {
    const data = new BigInt64Array(n).map((_, i) => BigInt((i * 7919) % 10007) - 5000n);
    const expected = Array.from(max({ data, shape: [n / 50, 50] }, { axis: 0 }), String);
    assert.deepEqual(out.sync, expected);
    assert.deepEqual(out.async, expected);
  }
});

test('the scratch copy is not kept once its call settled', async () => {
  // Only a WeakRef remains: a collection reclaims it. The collector is
  // reachable in this process once --expose-gc is set at run time.
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  const x = { data: values(3 * COPY_SLICE), shape: [3, COPY_SLICE] };
  const expected = max(x, { axis: 0 });
  assert.deepEqual(await maxAsync(x, { axis: 0 }), expected);
  assert.deepEqual(await maxAsync(x, { axis: 0 }), expected, 'a second call, maybe on the spare buffer');
  await new Promise((r) => setImmediate(r));
  gc();
  await new Promise((r) => setImmediate(r));
  assert.equal(scratchAlive(), 0, 'a settled scratch survived a collection');
});
