// Regression tests for the defect classes of issue 9, as a hostile caller
// would try them from plain JavaScript. Whatever could crash or hang the
// process runs in a child (`child`), so that a crash fails that test and
// not the runner.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

import { max, maxAsync, sum } from '../src/index';
import { copiesInFlight, MAX_COPIES } from '../src/run/copy';

const index = require.resolve('../src/index');
const asyncModule = require.resolve('../src/run/async');
const MISSING_ADDON = '/no-such-dir/ndreduce.node';

/** Runs `body` (an async function body; `api` is the package) in a fresh
 * node with --expose-gc; returns its exit status, signal and stdout. */
function child(body: string, env: Record<string, string> = {}, timeout = 120_000) {
  const script = `const api = require(${JSON.stringify(index)});\n(async () => {\n${body}\n})().catch((e) => { console.error(e); process.exit(3); });`;
  return spawnSync(process.execPath, ['--expose-gc', '-e', script], { encoding: 'utf8', timeout, env: { ...process.env, ...env } });
}

function assertClean(run: ReturnType<typeof child>, what: string) {
  assert.equal(run.signal, null, `${what}: killed by ${run.signal}\n${run.stderr}`);
  assert.equal(run.status, 0, `${what}: exit ${run.status}\n${run.stderr}`);
}

// Each variant makes an ordinary buffer look shared to a naive check.
const SPOOFS: [string, string][] = [
  ['a SharedArrayBuffer prototype on an ordinary buffer', `Object.setPrototypeOf(data.buffer, SharedArrayBuffer.prototype);`],
  ['an own buffer property', `Object.defineProperty(data, 'buffer', { value: new SharedArrayBuffer(data.byteLength) });`],
  [
    'a subclass whose constructor returns an ordinary array',
    `class Evil extends Float64Array { constructor(...a) { super(...a); return new Float64Array(a[2] ?? 8); } }
     const evil = Object.setPrototypeOf(data, Evil.prototype);
     evil.constructor = Evil;`,
  ],
];

for (const [name, spoof] of SPOOFS) {
  for (const [backend, env] of [['native', {}], ['js fallback', { NDREDUCE_ADDON_PATH: MISSING_ADDON }]] as const) {
    test(`regression (${backend}): ${name} is copied, never read in place; transfer and GC cannot crash`, () => {
      const run = child(
        `
        const n = 1 << 20;
        const data = new Float64Array(n).map((_, i) => i % 1000);
        ${spoof}
        const results = [];
        for (let round = 0; round < 3; round++) {
          const pending = api.maxAsync({ data, shape: [1024, 1024] }, { axis: null }).then((v) => v, (e) => e.code);
          // A task reading this memory in place would see these writes, or
          // freed memory once the buffer is transferred and collected.
          if (round === 0) data.fill(-1);
          else { try { structuredClone(data.buffer, { transfer: [data.buffer] }); } catch {} }
          for (let k = 0; k < 5; k++) { gc(); await new Promise((r) => setImmediate(r)); }
          results.push(await pending);
          if (round === 0) data.set(new Float64Array(n).map((_, i) => i % 1000));
        }
        console.log(JSON.stringify(results));
        `,
        env,
      );
      assertClean(run, name);
      const [first, ...later] = JSON.parse(run.stdout) as unknown[];
      assert.equal(first, 999, 'the values at the time of the call');
      // A transfer during the copy is reported; a completed copy computes;
      // a call made after the transfer sees data of length 0 under its
      // shape [1024, 1024] (the spoofed subclass may not detach at all).
      for (const r of later) assert.ok(r === 999 || r === 'ERR_NDREDUCE_DETACHED' || r === 'ERR_NDREDUCE_BAD_ARRAY', String(r));
    });
  }
}

test('regression: a 16-byte broadcast view [2^28, 2, 2] reduced over every axis does not abort or allocate by its size', () => {
  const run = child(`
    const x = { data: Int8Array.from([1, -5, 7, 3, 9, 2, -8, 4, 0, 0, 0, 0, 0, 0, 0, 6]), shape: [2 ** 28, 2, 2], strides: [0, 1, 0] };
    const out = {};
    for (const backend of ['native', 'js']) {
      out[backend] = [api.max(x, { axis: null, backend }), api.min(x, { axis: null, backend }), api.argmax(x, { axis: null, backend }), api.minmax(x, { axis: null, backend })];
      out[backend + 'Async'] = await api.maxAsync({ ...x, data: new Int8Array(new SharedArrayBuffer(16)).fill(2) }, { axis: null, backend });
    }
    out.sum = String(api.sum(x, { axis: null }));
    console.log(JSON.stringify(out));
  `);
  assertClean(run, 'broadcast');
  const out = JSON.parse(run.stdout);
  for (const backend of ['native', 'js']) {
    assert.deepEqual(out[backend], [1, -5, 0, { min: -5, max: 1 }], backend);
    assert.equal(out[`${backend}Async`], 2);
  }
  assert.equal(out.sum, String(2 ** 29 * -4));
});

