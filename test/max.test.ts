// One differential table: every backend x strategy x axis x layout against
// the BigInt reference loop.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';

import { max, transpose, findMax, findMaxParallel, findMaxUnsafe } from '../src/index';
import type { Strategy } from '../src/index';
import { referenceMax } from './oracle';
import { layouts } from './cases';
import { BACKENDS } from './backends';

const STRATEGIES: Strategy[] = ['auto', 'serial', 'mutex', 'lockfree'];

for (const backend of BACKENDS) {
  for (const { name, x } of layouts()) {
    test(`${backend} backend, ${name}`, () => {
      for (const axis of [0, 1] as const) {
        if (x.shape[axis] === 0) continue;
        const expected = referenceMax(x, axis);
        for (const strategy of STRATEGIES) {
          for (const threads of [undefined, 1, 3]) {
            const got = max(x, { axis, strategy, threads, backend });
            assert.ok(got instanceof BigInt64Array);
            assert.deepEqual(got, expected, `${strategy} axis ${axis} threads ${threads}`);
          }
        }
        assert.deepEqual(max(x, { axis: axis - 2, backend }), expected, 'negative axis');
      }
    });
  }
}

test('transpose is a view of the same memory', () => {
  const x = { data: new BigInt64Array([1n, 5n, 3n, 4n, 2n, 6n]), shape: [2, 3] };
  const t = transpose(x);
  assert.equal(t.data, x.data);
  assert.deepEqual(t.shape, [3, 2]);
  assert.deepEqual(max(t, { axis: 0 }), max(x, { axis: 1 }));
  assert.deepEqual(max(transpose(t), { axis: 0 }), BigInt64Array.from([4n, 5n, 6n]));
});

test('the article aliases pick their strategy', () => {
  const { x } = layouts()[0];
  const expected = referenceMax(x, 0);
  for (const f of [findMax, findMaxParallel, findMaxUnsafe]) {
    assert.deepEqual(f(x), expected);
    assert.deepEqual(f(x, { threads: 2 }), expected);
  }
});

test('the README example', () => {
  const x = { data: new BigInt64Array([1n, 5n, 3n, 4n, 2n, 6n]), shape: [2, 3] };
  assert.deepEqual(max(x, { axis: 0 }), BigInt64Array.from([4n, 5n, 6n]));
  assert.deepEqual(max(x, { axis: 1 }), BigInt64Array.from([5n, 6n]));
});
