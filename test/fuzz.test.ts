// Fuzzing the readers of bytes from outside (Partial.fromBytes and .npy
// headers) with fast-check, bounded to a few seconds, in a child process
// with a timeout (fuzz-child.ts says what each asserts). A failure prints
// fast-check's seed and counterexample; NDREDUCE_FUZZ_SEED and
// NDREDUCE_FUZZ_RUNS run other or longer campaigns.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const CHILD = path.join(__dirname, 'fuzz-child.js');
const numpy = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' });

function run(mode: string): Record<string, number> {
  const r = spawnSync(process.execPath, [CHILD, mode], { encoding: 'utf8', timeout: 120_000, maxBuffer: 1 << 24 });
  assert.equal(r.signal, null, `the fuzz child was killed (${r.signal}): ${r.stderr.slice(-4000)}`);
  assert.equal(r.status, 0, r.stderr.slice(-4000));
  return JSON.parse(r.stdout);
}

test('Partial.fromBytes: honest bytes give the honest result; changed bytes and lying headers are coded errors or honest', () => {
  assert.ok(run('partial').runs > 0);
});

test('.npy headers: what we accept NumPy reads the same; the rest are coded errors', { skip: numpy.status === 0 ? false : 'NumPy is not importable from python3' }, () => {
  const { cases, accepted } = run('npy');
  // The generator must reach both sides, or the property says nothing.
  assert.ok(accepted > cases / 10 && accepted < cases, `${accepted} of ${cases} accepted`);
});
