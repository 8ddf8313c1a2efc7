// `ndreduce/bullmq`: one reduction run as a BullMQ flow. One child job per
// shard (planShards) reduces its shard to a Partial (reduceShard) and
// returns its bytes in base64; the parent job, which BullMQ starts once
// every child has completed, merges the children's partials in shard order
// and returns the merged partial's bytes, which BullMQ keeps in Redis as
// the parent's return value. A worker that dies holds its job's lock until
// it expires; BullMQ's stalled-job check then moves the job back to wait
// and another worker runs it again, which is harmless: a shard gives the
// same bytes every time. bullmq is an optional peer dependency, required
// here on first use and never by the main entry.
import { Partial } from '../merge/partial';
import { CODES, ndError } from '../spec/errors';
import type { OpName } from '../spec/ops';
import { planShards, reduceShard } from '../zarr/shards';
import type { PlanOptions, ShardDescriptor, ShardOptions } from '../zarr/shards';
import type { ZarrSource } from '../zarr/source';

/** Jobs' names: a shard's, and the parent's that merges them. */
export const SHARD_JOB = 'ndreduce:shard';
export const MERGE_JOB = 'ndreduce:merge';

/** The options of the shards' reductions, carried in the jobs' data. */
export type FlowReduceOptions = Pick<ShardOptions, 'ddof' | 'ignoreNaN' | 'concurrency'>;

export interface ShardJobData {
  index: number;
  shard: ShardDescriptor;
  op: OpName;
  options: FlowReduceOptions;
}
export interface MergeJobData {
  op: OpName;
  shards: number;
}
/** A shard's and the parent's return value: a Partial's bytes in base64. */
export interface PartialJobResult {
  index?: number;
  partial: string;
}

interface JobLike {
  name: string;
  data: unknown;
  getChildrenValues(): Promise<Record<string, unknown>>;
}

type BullMQ = {
  FlowProducer: new (opts: { connection: unknown; prefix?: string }) => {
    add(flow: object): Promise<{ job: { id?: string } }>;
    close(): Promise<void>;
  };
  Worker: new (queue: string, processor: (job: JobLike) => Promise<unknown>, opts: object) => { close(): Promise<void> };
};

let bullmq: BullMQ | undefined;
function loadBullmq(): BullMQ {
  if (bullmq) return bullmq;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    bullmq = require('bullmq') as BullMQ;
  } catch (cause) {
    throw ndError(Error, CODES.UNAVAILABLE, 'ndreduce/bullmq needs the optional peer dependency bullmq: npm install bullmq', cause);
  }
  return bullmq;
}

const toBase64 = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');

/** A Partial from a job's return value (a shard's or the parent's). */
export function partialOf(value: unknown): Partial {
  const v = value as PartialJobResult | null;
  if (v === null || typeof v !== 'object' || typeof v.partial !== 'string') throw ndError(TypeError, CODES.BAD_OPTION, 'not a reduction job\'s return value (expected { partial: base64 })');
  return Partial.fromBytes(new Uint8Array(Buffer.from(v.partial, 'base64')));
}

export interface EnqueueOptions extends PlanOptions, FlowReduceOptions {
  /** ioredis options or connection, as BullMQ takes them. */
  connection: unknown;
  /** The queue both kinds of job go to (workers listen on it). */
  queue: string;
  prefix?: string;
  /** BullMQ job options of the shard jobs (attempts, backoff, removeOnComplete, ...). */
  jobOptions?: object;
}

/** Plans the shards of `op` over `source` and adds the flow: returns the
 * parent job's id (wait for it, then `partialOf(job.returnvalue).result()`). */
export async function enqueueReduction(source: ZarrSource | string, op: OpName, options: EnqueueOptions): Promise<{ jobId: string; shards: number }> {
  const { connection, queue, prefix, jobOptions, parts, axis, region, slab, ddof, ignoreNaN, concurrency } = options;
  const { FlowProducer } = loadBullmq();
  const plan = await planShards(source, { parts, axis, ...(region !== undefined ? { region } : {}), ...(slab !== undefined ? { slab } : {}) });
  // A merge job with no children would have nothing to merge (and could
  // not tell the empty result's shape): an empty region is one call's work.
  if (plan.length === 0) throw ndError(RangeError, CODES.BAD_OPTION, 'enqueueReduction: the region holds no elements, so there is no shard to run; reduce it in one call (reduceZarr, reduceFile), which gives NumPy\'s empty result');
  // Each key only when given: the shards' reader refuses unknown ones, and
  // JSON drops undefined values anyway.
  const reduceOptions: FlowReduceOptions = { ...(ddof !== undefined ? { ddof } : {}), ...(ignoreNaN !== undefined ? { ignoreNaN } : {}), ...(concurrency !== undefined ? { concurrency } : {}) };
  const flow = new FlowProducer({ connection, ...(prefix ? { prefix } : {}) });
  try {
    const added = await flow.add({
      name: MERGE_JOB,
      queueName: queue,
      data: { op, shards: plan.length } satisfies MergeJobData,
      children: plan.map((shard, index) => ({
        name: SHARD_JOB,
        queueName: queue,
        data: { index, shard, op, options: reduceOptions } satisfies ShardJobData,
        opts: { attempts: 3, ...jobOptions },
      })),
    });
    return { jobId: String(added.job.id), shards: plan.length };
  } finally {
    await flow.close();
  }
}

/** The worker's processor: a shard job reduces its shard; the parent job
 * merges its children's partials in shard order (so the bytes do not
 * depend on which worker finished first). */
export async function processReductionJob(job: JobLike): Promise<PartialJobResult> {
  if (job.name === SHARD_JOB) {
    const d = job.data as ShardJobData;
    const p = await reduceShard(d.shard, d.op, d.options);
    return { index: d.index, partial: toBase64(p.toBytes()) };
  }
  if (job.name === MERGE_JOB) {
    const d = job.data as MergeJobData;
    const children = Object.values(await job.getChildrenValues()) as PartialJobResult[];
    if (children.length === 0 || children.length !== d.shards) throw ndError(Error, CODES.STORE, `the merge job found ${children.length} shard results of ${d.shards}`);
    children.sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
    const merged = children.map(partialOf).reduce((a, b) => a.merge(b));
    return { partial: toBase64(merged.toBytes()) };
  }
  throw ndError(TypeError, CODES.BAD_OPTION, `not an ndreduce job: ${String(job.name)}`);
}

/** A BullMQ Worker on `queue` running `processReductionJob`; `options` are
 * BullMQ's WorkerOptions (connection, concurrency, lockDuration,
 * stalledInterval, ...). */
export function createReductionWorker(queue: string, options: { connection: unknown } & Record<string, unknown>): { close(): Promise<void> } {
  const { Worker } = loadBullmq();
  return new Worker(queue, processReductionJob, options);
}
