// A list's claimed length is checked before anything is allocated: a Proxy
// that claims more entries than a list copy can hold gets a coded
// RangeError, not the engine's "Invalid array length".
import { test } from 'node:test';
import * as assert from 'node:assert/strict';

import { max, maxAsync, sum, sumAsync } from '../src/index';
import { MAX_LIST_VALUES } from '../src/validate/lists';

type List = number[] | bigint[] | number[][];

/** An array Proxy that claims `length` entries, each `entry` (typed as the
 * lists the reductions take, which it pretends to be). */
function claiming(length: number, entry: number | bigint | List = 1): List {
  return new Proxy([entry] as List, {
    get: (t, k) => (k === 'length' ? length : typeof k === 'string' && /^\d+$/.test(k) ? entry : Reflect.get(t, k)),
    has: () => true,
    getOwnPropertyDescriptor: (t, k) =>
      k === 'length' ? { value: length, writable: true, enumerable: false, configurable: false } : { value: entry, writable: true, enumerable: true, configurable: true },
  });
}

const coded = (pattern: RegExp) => ({ name: 'RangeError', code: 'ERR_NDREDUCE_BAD_ARRAY', message: pattern });

test('regression: lists longer than a copy can hold are coded RangeErrors, sync and async', async () => {
  assert.throws(() => max(claiming(2 ** 53 - 1)), coded(/^x has 9007199254740991 entries, more than \d+$/));
  assert.throws(() => sum(claiming(2 ** 32)), coded(/^x has 4294967296 entries, more than \d+$/));
  await assert.rejects(maxAsync(claiming(2 ** 53 - 1)), coded(/^x has 9007199254740991 entries/));
  await assert.rejects(sumAsync(claiming(2 ** 32)), coded(/^x has 4294967296 entries/));
  // Nested: each level fits, their product does not; found at the first row.
  assert.throws(() => max(claiming(2 ** 16, claiming(2 ** 16))), coded(/^x\[0\] makes the list \[65536, 65536\], more than \d+ numbers/));
  assert.throws(() => max([claiming(MAX_LIST_VALUES + 1) as number[]]), coded(/^x\[0\] has \d+ entries, more than \d+$/));
});

test('lists at ordinary lengths still copy', () => {
  assert.equal(max(claiming(5, 3)), 3);
  assert.equal(sum(claiming(4, 2n)), 8n);
});
