// The js backend's worker threads: created lazily, on first need, grown to
// the largest `threads` asked for, and reused. `max()` is synchronous, so
// the calling thread posts a job to each worker and blocks in `Atomics.wait`
// until the shared countdown reaches zero (allowed on Node's main thread).
// Workers and their ports are unref'd: the pool never keeps a process alive.
// Asynchronous reductions without the addon run on a second set of workers
// (`reduceOnWorker`), each ref'd only while it has a job in flight.
import * as os from 'node:os';
import * as path from 'node:path';
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';

import type { Extras } from '../../addon/load';
import type { OpName as Op } from '../../spec/ops';
import { bufferOf, byteOffsetOf, lengthOf, typedArrayTag } from '../../spec/dtypes';
import type { NumericArray } from '../../spec/dtypes';
import { CODES, ndError } from '../../spec/errors';
import { CTL, type Job, type ReduceReply } from './protocol';

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
      const worker = new Worker(path.join(__dirname, 'worker.js'), {
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
          throw ndError(Error, CODES.UNAVAILABLE, `ndreduce: js backend worker threads did not start within ${BOOT_TIMEOUT_MS} ms`);
        }
      }
    }
    if (Atomics.load(ctl, CTL.failed) !== 0) {
      const messages: string[] = [];
      for (const { port } of this.members) {
        for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) messages.push(String(m.message));
      }
      throw ndError(Error, CODES.PANIC, `ndreduce: a js backend worker failed: ${messages.join('\n') || 'no message'}`);
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

/** A cancel flag a worker polls: the js twin of the addon's CancelToken. */
export class WorkerCancelToken {
  readonly flag = new Int32Array(new SharedArrayBuffer(4));

  cancel(): void {
    Atomics.store(this.flag, 0, 1);
  }
}

interface AsyncMember {
  readonly worker: Worker;
  busy: number;
  readonly failures: Set<(e: Error) => void>;
}

const asyncMembers: AsyncMember[] = [];

function asyncMember(): AsyncMember {
  let best = asyncMembers.find((m) => m.busy === 0);
  if (!best && asyncMembers.length < os.availableParallelism()) {
    const worker = new Worker(path.join(__dirname, 'worker.js'), { workerData: {} });
    worker.unref();
    const member: AsyncMember = { worker, busy: 0, failures: new Set() };
    const fail = (e: Error) => {
      asyncMembers.splice(asyncMembers.indexOf(member), 1);
      for (const reject of member.failures) reject(ndError(Error, CODES.PANIC, `ndreduce: a js backend worker failed: ${e?.message}`, e));
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`exited with code ${code}`)));
    asyncMembers.push(member);
    best = member;
  }
  return best ?? asyncMembers.reduce((a, b) => (b.busy < a.busy ? b : a));
}

/** The addon's `reduceAsync` on a js worker thread: `data` must lie on a
 * SharedArrayBuffer (the buffer rule of src/run/async.ts already ensured it). */
export function reduceOnWorker(data: NumericArray, layout: Float64Array, op: Op, token: WorkerCancelToken, extras?: Extras): Promise<NumericArray> {
  const member = asyncMember();
  const { port1, port2 } = new MessageChannel();
  return new Promise<NumericArray>((resolve, reject) => {
    member.busy++;
    member.worker.ref();
    member.failures.add(reject);
    const done = () => {
      member.failures.delete(reject);
      if (--member.busy === 0) member.worker.unref();
      port2.close();
    };
    port2.once('message', (reply: ReduceReply) => {
      done();
      if ('result' in reply) return resolve(reply.result);
      const { name, message, code } = reply.error;
      const Class = name === 'RangeError' ? RangeError : name === 'TypeError' ? TypeError : Error;
      const e = ndError(Class, (code ?? CODES.PANIC) as never, message);
      if (name === 'AbortError') e.name = name;
      reject(e);
    });
    const job = {
      kind: 'reduce',
      buffer: bufferOf(data),
      byteOffset: byteOffsetOf(data),
      length: lengthOf(data),
      tag: typedArrayTag(data),
      layout,
      op,
      extras,
      cancel: token.flag,
      port: port1,
    };
    member.worker.postMessage(job, [port1]);
  });
}
