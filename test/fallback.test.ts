// Without the addon (NDREDUCE_ADDON_PATH pointing at a missing file) the
// default backend falls back to js, with one warning per process. Runs in a
// child process because the addon, once loaded, stays loaded.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const index = path.join(__dirname, '..', 'src', 'index.js');

function runChild(script: string, env: Record<string, string>) {
  return spawnSync(process.execPath, ['-e', script], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
}

test('without the addon, max falls back to the js backend with one warning', () => {
  const script = `
    const { max, defaultThreads } = require(${JSON.stringify(index)});
    const warnings = [];
    process.on('warning', (w) => warnings.push(w));
    const x = { data: new BigInt64Array([1n, 5n, 3n, 4n, 2n, 6n]), shape: [2, 3] };
    const a = max(x, { axis: 0 });
    const b = max(x, { axis: 1, backend: 'native', strategy: 'lockfree' });
    const c = max(x, { axis: 0, strategy: 'serial' });
    setImmediate(() => console.log(JSON.stringify({
      a: [...a].map(String), b: [...b].map(String), c: [...c].map(String),
      threads: defaultThreads(),
      warnings: warnings.map((w) => ({ name: w.name, code: w.code, message: w.message })),
    })));
  `;
  const missing = path.join(__dirname, 'no-such-addon.node');
  const child = runChild(script, { NDREDUCE_ADDON_PATH: missing });
  assert.equal(child.status, 0, child.stderr);
  const got = JSON.parse(child.stdout);
  assert.deepEqual(got.a, ['4', '5', '6']);
  assert.deepEqual(got.b, ['5', '6']);
  assert.deepEqual(got.c, ['4', '5', '6']);
  assert.ok(got.threads >= 1);
  assert.equal(got.warnings.length, 1, JSON.stringify(got.warnings));
  assert.equal(got.warnings[0].code, 'NDREDUCE_NO_ADDON');
  assert.match(got.warnings[0].message, /native addon could not be loaded.*no-such-addon\.node.*using the js backend/);
});

test('with the addon, no warning is emitted', () => {
  const script = `
    const { max } = require(${JSON.stringify(index)});
    let warned = 0;
    process.on('warning', () => warned++);
    max({ data: new BigInt64Array([1n, 2n]), shape: [1, 2] }, { axis: 0 });
    setImmediate(() => console.log(warned));
  `;
  const env = { ...process.env } as Record<string, string>;
  delete env.NDREDUCE_ADDON_PATH;
  const child = spawnSync(process.execPath, ['-e', script], { env, encoding: 'utf8', timeout: 60_000 });
  assert.equal(child.status, 0, child.stderr);
  assert.equal(child.stdout.trim(), '0');
});
