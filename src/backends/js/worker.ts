// Entry point of the js backend's worker threads (see pool.ts): the
// article's `mutex`/`lockfree` parts of a synchronous call, or a whole
// asynchronous reduction.
import { parentPort, workerData } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';

import { DTYPES } from '../../spec/dtypes';
import { jsReduce } from './backend';
import { BLOCK, mergeBlock, reduce, storeBlock } from '../article/kernels';
import { CTL, type Job, type ReduceJob, type ReduceReply } from './protocol';

const { ctl, port } = workerData as { ctl?: Int32Array; port?: MessagePort };
const acc = new Int32Array(2 * BLOCK);

function lock(ctl: Int32Array): void {
  while (Atomics.compareExchange(ctl, CTL.lock, 0, 1) !== 0) Atomics.wait(ctl, CTL.lock, 1);
}

function unlock(ctl: Int32Array): void {
  Atomics.store(ctl, CTL.lock, 0);
  Atomics.notify(ctl, CTL.lock, 1);
}

function run(job: Job, ctl: Int32Array): void {
  const words = new Int32Array(job.data, job.byteOffset, job.length * 2);
  const out = new Int32Array(job.out);
  const task = { words, base: job.base, rs: job.rs, cs: job.cs };
  const share = (n: number) => [Math.floor((n * job.part) / job.parts), Math.floor((n * (job.part + 1)) / job.parts)];
  if (job.mode === 'lockfree') {
    // Disjoint ranges of output columns: no two workers write one index.
    const [j0, j1] = share(job.cols);
    reduce(task, 'layout', 0, job.rows, j0, j1, acc, (j, n) => storeBlock(out, j, n, acc));
  } else {
    // Disjoint ranges of rows: every worker holds partial maxima of the same
    // columns, folded into the shared output under the lock, block by block.
    const [i0, i1] = share(job.rows);
    reduce(task, 'layout', i0, i1, 0, job.cols, acc, (j, n) => {
      lock(ctl);
      try {
        mergeBlock(out, j, n, acc);
      } finally {
        unlock(ctl);
      }
    });
  }
}

function reduceJob(job: ReduceJob): void {
  let reply: ReduceReply;
  const transfer = [];
  try {
    const dtype = DTYPES.find((d) => d.ctor.name === job.tag)!;
    const data = new dtype.ctor(job.buffer, job.byteOffset, job.length);
    const result = jsReduce(data, job.layout, job.op, 'auto', () => Atomics.load(job.cancel, 0) !== 0, job.extras);
    reply = { result };
    transfer.push(result.buffer as ArrayBuffer);
  } catch (e) {
    const error = e as Error & { code?: string };
    reply = { error: { name: error?.name ?? 'Error', message: String(error?.message ?? error), code: error?.code } };
  }
  job.port.postMessage(reply, transfer);
  job.port.close();
}

if (ctl) Atomics.add(ctl, CTL.booted, 1);
parentPort!.on('message', (job: Job | ReduceJob) => {
  if ('kind' in job) return reduceJob(job);
  try {
    run(job, ctl!);
  } catch (error) {
    // Posted before the completion count drops, so the waiting thread finds
    // it with receiveMessageOnPort.
    port!.postMessage(String((error as Error)?.stack ?? error));
    Atomics.store(ctl!, CTL.failed, 1);
  } finally {
    if (Atomics.sub(ctl!, CTL.remaining, 1) === 1) Atomics.notify(ctl!, CTL.remaining);
  }
});
