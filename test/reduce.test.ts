// The N-d differential table: dtype x op x axis x layout x backend (the
// addon, and the js backend that replaces it when it is missing) against
// the oracle; then
// hand-checked answers that pin the reference itself down, the bad-input
// table, and a NumPy cross-check through .npy files.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

import * as ix from '../src/index';
import { argmax, argmin, max, min, minmax, nanmax, nanmin, prod, resultShape, sum } from '../src/index';
import type { Axis, Reduction } from '../src/index';
import { addon } from '../src/addon/load';
import { reference } from './oracle';
import { DTYPES, LAYOUTS, axesFor, fillValues, sameResult, viewOf } from './nd-cases';

const ENGINES = ['native', 'js'] as const;

const API: Record<Reduction, (x: never, o?: never) => unknown> = { min, max, sum, argmin, argmax, minmax } as never;
const OPS = Object.keys(API) as Reduction[];

/** The outcome of a call: its value, or its error's class and message. */
function outcome(f: () => unknown): { value?: unknown; error?: Error } {
  try {
    return { value: f() };
  } catch (error) {
    return { error: error as Error };
  }
}

const label = (axis: Axis) => JSON.stringify(axis);

for (const backend of ENGINES) for (const dtype of DTYPES) {
  test(`${backend} backend, ${dtype.name}: every op, axis and layout equals the oracle`, () => {
    for (const layout of LAYOUTS) {
      for (const nan of dtype.kind === 'float' ? [true, false] : [false]) {
        const x = viewOf(fillValues(dtype, layout.size, 7, nan), layout);
        for (const axis of axesFor(layout.shape.length, layout.big)) {
          for (const op of OPS) {
            for (const ignoreNaN of dtype.kind === 'float' && op !== 'sum' ? [false, true] : [false]) {
              const where = `${layout.name} nan=${nan} ${op} axis ${label(axis)} ignoreNaN=${ignoreNaN}`;
              const options = { axis, ignoreNaN, backend };
              const want = outcome(() => reference(op, x, options));
              const got = outcome(() => API[op](x as never, options as never));
              if (want.error) {
                assert.ok(got.error, `${where}: expected ${want.error.message}, got a value`);
                assert.equal(got.error.constructor, want.error.constructor, `${where}: ${got.error.message}`);
                const gist = /does not fit/.test(want.error.message) ? /does not fit/ : /zero-size array|All-NaN/;
                assert.match(got.error.message, gist, where);
                assert.equal((got.error as { code?: string }).code, (want.error as { code?: string }).code ?? (got.error as { code?: string }).code, where);
                continue;
              }
              assert.ok(!got.error, `${where}: ${got.error?.message}`);
              sameResult(got.value, want.value, where, op === 'sum' && dtype.kind === 'float');
            }
          }
          if (dtype.kind === 'float' && !layout.big) {
            const o = { axis, backend };
            sameResult(outcome(() => nanmax(x, o)).value, outcome(() => max(x, { ...o, ignoreNaN: true })).value, `nanmax ${label(axis)}`);
            sameResult(outcome(() => nanmin(x, o)).value, outcome(() => min(x, { ...o, ignoreNaN: true })).value, `nanmin ${label(axis)}`);
          }
        }
      }
    }
  });
}

test('result types: the input class for min/max, 64-bit sums, float64 indices, scalars for axis null', () => {
  for (const dtype of DTYPES) {
    const data = fillValues(dtype, 12, 3, false);
    const x = { data, shape: [3, 4] };
    assert.equal(max(x, { axis: 0 }).constructor, dtype.ctor, dtype.name);
    assert.equal(min(x, { axis: 1 }).constructor, dtype.ctor, dtype.name);
    const m = minmax(x, { axis: 0 });
    assert.equal(m.min.constructor, dtype.ctor);
    assert.equal(m.max.length, 4);
    const sumClass = dtype.kind === 'float' ? Float64Array : dtype.kind === 'int' ? BigInt64Array : BigUint64Array;
    const s = outcome(() => sum(x, { axis: 0 }));
    if (!s.error) assert.equal((s.value as object).constructor, sumClass, dtype.name);
    assert.ok(argmax(x, { axis: 0 }) instanceof Float64Array);
    assert.equal(typeof max(x, { axis: null }), dtype.big ? 'bigint' : 'number', dtype.name);
    assert.equal(typeof argmin(x, { axis: null }), 'number');
    const all = minmax(x, { axis: null });
    assert.equal(typeof all.min, dtype.big ? 'bigint' : 'number');
  }
  const clamped = { data: new Uint8ClampedArray([1, 200, 3, 4]), shape: [2, 2] };
  const out = max(clamped, { axis: 0 });
  assert.ok(out instanceof Uint8ClampedArray);
  assert.deepEqual(Array.from(out), [3, 200]);
});

