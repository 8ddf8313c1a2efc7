// `by` with `where`, properties without NumPy: by + where equals `by`
// over the selected elements of each group reduced one lane at a time,
// and a mask of all ones equals plain `by`, on both backends; on arrays
// past the addon's blocks, the addon equals the js backend (an
// independent walk: each group's gathered copy) and async equals sync.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';

import * as api from '../src/index';
import { addon } from '../src/addon/load';

type Reducer = (x: unknown, o?: unknown) => unknown;
const reducer = (name: string) => (api as unknown as Record<string, Reducer>)[name];

/** A pseudo-random generator for the properties (deterministic). */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const PROPERTY_FNS = ['sum', 'nansum', 'prod', 'mean', 'nanmean', 'var', 'nanstd', 'max', 'nanmin', 'ptp', 'argmin', 'nanargmax', 'any', 'all', 'countNonzero'];

test('property: by with where is by over each group\'s selected elements, and an all-ones mask is plain by', () => {
  const next = rng(2024);
  let checked = 0;
  for (let trial = 0; trial < 40; trial++) {
    const shape = [1 + Math.floor(next() * 5), 2 + Math.floor(next() * 6)];
    const axis = Math.floor(next() * 2);
    const n = shape[0] * shape[1];
    const data = Float64Array.from({ length: n }, () => (next() < 0.1 ? NaN : Math.round(next() * 16 - 8) / 4));
    const x = { data, shape };
    const len = shape[axis];
    const groups = 1 + Math.floor(next() * 3);
    const labels = Array.from({ length: len }, () => Math.floor(next() * (groups + 1)) - 1);
    const mask = Uint8Array.from({ length: n }, () => (next() < 0.7 ? 1 : 0));
    const other = 1 - axis;
    for (const fn of PROPERTY_FNS) {
      const f = reducer(fn);
      for (const backend of ['native', 'js']) {
        const at = `${fn} ${JSON.stringify({ shape, axis, labels, groups, backend })}`;
        let got: { data: ArrayLike<number>; shape: number[] } | undefined;
        let error: unknown;
        try {
          got = f(x, { axis, by: labels, groups, where: { data: mask, shape }, backend }) as typeof got;
        } catch (e) {
          error = e;
        }
        // Each position of each group: the selected elements as a 1-D array, reduced.
        let wantError = false;
        const want: number[] = [];
        for (let b = 0; b < shape[other]; b++) {
          for (let g = 0; g < groups; g++) {
            const picked: number[] = [];
            for (let i = 0; i < len; i++) {
              const k = axis === 0 ? i * shape[1] + b : b * shape[1] + i;
              if (labels[i] === g && mask[k]) picked.push(i);
            }
            const lane = Float64Array.from(picked, (i) => data[axis === 0 ? i * shape[1] + b : b * shape[1] + i]);
            try {
              const v = Number(f(lane, { backend }));
              want.push(fn.includes('arg') ? picked[v] : v);
            } catch {
              wantError = true;
            }
          }
        }
        if (wantError) {
          assert.ok(error instanceof RangeError, `${at}: the lanes raise, we gave ${String(error ?? 'a result')}`);
          continue;
        }
        if (error) throw error;
        // The result is [groups, other] for axis 0, [other, groups] for axis 1.
        const flat = Array.from(got!.data as ArrayLike<number>, Number);
        const ordered = axis === 0 ? want.map((_, k) => want[(k % shape[other]) * groups + Math.floor(k / shape[other])]) : want;
        ordered.forEach((w, k) => {
          const g = flat[k];
          const close = Object.is(g, w) || g === w || Math.abs(g - w) <= 1e-12 * Math.max(1, Math.abs(w));
          assert.ok(close, `${at} [${k}]: got ${g}, want ${w}`);
        });
        // All ones: plain `by`, exactly (var/std within rounding: a different walk).
        const outcome = (o: object) => {
          try {
            return f(x, { axis, by: labels, groups, backend, ...o });
          } catch (e) {
            return e;
          }
        };
        const ones = outcome({ where: new Uint8Array(n).fill(1) });
        const plain = outcome({});
        if (plain instanceof Error || ones instanceof Error) {
          assert.equal(String(ones), String(plain), `${at}: all ones and plain by`);
          continue;
        }
        const p = Array.from((plain as { data: ArrayLike<number> }).data, Number);
        const o = Array.from((ones as { data: ArrayLike<number> }).data, Number);
        p.forEach((w, k) => assert.ok(Object.is(o[k], w) || Math.abs(o[k] - w) <= 1e-12 * Math.abs(w), `${at} ones [${k}]: got ${o[k]}, plain by ${w}`));
        checked++;
      }
    }
  }
  assert.ok(checked > 500, `${checked} cases checked`);
});

