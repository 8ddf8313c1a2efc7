// `npm run bench -- --file SIZE`: reduceFile on a .npy file of SIZE bytes
// (float64, shape [rows, 1024], written once under the temp directory and
// reused), against a plain sequential read of the same file (the bandwidth
// floor) and NumPy's np.load(mmap_mode='r').max(axis=...) in a python3
// child. Warm page cache by default; --cold drops the caches before each
// timed run (needs root: /proc/sys/vm/drop_caches).
import type { OpName } from '../src/spec/ops';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';

import { reduceFile } from '../src/io/file';
import { headerBytes } from '../src/io/npy-header';
import { UsageError } from '../src/cli/usage';
import { worstDelay } from './eventloop';

export const FILE_USAGE = `Usage: ndreduce bench --file SIZE [options]

Times reduceFile on a float64 .npy file of SIZE bytes (e.g. 512M, 4G, 30G),
written once and reused, against a sequential read of the file and NumPy's
mmap_mode='r' path.

  --cols N         row length: the file is [SIZE / 8N, N] (default 1024;
                   125000 is the wide shape whose rows outgrow a window)
  --op NAME        the reduction (default max)
  --axis A,B|null  axes to time, ';'-separated choices (default "0;null")
  --dir DIR        where the file lives (default: the temp directory)
  --repeat N       timed runs after one warm-up (default 3)
  --threads N      reduceFile's threads (default: rayon's default)
  --cold           drop the page cache before every timed run (root only)
`;

export function parseSize(s: string): number {
  const m = /^(\d+(?:\.\d+)?)([kmgt]?)i?b?$/i.exec(s);
  if (!m) throw new UsageError(`--file must be a size such as 512M or 4G, got ${JSON.stringify(s)}`);
  const scale = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 }[m[2].toLowerCase() as '' | 'k'];
  return Math.floor(Number(m[1]) * scale);
}

const COLUMNS = 1024;

/** The file (written when missing or of another size). */
export function ensureFile(dir: string, bytes: number, cols: number, say: (s: string) => void): { p: string; rows: number; dataBytes: number } {
  const rows = Math.max(1, Math.floor(bytes / (8 * cols)));
  const p = path.join(dir, `ndreduce-bench-${rows}x${cols}-f8.npy`);
  const head = headerBytes('<f8', false, [rows, cols]);
  const want = head.length + rows * cols * 8;
  if (fs.existsSync(p) && fs.statSync(p).size === want) return { p, rows, dataBytes: want - head.length };
  fs.mkdirSync(dir, { recursive: true });
  say(`writing ${p} (${(want / 2 ** 30).toFixed(2)} GiB) once...`);
  const fd = fs.openSync(p, 'w');
  fs.writeSync(fd, head);
  const piece = new Float64Array(cols * Math.max(1, Math.floor(2 ** 20 / cols))); // about 8 MiB
  let seed = 42;
  for (let done = 0; done < rows; ) {
    const n = Math.min(rows - done, piece.length / cols);
    for (let i = 0; i < n * cols; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      piece[i] = seed / 2 ** 32 - 0.5;
    }
    fs.writeSync(fd, piece.subarray(0, n * cols));
    done += n;
  }
  fs.closeSync(fd);
  return { p, rows, dataBytes: want - head.length };
}

function dropCaches(): boolean {
  const r = spawnSync('sh', ['-c', 'sync && echo 3 > /proc/sys/vm/drop_caches'], { stdio: 'ignore' });
  return r.status === 0;
}

/** One plain sequential read of the whole file, 16 MiB at a time. */
function sequentialRead(p: string): number {
  const buf = Buffer.allocUnsafe(16 << 20);
  const fd = fs.openSync(p, 'r');
  const t0 = performance.now();
  let at = 0;
  for (;;) {
    const n = fs.readSync(fd, buf, 0, buf.length, at);
    if (n === 0) break;
    at += n;
  }
  const ms = performance.now() - t0;
  fs.closeSync(fd);
  return ms;
}

const NUMPY = `
import sys, time, json
import numpy as np
p, op, axis, repeat, cold = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5] == '1'
ax = None if axis == 'null' else tuple(int(a) for a in axis.split(','))
def drop():
    import subprocess
    subprocess.run(['sh', '-c', 'sync && echo 3 > /proc/sys/vm/drop_caches'])
times = []
for k in range(max(repeat, 0) + 1):
    if cold: drop()
    x = np.load(p, mmap_mode='r')
    t = time.perf_counter()
    getattr(x, op)(axis=ax)
    times.append((time.perf_counter() - t) * 1000)
    del x  # drop_caches keeps pages that a live mapping holds
print(json.dumps({'numpy': np.__version__, 'ms': times[1:] if repeat > 0 else times}))
`;

