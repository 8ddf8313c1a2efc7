// ndreduce/bullmq against a real Redis: the test starts its own
// redis-server on a free loopback port (with a temporary directory, no
// persistence) and three worker processes (test/helpers/bullmq-worker.ts), enqueues
// the reduction of a Zarr array and of a .npy file as flows, SIGKILLs the
// worker that took shard 1 in the middle of it, and checks that BullMQ ran
// the stalled job again and that the result is the one-machine result.
// Skipped without redis-server, except in CI (.ci/run installs it).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { fork, spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

import { enqueueReduction, partialOf, SHARD_JOB } from '../src/bullmq/index';
import { CODES, max, loadNpy, reduceZarr, saveNpy, sum } from '../src/index';
import { python, skipZarr, WRITE } from './helpers/zarr-fixtures';

const hasRedis = spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).status === 0;
const skip = !hasRedis && !process.env.CI ? 'redis-server is not installed (apt-get install redis-server)' : skipZarr;
if (skip) console.log(`# skipped the BullMQ test: ${skip}`);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

async function startRedis(dir: string): Promise<{ port: number; proc: ChildProcess }> {
  const port = await freePort();
  const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const c = net.connect(port, '127.0.0.1', () => (c.end(), resolve(true)));
      c.on('error', () => resolve(false));
    });
    if (up) return { port, proc };
    await new Promise((r) => setTimeout(r, 50));
  }
  proc.kill('SIGKILL');
  throw new Error('redis-server did not start');
}

test('BullMQ flows reduce a Zarr array and a .npy file on three workers, one SIGKILLed mid-shard', { skip, timeout: 60_000 }, async () => {
  const { Queue, QueueEvents } = await import('bullmq');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ndreduce-bullmq-'));
  const redis = await startRedis(dir);
  const workers: ChildProcess[] = [];
  const connection = { host: '127.0.0.1', port: redis.port, maxRetriesPerRequest: null };
  const queueName = 'ndreduce-test';
  const queue = new Queue(queueName, { connection });
  const events = new QueueEvents(queueName, { connection });
  try {
    python(WRITE, [dir]);
    const npy = path.join(dir, 'x.npy');
    saveNpy(npy, { data: BigInt64Array.from({ length: 40 * 5 }, (_, i) => BigInt(((i * 7919) % 1009) - 500)), shape: [40, 5] });
    let killed: string | undefined;
    const started = Array.from({ length: 3 }, (_, k) => {
      const w = fork(path.join(__dirname, 'helpers', 'bullmq-worker.js'), [], {
        env: { ...process.env, REDIS_PORT: String(redis.port), QUEUE: queueName, PAUSE_SHARD: '1', PAUSE_FILE: path.join(dir, 'paused') },
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      workers.push(w);
      w.on('message', (m: { paused?: string }) => {
        // The first worker to take shard 1 dies in the middle of it.
        if (m.paused !== undefined && killed === undefined) ((killed = m.paused), w.kill('SIGKILL'));
      });
      return new Promise<void>((resolve) => w.on('message', (m: { ready?: boolean }) => m.ready && resolve()));
    });
    await Promise.all(started);
    await events.waitUntilReady();
    const zarrSrc = path.join(dir, 'v3-f8-sharded-blosc');
    const runs = [
      { source: zarrSrc, op: 'argmax' as const, axis: 0, want: await reduceZarr(zarrSrc, 'argmax', { axis: 0 }) },
      { source: npy, op: 'sum' as const, axis: 0, want: sum(loadNpy(npy), { axis: 0 }) },
      { source: npy, op: 'max' as const, axis: null, want: max(loadNpy(npy)) },
    ];
    for (const r of runs) {
      const { jobId, shards } = await enqueueReduction(r.source, r.op, { connection, queue: queueName, parts: 3, axis: r.axis, ...(r.source.endsWith('.npy') ? { slab: 4 } : {}) });
      assert.equal(shards, 3);
      const parent = await queue.getJob(jobId);
      const value = await parent!.waitUntilFinished(events, 45_000);
      assert.deepEqual(partialOf(value).result(), r.want, `${r.op} of ${path.basename(r.source)}`);
    }
    // An empty region has no shard to run: refused before any job is added.
    const empty = path.join(dir, 'empty.npy');
    saveNpy(empty, { data: new Float64Array(0), shape: [0, 3] });
    await assert.rejects(enqueueReduction(empty, 'sum', { connection, queue: queueName, parts: 3, axis: 0 }), (e: Error & { code?: string }) => e.code === CODES.BAD_OPTION && /no shard/.test(e.message));
    assert.ok(killed !== undefined, 'a worker was killed mid-shard');
    const retried = await queue.getJob(killed!);
    assert.equal(retried!.name, SHARD_JOB);
    assert.ok((retried!.attemptsStarted ?? 0) >= 2 || (retried!.stalledCounter ?? 0) >= 1, `the killed job ran again (attemptsStarted ${retried!.attemptsStarted}, stalledCounter ${retried!.stalledCounter})`);
    assert.equal(await retried!.getState(), 'completed');
  } finally {
    for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
    await events.close().catch(() => {});
    await queue.close().catch(() => {});
    redis.proc.kill('SIGTERM');
    await new Promise((r) => redis.proc.once('exit', r));
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
