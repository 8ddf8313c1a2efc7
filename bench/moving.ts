// The moving-window rows of `npm run bench`: ndreduce's moveMean, moveStd,
// moveMax and moveMedian next to bottleneck's move_* (timed inside a
// python3 child, after a warm-up, best of `repeat`) on the same float64
// standard_normal array (NumPy's default_rng(42)), the tasks. Each
// pair's results are checked against each other by a checksum (the sum of
// the non-NaN outputs and the NaN count).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { loadNpy } from '../src/io/npy';
import { moveMax, moveMean, moveMedian, moveStd } from '../src/index';
import type { MoveResult } from '../src/index';
import { UsageError } from '../src/cli/usage';

interface Task {
  name: string;
  /** bottleneck's call, on `arr` (and `x` = arr[:10] for the median row). */
  python: string;
  ours: (arr: { data: Float64Array; shape: number[] }) => MoveResult;
}

function tasks(rows: number, cols: number): Task[] {
  const w = Math.min(100, cols);
  const w0 = Math.min(10, rows);
  const wt = Math.min(100, cols);
  const r10 = Math.min(10, rows);
  const T = (a: { data: Float64Array; shape: number[] }) => ({ data: a.data, shape: [cols, rows], strides: [1, cols], offset: 0 });
  return [
    { name: `move_mean, axis 1, window ${w}`, python: `bn.move_mean(arr, ${w}, axis=1)`, ours: (a) => moveMean(a, w, { axis: 1 }) },
    { name: `move_std, axis 1, window ${w}`, python: `bn.move_std(arr, ${w}, axis=1)`, ours: (a) => moveStd(a, w, { axis: 1 }) },
    { name: `move_max, axis 1, window ${w}`, python: `bn.move_max(arr, ${w}, axis=1)`, ours: (a) => moveMax(a, w, { axis: 1 }) },
    {
      name: `move_median, axis 1, window ${w}, first ${r10} rows`,
      python: `bn.move_median(arr[:${r10}], ${w}, axis=1)`,
      ours: (a) => moveMedian({ data: a.data.subarray(0, r10 * cols), shape: [r10, cols] }, w, { axis: 1 }),
    },
    { name: `move_mean, axis 0, window ${w0} (${cols} lanes of ${rows})`, python: `bn.move_mean(arr, ${w0}, axis=0)`, ours: (a) => moveMean(a, w0, { axis: 0 }) },
    { name: `move_mean of arr.T, axis 0, window ${wt} (${rows} lanes of ${cols})`, python: `bn.move_mean(arr.T, ${wt}, axis=0)`, ours: (a) => moveMean(T(a), wt, { axis: 0 }) },
  ];
}

const SCRIPT = String.raw`
import json, sys, threading, time
import numpy as np, bottleneck as bn
rows, cols, repeat, file = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
arr = np.random.default_rng(42).standard_normal((rows, cols))
np.save(file, arr)
def timed(f):
    """Best ms of repeat calls after a warm-up, each previous result freed
    before the clock starts, and the last result."""
    r, best = f(), float('inf')
    for _ in range(repeat):
        del r
        t0 = time.perf_counter()
        r = f()
        best = min(best, (time.perf_counter() - t0) * 1e3)
    return best, r
report = {'bottleneck': bn.__version__, 'rows': []}
for call in sys.argv[5:]:
    best, r = timed(eval('lambda: ' + call))
    ok = ~np.isnan(r)
    report['rows'].append({'ms': best, 'sum': float(r[ok].astype(np.float64).sum()), 'nan': int((~ok).sum())})
    del r
# What writing a fresh result of this size costs at least: a copy into
# new pages, on one thread and on two (each copying half).
def copy2():
    o = np.empty_like(arr)
    h = arr.shape[0] // 2
    ts = [threading.Thread(target=np.copyto, args=(o[a:b], arr[a:b])) for a, b in ((0, h), (h, arr.shape[0]))]
    for t in ts: t.start()
    for t in ts: t.join()
    return o
report['copy1'] = timed(lambda: arr.copy())[0]
report['copy2'] = timed(copy2)[0]
print(json.dumps(report))
`;

