// The js backend's worker threads: created lazily, on first need, grown to
// the largest `threads` asked for, and reused. `max()` is synchronous, so
// the calling thread posts a job to each worker and blocks in `Atomics.wait`
// until the shared countdown reaches zero (allowed on Node's main thread).
// Workers and their ports are unref'd: the pool never keeps a process alive.
import * as path from 'node:path';
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';

import { CTL, type Job } from './js-pool-protocol';

/** How long the caller waits for new workers to start before giving up. */
const BOOT_TIMEOUT_MS = 30_000;

interface Member {
  readonly worker: Worker;
  readonly port: MessagePort;
}

class Pool {
  private readonly members: Member[] = [];
  private readonly ctl = new Int32Array(new SharedArrayBuffer(CTL.length * 4));

  get size(): number {
    return this.members.length;
  }

  private grow(n: number): void {
    while (this.members.length < n) {
      const { port1, port2 } = new MessageChannel();
      const worker = new Worker(path.join(__dirname, 'js-worker.js'), {
        workerData: { ctl: this.ctl, port: port1 },
        transferList: [port1],
      });
      worker.unref();
      port2.unref();
      this.members.push({ worker, port: port2 });
    }
  }

  /** Runs `job` as `parts` parts, one per worker, and returns when all are done. */
  run(job: Omit<Job, 'part' | 'parts'>, parts: number): void {
    this.grow(parts);
    const ctl = this.ctl;
    Atomics.store(ctl, CTL.failed, 0);
    Atomics.store(ctl, CTL.lock, 0);
    Atomics.store(ctl, CTL.remaining, parts);
    for (let part = 0; part < parts; part++) this.members[part].worker.postMessage({ ...job, part, parts });
    const started = Date.now();
    for (;;) {
      const left = Atomics.load(ctl, CTL.remaining);
      if (left === 0) break;
      // A worker whose script failed to load never counts down; the boot
      // counter tells that apart from a long job.
      if (Atomics.wait(ctl, CTL.remaining, left, 1000) === 'timed-out') {
        if (Atomics.load(ctl, CTL.booted) < this.members.length && Date.now() - started > BOOT_TIMEOUT_MS) {
          throw new Error(`ndreduce: js backend worker threads did not start within ${BOOT_TIMEOUT_MS} ms`);
        }
      }
    }
    if (Atomics.load(ctl, CTL.failed) !== 0) {
      const messages: string[] = [];
      for (const { port } of this.members) {
        for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) messages.push(String(m.message));
      }
      throw new Error(`ndreduce: a js backend worker failed: ${messages.join('\n') || 'no message'}`);
    }
  }
}

let pool: Pool | undefined;

export function getPool(): Pool {
  return (pool ??= new Pool());
}

/** Workers created so far (for tests). */
export function poolSize(): number {
  return pool?.size ?? 0;
}
