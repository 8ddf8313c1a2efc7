// The cost of an ...Async call on memory the kernels cannot read in place:
// the first `await meanAsync(x, { axis: 0 })` of an ordinary float64 array
// (copied into shared memory first), beside the sync `mean`, one copy of
// the array into fresh memory (`slice()`, what a memcpy to a new buffer
// costs, page faults included) and the same array on a SharedArrayBuffer
// (what `loadNpy(f, { shared: true })` returns: read in place).
//
// Each measurement runs in its own process, so that "first" means first
// (no scratch, no warm pages) and the peak RSS it reports is its own:
// the process's peak after the call minus its peak before it.
//
// `npm run bench -- --async-copy [--async-mb 2048] [--repeat N]` runs this
// row alone; `npm run bench` runs it at the default size after the others.
import { spawnSync } from 'node:child_process';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

import { mean, meanAsync } from '../src/index';
import { UsageError } from '../src/cli/usage';
import { markdownTable, ms } from './table';

export const DEFAULT_ASYNC_MB = 256;
const COLS = 1024;
const MODES = ['sync mean', 'memcpy (slice)', 'first meanAsync', 'meanAsync, shared'] as const;
type Mode = (typeof MODES)[number];

export interface AsyncCopyRecord {
  mode: Mode;
  mb: number;
  median_ms: number;
  samples_ms: number[];
  /** Peak RSS the call added, MiB (median). */
  peak_extra_mib: number;
  /** Worst event-loop delay during the call (async modes), ms. */
  worst_delay_ms?: number;
}

/** One measurement, in this (fresh) process: prints a JSON line. */
async function child(mode: Mode, mb: number): Promise<void> {
  const n = Math.floor((mb * 2 ** 20) / 8 / COLS) * COLS;
  const data = mode === 'meanAsync, shared' ? new Float64Array(new SharedArrayBuffer(n * 8)) : new Float64Array(n);
  for (let i = 0; i < n; i++) data[i] = i % 1000;
  const x = { data, shape: [n / COLS, COLS] };
  const before = process.resourceUsage().maxRSS;
  const loop = monitorEventLoopDelay({ resolution: 1 });
  const ticker = setInterval(() => {}, 1);
  loop.enable();
  const t0 = performance.now();
  let check: number;
  if (mode === 'sync mean') check = mean(x, { axis: 0 })[7];
  else if (mode === 'memcpy (slice)') check = data.slice()[7];
  else check = (await meanAsync(x, { axis: 0 }))[7];
  const took = performance.now() - t0;
  await new Promise((r) => setTimeout(r, 5));
  loop.disable();
  clearInterval(ticker);
  const extra = (process.resourceUsage().maxRSS - before) / 1024;
  process.stdout.write(JSON.stringify({ took, extra, delay: loop.max / 1e6, check }) + '\n');
}

function measureOnce(mode: Mode, mb: number): { took: number; extra: number; delay: number; check: number } {
  const run = spawnSync(process.execPath, [__filename, '--child', mode, String(mb)], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (run.status !== 0) throw new Error(`${mode} at ${mb} MB failed: ${run.stderr.trim().split('\n').slice(-3).join(' ')}`);
  return JSON.parse(run.stdout.trim().split('\n').pop()!);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/** Every mode `repeat` times, interleaved, so a load spike hits all alike. */
export function asyncCopyBench(mb: number, repeat: number, say: (s: string) => void): { records: AsyncCopyRecord[]; table: string } {
  const runs = new Map<Mode, { took: number; extra: number; delay: number; check: number }[]>(MODES.map((m) => [m, []]));
  for (let r = 0; r < repeat; r++) for (const mode of MODES) runs.get(mode)!.push(measureOnce(mode, mb));
  // The three means must agree (column 7's), or the row measures nothing.
  const means = ['sync mean', 'first meanAsync', 'meanAsync, shared'].flatMap((m) => runs.get(m as Mode)!.map((r) => r.check));
  if (means.some((v) => v !== means[0])) throw new Error(`the means differ: ${means.join(', ')}`);
  const records = MODES.map((mode): AsyncCopyRecord => {
    const rs = runs.get(mode)!;
    const async_ = mode.includes('Async');
    return {
      mode,
      mb,
      median_ms: median(rs.map((r) => r.took)),
      samples_ms: rs.map((r) => r.took),
      peak_extra_mib: median(rs.map((r) => r.extra)),
      ...(async_ ? { worst_delay_ms: median(rs.map((r) => r.delay)) } : {}),
    };
  });
  const by = (m: Mode) => records.find((r) => r.mode === m)!;
  const sync = by('sync mean').median_ms;
  const copy = by('memcpy (slice)').median_ms;
  const rows = records.map((r) => [
    r.mode,
    ms(r.median_ms),
    (r.median_ms / sync).toFixed(2),
    r.peak_extra_mib.toFixed(0),
    r.worst_delay_ms === undefined ? '-' : ms(r.worst_delay_ms),
  ]);
  const first = by('first meanAsync');
  const shared = by('meanAsync, shared');
  const table =
    `first await of mean along axis 0, ${mb} MiB float64 [${Math.floor((mb * 2 ** 20) / 8 / COLS)}, ${COLS}], each in a fresh process (median of ${repeat})\n\n` +
    markdownTable(['call', 'ms', 'x sync mean', 'peak RSS added (MiB)', 'worst event-loop delay (ms)'], rows) +
    `\n\ntargets: first meanAsync <= 2 x sync + one memcpy = ${ms(2 * sync + copy)} ms (got ${ms(first.median_ms)}); ` +
    `peak RSS added <= one copy (${mb} MiB; got ${first.peak_extra_mib.toFixed(0)}); shared <= 1.2 x sync = ${ms(1.2 * sync)} ms (got ${ms(shared.median_ms)})`;
  say(table);
  return { records, table };
}

/** `--async-copy`: this row alone. */
export function asyncCopyCommand(argv: string[]): number {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: { 'async-copy': { type: 'boolean' }, 'async-mb': { type: 'string' }, repeat: { type: 'string' } },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const mb = asyncMb(values['async-mb']);
  const repeat = Number(values.repeat ?? 3);
  if (!Number.isSafeInteger(repeat) || repeat < 1) throw new UsageError(`--repeat must be an integer >= 1, got ${values.repeat}`);
  asyncCopyBench(mb, repeat, (s) => console.log(s));
  return 0;
}

export function asyncMb(raw: string | undefined): number {
  const mb = Number(raw ?? DEFAULT_ASYNC_MB);
  if (!Number.isSafeInteger(mb) || mb < 1) throw new UsageError(`--async-mb must be an integer >= 1, got ${raw}`);
  return mb;
}

if (require.main === module && process.argv[2] === '--child') {
  child(process.argv[3] as Mode, Number(process.argv[4])).catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
