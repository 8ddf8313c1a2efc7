// A worker process of the BullMQ test (test/bullmq.test.ts): a BullMQ
// Worker running ndreduce's processor, with short locks so that a killed
// worker's job stalls within seconds. The first worker of all to take
// shard PAUSE_SHARD (the one that creates PAUSE_FILE) tells the parent and
// waits, so that the parent can SIGKILL it in the middle of the job.
import * as fs from 'node:fs';

import { Worker } from 'bullmq';

import { processReductionJob, SHARD_JOB } from '../../src/bullmq/index';

const port = Number(process.env.REDIS_PORT);
const queue = process.env.QUEUE as string;
const pause = process.env.PAUSE_SHARD === undefined ? -1 : Number(process.env.PAUSE_SHARD);

/** Whether this is the first take of the shard by any worker. */
function first(): boolean {
  try {
    fs.closeSync(fs.openSync(process.env.PAUSE_FILE as string, 'wx'));
    return true;
  } catch {
    return false;
  }
}

type Job = Parameters<typeof processReductionJob>[0] & { attemptsStarted?: number; id?: string };

async function processor(job: Job): Promise<unknown> {
  if (job.name === SHARD_JOB && (job.data as { index: number }).index === pause && first()) {
    process.send?.({ paused: job.id });
    await new Promise((resolve) => setTimeout(resolve, 60_000));
  }
  return processReductionJob(job);
}

const worker = new Worker(queue, processor as never, {
  connection: { host: '127.0.0.1', port, maxRetriesPerRequest: null },
  concurrency: 1,
  lockDuration: 1500,
  stalledInterval: 500,
  maxStalledCount: 1,
});
worker.on('ready', () => process.send?.({ ready: true }));
process.on('SIGTERM', () => void worker.close().then(() => process.exit(0)));
