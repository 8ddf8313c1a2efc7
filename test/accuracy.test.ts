// Accuracy beyond NumPy's: float sums and means are compensated, checked
// against an exact oracle (every double is an integer multiple of 2^-1074,
// so BigInt sums them exactly; test/oracle-more.ts), and var/std are
// stable where E[x^2] - E[x]^2 is not. Both the addon and the js fallback.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import fc from 'fast-check';

import { mean, nansum, std, sum, variance } from '../src/index';
import { exactSum } from './oracle-more';

const ENGINES = ['native', 'js'] as const;

/** The distance between `x` and the next double away from zero. */
function ulp(x: number): number {
  if (x === 0) return Number.MIN_VALUE;
  const a = Math.abs(x);
  return 2 ** Math.max(Math.floor(Math.log2(a)) - 52, -1074);
}

test('exactSum is exact where plain addition is not', () => {
  assert.equal(exactSum([1e16, 1, -1e16]), 1);
  assert.equal(exactSum([0.1, 0.2, -0.3]), 2.7755575615628914e-17);
  assert.equal(exactSum([2 ** 53, 1, 1]), 2 ** 53 + 2);
  assert.ok(Number.isNaN(exactSum([Infinity, -Infinity])));
});

for (const backend of ENGINES) {
  test(`${backend}: [1e16, 1, -1e16] repeated sums to the true sum`, () => {
    for (const k of [1, 2, 3, 10, 333, 1000, 100_000]) {
      const data = new Float64Array(3 * k);
      for (let i = 0; i < k; i++) data.set([1e16, 1, -1e16], 3 * i);
      assert.equal(sum(data, { backend }), k, `k=${k}`);
      assert.equal(mean(data, { backend }), k / (3 * k), `mean k=${k}`);
      // Also down a column of a 2-D view, and with NaN skipped.
      assert.deepEqual(sum({ data, shape: [k, 3] }, { axis: 0, backend }), Float64Array.from([1e16 * k, k, -1e16 * k]));
      const holes = Float64Array.from([...data, NaN, NaN]);
      assert.equal(nansum(holes, { backend }), k);
    }
  });

  test(`${backend}: a compensated sum is within 1 ulp of the exact sum (plus Neumaier's n eps^2 term)`, () => {
    const value = fc.oneof(
      fc.double({ min: -1e6, max: 1e6, noNaN: true }),
      fc.double({ min: -1e-6, max: 1e-6, noNaN: true }),
      fc.integer({ min: 10, max: 20 }).map((e) => 10 ** e),
    );
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 3000 }), fc.boolean(), (xs, cancel) => {
        // Big values cancelled later in the array: ill-conditioned sums.
        const values = cancel ? [...xs, ...xs.filter((x) => Math.abs(x) >= 1e10).map((x) => -x)] : xs;
        const exact = exactSum(values);
        const got = sum(Float64Array.from(values), { backend }) as number;
        const magnitude = exactSum(values.map(Math.abs));
        const bound = ulp(exact) + values.length * 2 ** -104 * magnitude;
        assert.ok(Math.abs(got - exact) <= bound, `${got} vs exact ${exact} (bound ${bound})`);
        // Where that extra term is below half an ulp, the answer is within 1 ulp.
        if (values.length * 2 ** -104 * magnitude < ulp(exact) / 2) assert.ok(Math.abs(got - exact) <= ulp(exact));
      }),
      { numRuns: 300, seed: 11 },
    );
  });

  test(`${backend}: var and std are stable on data far from zero`, () => {
    // 1e9 + small noise: E[x^2] - E[x]^2 loses every digit here.
    const n = 100_001;
    const data = Float64Array.from({ length: n }, (_, i) => 1e9 + ((i * 7919) % 1000) / 1000);
    const m = exactSum(Array.from(data)) / n;
    const want = exactSum(Array.from(data, (x) => (x - m) ** 2)) / n;
    const got = variance(data, { backend }) as number;
    assert.ok(Math.abs(got - want) <= 1e-9 * want, `var ${got} vs ${want}`);
    assert.ok(Math.abs((std(data, { backend, ddof: 1 }) as number) - Math.sqrt((want * n) / (n - 1))) <= 1e-9 * Math.sqrt(want));
    // Along each column of a 2-D view too (Chan merges of partial moments).
    const cols = variance({ data, shape: [n, 1] }, { axis: 0, backend }) as Float64Array;
    assert.ok(Math.abs(cols[0] - want) <= 1e-9 * want);
  });
}