// Answers worked out by hand: they keep the reference (and so the table
// above) honest.
test('hand-checked answers', () => {
  const x = { data: new Int32Array([3, -1, 7, 7, 0, -5, 2, 9, -5, 4, 1, 6]), shape: [2, 2, 3] };
  assert.deepEqual(Array.from(max(x, { axis: 0 })), [3, 9, 7, 7, 1, 6]);
  assert.deepEqual(Array.from(max(x, { axis: -1 })), [7, 7, 9, 6]);
  assert.deepEqual(Array.from(min(x, { axis: [0, 2] })), [-5, -5]);
  assert.equal(max(x, { axis: null }), 9);
  assert.equal(argmax(x, { axis: null }), 7);
  assert.equal(argmin(x, { axis: null }), 5, 'first of the tied minimums');
  assert.deepEqual(Array.from(argmax(x, { axis: [1, 2] })), [2, 1]);
  assert.deepEqual(sum(x, { axis: [0, 1] }), BigInt64Array.from([16n, 9n, 3n]));
  assert.equal(sum(x, { axis: null }), 28n);
  const m = minmax(x, { axis: 2 });
  assert.deepEqual([Array.from(m.min), Array.from(m.max)], [[-1, -5, -5, 1], [7, 7, 9, 6]]);

  const f = { data: new Float64Array([1, NaN, -0, 0, Infinity, NaN]), shape: [3, 2] };
  assert.ok(Number.isNaN(max(f, { axis: 0 })[1]), 'NaN propagates');
  assert.equal(max(f, { axis: 0 })[0], Infinity);
  assert.equal(nanmax(f, { axis: 0 })[1], 0);
  assert.deepEqual(Array.from(argmax(f, { axis: 0 })), [2, 0], 'NaN counts as the maximum, first one');
  assert.deepEqual(Array.from(argmax(f, { axis: 0, ignoreNaN: true })), [2, 1]);
  assert.ok(Number.isNaN(nanmin({ data: new Float32Array([NaN, NaN]), shape: [2] }, { axis: null })), 'all-NaN slice gives NaN');
  assert.ok(Number.isNaN(sum(f, { axis: null })));

  const big = { data: BigInt64Array.from([-(2n ** 63n), 2n ** 63n - 1n, 5n]), shape: [3] };
  assert.equal(max(big, { axis: null }), 2n ** 63n - 1n);
  assert.equal(sum(big, { axis: null }), 4n);
  assert.equal(sum({ data: BigUint64Array.from([2n ** 64n - 2n, 1n]), shape: [2] }, { axis: null }), 2n ** 64n - 1n);
  assert.equal(sum({ data: new Uint8Array([255, 255, 255]), shape: [3] }, { axis: null }), 765n);
  assert.deepEqual(sum({ data: new Int8Array(0), shape: [0, 2] }, { axis: 0 }), BigInt64Array.from([0n, 0n]), 'an empty sum is 0');
  assert.deepEqual(max({ data: new Float32Array(0), shape: [3, 0] }, { axis: 0 }), new Float32Array(0), 'nothing kept, nothing to do');
});

test('resultShape drops the reduced axes', () => {
  const x = { data: new Float32Array(24), shape: [2, 3, 4] };
  assert.deepEqual(resultShape(x), []);
  assert.deepEqual(resultShape(x, { axis: 0 }), [3, 4]);
  assert.deepEqual(resultShape(x, { axis: 1, keepdims: true }), [2, 1, 4]);
  assert.deepEqual(resultShape(x, { axis: -1 }), [2, 3]);
  assert.deepEqual(resultShape(x, { axis: [2, 0] }), [3]);
  assert.deepEqual(resultShape(x, { axis: null }), []);
  assert.equal(max(x, { axis: [2, 0] }).length, 3);
});