test('regression: a Proxy shape of length 2^40 is a RangeError, not a V8 fatal error', () => {
  const run = child(`
    const shape = new Proxy([2, 3], { get: (t, k) => (k === 'length' ? 2 ** 40 : t[k]) });
    const axis = new Proxy([0], { get: (t, k) => (k === 'length' ? 2 ** 40 : t[k]) });
    const codes = [];
    for (const call of [() => api.max({ data: new Float64Array(6), shape }, { axis: 0 }), () => api.max({ data: new Float64Array(6), shape: [2, 3] }, { axis }), () => api.sum({ data: new Float64Array(6), shape: [2, 3], strides: shape }, { axis: 0 })]) {
      try { call(); codes.push('no error'); } catch (e) { codes.push(e.constructor.name + ' ' + e.code); }
    }
    console.log(JSON.stringify(codes));
  `);
  assertClean(run, 'proxy');
  assert.deepEqual(JSON.parse(run.stdout), ['RangeError ERR_NDREDUCE_BAD_ARRAY', 'RangeError ERR_NDREDUCE_BAD_OPTION', 'RangeError ERR_NDREDUCE_BAD_ARRAY']);
});

test('regression: a threads getter (or shape entry) that shrinks a resizable buffer cannot desync the view', () => {
  for (const backend of ['native', 'js', 'wasm'] as const) {
    const ab = new (ArrayBuffer as unknown as new (n: number, o: object) => ArrayBuffer)(6 * 8, { maxByteLength: 6 * 8 });
    const data = new BigInt64Array(ab);
    data.set([1n, 5n, 3n, 4n, 2n, 6n]);
    const options = {
      backend,
      get threads() {
        (ab as unknown as { resize(n: number): void }).resize(8);
        return 1;
      },
    };
    // The view is checked against the length after every getter ran: a
    // plain shape no longer fits its data, a view with an offset reaches past it.
    assert.throws(() => max({ data, shape: [2, 3] }, options), { name: 'TypeError', code: 'ERR_NDREDUCE_BAD_ARRAY', message: 'x.shape [2, 3] needs 6 elements; x.data has 1' }, backend);
    (ab as unknown as { resize(n: number): void }).resize(6 * 8);
    assert.throws(() => max({ data, shape: [2, 3], offset: 0 }, options), { name: 'RangeError', code: 'ERR_NDREDUCE_OUT_OF_BOUNDS' }, backend);
    (ab as unknown as { resize(n: number): void }).resize(6 * 8);
    const shape = new Proxy([2, 3], {
      get(t, k) {
        if (k === '1') (ab as unknown as { resize(n: number): void }).resize(8);
        return t[k as never];
      },
    });
    assert.throws(() => max({ data, shape }, { axis: 0, backend }), { code: 'ERR_NDREDUCE_BAD_ARRAY' }, backend);
    (ab as unknown as { resize(n: number): void }).resize(6 * 8);
    assert.throws(() => max({ data, shape, strides: [3, 1] }, { axis: 0, backend }), { code: 'ERR_NDREDUCE_OUT_OF_BOUNDS' }, backend);
  }
});

test('regression: own length, buffer and byteOffset properties on the data are ignored', async () => {
  const data = Float64Array.from([1, 5, 3, 4, 2, 6]);
  Object.defineProperty(data, 'length', { value: 1 << 24 });
  Object.defineProperty(data, 'byteOffset', { value: 1 << 20 });
  Object.defineProperty(data, 'buffer', { value: new SharedArrayBuffer(8) });
  for (const backend of ['native', 'js'] as const) {
    assert.deepEqual(Array.from(max({ data, shape: [2, 3] }, { axis: 0, backend })), [4, 5, 6]);
    assert.deepEqual(Array.from(await maxAsync({ data, shape: [2, 3] }, { axis: 0, backend })), [4, 5, 6]);
    assert.throws(() => max({ data, shape: [3, 3] }, { axis: 0, backend }), { code: 'ERR_NDREDUCE_BAD_ARRAY', message: /x.data has 6$/ });
    assert.throws(() => max({ data, shape: [3, 3], strides: [3, 1] }, { axis: 0, backend }), { code: 'ERR_NDREDUCE_OUT_OF_BOUNDS', message: /length 6\)/ });
  }
});