const checksum = (r: MoveResult) => {
  const d = r instanceof Float64Array ? r : r.data;
  let sum = 0;
  let nan = 0;
  for (const v of d) {
    if (Number.isNaN(v)) nan++;
    else sum += v;
  }
  return { sum, nan };
};

/** One turn of the event loop: the finalisers of dropped results (external buffers) run there. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * The moving rows as a table (or why they were skipped); `failures` gets
 * mismatches. Both sides time the call alone: bottleneck's previous result
 * is freed before its clock starts, and ours is released by a turn of the
 * event loop before ours starts (an external buffer's finaliser runs there,
 * so a synchronous loop of calls would keep every result alive).
 */
export async function movingRows(rows: number, cols: number, repeat: number, failures: string[]): Promise<string> {
  const list = tasks(rows, cols);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ndreduce-moving-bench-'));
  try {
    const file = path.join(dir, 'arr.npy');
    const child = spawnSync('python3', ['-c', SCRIPT, String(rows), String(cols), String(Math.max(1, repeat)), file, ...list.map((t) => t.python)], { encoding: 'utf8', maxBuffer: 1 << 24 });
    if (child.status !== 0) return `moving windows: skipped: bottleneck did not run (${(child.stderr || child.error?.message || '').trim().split('\n').pop()}; pip install bottleneck)`;
    const report = JSON.parse(child.stdout) as { bottleneck: string; rows: { ms: number; sum: number; nan: number }[]; copy1: number; copy2: number };
    const arr = loadNpy(file) as unknown as { data: Float64Array; shape: number[] };
    const lines = [`moving windows of ${rows} x ${cols} float64 (standard_normal, seed 42), bottleneck ${report.bottleneck} (1 thread) next to ndreduce (default threads), best of ${repeat} after a warm-up; load average ${os.loadavg()[0].toFixed(2)}`, '', '| task | bottleneck | ndreduce | bottleneck / ndreduce |', '| --- | --- | --- | --- |'];
    for (const [k, t] of list.entries()) {
      const mine = checksum(t.ours(arr));
      let best = Infinity;
      for (let i = 0; i < Math.max(1, repeat); i++) {
        await settle();
        const t0 = performance.now();
        t.ours(arr);
        best = Math.min(best, performance.now() - t0);
      }
      await settle();
      const peer = report.rows[k];
      if (mine.nan !== peer.nan || Math.abs(mine.sum - peer.sum) > 1e-6 * Math.max(1, Math.abs(peer.sum))) {
        failures.push(`moving: ${t.name}: checksum ${mine.sum} (${mine.nan} NaN) vs bottleneck ${peer.sum} (${peer.nan} NaN)`);
      }
      lines.push(`| ${t.name} | ${peer.ms.toFixed(1)} ms | ${best.toFixed(1)} ms | ${(peer.ms / best).toFixed(2)}x |`);
    }
    lines.push(
      '',
      `a fresh result of this size costs at least a copy into new pages: NumPy's arr.copy() ${report.copy1.toFixed(1)} ms (1 thread), two threads each copying half into np.empty_like(arr) ${report.copy2.toFixed(1)} ms`,
      '',
      `load average ${os.loadavg()[0].toFixed(2)} after the moving rows`,
    );
    return lines.join('\n');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function flag(argv: string[], name: string, fallback: number): number {
  const at = argv.indexOf(name);
  if (at < 0) return fallback;
  const v = Number(argv[at + 1]);
  if (!Number.isInteger(v) || v < 1) throw new UsageError(`${name} expects a positive integer, not ${argv[at + 1]}`);
  return v;
}

/** `bench-moving`: the moving rows alone, by default at the shape. */
export async function movingCommand(argv: string[]): Promise<number> {
  if (argv.includes('--help')) {
    process.stdout.write('ndreduce bench-moving [--rows 100] [--cols 1000000] [--repeat 3]\n');
    return 0;
  }
  const failures: string[] = [];
  process.stdout.write(`${await movingRows(flag(argv, '--rows', 100), flag(argv, '--cols', 1_000_000), flag(argv, '--repeat', 3), failures)}\n`);
  for (const f of failures) process.stderr.write(`${f}\n`);
  return failures.length > 0 ? 1 : 0;
}