test('a 0-d array reduces to its element on every backend, sync and async; keepdims keeps shape []', async () => {
  // The element of a 0-d view is the one at its offset, whatever data lies around it.
  const views: [string, unknown, number | bigint][] = [
    ['Float64Array', { data: Float64Array.of(-2.5), shape: [] }, -2.5],
    ['Int16Array at an offset', { data: Int16Array.of(1, 2, -7, 4), shape: [], offset: 2 }, -7],
    ['BigUint64Array with (empty) strides', { data: BigUint64Array.of(2n ** 64n - 1n), shape: [], strides: [] }, 2n ** 64n - 1n],
  ];
  for (const backend of ['native', 'js'] as const) {
    for (const [name, x, element] of views) {
      const where = `${backend}, ${name}`;
      const big = typeof element === 'bigint';
      assert.equal(max(x as never, { backend }), element, where);
      assert.equal(await ix.minAsync(x as never, { backend }), element, where);
      assert.equal(argmin(x as never, { backend, axis: null }), 0, where);
      assert.deepEqual(minmax(x as never, { backend }), { min: element, max: element }, where);
      assert.equal(ix.mean(x as never, { backend }), Number(element), where);
      assert.equal(sum(x as never, { backend }), big || Number.isInteger(element) ? BigInt(element) : element, where);
      assert.equal(ix.var(x as never, { backend }), 0, where);
      assert.ok(Number.isNaN(ix.std(x as never, { backend, ddof: 1 }) as number), `${where}: n - ddof = 0 gives NaN`);
      assert.equal(ix.any(x as never, { backend }), true, where);
      assert.equal(ix.countNonzero(x as never, { backend }), 1, where);
      const kept = max(x as never, { backend, keepdims: true }) as unknown as { data: ArrayLike<unknown>; shape: number[] };
      assert.deepEqual([kept.shape, Array.from(kept.data)], [[], [element]], where);
      // A keepdims result is an array like any other: it goes back in.
      assert.equal(max(kept as never, { backend }), element, where);
      const out = new Float64Array(1);
      assert.equal(ix.mean(x as never, { backend, out }), out, where);
      assert.deepEqual(Array.from(out), [Number(element)], where);
    }
  }
  assert.deepEqual(resultShape({ data: new Int8Array(1), shape: [] }), []);
  assert.deepEqual(resultShape({ data: new Int8Array(1), shape: [] }, { keepdims: true }), []);
  assert.equal(ix.all({ data: new Uint8Array(1), shape: [] }), false);
  assert.deepEqual(ix.transpose({ data: new Int8Array(1), shape: [] }).shape, []);
});