test('regression: holes in axis, shape and strides are TypeErrors, never fewer axes', () => {
  const x = { data: new Float64Array(6), shape: [2, 3] };
  // eslint-disable-next-line no-sparse-arrays
  for (const axis of [[, 1], new Array(1), [0, , 1]]) {
    assert.throws(() => sum(x, { axis: axis as number[] }), { name: 'TypeError', code: 'ERR_NDREDUCE_BAD_OPTION', message: /is a hole/ });
  }
});

test('regression: an abort stops strided and broadcast kernels quickly (native and js workers)', () => {
  const run = child(`
    const { liveTasks } = require(${JSON.stringify(asyncModule)});
    const data = new Float64Array(new SharedArrayBuffer(8 * 4096)).fill(1);
    const views = [
      ['broadcast, every axis', { data, shape: [2 ** 20, 2 ** 20], strides: [0, 0] }, null],
      ['strided rows, broadcast reduced axis', { data, shape: [4096, 2 ** 30], strides: [1, 0] }, 1],
      ['broadcast kept axis, strided reduced axis', { data, shape: [2 ** 30, 4095], strides: [0, 1] }, 0],
    ];
    const out = [];
    for (const backend of ['native', 'js']) {
      for (const [name, x, axis] of views) {
        for (const op of ['sum', 'max', 'argmin']) {
          const controller = new AbortController();
          const pending = api[op + 'Async'](x, { axis, signal: controller.signal, backend });
          await new Promise((r) => setTimeout(r, 30));
          const t0 = performance.now();
          controller.abort();
          const code = await pending.then(() => 'finished', (e) => e.code);
          while (liveTasks() > 0) await new Promise((r) => setTimeout(r, 1));
          out.push({ backend, name, op, code, ms: performance.now() - t0 });
        }
      }
    }
    console.log(JSON.stringify(out));
  `);
  assertClean(run, 'abort');
  for (const r of JSON.parse(run.stdout) as { backend: string; name: string; op: string; code: string; ms: number }[]) {
    const where = `${r.backend} ${r.name} ${r.op}`;
    // A view this large takes minutes to reduce; a generous bound still
    // tells a kernel that stopped from one that ran on.
    if (r.code === 'finished') continue;
    assert.equal(r.code, 'ABORT_ERR', where);
    assert.ok(r.ms < 1000, `${where}: the kernels ran on for ${r.ms.toFixed(0)} ms after the abort`);
  }
});

test('regression: process.exit() with a pending task exits at once (native and js workers)', () => {
  for (const env of [{}, { NDREDUCE_ADDON_PATH: MISSING_ADDON }] as Record<string, string>[]) {
    const run = child(
      `
      const data = new Float64Array(new SharedArrayBuffer(8 * 16)).fill(1);
      api.sumAsync({ data, shape: [2 ** 24, 2 ** 24], strides: [0, 0] }, { axis: null }).then(() => console.log('finished'));
      await new Promise((r) => setTimeout(r, 50));
      process.stdout.write(String(Date.now()) + '\\n');
      process.exit(0);
      `,
      env,
      60_000,
    );
    const done = Date.now();
    assertClean(run, `exit ${JSON.stringify(env)}`);
    const exitAt = Number(run.stdout.trim().split('\n').pop());
    assert.ok(done - exitAt < 500, `process.exit took ${done - exitAt} ms to end the process`);
  }
});

test('without the addon, *Async runs off the main thread (the event loop keeps turning)', () => {
  const run = child(
    `
    const data = new Float64Array(new SharedArrayBuffer(8 * 4096)).map((_, i) => i);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const value = await api.sumAsync({ data, shape: [2 ** 14, 4096], strides: [0, 1] }, { axis: null });
    clearInterval(timer);
    console.log(JSON.stringify({ value, ticks }));
    `,
    { NDREDUCE_ADDON_PATH: MISSING_ADDON },
  );
  assertClean(run, 'off thread');
  const { value, ticks } = JSON.parse(run.stdout);
  assert.equal(value, 2 ** 14 * ((4095 * 4096) / 2));
  assert.ok(ticks > 3, `the main thread was blocked (${ticks} timer ticks)`);
});

test('concurrent async calls on one non-shared input hold at most (libuv pool size + 1) copies', async () => {
  const x = { data: new Float64Array(1 << 20).map((_, i) => i % 977), shape: [1024, 1024] };
  let most = 0;
  const watch = setInterval(() => (most = Math.max(most, copiesInFlight())), 0);
  const results = await Promise.all(Array.from({ length: 4 * MAX_COPIES }, () => maxAsync(x, { axis: null })));
  clearInterval(watch);
  assert.ok(results.every((r) => r === 976));
  assert.ok(most <= MAX_COPIES, `${most} copies at once`);
  assert.equal(copiesInFlight(), 0);
});
