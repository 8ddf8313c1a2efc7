// The benchmark's own logic: verification, the repetition policy, option
// parsing, and one small end-to-end run whose JSON is checked field by field.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { difference } from '../bench/verify';
import { another, summarize } from '../bench/measure';
import { parseBenchOptions, UsageError } from '../bench/options';
import { saveNpy } from '../src/io/npy';

const CLI = path.join(__dirname, '..', 'bench', 'cli.js');

test('difference names the first differing column', () => {
  const a = BigInt64Array.from([1n, 2n, 3n, 4n]);
  assert.equal(difference(a, a.slice()), undefined);
  assert.equal(difference(BigInt64Array.from([1n, 2n, 9n, 8n]), a), 'column 2 is 9, serial says 3');
  assert.equal(difference(a.subarray(0, 3), a), '3 values instead of 4');
});

test('median and min; the time budget caps repetitions but keeps at least one', () => {
  assert.deepEqual(summarize([5, 1, 3]), { samples: [5, 1, 3], median: 3, min: 1 });
  assert.equal(summarize([4, 1, 3, 2]).median, 2.5);
  const policy = { repeat: 5, budgetMs: 1000 };
  assert.equal(another([], policy), true);
  assert.equal(another([5000], policy), false);
  assert.equal(another([10, 10, 10, 10], policy), true);
  assert.equal(another([10, 10, 10, 10, 10], policy), false);
  assert.equal(another([300, 300], policy), true);
  assert.equal(another([300, 300, 300], policy), false);
});

test('bench options', () => {
  const o = parseBenchOptions(['--rows', '10', '--cols', '1_000', '--threads', '1,2,2', '--only', 'auto,numpy']);
  assert.equal(o.rows, 10);
  assert.equal(o.cols, 1000);
  assert.deepEqual(o.threads, [1, 2]);
  assert.deepEqual(o.only, ['auto', 'numpy']);
  assert.equal(o.repeat, 5);
  assert.throws(() => parseBenchOptions(['--rows', '0']), UsageError);
  assert.throws(() => parseBenchOptions(['--threads', '1,x']), /--threads must be an integer/);
  assert.throws(() => parseBenchOptions(['--nope']), UsageError);
});

function cli(args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
}

test('a small run: every record verified, with floor and serial ratios', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ndreduce-bench-'));
  try {
    const json = path.join(dir, 'out.json');
    const r = cli(['bench', '--rows', '20', '--cols', '3000', '--repeat', '2', '--threads', '1,2', '--only', 'auto,lockfree,reference', '--json', json]);
    assert.equal(r.status, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /serial took [\d.]+ ms/);
    const doc = JSON.parse(fs.readFileSync(json, 'utf8'));
    assert.equal(doc.failures.length, 0);
    assert.ok(doc.machine.cpu && doc.machine.cores >= 1 && doc.machine.node === process.version);
    const keys = doc.results.map((x: { impl: string; layout: string; threads: number }) => `${x.impl} ${x.layout} ${x.threads}`).sort();
    const expected = ['serial', 'lockfree', 'auto', 'reference'].flatMap((i) => ['arr', 'arr.T'].flatMap((l) => [1, 2].map((t) => `${i} ${l} ${t}`))).sort();
    assert.deepEqual(keys, expected);
    for (const x of doc.results) {
      const floor = doc.floor.find((f: { threads: number }) => f.threads === x.threads).median_ms;
      assert.ok(x.median_ms > 0 && x.min_ms <= x.median_ms, `${x.impl}: ${x.min_ms} <= ${x.median_ms}`);
      assert.ok(Math.abs(x.ratio_to_floor - x.median_ms / floor) < 1e-9 * x.ratio_to_floor);
      if (x.impl === 'serial') assert.equal(x.ratio_to_serial, 1);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('--async-copy: the first meanAsync row, each mode in a fresh process, with its targets', () => {
  const r = cli(['bench', '--async-copy', '--async-mb', '2', '--repeat', '1']);
  assert.equal(r.status, 0, r.stderr + r.stdout);
  for (const row of ['sync mean', 'memcpy (slice)', 'first meanAsync', 'meanAsync, shared']) assert.match(r.stdout, new RegExp(`\\| ${row.replace(/[()]/g, '\\$&')} +\\| +[\\d.]+ \\|`));
  assert.match(r.stdout, /targets: first meanAsync <= 2 x sync \+ one memcpy/);
  assert.equal(cli(['bench', '--async-copy', '--async-mb', '0']).status, 2);
});

test('--input reads a Fortran-order .npy and refuses one that is not 2-D int64', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ndreduce-bench-'));
  try {
    const f = path.join(dir, 'f.npy');
    const data = BigInt64Array.from({ length: 40 * 500 }, (_, i) => BigInt((i * 7919) % 1000));
    saveNpy(f, { data, shape: [40, 500], strides: [1, 40] });
    const ok = cli(['bench', '--input', f, '--repeat', '1', '--only', 'auto,mutex']);
    assert.equal(ok.status, 0, ok.stderr + ok.stdout);
    assert.match(ok.stdout, /arr: 40 x 500 int64/);
    const g = path.join(dir, 'g.npy');
    saveNpy(g, { data: new Float64Array(6), shape: [2, 3] });
    const bad = cli(['bench', '--input', g]);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /expected a 2-D int64 array, got dtype <f8/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('unknown commands and --only names are usage errors', () => {
  assert.equal(cli(['frobnicate']).status, 2);
  const r = cli(['bench', '--rows', '2', '--cols', '2', '--only', 'nosuch']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--only: unknown nosuch; known: serial, mutex/);
});
