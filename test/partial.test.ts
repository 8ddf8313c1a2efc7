// Partial results: chunks reduced in separate worker threads, sent as
// bytes, merged in any order, equal the one-shot reduction.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';

import { reduceChunks } from '../src/merge/chunks';
import { Partial } from '../src/merge/partial';
import { PARTIAL_OPS } from '../src/merge/partial-spec';
import type { PartialOp } from '../src/merge/partial-spec';
import { reduce } from '../src/run/sync';
import type { NumericArray } from '../src/spec/dtypes';
import type { Reduction } from '../src/spec/types';

function oneShot(x: { data: NumericArray; shape: number[] }, op: PartialOp, options: object): unknown {
  const nan = op.startsWith('nan');
  return reduce((nan ? op.slice(3) : op) as Reduction, x, options, op, nan);
}

/** Equal; floats within `tol` relative (sums and moments merge in another
 * order; a variance merged from chunk moments carries the chunk means'
 * rounding, eps * mean^2 / var relative, which these int32 data make 1e-8). */
function close(a: unknown, b: unknown, where: string, tol = 1e-12): void {
  if (typeof a === 'number' && typeof b === 'number') {
    if (Number.isNaN(a) && Number.isNaN(b)) return;
    assert.ok(Math.abs(a - b) <= tol * (1 + Math.abs(b)), `${where}: ${a} vs ${b}`);
  } else if (a instanceof Float64Array) {
    assert.ok(b instanceof Float64Array && a.length === b.length, where);
    a.forEach((x, k) => close(x, (b as Float64Array)[k], `${where}[${k}]`, tol));
  } else if (a !== null && typeof a === 'object' && !ArrayBuffer.isView(a)) {
    for (const key of Object.keys(a)) close((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], `${where}.${key}`, tol);
  } else {
    assert.deepEqual(a, b, where);
  }
}

/** Rows [from, to) of a C-order array, as a chunk. */
function rows<T extends NumericArray>(x: { data: T; shape: number[] }, from: number, to: number): { data: T; shape: number[] } {
  const inner = x.shape.slice(1).reduce((a, b) => a * b, 1);
  return { data: x.data.slice(from * inner, to * inner) as T, shape: [to - from, ...x.shape.slice(1)] };
}

const shape = [40, 3, 4];
const n = 480;
const floats = { data: Float64Array.from({ length: n }, (_, i) => (i % 37 === 5 ? NaN : Math.sin(i) * 1e3 + ((i * 7919) % 13))), shape };
const ints = { data: Int32Array.from({ length: n }, (_, i) => ((i * 7919) % 23) - 11 + (i % 3) * 1_000_000_000), shape };
const AXES = [0, [0, 2], null];
// Uneven splits: rows [0, 7), [7, 8), [8, 25), [25, 40).
const SPLITS = [0, 7, 8, 25, 40];

async function inWorkers(x: { data: NumericArray; shape: number[] }, op: PartialOp, axis: unknown): Promise<Uint8Array[]> {
  const script = path.join(__dirname, 'partial-worker.js');
  const jobs = SPLITS.slice(0, -1).map((from, k) => {
    const to = SPLITS[k + 1];
    // Each worker gets its rows in two chunks and its first row as `start`.
    const mid = Math.ceil((from + to) / 2);
    const chunks = [rows(x, from, mid), rows(x, mid, to)].filter((c) => c.shape[0] > 0);
    const worker = new Worker(script, { workerData: { op, options: { axis, start: from }, chunks } });
    return new Promise<Uint8Array>((resolve, reject) => {
      worker.once('message', (m: Uint8Array) => resolve(new Uint8Array(m)));
      worker.once('error', reject);
    }).finally(() => worker.terminate());
  });
  return Promise.all(jobs);
}

for (const [name, x] of [['float64', floats], ['int32', ints]] as const) {
  test(`partials from worker threads merge to the one-shot result: ${name}, every op and axis`, async () => {
    for (const op of PARTIAL_OPS) {
      for (const axis of AXES) {
        const where = `${op} axis ${JSON.stringify(axis)}`;
        const expected = oneShot(x, op, { axis });
        const parts = (await inWorkers(x, op, axis)).map((b) => Partial.fromBytes(b));
        // Merged out of order: the last partial first.
        const merged = parts.reverse().reduce((a, b) => a.merge(b), new Partial(op, { axis }));
        assert.equal(merged.length, 40, where);
        const tol = op === 'var' || op === 'std' ? 1e-7 : 1e-12;
        close(merged.result(), expected, where, tol);
        // The merged partial survives another round trip.
        close(Partial.fromBytes(merged.toBytes()).result(), expected, `${where} (bytes)`, tol);
      }
    }
  });
}

test('reduceChunks takes an async iterable of chunks', async () => {
  async function* chunks() {
    for (let k = 0; k + 1 < SPLITS.length; k++) yield rows(floats, SPLITS[k], SPLITS[k + 1]);
  }
  close(await reduceChunks(chunks(), 'std', { axis: [0, 2], ddof: 1 }), oneShot(floats, 'std', { axis: [0, 2], ddof: 1 }), 'std');
  close(await reduceChunks(chunks(), 'argmax'), oneShot(floats, 'argmax', {}), 'argmax');
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(reduceChunks(chunks(), 'max', { signal: controller.signal }), { name: 'AbortError' });
});

test('partials refuse what they cannot merge', () => {
  assert.throws(() => new Partial('max', { axis: 1 }).push(floats), { code: 'ERR_NDREDUCE_BAD_OPTION' });
  const p = new Partial('sum', { axis: 0 }).push(rows(floats, 0, 2));
  assert.throws(() => p.push(rows(ints, 2, 4)), { code: 'ERR_NDREDUCE_BAD_OPTION' });
  assert.throws(() => p.merge(new Partial('max', { axis: 0 })), { code: 'ERR_NDREDUCE_BAD_OPTION' });
  assert.throws(() => Partial.fromBytes(new Uint8Array(20)), { code: 'ERR_NDREDUCE_BAD_OPTION' });
  assert.throws(() => new Partial('max').result(), { code: 'ERR_NDREDUCE_ZERO_SIZE' });
  // Exact integer sums beyond a chunk's int64 range until the end.
  const big = { data: new BigInt64Array([2n ** 62n, 2n ** 62n, -(2n ** 62n)]), shape: [3] };
  const s = new Partial('sum').push(rows(big, 0, 1)).push(rows(big, 1, 2));
  assert.throws(() => s.result(), { code: 'ERR_NDREDUCE_OVERFLOW' });
  assert.equal(s.push(rows(big, 2, 3)).result(), 2n ** 62n);
});
