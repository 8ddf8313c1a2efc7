// `npm run bench -- --zarr SIZE`: reduceZarr(max, axis 0) on a float64 Zarr
// v3 array of SIZE bytes (16 MB chunks, zstd level 1 or blosc-lz4 with
// shuffle; written once by Python's zarr and reused), beside zarrita
// decoding every chunk and nothing else (at reduceZarr's concurrency for
// such a reader), our decoders likewise, and Python's
// zarr reading the array chunk by chunk with NumPy reducing each chunk.
// Every row runs in a fresh child process, so that its peak RSS is its own.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';

import { UsageError } from '../src/cli/usage';

export const ZARR_USAGE = `Usage: ndreduce bench --zarr SIZE [options]

Times reduceZarr(max, axis 0) on a float64 Zarr v3 array of SIZE bytes
(e.g. 256M, 2G), with 16 MB chunks, written once by Python's zarr, beside
zarrita decoding every chunk (no reduction), our decoders decoding every
chunk, reduceZarr with zarrita's codecs, the same reduction over HTTP from
a local server (and that server's chunks only fetched, to show what the
transport alone costs), and zarr-python + NumPy reducing it chunk by chunk.

  --codec C        zstd (level 1, the default) or blosc-lz4 (with shuffle)
  --concurrency N  chunks in flight in every row (default: reduceZarr's own
                   default for each source: the decoding cores plus one for
                   a directory our decoders read, 8 otherwise)
  --dir DIR        where the array lives (default: the temp directory)
  --repeat N       timed runs per row, best kept (default 3)
`;

function parseSize(s: string): number {
  const m = /^(\d+(?:\.\d+)?)([kmgt]?)i?b?$/i.exec(s);
  if (!m) throw new UsageError(`--zarr must be a size such as 256M or 2G, got ${JSON.stringify(s)}`);
  const scale = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 }[m[2].toLowerCase() as '' | 'k'];
  return Math.floor(Number(m[1]) * scale);
}

const COLS = 2048;
/** Rows per chunk: 1024 x 2048 float64 is 16 MiB. */
const CHUNK_ROWS = 1024;

const WRITE = String.raw`
import sys, numpy as np, zarr
from zarr.codecs import BloscCodec, ZstdCodec
path, rows, cols, chunk, codec = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
c = ZstdCodec(level=1) if codec == 'zstd' else BloscCodec(cname='lz4', clevel=5, shuffle='shuffle')
a = zarr.create_array(store=path, shape=(rows, cols), chunks=(chunk, cols), dtype='float64', compressors=c, zarr_format=3)
rng = np.random.default_rng(1)
for r in range(0, rows, chunk):
    n = min(chunk, rows - r)
    # Smooth values with noise: compressible as real measurements are, not constant.
    a[r:r + n] = np.round(np.cumsum(rng.normal(0, 1, (n, cols)), axis=1), 3)
`;

const PYTHON_ROW = String.raw`
import sys, time, resource, numpy as np, zarr
# The clock covers opening the array, as the Node rows' does (each
# side's library is imported before it starts).
t = time.perf_counter()
a = zarr.open_array(sys.argv[1], mode='r')
acc = None
step = a.chunks[0]
for r in range(0, a.shape[0], step):
    m = np.max(a[r:r + step], axis=0)
    acc = m if acc is None else np.maximum(acc, m)
ms = (time.perf_counter() - t) * 1000
print('{"ms": %f, "rssMb": %f, "check": %r}' % (ms, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, float(acc.sum())))
`;

/** A static file server with byte ranges, in its own process so that it
 * does not share the event loop of the row it serves. */
const SERVER = `
const http = require('node:http'), fs = require('node:fs'), path = require('node:path');
const root = process.argv[1];
const server = http.createServer((req, res) => {
  const file = path.join(root, decodeURIComponent(req.url.split('?')[0]));
  fs.readFile(file, (err, body) => {
    if (err) return res.writeHead(404).end();
    const m = /^bytes=(\\d*)-(\\d*)$/.exec(req.headers.range || '');
    if (!m) return res.writeHead(200, { 'content-length': body.length }).end(body);
    const [a, b] = m[1] === '' ? [body.length - Number(m[2]), body.length - 1] : [Number(m[1]), m[2] === '' ? body.length - 1 : Number(m[2])];
    res.writeHead(206, { 'content-length': b - a + 1 }).end(body.subarray(a, b + 1));
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(String(server.address().port) + '\\n'));
`;

/** A row in a child node process: 'reduce', 'decode' (zarrita's codecs),
 * 'native' (our decoders, through the reader reduceZarr uses) or 'fetch'
 * (an http(s) store's chunk bodies fetched as reduceZarr fetches them, and
 * nothing else: what the transport alone costs). */
