// fast-check draws random (and adversarial) views: each call either raises a
// typed error or returns exactly what the reference loop returns.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import fc from 'fast-check';

import { max } from '../src/index';
import type { Strategy } from '../src/index';
import { readView } from '../src/validate/view';
import { referenceMax } from './oracle';
import { values } from './cases';
import { BACKENDS } from './backends';

const smallInt = fc.integer({ min: -12, max: 12 });
const adversarial = fc.oneof(
  smallInt,
  fc.constantFrom(2 ** 31, -(2 ** 31), 2 ** 53 - 1, -(2 ** 53 - 1), 2 ** 32 + 1),
);
const viewArb = fc.record({
  len: fc.integer({ min: 0, max: 300 }),
  rows: fc.oneof(fc.integer({ min: 0, max: 9 }), fc.constantFrom(2 ** 31, 2 ** 53 - 1)),
  cols: fc.integer({ min: 0, max: 9 }),
  s0: adversarial,
  s1: adversarial,
  offset: fc.oneof(fc.integer({ min: 0, max: 320 }), fc.constantFrom(2 ** 53 - 1)),
  axis: fc.constantFrom(0, 1, -1, -2),
  strategy: fc.constantFrom<Strategy>('auto', 'serial', 'mutex', 'lockfree'),
  threads: fc.constantFrom(undefined, 1, 2, 5),
});

for (const backend of BACKENDS) {
  test(`${backend} backend: random views give a typed error or the reference result`, () => {
    fc.assert(
      fc.property(viewArb, ({ len, rows, cols, s0, s1, offset, axis, strategy, threads }) => {
        const x = { data: values(len, len + 7), shape: [rows, cols], strides: [s0, s1], offset };
        // Zero strides make huge shapes valid (a broadcast view): too many
        // elements for the reference loop, so those only check validation.
        if (rows * cols > 20_000) {
          try {
            readView(x);
          } catch (e) {
            assert.ok(e instanceof TypeError || e instanceof RangeError, String(e));
          }
          return;
        }
        let got: BigInt64Array;
        try {
          got = max(x, { axis, strategy, threads, backend });
        } catch (e) {
          assert.ok(e instanceof TypeError || e instanceof RangeError, String(e));
          return;
        }
        const a = axis === 0 || axis === -2 ? 0 : 1;
        assert.deepEqual(got, referenceMax(x, a));
      }),
      { numRuns: 3000, seed: 20261125 },
    );
  });
}
