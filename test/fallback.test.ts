// Without the addon (NDREDUCE_ADDON_PATH pointing at a missing file) the
// default backend falls back to js, with one warning per process. Runs in a
// child process because the addon, once loaded, stays loaded.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { platformName, PREBUILT_PLATFORMS } from '../src/addon/load';

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
  assert.match(got.warnings[0].message, /NDREDUCE_ADDON_PATH=.*no-such-addon\.node failed to load: .*runs on its JavaScript engine \(the js backend\)/);
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

/** The one warning a child process emits (or none), with the platform
 * seen as `platform`-`arch` where given. */
function warningOf(env: Record<string, string>, platform?: [string, string], argv: string[] = []) {
  const fake = platform
    ? `Object.defineProperty(process, 'platform', { value: ${JSON.stringify(platform[0])} }); Object.defineProperty(process, 'arch', { value: ${JSON.stringify(platform[1])} });`
    : '';
  const script = `
    ${fake}
    const warnings = [];
    process.on('warning', (w) => w.code === 'NDREDUCE_NO_ADDON' && warnings.push(w.message));
    const { max } = require(${JSON.stringify(index)});
    const got = max({ data: new Float64Array([1, 5, 3, 4]), shape: [2, 2] }, { axis: 0 });
    setImmediate(() => console.log(JSON.stringify({ got: [...got], warnings })));
  `;
  const base = { ...process.env } as Record<string, string>;
  delete base.NDREDUCE_ADDON_PATH;
  delete base.NDREDUCE_NO_ADDON_WARNING;
  const child = spawnSync(process.execPath, [...argv, '-e', script], { env: { ...base, ...env }, encoding: 'utf8', timeout: 60_000 });
  assert.equal(child.status, 0, child.stderr);
  const out = JSON.parse(child.stdout) as { got: number[]; warnings: string[] };
  assert.deepEqual(out.got, [3, 5], 'the same answer either way');
  return { warnings: out.warnings, stderr: child.stderr };
}

test('a platform with no prebuilt binary is told so, with the slowdown and how to build one', () => {
  const { warnings } = warningOf({}, ['freebsd', 'x64']);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /^this platform \(freebsd-x64\) has no prebuilt binary; build one from a clone of the repository with `npm run build:native` \(needs cargo\) and set NDREDUCE_ADDON_PATH/);
  assert.match(warnings[0], /ndreduce runs on its JavaScript engine \(the js backend\) instead, about \d+ times slower/);
  assert.doesNotMatch(warnings[0], /omit=optional/, 'no reinstall can help there');
});

test('a prebuilt platform whose package is not installed is told to reinstall without --omit=optional', () => {
  // linux-arm64-gnu has a package; neither it nor a local build is here.
  const { warnings } = warningOf({}, ['linux', 'arm64']);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /^no native addon for linux-arm64-(gnu|musl): the package ndreduce-linux-arm64-(gnu|musl) is not installed .*reinstall without --omit=optional, or build it from a clone with `npm run build:native`/);
});

test('a package that is installed but fails to load is reported with the loader\'s error', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ndreduce-broken-'));
  try {
    const pkg = path.join(dir, 'node_modules', `ndreduce-${platformName()}`);
    fs.mkdirSync(pkg, { recursive: true });
    fs.writeFileSync(path.join(pkg, 'package.json'), JSON.stringify({ name: `ndreduce-${platformName()}`, main: 'ndreduce.node' }));
    fs.writeFileSync(path.join(pkg, 'ndreduce.node'), 'not a shared library');
    const { warnings } = warningOf({ NODE_PATH: path.join(dir, 'node_modules') });
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], new RegExp(`^the package ndreduce-${platformName()} is installed but failed to load: .*(invalid ELF header|file too short|not a valid)`));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the warning has two off switches: --disable-warning=NDREDUCE_NO_ADDON and NDREDUCE_NO_ADDON_WARNING=1', () => {
  const missing = { NDREDUCE_ADDON_PATH: path.join(__dirname, 'no-such-addon.node') };
  assert.equal(warningOf({ ...missing, NDREDUCE_NO_ADDON_WARNING: '1' }).warnings.length, 0);
  const flagged = warningOf(missing, undefined, ['--disable-warning=NDREDUCE_NO_ADDON']);
  assert.doesNotMatch(flagged.stderr, /NdreduceWarning/);
  assert.match(warningOf(missing).stderr, /NdreduceWarning/, 'and on by default');
});

test('the platforms with a prebuilt package are package.json\'s napi targets', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { napi: { targets: string[] } };
  const ARCH: Record<string, string> = { x86_64: 'x64', aarch64: 'arm64' };
  const names = pkg.napi.targets.map((t) => {
    const [arch, , os_, abi] = t.split('-');
    if (os_ === 'darwin') return `darwin-${ARCH[arch]}`;
    if (os_ === 'windows') return `win32-${ARCH[arch]}-${abi}`;
    return `linux-${ARCH[arch]}-${abi}`;
  });
  assert.deepEqual([...PREBUILT_PLATFORMS].sort(), names.sort());
});