function childScript(row: string, dir: string, concurrency: number | undefined): string {
  const api = JSON.stringify(path.join(__dirname, '..', 'src', 'index.js'));
  const source = JSON.stringify(path.join(__dirname, '..', 'src', 'zarr', 'source.js'));
  return `
const api = require(${api});
const { DEFAULT_CONCURRENCY, openZarr } = require(${source});
const chosen = ${concurrency ?? 'undefined'};
const option = chosen === undefined ? {} : { concurrency: chosen };
(async () => {
  // zarrita is an ES module that reduceZarr imports on first use: imported
  // before the clock starts, as Python's zarr is.
  await import('zarrita');
  // The chunks in flight, as the row's reader has them by default (the
  // array opened once before the clock to ask).
  const zarrita = ${JSON.stringify(row)} === 'decode' || ${JSON.stringify(row)} === 'reduce-zarrita';
  const inFlight = chosen ?? (zarrita ? DEFAULT_CONCURRENCY : (await openZarr(${JSON.stringify(dir)})).concurrency);
  const t = performance.now();
  let check;
  if (${JSON.stringify(row)} === 'reduce') {
    const r = await api.reduceZarr(${JSON.stringify(dir)}, 'max', { axis: 0, ...option });
    check = r.reduce((a, b) => a + b, 0);
  } else if (${JSON.stringify(row)} === 'reduce-zarrita') {
    // An opened array without zarrita's internals: reduceZarr decodes it
    // with zarrita's codecs, as it did before the native decoders.
    const zarr = await import('zarrita');
    const { default: FileSystemStore } = await import('@zarrita/storage/fs');
    const arr = await zarr.open(zarr.root(new FileSystemStore(${JSON.stringify(dir)})), { kind: 'array' });
    const plain = { shape: arr.shape, chunks: arr.chunks, dtype: arr.dtype, getChunk: (c, o) => arr.getChunk(c, o) };
    const r = await api.reduceZarr(plain, 'max', { axis: 0, ...option });
    check = r.reduce((a, b) => a + b, 0);
  } else if (${JSON.stringify(row)} === 'fetch') {
    const { bodyReader } = require(${JSON.stringify(path.join(__dirname, '..', 'src', 'zarr', 'http.js'))});
    const opened = await openZarr(${JSON.stringify(dir)});
    const n = Math.ceil(opened.array.shape[0] / opened.array.chunks[0]);
    const read = bodyReader();
    const signal = new AbortController().signal;
    let next = 0;
    check = 0;
    await Promise.all(Array.from({ length: inFlight }, async () => {
      while (next < n) { const got = await read(new URL(${JSON.stringify(dir)} + '/' + opened.keyOf([next++, 0])), signal); check += got.body.length; got.release(); }
    }));
  } else if (${JSON.stringify(row)} === 'native') {
    const { readChunk } = require(${source});
    const opened = await openZarr(${JSON.stringify(dir)});
    if (!opened.native) throw new Error('no native decoder for this array');
    const n = Math.ceil(opened.array.shape[0] / opened.array.chunks[0]);
    const signal = new AbortController().signal;
    let next = 0;
    check = 0;
    await Promise.all(Array.from({ length: inFlight }, async () => {
      while (next < n) { const c = await readChunk(opened, [next++, 0], signal); check += c.data.length; c.release?.(); }
    }));
  } else {
    const zarr = await import('zarrita');
    const { default: FileSystemStore } = await import('@zarrita/storage/fs');
    const arr = await zarr.open(zarr.root(new FileSystemStore(${JSON.stringify(dir)})), { kind: 'array' });
    const n = Math.ceil(arr.shape[0] / arr.chunks[0]);
    let next = 0;
    check = 0;
    await Promise.all(Array.from({ length: inFlight }, async () => {
      while (next < n) { const c = await arr.getChunk([next++, 0]); check += c.data.length; }
    }));
  }
  const ms = performance.now() - t;
  console.log(JSON.stringify({ ms, rssMb: process.resourceUsage().maxRSS / 1024, check, inFlight }));
})();`;
}

interface Row {
  ms: number;
  rssMb: number;
  check: number;
  /** Chunks in flight (none for Python's row). */
  inFlight?: number;
}

function runRow(cmd: string, args: string[]): Row {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr || r.error?.message}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() as string) as Row;
}

