// Idle pools are released: a sweep of `threads` from 1 to 64 must not leave
// hundreds of OS threads behind. Counted from /proc/self/task in a child
// process, which waits (up to a bound far above the idle time) for the
// count to fall back.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const INDEX = path.join(__dirname, '..', 'src', 'index.js');

test('a sweep of thread counts leaves no pool threads behind', { skip: process.platform !== 'linux' }, (t) => {
  const script = `
    const fs = require('node:fs');
    const nd = require(${JSON.stringify(INDEX)});
    const threads = () => fs.readdirSync('/proc/self/task').length;
    // Big enough that every call hands work to its pool.
    const x = { data: Float64Array.from({ length: 1 << 18 }, (_, i) => i % 1000), shape: [512, 512] };
    nd.max(x, { axis: 0 });
    const before = threads();
    for (let n = 1; n <= 64; n++) nd.max(x, { axis: 0, threads: n });
    const peak = threads();
    const deadline = Date.now() + 15000;
    const poll = () => {
      const now = threads();
      if (now <= before + 2 || Date.now() > deadline) console.log(JSON.stringify({ before, peak, after: now }));
      else setTimeout(poll, 100);
    };
    poll();`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  const { before, peak, after } = JSON.parse(r.stdout) as { before: number; peak: number; after: number };
  t.diagnostic(`threads: ${before} before the sweep, ${peak} after it, ${after} once idle`);
  assert.ok(peak > before + 60, `the sweep used its pools (${before} -> ${peak})`);
  assert.ok(after <= before + 2, `${after} threads alive once idle, ${before} before the sweep`);
});
