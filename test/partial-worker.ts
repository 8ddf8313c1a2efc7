// Worker of partial.test.ts: reduces its rows of the array into a Partial
// and posts the partial's bytes back (the "map" step of a MapReduce).
import assert from 'node:assert/strict';
import { parentPort, workerData } from 'node:worker_threads';

import { Partial } from '../src/merge/partial';
import type { PartialOp, PartialOptions } from '../src/merge/partial-spec';

const { op, options, chunks } = workerData as { op: PartialOp; options: PartialOptions; chunks: { data: Float64Array; shape: number[] }[] };
assert.ok(chunks.length > 0, 'a worker gets at least one chunk');
const p = new Partial(op, options);
for (const chunk of chunks) {
  assert.equal(chunk.data.length, chunk.shape.reduce((n, d) => n * d, 1), 'a chunk is whole rows of the array');
  p.push(chunk);
}
const bytes = p.toBytes();
parentPort!.postMessage(bytes, [bytes.buffer as ArrayBuffer]);