export async function zarrBench(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { zarr: { type: 'string' }, codec: { type: 'string' }, concurrency: { type: 'string' }, dir: { type: 'string' }, repeat: { type: 'string' }, help: { type: 'boolean' } },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(ZARR_USAGE);
    return 0;
  }
  const bytes = parseSize(values.zarr ?? '256M');
  const codec = values.codec ?? 'zstd';
  if (codec !== 'zstd' && codec !== 'blosc-lz4') throw new UsageError(`--codec must be zstd or blosc-lz4, got ${JSON.stringify(codec)}`);
  const concurrency = values.concurrency === undefined ? undefined : Number(values.concurrency);
  if (concurrency !== undefined && !(Number.isSafeInteger(concurrency) && concurrency >= 1)) throw new UsageError(`--concurrency must be a whole number of 1 or more, got ${JSON.stringify(values.concurrency)}`);
  const repeat = Number(values.repeat ?? 3);
  const rows = Math.max(1, Math.floor(bytes / (8 * COLS)));
  const dir = path.join(values.dir ?? os.tmpdir(), `ndreduce-bench-${rows}x${COLS}-${codec}.zarr`);
  const load0 = os.loadavg();
  if (!fs.existsSync(path.join(dir, 'zarr.json'))) {
    process.stderr.write(`writing ${dir} with Python's zarr ...\n`);
    const w = spawnSync('python3', ['-c', WRITE, dir, String(rows), String(COLS), String(CHUNK_ROWS), codec], { encoding: 'utf8' });
    if (w.status !== 0) throw new UsageError(`python3 could not write the array (pip install zarr): ${w.stderr}`);
  }
  const stored = du(dir);
  const rowsOut: (Row & { name: string })[] = [];
  const best = (name: string, run: () => Row) => {
    let b: Row = { ms: Infinity, rssMb: 0, check: 0 };
    for (let i = 0; i < repeat; i++) {
      const r = run();
      if (r.ms < b.ms) b = r;
    }
    rowsOut.push({ name, ...b });
  };
  best('zarrita decode only', () => runRow(process.execPath, ['-e', childScript('decode', dir, concurrency)]));
  best('reduceZarr max axis 0', () => runRow(process.execPath, ['-e', childScript('reduce', dir, concurrency)]));
  best('native decode only', () => runRow(process.execPath, ['-e', childScript('native', dir, concurrency)]));
  best('reduceZarr, zarrita\'s codecs', () => runRow(process.execPath, ['-e', childScript('reduce-zarrita', dir, concurrency)]));
  // The same reduction over HTTP from a local server.
  const server = spawn(process.execPath, ['-e', SERVER, path.dirname(dir)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve, reject) => {
    server.stdout!.once('data', (b: Buffer) => resolve(b.toString().trim()));
    server.once('exit', () => reject(new Error('the local HTTP server did not start')));
  });
  try {
    const url = `http://127.0.0.1:${port}/${path.basename(dir)}`;
    best('reduceZarr max axis 0, local HTTP', () => runRow(process.execPath, ['-e', childScript('reduce', url, concurrency)]));
    best('local HTTP, fetching chunks only', () => runRow(process.execPath, ['-e', childScript('fetch', url, concurrency)]));
  } finally {
    server.kill();
  }
  let python = true;
  try {
    best('zarr-python + NumPy, chunk by chunk', () => runRow('python3', ['-c', PYTHON_ROW, dir]));
  } catch (e) {
    python = false;
    process.stderr.write(`python row skipped: ${(e as Error).message.split('\n')[0]}\n`);
  }
  const decode = rowsOut[0].ms;
  const data = rows * COLS * 8;
  process.stdout.write(`reduceZarr on ${rows} x ${COLS} float64 (${(data / 2 ** 20).toFixed(0)} MiB, ${(stored / 2 ** 20).toFixed(0)} MiB stored, ${codec}), 16 MiB chunks, concurrency ${concurrency ?? "reduceZarr's default"}, best of ${repeat}\n`);
  process.stdout.write(`${'row'.padEnd(38)} ${'ms'.padStart(9)} ${'MB/s'.padStart(7)} ${'/decode'.padStart(8)} ${'peak RSS MB'.padStart(12)} ${'in flight'.padStart(10)}\n`);
  for (const r of rowsOut) {
    process.stdout.write(`${r.name.padEnd(38)} ${r.ms.toFixed(0).padStart(9)} ${((data / 2 ** 20) / (r.ms / 1000)).toFixed(0).padStart(7)} ${(r.ms / decode).toFixed(2).padStart(8)} ${r.rssMb.toFixed(0).padStart(12)} ${String(r.inFlight ?? '').padStart(10)}\n`);
  }
  const ms = (name: string) => rowsOut.find((r) => r.name === name)!.ms;
  const file = ms('reduceZarr max axis 0');
  process.stdout.write(`reduceZarr / native decode only: ${(file / ms('native decode only')).toFixed(2)}x\n`);
  process.stdout.write(`reduceZarr with zarrita's codecs / native: ${(ms("reduceZarr, zarrita's codecs") / file).toFixed(2)}x\n`);
  process.stdout.write(`local HTTP / file system: ${(ms('reduceZarr max axis 0, local HTTP') / file).toFixed(2)}x (fetching alone: ${(ms('local HTTP, fetching chunks only') / file).toFixed(2)}x)\n`);
  if (python) process.stdout.write(`zarr-python / reduceZarr: ${(ms('zarr-python + NumPy, chunk by chunk') / file).toFixed(2)}x\n`);
  process.stdout.write(`load average ${load0.map((x) => x.toFixed(2)).join(' ')} at the start, ${os.loadavg().map((x) => x.toFixed(2)).join(' ')} at the end; ${os.cpus().length} CPUs\n`);
  return 0;
}

function du(dir: string): number {
  let n = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) n += e.isDirectory() ? du(path.join(dir, e.name)) : fs.statSync(path.join(dir, e.name)).size;
  return n;
}

