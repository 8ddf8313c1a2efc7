// Work for a worker that terminates, or a process that exits, is cancelled
// before Node waits for it. The kernel here, a sum over 2^34 elements of a
// broadcast SharedArrayBuffer, runs about a minute when left alone; each
// case runs in a child process whose timeout is far below that, so a
// kernel that is waited for fails the test. The time to end is reported,
// not asserted (timings belong in the benchmark).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const INDEX = path.join(__dirname, '..', 'src', 'index.js');
const TIMEOUT = 20_000;

/** A worker whose code starts the long sum, then says so. */
const WORKER = `
  const { parentPort } = require('node:worker_threads');
  const nd = require(${JSON.stringify(INDEX)});
  const data = new Float64Array(new SharedArrayBuffer(8)).fill(1);
  nd.sumAsync({ data, shape: [2 ** 34], strides: [0] }).then((s) => parentPort.postMessage({ finished: s }), () => {});
  parentPort.postMessage('started');
  parentPort.on('message', (m) => { if (m === 'exit') process.exit(0); });
`;

function run(main: string, env: NodeJS.ProcessEnv = process.env): { ms: number; stdout: string } {
  const script = `
    const { Worker } = require('node:worker_threads');
    const { performance } = require('node:perf_hooks');
    const WORKER = ${JSON.stringify(WORKER)};
    const started = (w) => new Promise((resolve) => w.on('message', (m) => m === 'started' && setTimeout(resolve, 300)));
    ${main}`;
  const t0 = Date.now();
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: TIMEOUT, env });
  const ms = Date.now() - t0;
  assert.equal(r.error, undefined, `the child was still running after ${TIMEOUT} ms: ${r.stderr}`);
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stdout, /finished/, 'the kernel was cancelled, not finished');
  return { ms, stdout: r.stdout };
}

test('worker.terminate() cancels the worker running kernel', (t) => {
  const { stdout } = run(`
    const w = new Worker(WORKER, { eval: true });
    started(w).then(async () => {
      const t0 = performance.now();
      await w.terminate();
      console.log('terminated in', (performance.now() - t0).toFixed(0), 'ms');
    });`);
  t.diagnostic(stdout.trim());
  assert.match(stdout, /terminated in/);
});

test('process.exit(0) on the main thread ends a worker running a kernel', (t) => {
  const { ms } = run(`
    const w = new Worker(WORKER, { eval: true });
    started(w).then(() => process.exit(0));`);
  t.diagnostic(`child ran ${ms} ms`);
});

test('process.exit(0) inside the worker ends its running kernel', (t) => {
  const { stdout } = run(`
    const w = new Worker(WORKER, { eval: true });
    started(w).then(() => {
      const t0 = performance.now();
      w.on('exit', () => console.log('worker exited in', (performance.now() - t0).toFixed(0), 'ms'));
      w.postMessage('exit');
    });`);
  t.diagnostic(stdout.trim());
  assert.match(stdout, /worker exited in/);
});

test('process.exit(0) on the main thread ends its own running kernel', (t) => {
  const { ms } = run(`
    const nd = require(${JSON.stringify(INDEX)});
    const data = new Float64Array(new SharedArrayBuffer(8)).fill(1);
    nd.sumAsync({ data, shape: [2 ** 34], strides: [0] }).then((s) => console.log('finished', s));
    setTimeout(() => process.exit(0), 300);`);
  t.diagnostic(`child ran ${ms} ms`);
});

test('a worker whose job still waits in the queue behind another thread\'s kernel terminates at once', (t) => {
  // One job thread, held by the main thread's kernel: the worker's job is
  // queued, and its end must drop it rather than wait for its turn.
  const { stdout } = run(
    `
    const nd = require(${JSON.stringify(INDEX)});
    const data = new Float64Array(new SharedArrayBuffer(8)).fill(1);
    nd.sumAsync({ data, shape: [2 ** 34], strides: [0] }).then((s) => console.log('finished', s));
    const w = new Worker(WORKER, { eval: true });
    started(w).then(async () => {
      const t0 = performance.now();
      await w.terminate();
      console.log('terminated in', (performance.now() - t0).toFixed(0), 'ms');
      process.exit(0);
    });`,
    { ...process.env, UV_THREADPOOL_SIZE: '1' },
  );
  t.diagnostic(stdout.trim());
  assert.match(stdout, /terminated in/);
});
