// The public signatures: these assignments only compile when each function
// returns the documented type for its input's dtype and axis option, so
// `tsc` is the test; the runtime half checks the values have those types.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';

import { argmax, argmaxAsync, max, maxAsync, min, minmax, nanmax, sum, sumAsync } from '../src/index';

const f32 = { data: new Float32Array([1, 4, 3, 2]), shape: [2, 2] };
const u16 = { data: new Uint16Array([1, 4, 3, 2]), shape: [4] };
const i64 = { data: BigInt64Array.from([1n, 4n, 3n, 2n]), shape: [2, 2] };

test('signatures follow dtype and axis', async () => {
  const a: Float32Array = max(f32);
  const b: number = max(f32, { axis: null });
  const c: Float32Array = nanmax(f32, { axis: [0, 1] });
  const d: bigint = min(i64, { axis: null });
  const e: BigUint64Array = sum(u16);
  const f: bigint = sum(u16, { axis: null });
  const g: Float64Array = sum(f32, { axis: 1 });
  const h: number = sum(f32, { axis: null });
  const i: Float64Array = argmax(i64);
  const j: number = argmax(u16, { axis: null });
  const k: { min: Float32Array; max: Float32Array } = minmax(f32);
  const l: { min: bigint; max: bigint } = minmax(i64, { axis: null });
  const m: BigInt64Array = max(i64, { strategy: 'serial', backend: 'js' });
  const n: Float64Array = await sumAsync(f32);
  const o: number = await argmaxAsync(f32, { axis: null });
  const p: BigInt64Array = await maxAsync(i64, { strategy: 'lockfree' });
  const q: bigint = await maxAsync(i64, { axis: null });
  assert.deepEqual(
    [a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p, q].map((v) => (ArrayBuffer.isView(v) ? v.constructor.name : typeof v)),
    ['Float32Array', 'number', 'Float32Array', 'bigint', 'BigUint64Array', 'bigint', 'Float64Array', 'number', 'Float64Array', 'number', 'object', 'object', 'BigInt64Array', 'Float64Array', 'number', 'BigInt64Array', 'bigint'],
  );
});
