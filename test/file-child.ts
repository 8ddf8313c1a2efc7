// Child process of file.test.ts: reduces a file with reduceFile and prints
// its peak resident memory, so that the parent's memory does not count.
import assert from 'node:assert/strict';

import { reduceFile } from '../src/io/file';
import type { OpName } from '../src/spec/ops';

async function main(): Promise<void> {
  const [p, op, axis] = process.argv.slice(2);
  assert.ok(p && op && axis, 'usage: file-child <file.npy> <op> <axis|null>');
  let done = 0;
  let total = -1;
  await reduceFile(p, op as OpName, {
    axis: axis === 'null' ? null : Number(axis),
    onProgress: (e) => {
      done = e.bytesDone;
      total = e.bytesTotal;
    },
  });
  assert.equal(done, total, 'the last progress event is the whole file');
  // resourceUsage().maxRSS is in kilobytes.
  process.stdout.write(JSON.stringify({ maxRssBytes: process.resourceUsage().maxRSS * 1024, done }));
}

main().catch((e) => {
  process.stderr.write(String(e?.stack ?? e));
  process.exit(1);
});
