// `ndreduce bench` options. Bad values are usage errors (exit code 2),
// reported before any data is generated: output files that cannot be
// written and a --report or --chart without vega included.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';

import { UsageError } from '../src/cli/usage';
import { asyncMb } from './async-copy';

export { UsageError };

export interface BenchOptions {
  rows: number;
  cols: number;
  seed: number;
  /** Undefined: one table at rayon's default thread count. */
  threads?: number[];
  repeat: number;
  budgetMs: number;
  only?: string[];
  input?: string;
  json?: string;
  report?: string;
  chart?: string;
  small: boolean;
  /** Size of the async-copy row's array, MiB. */
  asyncMb: number;
  withReference: boolean;
  help: boolean;
}

export const BENCH_USAGE = `Usage: ndreduce bench [options]

Times the column maximum of the article's array (100 x 1,000,000 int64) and
of its transposed view, for every implementation, against the floor (one
parallel read of the data) and against the serial kernel.

  --rows N, --cols N     array size (default 100 x 1000000)
  --seed N               data seed (default 42)
  --input FILE.npy       real data instead: a 2-D int64 .npy file
  --threads 1,2,4        one table per thread count (default: rayon's default)
  --repeat N             timed runs after one warm-up (default 5)
  --budget-ms N          stop repeating a row after this much time (default 6000)
  --only a,b             only these implementations (serial always runs: it is
                         what the others are checked against); the moving,
                         groups and where tables run only if named too
  --with-reference       include the BigInt reference loop at any size
  --json FILE            one record per implementation x layout x threads
  --report FILE.html     a self-contained page: tables and chart
  --chart FILE.svg       the chart of ratios to the floor alone
  --small                per-call cost of max on a 10 x 10 array instead
  --async-mb N           the async-copy row's float64 array, MiB (default 256)
  --async-copy           that row alone: first meanAsync of an ordinary and a
                         shared array vs sync mean and a memcpy
`;

function positiveInt(value: string | undefined, flag: string, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  const n = Number(value.replace(/_/g, ''));
  if (!Number.isSafeInteger(n) || n < min) throw new UsageError(`${flag} must be an integer >= ${min}, got ${JSON.stringify(value)}`);
  return n;
}

export function parseBenchOptions(argv: string[]): BenchOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        rows: { type: 'string' },
        cols: { type: 'string' },
        seed: { type: 'string' },
        threads: { type: 'string' },
        repeat: { type: 'string' },
        'budget-ms': { type: 'string' },
        only: { type: 'string' },
        input: { type: 'string' },
        json: { type: 'string' },
        report: { type: 'string' },
        chart: { type: 'string' },
        small: { type: 'boolean', default: false },
        'async-mb': { type: 'string' },
        'with-reference': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const v = parsed.values;
  for (const flag of ['json', 'report', 'chart'] as const) if (v[flag] !== undefined) checkWritable(`--${flag}`, v[flag]);
  if (v.report !== undefined || v.chart !== undefined) checkRenderer(v.report !== undefined ? '--report' : '--chart');
  const threads = v.threads?.split(',').map((t) => positiveInt(t.trim(), '--threads', 0));
  if (threads && threads.some((t) => t > 1024)) throw new UsageError('--threads must be at most 1024');
  return {
    rows: positiveInt(v.rows, '--rows', 100),
    cols: positiveInt(v.cols, '--cols', 1_000_000),
    seed: positiveInt(v.seed, '--seed', 42, 0),
    threads: threads && [...new Set(threads)],
    repeat: positiveInt(v.repeat, '--repeat', 5),
    budgetMs: positiveInt(v['budget-ms'], '--budget-ms', 6000),
    only: v.only?.split(',').map((s) => s.trim()).filter(Boolean),
    input: v.input,
    json: v.json,
    report: v.report,
    chart: v.chart,
    small: v.small!,
    asyncMb: asyncMb(v['async-mb']),
    withReference: v['with-reference']!,
    help: v.help!,
  };
}

/** A file the run will write at its end: refused now rather than after
 * minutes of measuring. */
function checkWritable(flag: string, file: string): void {
  const dir = path.dirname(path.resolve(file));
  let stat: fs.Stats | undefined;
  try {
    stat = fs.statSync(file);
  } catch {
    // Not there yet: its directory must be.
  }
  if (stat?.isDirectory()) throw new UsageError(`${flag} ${file}: is a directory; name a file`);
  try {
    if (!fs.statSync(dir).isDirectory()) throw new Error('not a directory');
    fs.accessSync(stat ? file : dir, fs.constants.W_OK);
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code === 'ENOENT' ? `directory ${dir} does not exist` : `cannot write there (${(error as Error).message})`;
    throw new UsageError(`${flag} ${file}: ${why}`);
  }
}

/** The chart is drawn by vega and vega-lite (devDependencies of this
 * repository): without them, say so before the run. */
function checkRenderer(flag: string): void {
  const missing = ['vega', 'vega-lite'].filter((name) => {
    try {
      require.resolve(name);
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length) throw new UsageError(`${flag} draws its chart with vega and vega-lite, which are not installed: npm install ${missing.join(' ')}`);
}
