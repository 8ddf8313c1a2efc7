// The article's own case at full size: 100 x 1,000,000 int64 and its
// transposed view, every strategy against the reference loop.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';

import { max, transpose } from '../src/index';
import type { Strategy } from '../src/index';
import { referenceMax } from './oracle';
import { articleArray } from '../bench/data';

test('article array and its transpose: every strategy equals the reference', () => {
  const arr = articleArray(100, 1_000_000, 42);
  const views = [
    ['arr', arr],
    ['arr.T', transpose(arr)],
  ] as const;
  for (const [name, x] of views) {
    const expected = referenceMax(x, 0);
    for (const strategy of ['auto', 'serial', 'mutex', 'lockfree'] as Strategy[]) {
      assert.deepEqual(max(x, { axis: 0, strategy }), expected, `${name} ${strategy}`);
    }
  }
});
