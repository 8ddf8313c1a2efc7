// fast-check draws random N-d views (adversarial strides and offsets, every
// dtype, op, axis choice and schedule): every backend must agree with the
// oracle, on the value or on the error class. The addon validates views
// itself, so this also catches a view the TypeScript layer accepts and the
// addon refuses, or the reverse.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import fc from 'fast-check';

import * as api from '../src/index';
import type { Reduction, Strategy } from '../src/index';
import { readCall } from '../src/validate/call';
import { reference } from './oracle';
import { DTYPES, fillValues, sameResult } from './nd-cases';

/** The backends that compute every reduction (wasm has its own table). */
const ENGINES = ['native', 'js'] as const;

const API: Record<Reduction, (x: never, o?: never) => unknown> = {
  min: api.min, max: api.max, sum: api.sum, argmin: api.argmin, argmax: api.argmax, minmax: api.minmax,
  ptp: api.ptp, prod: api.prod, mean: api.mean, var: api.var, std: api.std, any: api.any, all: api.all, countNonzero: api.countNonzero,
} as never;

/** Ops whose float results depend on the order of the arithmetic. */
const ROUNDED = ['sum', 'prod', 'mean', 'var', 'std'];
/** Ops that skip NaN on request. */
const NAN_SKIPPING = ['min', 'max', 'argmin', 'argmax', 'minmax', 'sum', 'mean', 'var', 'std'];

const stride = fc.oneof(fc.integer({ min: -9, max: 9 }), fc.constantFrom(2 ** 31, -(2 ** 31), 2 ** 53 - 1, -(2 ** 53 - 1)));
const dim = fc.oneof({ weight: 9, arbitrary: fc.integer({ min: 0, max: 4 }) }, { weight: 1, arbitrary: fc.constantFrom(2 ** 31, 2 ** 53 - 1) });

const caseArb = fc.integer({ min: 1, max: 4 }).chain((ndim) =>
  fc.record({
    dtype: fc.constantFrom(...DTYPES),
    len: fc.integer({ min: 0, max: 200 }),
    shape: fc.array(dim, { minLength: ndim, maxLength: ndim }),
    strides: fc.option(fc.array(stride, { minLength: ndim, maxLength: ndim }), { nil: undefined }),
    offset: fc.oneof(fc.integer({ min: 0, max: 220 }), fc.constantFrom(2 ** 53 - 1)),
    op: fc.constantFrom<Reduction>('min', 'max', 'sum', 'argmin', 'argmax', 'minmax', 'ptp', 'prod', 'mean', 'var', 'std', 'any', 'all', 'countNonzero'),
    axis: fc.oneof(
      fc.integer({ min: -ndim, max: ndim - 1 }),
      fc.constant(null),
      fc.uniqueArray(fc.integer({ min: 0, max: ndim - 1 }), { minLength: 1, maxLength: ndim }),
    ),
    ignoreNaN: fc.boolean(),
    threads: fc.constantFrom(undefined, 1, 3),
    strategy: fc.constantFrom<Strategy>('auto', 'serial', 'mutex', 'lockfree'),
  }),
);

function outcome(f: () => unknown): { value?: unknown; error?: Error } {
  try {
    return { value: f() };
  } catch (error) {
    return { error: error as Error };
  }
}

for (const backend of ENGINES) test(`${backend}: random N-d views and schedules agree with the oracle on the value or the error`, () => {
  fc.assert(
    fc.property(caseArb, ({ dtype, len, shape, strides, offset, op, axis, ignoreNaN, threads, strategy }) => {
      const x = { data: fillValues(dtype, len, len + 3), shape, strides, offset };
      // The article's schedules take a 2-D view reduced along one axis.
      const oneAxis = shape.length === 2 && (typeof axis === 'number' || axis?.length === 1);
      const options = { axis, ignoreNaN: ignoreNaN && NAN_SKIPPING.includes(op), threads, strategy: oneAxis ? strategy : 'auto', backend };
      // A zero stride or empty axis makes huge shapes valid: too many
      // elements for the reference loop, so those only check validation.
      if (shape.reduce((a, b) => a * b, 1) > 5000) {
        const checked = outcome(() => readCall(op, x, options, op));
        if (checked.error) assert.ok(checked.error instanceof TypeError || checked.error instanceof RangeError, String(checked.error));
        return;
      }
      const want = outcome(() => reference(op, x, options));
      const got = outcome(() => API[op](x as never, options as never));
      if (want.error) {
        assert.ok(got.error, `expected ${want.error.message}`);
        assert.equal(got.error.constructor, want.error.constructor, got.error.message);
        assert.match(String((got.error as { code?: unknown }).code), /^ERR_NDREDUCE_/, got.error.message);
        return;
      }
      assert.ok(!got.error, `${got.error?.message} for ${JSON.stringify({ len, shape, strides, offset, op, axis })}`);
      sameResult(got.value, want.value, op, ROUNDED.includes(op));
    }),
    { numRuns: 2000, seed: 20261125 },
  );
});
