// The CLI streams big files through reduceFile: the same output as loading
// them (NDREDUCE_STREAM_THRESHOLD=0 streams every file).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { loadNpy, saveNpy } from '../src/io/npy';

const CLI = path.join(__dirname, '..', 'bench', 'cli.js');
const cli = (args: string[], threshold?: string) =>
  spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...(threshold === undefined ? {} : { NDREDUCE_STREAM_THRESHOLD: threshold }) },
  });

test('ndreduce <op> FILE streams above the threshold with the same output', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ndreduce-file-cli-'));
  try {
    const file = path.join(dir, 'x.npy');
    saveNpy(file, { data: Float64Array.from({ length: 24 }, (_, i) => ((i * 7) % 11) - 3.5), shape: [2, 3, 4], strides: [1, 2, 6] });
    for (const args of [
      ['max', file, '--axis', '0'],
      ['sum', file],
      ['argmax', file, '--axis', '-1'],
      ['minmax', file, '--axis', '0,2', '--keepdims'],
      ['std', file, '--axis', '1', '--ddof', '1'],
    ]) {
      const loaded = cli(args);
      const streamed = cli(args, '0');
      assert.equal(loaded.status, 0, loaded.stderr);
      assert.equal(streamed.status, 0, streamed.stderr);
      assert.equal(streamed.stdout, loaded.stdout, args.join(' '));
      assert.equal(streamed.stderr, '', 'no progress bar when stderr is not a terminal');
    }
    const out = path.join(dir, 'out.npy');
    assert.equal(cli(['max', file, '--axis', '1', '--out', out], '0').status, 0);
    assert.deepEqual(loadNpy(out).shape, [2, 4]);
    fs.writeFileSync(path.join(dir, 'bad.npy'), fs.readFileSync(file).subarray(0, -8));
    const bad = cli(['max', path.join(dir, 'bad.npy')], '0');
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /npy: data is truncated/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('Ctrl-C stops a streamed reduction with "interrupted", exit code 130 and no stack trace', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ndreduce-file-cli-'));
  try {
    const file = path.join(dir, 'big.npy');
    saveNpy(file, { data: Float64Array.from({ length: 1 << 23 }, (_, i) => i % 1000), shape: [1 << 13, 1 << 10] });
    // The child believes stderr is a terminal, so that it draws the progress
    // bar this test waits for, and reads the 64 MiB file 16 bytes at a time,
    // so that the reduction lasts seconds rather than milliseconds.
    const preload = path.join(dir, 'slow.js');
    fs.writeFileSync(
      preload,
      `process.stderr.isTTY = true;
const file = require(${JSON.stringify(path.join(__dirname, '..', 'src', 'io', 'file.js'))});
const reduceFile = file.reduceFile;
file.reduceFile = (p, op, options) => reduceFile(p, op, { ...options, windowBytes: 16 });
`,
    );
    const child = spawn(process.execPath, ['--require', preload, CLI, 'max', file, '--axis', '0'], {
      env: { ...process.env, NDREDUCE_STREAM_THRESHOLD: '0' },
    });
    let stderr = '';
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    let interruptedAt: number | undefined;
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal })),
    );
    child.stderr.setEncoding('utf8').on('data', (s: string) => {
      stderr += s;
      if (interruptedAt === undefined && /\]\s+\d+%/.test(stderr)) {
        interruptedAt = performance.now();
        child.kill('SIGINT');
      }
    });
    // A generous bound for a slow, shared machine: the whole run without
    // Ctrl-C takes seconds, the abort itself milliseconds.
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    const { code, signal } = await exited;
    clearTimeout(timer);
    assert.ok(interruptedAt !== undefined, `no progress bar before exit (code ${code}, signal ${signal}): ${stderr}`);
    const took = performance.now() - interruptedAt;
    assert.equal(signal, null, 'exited by itself, not killed by a signal');
    assert.equal(code, 130, stderr);
    assert.ok(took < 10_000, `exited ${took.toFixed(0)} ms after SIGINT`);
    assert.match(stderr, /ndreduce max: interrupted\n$/);
    assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
    assert.equal(stdout, '', 'no result printed');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
