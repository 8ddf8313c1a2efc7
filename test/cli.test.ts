// The installed `ndreduce` (dist/src/cli) and the benchmark's checks that
// must come before a run, not after it.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { saveNpy } from '../src/index';

const CLI = path.join(__dirname, '..', 'src', 'cli', 'index.js');
const BENCH = path.join(__dirname, '..', 'bench', 'cli.js');
const run = (file: string, args: string[]) => spawnSync(process.execPath, [file, ...args], { encoding: 'utf8' });

test('--help lists one command per exported reduction, and no benchmark', () => {
  const r = run(CLI, ['--help']);
  assert.equal(r.status, 0);
  assert.match(r.stdout, /^Usage: ndreduce <command>/);
  for (const op of ['min', 'max', 'nanmin', 'nanmax', 'sum', 'argmin', 'argmax', 'minmax']) assert.match(r.stdout, new RegExp(`^  ${op} `, 'm'), op);
  assert.doesNotMatch(r.stdout, /bench/);
  assert.equal(run(CLI, []).status, 2, 'no command is a usage error');
  assert.match(run(CLI, ['--version']).stdout, /^\d+\.\d+\.\d+/);
});

test('the benchmark, asked of the installed CLI, says where it lives', () => {
  const r = run(CLI, ['bench']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /development tool.*npm run bench/);
});

test('the installed CLI reduces a file', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ndreduce-cli-'));
  try {
    const file = path.join(dir, 'f.npy');
    saveNpy(file, { data: new Int16Array([3, -1, 7, 2, 9, 0]), shape: [2, 3] });
    const r = run(CLI, ['max', file, '--axis', '0']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, '[3, 9, 7]\n');
    assert.equal(run(CLI, ['nanmin', file, '--axis', 'none']).stdout, '-1\n');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('bench refuses output paths it could not write before running anything', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ndreduce-cli-'));
  try {
    // A run this size would take minutes: a refusal must come at once.
    const big = ['bench', '--rows', '100', '--cols', '1000000'];
    for (const [flag, file, message] of [
      ['--json', path.join(dir, 'no', 'such', 'dir', 'out.json'), /--json .*: directory .* does not exist/],
      ['--report', dir, /--report .*: is a directory; name a file/],
      ['--chart', path.join(dir, 'missing', 'c.svg'), /--chart .*: directory .* does not exist/],
    ] as const) {
      const started = Date.now();
      const r = run(BENCH, [...big, flag, file]);
      assert.equal(r.status, 2, `${flag}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.equal(r.stdout, '', 'nothing was measured');
      assert.ok(Date.now() - started < 10_000, `${flag} refused after ${Date.now() - started} ms`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
