// The js backend's worker pool: reused across calls, sized by `threads`,
// and never the reason a process stays alive.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

import { max, transpose } from '../src/index';
import { poolSize } from '../src/backends/js/pool';
import { referenceMax } from './oracle';
import { values } from './cases';

const index = path.join(__dirname, '..', 'src', 'index.js');

test('lockfree and mutex run on workers, created once and reused', () => {
  const rows = 300;
  const cols = 700;
  const x = { data: values(rows * cols, 3), shape: [rows, cols] };
  const views = [x, transpose(x), { data: new BigInt64Array(new SharedArrayBuffer(rows * cols * 8)), shape: [rows, cols] }];
  views[2].data.set(x.data);
  // Every other row and column of a larger array: its span is mostly gaps,
  // so the elements are packed for the workers instead.
  const big = values(600 * 800, 4);
  const sparse = { data: big, shape: [300, 400], strides: [-1600, 2], offset: 599 * 800 + 1 };
  views.push(sparse, transpose(sparse));
  for (const v of views) {
    const expected = referenceMax(v, 0);
    for (const strategy of ['lockfree', 'mutex'] as const) {
      assert.deepEqual(max(v, { axis: 0, backend: 'js', strategy, threads: 3 }), expected, strategy);
    }
  }
  assert.equal(poolSize(), 3);
  for (let k = 0; k < 20; k++) max(x, { axis: 0, backend: 'js', strategy: 'lockfree', threads: 2 });
  assert.equal(poolSize(), 3, 'workers are reused, not created per call');
  max(x, { axis: 0, backend: 'js', strategy: 'mutex', threads: 4 });
  assert.equal(poolSize(), 4);
});

test('the worker pool does not keep the process alive', () => {
  const script = `
    const { max } = require(${JSON.stringify(index)});
    const { poolSize } = require(${JSON.stringify(path.join(__dirname, '..', 'src', 'backends', 'js', 'pool.js'))});
    const n = 512 * 512;
    const x = { data: new BigInt64Array(n).map((_, i) => BigInt(i % 1000)), shape: [512, 512] };
    const expected = max(x, { axis: 0, backend: 'js', strategy: 'serial' });
    const a = max(x, { axis: 0, backend: 'js', strategy: 'lockfree', threads: 2 });
    const b = max(x, { axis: 0, backend: 'js', strategy: 'mutex', threads: 2 });
    const same = (r) => r.every((v, i) => v === expected[i]);
    console.log(poolSize(), same(a), same(b));
  `;
  const started = Date.now();
  const child = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(child.signal, null, `killed after ${Date.now() - started} ms: the pool kept the process alive`);
  assert.equal(child.status, 0, child.stderr);
  assert.equal(child.stdout.trim(), '2 true true');
});
