// No leaks: after warm-up, more rounds of 10,000 small and 50 large calls
// (sync and async) must not grow RSS or external memory.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

test('memory settles across repeated max and maxAsync calls', () => {
  const child = spawnSync(process.execPath, ['--expose-gc', path.join(__dirname, 'leak-child.js')], {
    encoding: 'utf8',
    timeout: 300_000,
  });
  assert.equal(child.status, 0, child.stderr);
  const { first, second, third } = JSON.parse(child.stdout);
  const MiB = 1024 * 1024;
  // One large input is 80 MB (a copy for maxAsync included, 160 MB); a
  // leak of its result alone (800 KB per call) would add 40 MB per round.
  for (const key of ['rss', 'external'] as const) {
    const growth = Math.max(second[key], third[key]) - first[key];
    assert.ok(growth < 24 * MiB, `${key} grew by ${(growth / MiB).toFixed(1)} MiB: ${JSON.stringify({ first, second, third })}`);
  }
});
