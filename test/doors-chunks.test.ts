// reduceChunks at its doors: an iterator that never yields still sees the
// abort (and is told to stop), empty chunks are rows of nothing, and what
// is not an iterable or not an option gets a coded error.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';

import { argmax, max, min, minmax, reduceChunks, sum } from '../src/index';
import type { OpName } from '../src/spec/ops';

test('an abort while the iterator never yields rejects, and return() is called', async () => {
  let returned = 0;
  const stuck: AsyncIterable<unknown> = {
    [Symbol.asyncIterator]: () => ({
      next: () => new Promise<IteratorResult<unknown>>(() => {}),
      return: async () => {
        returned++;
        return { done: true, value: undefined };
      },
    }),
  };
  const c = new AbortController();
  const pending = reduceChunks(stuck, 'max', { signal: c.signal });
  setTimeout(() => c.abort(), 10);
  await assert.rejects(pending, { name: 'AbortError' });
  assert.equal(returned, 1);
});

test('an abort between chunks calls return() of a sync iterator too', async () => {
  let returned = 0;
  const c = new AbortController();
  function* rows() {
    try {
      yield new Float64Array([1, 2]);
      c.abort();
      yield new Float64Array([3, 4]);
      yield new Float64Array([5, 6]);
    } finally {
      returned++;
    }
  }
  await assert.rejects(reduceChunks(rows(), 'sum', { signal: c.signal }), { name: 'AbortError' });
  assert.equal(returned, 1);
});

test('empty chunks, first or between others, are allowed where the whole array is not empty', async () => {
  const x = { data: Float64Array.from([3, -1, 4, 1, -5, 9, 2, 6]), shape: [4, 2] };
  const rows = (a: number, b: number) => ({ data: x.data.subarray(2 * a, 2 * b), shape: [b - a, 2] });
  const empty = () => ({ data: new Float64Array(0), shape: [0, 2] });
  const orders = [
    [empty(), rows(0, 2), rows(2, 4)],
    [rows(0, 1), empty(), empty(), rows(1, 4)],
    [rows(0, 4), empty()],
  ];
  const ops: [OpName, (v: typeof x, o: { axis: number | null }) => unknown][] = [
    ['max', max],
    ['min', min],
    ['argmax', argmax],
    ['minmax', minmax],
    ['sum', sum],
  ];
  for (const chunks of orders) {
    for (const [op, f] of ops) {
      for (const axis of [0, null]) {
        assert.deepEqual(await reduceChunks(chunks, op, { axis }), f(x, { axis }), `${op} axis ${axis}`);
      }
    }
  }
});

test('only empty chunks: max is the zero-size error, sum is zeros', async () => {
  const empty = () => ({ data: new Float64Array(0), shape: [0, 2] });
  await assert.rejects(reduceChunks([empty(), empty()], 'max', { axis: 0 }), { code: 'ERR_NDREDUCE_ZERO_SIZE' });
  assert.deepEqual(await reduceChunks([empty()], 'sum', { axis: 0 }), new Float64Array(2));
});

test('what is not an iterable, and options that are not its own, get coded errors', async () => {
  for (const chunks of [5, null, undefined, 'abc', {}, { [Symbol.iterator]: 1 }]) {
    await assert.rejects(reduceChunks(chunks as never, 'sum'), { name: 'TypeError', code: 'ERR_NDREDUCE_BAD_OPTION' }, String(chunks));
  }
  await assert.rejects(reduceChunks({ [Symbol.iterator]: () => 5 } as never, 'sum'), { code: 'ERR_NDREDUCE_BAD_OPTION' });
  await assert.rejects(reduceChunks([new Float64Array(2)], 'sum', { axes: 0 } as never), { code: /^ERR_NDREDUCE_/ });
  await assert.rejects(reduceChunks([new Float64Array(2)], 'sum', { signal: 'yes' } as never), { code: /^ERR_NDREDUCE_/ });
  await assert.rejects(reduceChunks([new Float64Array(2)], 'sum', { ddoff: 1 } as never), { code: /^ERR_NDREDUCE_/ });
});