type Bad = [name: string, call: () => unknown, error: typeof TypeError | typeof RangeError, message: RegExp];
const f6 = () => new Float64Array([1, 2, 3, 4, 5, 6]);
const BAD: Bad[] = [
  ['data a DataView', () => max({ data: new DataView(new ArrayBuffer(8)), shape: [1] } as never, { axis: 0 }), TypeError, /x.data must be a numeric typed array .*got a DataView/],
  ['data a plain array', () => sum({ data: [1, 2], shape: [2] } as never, { axis: 0 }), TypeError, /x.data must be a numeric typed array.*an array of length 2/],
  ['0-d with an axis', () => min({ data: f6().subarray(0, 1), shape: [] }, { axis: 0 }), RangeError, /^options.axis 0 is out of bounds for array of dimension 0 \(/],
  ['0-d with a negative axis', () => sum({ data: new Int8Array(1), shape: [] }, { axis: -1 }), RangeError, /^options.axis -1 is out of bounds for array of dimension 0/],
  ['0-d with a list of axes', () => argmax({ data: new Int8Array(1), shape: [] }, { axis: [0] }), RangeError, /^options.axis\[0\] 0 is out of bounds for array of dimension 0/],
  ['0-d shape over a longer data', () => min({ data: f6(), shape: [] }), TypeError, /^x.shape \[\] needs 1 element; x.data has 6$/],
  ['0-d shape over no data', () => max({ data: new Float64Array(0), shape: [] }), TypeError, /^x.shape \[\] needs 1 element; x.data has 0$/],
  ['0-d with a schedule', () => max({ data: new BigInt64Array(1), shape: [] }, { strategy: 'serial' }), RangeError, /needs a 2-D array reduced along one axis, got a 0-D array/],
  ['shape fractional', () => min({ data: f6(), shape: [2, 1.5] }, { axis: 0 }), TypeError, /x.shape\[1\] must be a safe integer, got 1.5/],
  ['strides of the wrong length', () => max({ data: f6(), shape: [2, 3], strides: [3] }, { axis: 0 }), RangeError, /x.strides must have 2 entries, one per axis/],
  ['3-D past the end', () => max({ data: f6(), shape: [2, 2, 2], strides: [4, 2, 1] }, { axis: 0 }), RangeError, /x.strides \[4, 2, 1\] with shape \[2, 2, 2\] and offset 0 reaches element 7, past the end of data \(length 6\)/],
  ['3-D shape larger than data', () => max({ data: f6(), shape: [2, 2, 2] }, { axis: 0 }), TypeError, /^x.shape \[2, 2, 2\] needs 8 elements; x.data has 6$/],
  ['3-D shape smaller than data', () => sum({ data: f6(), shape: [1, 1, 5] }, { axis: 0 }), TypeError, /^x.shape \[1, 1, 5\] needs 5 elements; x.data has 6$/],
  ['negative stride before the start', () => argmax({ data: f6(), shape: [3], strides: [-1], offset: 1 }, { axis: 0 }), RangeError, /reaches element -1, before the start/],
  ['axis out of range', () => max({ data: f6(), shape: [6] }, { axis: 1 }), RangeError, /options.axis 1 is out of range for a 1-D array \(expected -1 to 0\)/],
  ['axis list out of range', () => sum({ data: f6(), shape: [2, 3] }, { axis: [0, -3] }), RangeError, /options.axis\[1\] -3 is out of range for a 2-D array/],
  ['duplicate axes', () => min({ data: f6(), shape: [2, 3] }, { axis: [1, -1] }), RangeError, /options.axis \[1, -1\] names axis 1 twice/],
  ['empty axis list', () => min({ data: f6(), shape: [2, 3] }, { axis: [] }), RangeError, /at least one axis/],
  ['axis a string', () => minmax({ data: f6(), shape: [6] }, { axis: 'all' as never }), TypeError, /options.axis must be an integer, a list of integers or null, got "all"/],
  ['axis list of strings', () => minmax({ data: f6(), shape: [6] }, { axis: ['0'] as never }), TypeError, /options.axis\[0\] must be a safe integer, got "0"/],
  ['ignoreNaN a string', () => max({ data: f6(), shape: [6] }, { axis: 0, ignoreNaN: 'yes' as never }), TypeError, /options.ignoreNaN must be a boolean, got "yes"/],
  ['ignoreNaN on prod', () => prod({ data: f6(), shape: [6] }, { axis: 0, ignoreNaN: true as never }), TypeError, /options.ignoreNaN applies to min, max, minmax, sum, mean, var, std, argmin, argmax \(and their nan kin\), not to prod/],
  ['dtype float32, as NumPy takes it', () => sum({ data: f6(), shape: [6] }, { dtype: 'float32' as never }), TypeError, /^options.dtype must be one of "float64", "int64" \(results are float64, or exact int64 for integer input; no other dtype\), got "float32"$/],
  ['threads 0', () => sum({ data: f6(), shape: [6] }, { axis: 0, threads: 0 }), RangeError, /options.threads must be at least 1/],
  ['strategy on a 1-D sum', () => sum({ data: f6(), shape: [6] }, { axis: 0, strategy: 'serial' }), RangeError, /options.strategy "serial" needs a 2-D array reduced along one axis, got a 1-D array/],
  ['strategy over every axis', () => max({ data: f6(), shape: [2, 3] }, { strategy: 'mutex', axis: null }), RangeError, /options.strategy "mutex" needs a 2-D array reduced along one axis/],
  ['wasm for a float max', () => max({ data: f6(), shape: [2, 3] }, { axis: 0, backend: 'wasm' }), RangeError, /options.backend "wasm" computes only max of a 2-D BigInt64Array along one axis/],
  ['int64 sum overflows', () => sum({ data: BigInt64Array.from([2n ** 62n, 2n ** 62n]), shape: [2] }, { axis: 0 }), RangeError, /does not fit u?int64/],
  ['uint64 sum overflows', () => sum({ data: BigUint64Array.from([2n ** 63n, 2n ** 63n]), shape: [2, 1] }, { axis: 0 }), RangeError, /does not fit u?int64/],
  ['negative int64 sum overflows', () => sum({ data: BigInt64Array.from([-(2n ** 63n), -1n]), shape: [2] }, { axis: null }), RangeError, /does not fit u?int64/],
  ['max of an empty axis', () => max({ data: new Float64Array(0), shape: [0, 3] }, { axis: 0 }), RangeError, /^zero-size array to reduction operation maximum which has no identity$/],
  ['min of an empty axis', () => min({ data: new Int8Array(0), shape: [2, 0] }, { axis: 1 }), RangeError, /^zero-size array to reduction operation minimum which has no identity$/],
  ['argmax of everything, empty', () => argmax({ data: new Uint16Array(0), shape: [0] }, { axis: null }), RangeError, /zero-size array to reduction operation argmax/],
  ['minmax of an empty list', () => minmax({ data: new Float64Array(0), shape: [2, 0, 3] }, { axis: [1, 2] }), RangeError, /zero-size array to reduction operation minimum/],
  ['a result larger than memory', () => sum({ data: new Int8Array(0), shape: [2 ** 53 - 1, 0] }, { axis: 1 }), RangeError, /a result of 9007199254740991 elements cannot be allocated/],
  ['nanargmax of an all-NaN slice', () => argmax({ data: new Float64Array([NaN, 1, NaN, 2]), shape: [2, 2] }, { axis: 0, ignoreNaN: true }), RangeError, /All-NaN slice/],
];

test(`the N-d API rejects ${BAD.length} bad inputs with typed errors naming the field`, () => {
  for (const [name, call, error, message] of BAD) {
    assert.throws(call, (e: unknown) => {
      assert.ok(e instanceof error, `${name}: expected ${error.name}, got ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
      assert.match((e as Error).message, message, name);
      assert.match(String((e as { code?: unknown }).code), /^ERR_NDREDUCE_[A-Z_]+$/, `${name}: code`);
      return true;
    }, name);
  }
});

test('the addon is loaded (else the native rows above only checked the js backend)', (t) => {
  if (!addon()) t.skip('no addon with reduce/reduceAsync: run npm run build:native');
});

test('without the addon every reduction runs on the js backend, with one warning per process', () => {
  const index = require.resolve('../src/index');
  const script = `
    const warnings = [];
    process.on('warning', (w) => warnings.push(w.code + ': ' + w.message));
    const api = require(${JSON.stringify(index)});
    const x = { data: new Int16Array([3, -2, 7, 1]), shape: [2, 2] };
    const out = { sum: String(api.sum(x, { axis: null })), max: Array.from(api.max(x, { axis: 0 })), argmin: Array.from(api.argmin(x, { axis: 1 })) };
    api.max({ data: new BigInt64Array(4), shape: [2, 2] }, { axis: 0 });
    setImmediate(() => console.log(JSON.stringify({ out, warnings })));
  `;
  const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { ...process.env, NDREDUCE_ADDON_PATH: '/no-such-addon.node' } });
  assert.equal(run.status, 0, run.stderr);
  const { out, warnings } = JSON.parse(run.stdout);
  assert.deepEqual(out, { sum: '9', max: [7, 1], argmin: [1, 1] });
  assert.equal(warnings.length, 1, warnings.join('\n'));
  assert.match(warnings[0], /^NDREDUCE_NO_ADDON: NDREDUCE_ADDON_PATH=\/no-such-addon\.node failed to load: .*runs on its JavaScript engine \(the js backend\) instead/);
});

// Kernels that fold floats in several lanes have edges (lane count, block
// tails): one NaN or one extreme at each position of assorted lengths.
test('floats: one NaN or one extreme at every edge position of assorted lengths', () => {
  for (const ctor of [Float32Array, Float64Array]) {
    for (const n of [1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 255, 256, 257, 1031, 4099]) {
      const positions = [...new Set([0, 1, 7, 8, 15, 16, n >> 1, n - 9, n - 8, n - 2, n - 1].filter((p) => p >= 0 && p < n))];
      for (const p of positions) {
        for (const special of [NaN, Infinity, -Infinity, -0]) {
          const data = new ctor(n * 3);
          for (let i = 0; i < data.length; i++) data[i] = ((i * 37) % 101) - 50;
          // Column 1 of an n x 3 C array, and the contiguous 1-D run.
          data[p * 3 + 1] = special;
          const views = [
            { data, shape: [n, 3] },
            { data: data.subarray(0, n), shape: [n] },
            { data, shape: [3, n], strides: [1, 3] },
          ];
          data[p] = special;
          for (const x of views) {
            for (const op of ['max', 'min', 'argmax', 'argmin', 'minmax'] as Reduction[]) {
              for (const ignoreNaN of [false, true]) {
                const options = { axis: x.shape.length === 1 ? null : x.strides ? 1 : 0, ignoreNaN };
                const where = `${ctor.name} n=${n} p=${p} ${special} ${op} ${JSON.stringify(options)} shape ${x.shape}`;
                const want = outcome(() => reference(op, x, options));
                const got = outcome(() => API[op](x as never, options as never));
                if (want.error) assert.equal(got.error?.message, want.error.message, where);
                else sameResult(got.value, want.value, where);
              }
            }
          }
        }
      }
    }
  }
});

test('out: every reduction writes the same values into a caller array as it returns, on both backends', () => {
  const fns: Record<string, (x: never, o?: never) => unknown> = {
    max: ix.max, min: ix.min, nanmax: ix.nanmax, nanmin: ix.nanmin, ptp: ix.ptp, sum: ix.sum, nansum: ix.nansum, prod: ix.prod,
    mean: ix.mean, nanmean: ix.nanmean, variance: ix.variance, std: ix.std, argmax: ix.argmax, argmin: ix.argmin,
    any: ix.any, all: ix.all, countNonzero: ix.countNonzero,
  };
  for (const backend of ENGINES) for (const dtype of DTYPES) for (const layout of LAYOUTS.filter((l) => !l.big)) {
    const x = viewOf(fillValues(dtype, layout.size, 5, false), layout);
    for (const axis of axesFor(layout.shape.length)) {
      if (axis === null) continue;
      for (const [name, fn] of Object.entries(fns)) {
        const where: string = `${backend} ${dtype.name} ${layout.name} ${name} axis ${label(axis)}`;
        const plain = outcome(() => fn(x as never, { axis, backend } as never));
        if (plain.error) continue;
        const want = plain.value as ArrayLike<number | bigint> & { constructor: new (n: number) => ArrayLike<number | bigint> };
        const out = new want.constructor(want.length);
        const got = fn(x as never, { axis, backend, out } as never);
        assert.equal(got, out, `${where}: out is returned`);
        assert.deepEqual(Array.from(out), Array.from(want), where);
      }
    }
  }
});

test('out may share the input\'s memory: the result is computed before it is written', () => {
  for (const backend of ENGINES) {
    const data = new Float64Array([1, 5, 3, 4, 2, 6]);
    // out is the input's first row: max along axis 0 overwrites what it reads.
    const row = data.subarray(0, 3);
    assert.equal(max({ data, shape: [2, 3] }, { axis: 0, out: row, backend }), row);
    assert.deepEqual(Array.from(data), [4, 5, 6, 4, 2, 6], backend);
    const ints = new Int32Array([7, 1, 9, 3]);
    const into = new Int32Array(ints.buffer, 4, 2);
    min({ data: ints, shape: [2, 2] }, { axis: 0, out: into, backend });
    assert.deepEqual(Array.from(ints), [7, 7, 1, 3], backend);
    // A reduction converted from accumulators (mean), into the last row.
    const f = new Float64Array([1, 2, 3, 5]);
    ix.mean({ data: f, shape: [2, 2] }, { axis: 0, out: f.subarray(2), backend });
    assert.deepEqual(Array.from(f), [1, 2, 2, 3.5], backend);
  }
});