test('by with where on arrays past one block: the addon (both loop orders, many tasks) equals the js backend, sync and async', async () => {
  const next = rng(77);
  // [rows, cols, axis]: lanes longer than the addon's 4096-element blocks,
  // and rows of more columns than one block of accumulators.
  for (const [rows, cols, axis] of [[3, 9001, 1], [9001, 40, 0], [2, 20000, 0]] as const) {
    const n = rows * cols;
    const data = Float64Array.from({ length: n }, () => (next() < 0.01 ? NaN : Math.round(next() * 64 - 32) / 8));
    const len = axis === 0 ? rows : cols;
    // Long runs of one label, then labels changing at every position.
    const labels = Int32Array.from({ length: len }, (_, i) => (i < len / 2 ? Math.floor(i / 700) % 5 : Math.floor(next() * 6) - 1));
    const mask = { data: Uint8Array.from({ length: n }, () => (next() < 0.6 ? 1 : 0)), shape: [rows, cols] };
    const x = { data, shape: [rows, cols] };
    for (const fn of ['sum', 'nansum', 'mean', 'nanmean', 'var', 'nanmax', 'prod', 'countNonzero', 'all']) {
      const at = `${fn} ${rows}x${cols} axis ${axis}`;
      // nanmax: groups empty by their labels or the mask take `initial`.
      const o = { axis, by: labels, groups: 5, where: mask, ...(fn === 'nanmax' ? { initial: -100 } : {}) };
      const js = (reducer(fn)(x, { ...o, backend: 'js' }) as { data: ArrayLike<number> }).data;
      const native = (reducer(fn)(x, o) as { data: ArrayLike<number> }).data;
      const later = ((await reducer(`${fn}Async`)(x, o)) as { data: ArrayLike<number> }).data;
      assert.equal(native.length, js.length, at);
      for (let k = 0; k < js.length; k++) {
        const [a, b, w] = [Number(native[k]), Number(later[k]), Number(js[k])];
        const tolerance = fn === 'prod' ? 1e-9 : 1e-12;
        assert.ok(Object.is(a, w) || Math.abs(a - w) <= tolerance * Math.max(1, Math.abs(w)), `${at} [${k}]: addon ${a}, js ${w}`);
        assert.ok(Object.is(a, b), `${at} [${k}]: sync ${a}, async ${b}`);
      }
    }
    // The ops without identity: the same positions, or the same error
    // (the first empty group, in result order) from both.
    const dense = { data: Uint8Array.from({ length: n }, () => (next() < 0.95 ? 1 : 0)), shape: [rows, cols] };
    const full = Int32Array.from({ length: len }, (_, i) => i % 3);
    for (const fn of ['argmin', 'nanargmax', 'ptp']) {
      const outcome = (o: object) => {
        try {
          return Array.from((reducer(fn)(x, { axis, by: full, where: dense, ...o }) as { data: ArrayLike<number> }).data);
        } catch (e) {
          return String(e);
        }
      };
      assert.deepEqual(outcome({}), outcome({ backend: 'js' }), `${fn} ${rows}x${cols} axis ${axis}`);
    }
  }
});

test('by with where, async: the mask is copied when the call is read, and the cancel token stops the grouped masked kernels', async () => {
  const x = { data: Float64Array.from({ length: 600 }, (_, i) => (i % 7) - 3), shape: [20, 30] };
  const mask = Uint8Array.from({ length: 600 }, (_, i) => (i % 3 ? 1 : 0));
  for (const backend of ['native', 'js']) {
    const o = { axis: 1, by: Array.from({ length: 30 }, (_, i) => i % 4), where: { data: mask, shape: [20, 30] }, backend };
    const want = reducer('sum')(x, o);
    const pending = reducer('sumAsync')(x, o) as Promise<unknown>;
    mask.fill(0); // after the call returned: the mask it reads is its own copy
    assert.deepEqual(await pending, want, backend);
    for (let i = 0; i < 600; i++) mask[i] = i % 3 ? 1 : 0;
  }
  const native = addon();
  if (!native) return;
  const data = new Float64Array(new SharedArrayBuffer(8 * 1_000_000));
  const flags = new Uint8Array(new SharedArrayBuffer(1_000_000)).fill(1);
  const labels = Int32Array.from({ length: 1000 }, (_, i) => i % 5);
  // threads 2, offset 0, 1000 x 1000 C order, along axis 0 (rows) or 1 (lanes)
  for (const axis of [0, 1]) {
    const layout = Float64Array.from([2, 0, 2, 1000, 1000, 1000, 1, 1, axis]);
    const maskLayout = Float64Array.from([0, 1000, 1]);
    // Raised before the call, so the outcome does not race the thread pool.
    const token = new native.CancelToken();
    token.cancel();
    const stopped = native.reduceGroupedMaskedAsync(data, layout, 'sum', labels, 5, undefined, flags, maskLayout, false, token);
    await assert.rejects(stopped, { name: 'AbortError', code: 'ABORT_ERR' }, `axis ${axis}`);
    const runs = await native.reduceGroupedMaskedAsync(data, layout, 'sum', labels, 5, undefined, flags, maskLayout, false, new native.CancelToken());
    assert.equal(runs.length, 5000, `axis ${axis}`);
  }
});
