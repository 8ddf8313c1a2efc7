// Results are V8's own memory, freed by a collection: a synchronous loop
// that never yields does not hold every result it made (an external
// buffer is freed only after the event loop turns: 200 calls of an 8 MB
// mean grew a process by 1.6 GB). Each run is a child, so that its RSS is
// its own.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

const CALLS: Record<string, string> = {
  'mean along axis 0': 'api.mean(x, { axis: 0 })',
  'max along axis 0': 'api.max(x, { axis: 0 })',
  'mean by labels': 'api.mean(x, { axis: 0, by: [0, 0] })',
  'sum with where': 'api.sum(x, { axis: 0, where: mask })',
  median: 'api.median(x, { axis: 0 })',
};

for (const [name, call] of Object.entries(CALLS)) {
  test(`30 synchronous calls of ${name} (16 MB results) do not hold them all`, () => {
    const script = `
      const api = require(${JSON.stringify(require.resolve('../src/index'))});
      const x = { data: new Float64Array(4e6).fill(1), shape: [2, 2e6] };
      const mask = { data: new Uint8Array(4e6).fill(1), shape: [2, 2e6] };
      ${call};
      gc();
      const before = process.memoryUsage().rss;
      for (let i = 0; i < 30; i++) { ${call}; gc(); }
      process.stdout.write(String((process.memoryUsage().rss - before) / 1e6));`;
    const r = spawnSync(process.execPath, ['--expose-gc', '-e', script], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const grewMb = Number(r.stdout);
    assert.ok(Number.isFinite(grewMb), r.stdout);
    assert.ok(grewMb < 160, `RSS grew by ${grewMb} MB over 30 calls of 16 MB results`);
  });
}