export async function fileBench(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        file: { type: 'string' }, cols: { type: 'string' }, op: { type: 'string' }, axis: { type: 'string' }, dir: { type: 'string' },
        repeat: { type: 'string' }, threads: { type: 'string' }, cold: { type: 'boolean' }, help: { type: 'boolean' },
      },
    }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (values.help || values.file === undefined) {
    process.stdout.write(FILE_USAGE);
    return values.help ? 0 : 2;
  }
  const say = (s: string) => process.stderr.write(s + '\n');
  const bytes = parseSize(values.file);
  const op = values.op ?? 'max';
  const repeat = Number(values.repeat ?? 3);
  const threads = values.threads === undefined ? undefined : Number(values.threads);
  const axes = (values.axis ?? '0;null').split(';');
  const cold = values.cold === true;
  if (cold && !dropCaches()) throw new UsageError('--cold needs to write /proc/sys/vm/drop_caches (root)');
  const cols = values.cols === undefined ? COLUMNS : Number(values.cols);
  if (!Number.isSafeInteger(cols) || cols < 1) throw new UsageError(`--cols must be a positive integer, got ${JSON.stringify(values.cols)}`);
  const { p, rows, dataBytes } = ensureFile(values.dir ?? path.join(os.tmpdir(), 'ndreduce-bench'), bytes, cols, say);
  const gb = dataBytes / 1e9;
  const rate = (ms: number) => `${(gb / (ms / 1000)).toFixed(2)} GB/s`;
  const best = (ms: number[]) => Math.min(...ms);
  const median = (ms: number[]) => [...ms].sort((a, b) => a - b)[Math.floor(ms.length / 2)];
  const timed = async (f: () => unknown | Promise<unknown>) => {
    const ms: number[] = [];
    for (let k = 0; k <= repeat; k++) {
      if (cold) dropCaches();
      const t0 = performance.now();
      await f();
      if (k > 0 || repeat === 0) ms.push(performance.now() - t0);
    }
    return ms;
  };
  process.stdout.write(
    `file ${p}: float64 [${rows}, ${cols}], ${(dataBytes / 2 ** 30).toFixed(2)} GiB of data; ${os.cpus().length} CPUs, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM; ${cold ? 'cold' : 'warm'} cache; best (median) of ${repeat}\n`,
  );
  const read = await timed(() => sequentialRead(p));
  process.stdout.write(`  sequential read (16 MiB reads)     ${(best(read) / 1000).toFixed(3)} s (${(median(read) / 1000).toFixed(3)})  ${rate(best(read))}\n`);
  for (const axis of axes) {
    const a = axis === 'null' ? null : axis.split(',').map(Number);
    const ours = await timed(() => reduceFile(p, op as OpName, { axis: a, threads }));
    const line = (name: string, ms: number[]) =>
      `  ${name.padEnd(34)} ${(best(ms) / 1000).toFixed(3)} s (${(median(ms) / 1000).toFixed(3)})  ${rate(best(ms))}  ${(best(read) / best(ms)).toFixed(2)}x read\n`;
    process.stdout.write(line(`reduceFile ${op} axis ${axis}`, ours));
    const py = spawnSync('python3', ['-c', NUMPY, p, op, axis, String(repeat), cold ? '1' : '0'], { encoding: 'utf8' });
    if (py.status !== 0) {
      process.stdout.write(`  numpy mmap ${op} axis ${axis}: skipped (${py.stderr.trim().split('\n').at(-1) ?? 'no python3'})\n`);
      continue;
    }
    const np = JSON.parse(py.stdout) as { numpy: string; ms: number[] };
    process.stdout.write(line(`numpy ${np.numpy} mmap ${op} axis ${axis}`, np.ms));
  }
  // The event loop while a file is reduced with progress events, against
  // the same loop idle for as long: on a shared machine the idle figure is
  // the floor.
  const busy: number[] = [];
  const idle: number[] = [];
  for (let k = 0; k < Math.max(repeat, 1); k++) {
    if (cold) dropCaches();
    let ms = 0;
    busy.push(await worstDelay(async () => {
      const t0 = performance.now();
      await reduceFile(p, 'std', { axis: 0, threads, onProgress: () => {} });
      ms = performance.now() - t0;
    }));
    idle.push(await worstDelay(() => new Promise((resolve) => setTimeout(resolve, ms))));
  }
  const list = (ms: number[]) => ms.map((d) => d.toFixed(1)).join(', ');
  process.stdout.write(`  worst event-loop delay, reduceFile std axis 0 with onProgress: ${list(busy)} ms; idle as long: ${list(idle)} ms\n`);
  return 0;
}
