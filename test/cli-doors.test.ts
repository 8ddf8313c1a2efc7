// The command line at its doors: any command name, a reader that closes
// the pipe early, input from a pipe, and flags that speak CLI (closest-flag
// hints, negative values, per-op help, --axis rather than options.axis).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import fc from 'fast-check';

import { parseFlags } from '../src/cli/args';
import type { Flag } from '../src/cli/args';
import { UsageError } from '../src/cli/usage';
import { encodeNpy, max, saveNpy, variance } from '../src/index';

const CLI = path.join(__dirname, '..', 'src', 'cli', 'index.js');
const cli = (args: string[], input?: Uint8Array) =>
  spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 30_000, ...(input ? { input } : {}) });

function withFiles(body: (dir: string) => void | Promise<void>): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ndreduce-cli-doors-'));
  return Promise.resolve(body(dir)).finally(() => fs.rmSync(dir, { recursive: true, force: true }));
}

const x = { data: Float64Array.from({ length: 12 }, (_, i) => ((i * 5) % 12) - 3.5), shape: [3, 4] };

test('names from Object.prototype are unknown commands, not crashes', () =>
  withFiles((dir) => {
    const file = path.join(dir, 'f.npy');
    saveNpy(file, x);
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']) {
      const r = cli([name, file]);
      assert.equal(r.status, 2, `${name}: ${r.stderr}`);
      assert.match(r.stderr, new RegExp(`unknown command "${name}"`));
      assert.doesNotMatch(r.stderr, /\bat .*\.js:\d+/, 'no stack trace');
    }
  }));

test('a reader that closes the pipe early ends the command quietly', () =>
  withFiles(async (dir) => {
    // A result far larger than a pipe's buffer, so that the writes meet
    // the closed pipe.
    const file = path.join(dir, 'wide.npy');
    saveNpy(file, { data: Float64Array.from({ length: 400_000 }, (_, i) => i + 0.25), shape: [200_000, 2] });
    const child = spawn(process.execPath, [CLI, 'max', file, '--axis', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.once('data', () => child.stdout.destroy());
    const [code, signal] = await new Promise<[number | null, string | null]>((resolve) => child.on('close', (c, s) => resolve([c, s])));
    assert.ok(code === 0 || code === 141 || signal === 'SIGPIPE', `exit ${code} ${signal}: ${stderr}`);
    assert.equal(stderr, '', 'nothing on stderr');
  }));

test('a .npy from a pipe (/dev/stdin or -) is read whole', { skip: process.platform === 'win32' }, async () => {
  const bytes = encodeNpy(x);
  const expected = `[${Array.from(max(x, { axis: 0 }) as Float64Array).join(', ')}]\n`;
  for (const name of ['/dev/stdin', '-']) {
    const r = cli(['max', name, '--axis', '0'], bytes);
    assert.equal(r.status, 0, `${name}: ${r.stderr}`);
    assert.equal(r.stdout, expected, name);
  }
  // A shell's pipe, and a named one.
  await withFiles((dir) => {
    const file = path.join(dir, 'f.npy');
    saveNpy(file, x);
    const sh = spawnSync('sh', ['-c', `cat "${file}" | "${process.execPath}" "${CLI}" max /dev/stdin --axis 0`], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(sh.stdout, expected, sh.stderr);
    const fifo = path.join(dir, 'fifo');
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
    const named = spawnSync('sh', ['-c', `cat "${file}" > "${fifo}" & "${process.execPath}" "${CLI}" max "${fifo}" --axis 0`], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(named.stdout, expected, named.stderr);
  });
  const r = cli(['max', '-'], new Uint8Array([1, 2, 3]));
  assert.equal(r.status, 1);
  assert.match(r.stderr, /not a \.npy file/);
});

test('an unknown flag names the closest one; negative numbers are values', () =>
  withFiles((dir) => {
    const file = path.join(dir, 'f.npy');
    saveNpy(file, x);
    let r = cli(['max', file, '--axes', '0']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /unknown option --axes; did you mean --axis\?/);
    r = cli(['sum', file, '--keepdim']);
    assert.match(r.stderr, /did you mean --keepdims\?/);
    r = cli(['max', file, '--zzzzzz']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /unknown option --zzzzzz\n/);
    r = cli(['var', file, '--ddof', '-1', '--axis', '-1']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `[${Array.from(variance(x, { axis: -1, ddof: -1 }) as Float64Array).join(', ')}]\n`);
    r = cli(['max', file, '--axis']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--axis needs a value/);
  }));

test('an op\'s --help lists only the flags it takes, and those it takes work', () => {
  const help = (op: string) => {
    const r = cli([op, '--help']);
    assert.equal(r.status, 0, r.stderr);
    return r.stdout;
  };
  const flags = (text: string) => [...text.matchAll(/^ {2}--([a-z-]+)/gm)].map((m) => m[1]);
  assert.deepEqual(flags(help('max')), ['axis', 'keepdims', 'ignore-nan', 'threads', 'out', 'help']);
  assert.deepEqual(flags(help('nanmax')), ['axis', 'keepdims', 'threads', 'out', 'help']);
  assert.deepEqual(flags(help('var')), ['axis', 'keepdims', 'ignore-nan', 'threads', 'ddof', 'out', 'help']);
  assert.deepEqual(flags(help('sum')), ['axis', 'keepdims', 'ignore-nan', 'threads', 'dtype', 'out', 'help']);
  assert.deepEqual(flags(help('prod')), ['axis', 'keepdims', 'threads', 'dtype', 'out', 'help']);
  const r = cli(['max', 'f.npy', '--ddof', '1']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /unknown option --ddof/);
});

test('errors name flags, not option paths', () =>
  withFiles((dir) => {
    const file = path.join(dir, 'f.npy');
    saveNpy(file, x);
    const r = cli(['max', file, '--axis', '5']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /--axis/);
    assert.doesNotMatch(r.stderr, /options\./);
  }));

test('the flag reader: any words parse or give a usage error; flags and values round-trip', () => {
  const flags: Flag[] = [
    { name: 'axis', value: 'A', help: '' },
    { name: 'ddof', value: 'N', help: '' },
    { name: 'keepdims', help: '' },
    { name: 'help', short: 'h', help: '' },
  ];
  fc.assert(
    fc.property(fc.array(fc.oneof(fc.string(), fc.constantFrom('--axis', '--ddof', '--keepdims', '-h', '--', '-1', '--axes', '--axis=-2')), { maxLength: 8 }), (argv) => {
      try {
        parseFlags(argv, flags);
      } catch (e) {
        assert.ok(e instanceof UsageError, String(e));
      }
    }),
    { numRuns: 300 },
  );
  fc.assert(
    fc.property(fc.integer({ min: -5, max: 5 }), fc.string(), fc.boolean(), (axis, file, keep) => {
      const argv = ['--axis', String(axis), ...(keep ? ['--keepdims'] : []), '--', file];
      const { values, positionals } = parseFlags(argv, flags);
      assert.equal(values.get('axis'), String(axis));
      assert.equal(values.has('keepdims'), keep);
      assert.deepEqual(positionals, [file]);
    }),
    { numRuns: 200 },
  );
});
