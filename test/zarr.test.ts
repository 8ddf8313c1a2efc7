// reduceZarr against NumPy: arrays written by Python's zarr (test/helpers/zarr-fixtures.ts),
// every reduction that has a Partial x axis choice, compared with NumPy's
// reduction of the array as zarr-python loads it. Exact for extremes, arg
// ops, any/all, counts and integer sums; float sums and moments within
// 1e-9 relative (partials merge per chunk, NumPy sums pairwise).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { CODES, PARTIAL_OPS, reduceZarr } from '../src/index';
import type { OpName, ZarrArrayLike } from '../src/index';
import { JOB_THREADS } from '../src/addon/load';
import { openZarr } from '../src/zarr/source';
import { FIXTURES, python, REFERENCE, skipZarr, WRITE } from './helpers/zarr-fixtures';

if (skipZarr) console.log(`# skipped Zarr tests: ${skipZarr}`);

const ROUNDED = new Set(['mean', 'var', 'std']);

function axesOf(ndim: number): (null | number | number[])[] {
  if (ndim === 1) return [null, 0];
  // [0, 1] and -1 of a 2-D array: the regions below and the 3-D arrays.
  if (ndim === 2) return [null, 0, 1];
  return [null, 1, -1, [0, 2]];
}

function flat(v: unknown): unknown[] {
  if (v !== null && typeof v === 'object' && 'min' in (v as object)) {
    const { min, max } = v as { min: unknown; max: unknown };
    return [...flat(min), ...flat(max)];
  }
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<unknown>);
  if (typeof v === 'boolean') return [v ? 1 : 0];
  return [v];
}

function same(ours: unknown, theirs: string, rounded: boolean, where: string): void {
  const t = theirs === 'nan' ? NaN : theirs === 'inf' ? Infinity : theirs === '-inf' ? -Infinity : Number(theirs);
  if (typeof ours === 'bigint') return assert.equal(ours, BigInt(theirs), where);
  const o = ours as number;
  if (Number.isNaN(t) || !Number.isFinite(t)) return assert.ok(Object.is(o, t) || (Number.isNaN(o) && Number.isNaN(t)), `${where}: ${o} vs ${theirs}`);
  if (!rounded) return assert.equal(o, t, where);
  assert.ok(Math.abs(o - t) <= 1e-9 * Math.max(1, Math.abs(t)), `${where}: ${o} vs ${theirs}`);
}

let dir: string | undefined;
function fixtures(): string {
  if (dir) return dir;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ndreduce-zarr-'));
  python(WRITE, [dir]);
  return dir;
}
process.on('exit', () => dir && fs.rmSync(dir, { recursive: true, force: true }));

interface Job {
  name: string;
  op: OpName;
  axis: null | number | number[];
  ddof: number;
  region?: ([number, number] | null)[];
}

test('reduceZarr equals NumPy on the loaded array: every Partial op x axis, v2 and v3, codecs, orders, missing and edge chunks, shards', { skip: skipZarr }, async () => {
  const root = fixtures();
  const jobs: Job[] = [];
  for (const f of FIXTURES) {
    for (const op of PARTIAL_OPS) {
      for (const axis of axesOf(f.ndim)) {
        jobs.push({ name: f.name, op, axis, ddof: 0 });
        if ((op === 'var' || op === 'std') && axis !== null) jobs.push({ name: f.name, op, axis, ddof: 1 });
      }
    }
  }
  // Regions: a corner that cuts chunks in the middle, along with the arg ops' indices.
  for (const op of ['max', 'argmax', 'sum', 'mean', 'argmin'] as OpName[]) {
    for (const axis of [null, 0, 1, [0, 1]]) {
      jobs.push({ name: 'v3-f8-sharded-blosc', op, axis, ddof: 0, region: [[3, 11], [2, 9]] });
      jobs.push({ name: 'v2-u2-blosc', op, axis, ddof: 0, region: [[1, 9], null] });
    }
  }
  const refs = JSON.parse(python(REFERENCE, [root], JSON.stringify(jobs))) as ({ value: string[]; shape: number[] } | { error: string })[];
  // Each array opened once (by path in the other tests): the metadata is
  // not what this test is about.
  const zarr = (await import('zarrita')) as unknown as { open: (l: unknown, o: object) => Promise<never>; root: (s: unknown) => { resolve: (p: string) => unknown } };
  const { default: FileSystemStore } = (await import('@zarrita/storage/fs')) as unknown as { default: new (p: string) => unknown };
  const opened = new Map<string, never>();
  for (const f of FIXTURES) opened.set(f.name, await zarr.open(zarr.root(new FileSystemStore(path.join(root, f.name))), { kind: 'array' }));
  let compared = 0;
  for (let k = 0; k < jobs.length; k++) {
    const j = jobs[k];
    const where = `${j.name} ${j.op} axis ${JSON.stringify(j.axis)}${j.ddof ? ' ddof 1' : ''}${j.region ? ` region ${JSON.stringify(j.region)}` : ''}`;
    const options: Record<string, unknown> = { axis: j.axis, concurrency: 1 + (k % 4) };
    if (j.ddof) options.ddof = j.ddof;
    if (j.region) options.region = j.region;
    const ref = refs[k];
    let ours: unknown;
    try {
      ours = await reduceZarr(k % 5 === 0 ? path.join(root, j.name) : opened.get(j.name)!, j.op, options);
    } catch (e) {
      if ('error' in ref) continue; // both refuse (an all-NaN nanargmax, say)
      throw new Error(`${where}: ${(e as Error).message}`);
    }
    assert.ok(!('error' in ref), `${where}: NumPy raised ${'error' in ref ? ref.error : ''}`);
    const got = flat(ours);
    assert.equal(got.length, ref.value.length, where);
    const rounded = ROUNDED.has(j.op) || ((j.op === 'sum' || j.op === 'nansum') && FIXTURES.find((f) => f.name === j.name)!.float);
    got.forEach((v, i) => same(v, ref.value[i], rounded, `${where} [${i}]`));
    compared++;
  }
  assert.ok(compared > jobs.length * 0.95, `${compared} of ${jobs.length} compared`);
  // zarrita reads a shard index at the end of its file whatever the
  // metadata says. An array it opened from a directory is opened again
  // from there (above, with the index at the start); one it opened through
  // any other store is read through that store, and refused when its
  // shards keep the index at the start.
  const fsStore = new FileSystemStore(path.join(root, 'v3-i2-sharded-start')) as { get: () => unknown; getRange: () => unknown };
  const other = { get: fsStore.get.bind(fsStore), getRange: fsStore.getRange.bind(fsStore) };
  await assert.rejects(reduceZarr(await zarr.open(zarr.root(other), { kind: 'array' }), 'sum'), (e: Error & { code?: string }) => e.code === CODES.BAD_ARRAY && e.message.includes('index_location'));
});

test('reduceZarr: keepdims, dtype, ignoreNaN, progress, and the options checked first', { skip: skipZarr }, async () => {
  const root = fixtures();
  const f8 = path.join(root, 'v3-f8-sharded-blosc');
  const i8 = path.join(root, 'v3-i8-gzip-be');
  const kd = (await reduceZarr(f8, 'max', { axis: 1, keepdims: true })) as { data: Float64Array; shape: number[] };
  assert.deepEqual(kd.shape, [12, 1]);
  assert.deepEqual(kd.data, await reduceZarr(f8, 'max', { axis: 1 }));
  const all = (await reduceZarr(f8, 'sum', { keepdims: true })) as { data: Float64Array; shape: number[] };
  assert.deepEqual(all.shape, [1, 1]);
  const exact = (await reduceZarr(i8, 'sum', { axis: 0 })) as BigInt64Array;
  assert.deepEqual(await reduceZarr(i8, 'sum', { axis: 0, dtype: 'float64' }), Float64Array.from(exact, Number));
  const nan = path.join(root, 'v2-f8-gzip');
  assert.deepEqual(await reduceZarr(nan, 'max', { axis: 0, ignoreNaN: true }), await reduceZarr(nan, 'nanmax', { axis: 0 }));
  const seen: { chunks: number; chunksTotal: number; bytes: number }[] = [];
  assert.deepEqual(await reduceZarr(f8, 'min', { concurrency: 3, threads: 1, onProgress: (p) => seen.push(p) }), await reduceZarr(f8, 'min'));
  const last = seen[seen.length - 1];
  assert.equal(last.chunks, last.chunksTotal);
  assert.equal(last.chunksTotal, 3 * 4);
  assert.equal(last.bytes, 12 * 4 * 3 * 8);
  const code = (c: string) => (e: Error & { code?: string }) => e.code === c;
  await assert.rejects(reduceZarr(f8, 'max', { axsi: 0 } as never), code(CODES.UNKNOWN_OPTION));
  await assert.rejects(reduceZarr(f8, 'max', { ddof: 1 } as never), code(CODES.BAD_OPTION));
  await assert.rejects(reduceZarr(f8, 'mean', { ignoreNaN: true }), code(CODES.BAD_OPTION));
  await assert.rejects(reduceZarr(f8, 'prod'), code(CODES.BAD_OPTION));
  await assert.rejects(reduceZarr(f8, 'max', { region: [[0, 13], null] }), code(CODES.BAD_OPTION));
  await assert.rejects(reduceZarr(f8, 'max', { concurrency: 0 }), code(CODES.BAD_OPTION));
  await assert.rejects(reduceZarr(path.join(root, 'nothing-here'), 'max'), code(CODES.STORE));
  await assert.rejects(reduceZarr(42 as never, 'max'), code(CODES.BAD_ARRAY));
  // An empty region: NumPy's rules (max has no identity; a sum is 0).
  await assert.rejects(reduceZarr(f8, 'max', { region: [[4, 4], null] }), code(CODES.ZERO_SIZE));
  assert.deepEqual(await reduceZarr(f8, 'sum', { axis: 0, region: [[4, 4], [0, 2]] }), new Float64Array([0, 0]));
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(reduceZarr(f8, 'max', { signal: ac.signal }), (e: Error) => e.name === 'AbortError');
});

test('reduceZarr: an array inside a group by { store, path }, and an opened zarrita array', { skip: skipZarr }, async () => {
  const root = fixtures();
  const want = await reduceZarr(path.join(root, 'v2-u2-blosc'), 'argmin', { axis: 1 });
  assert.deepEqual(await reduceZarr({ store: root, path: 'v2-u2-blosc' }, 'argmin', { axis: 1 }), want);
  const zarr = (await import('zarrita')) as unknown as { open: (l: unknown, o: object) => Promise<never>; root: (s: unknown) => { resolve: (p: string) => unknown } };
  const { default: FileSystemStore } = (await import('@zarrita/storage/fs')) as unknown as { default: new (p: string) => unknown };
  const arr = await zarr.open(zarr.root(new FileSystemStore(root)).resolve('v2-u2-blosc'), { kind: 'array' });
  assert.deepEqual(await reduceZarr(arr, 'argmin', { axis: 1 }), want);
});

test('the command line reduces a Zarr directory: ndreduce max store.zarr --axis 0', { skip: skipZarr }, async () => {
  const root = fixtures();
  const { spawnSync } = await import('node:child_process');
  const cli = path.join(__dirname, '..', 'src', 'cli', 'index.js');
  const r = spawnSync(process.execPath, [cli, 'max', path.join(root, 'v2-u2-blosc'), '--axis', '0'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const want = (await reduceZarr(path.join(root, 'v2-u2-blosc'), 'max', { axis: 0 })) as Uint16Array;
  assert.equal(r.stdout.trim(), `[${Array.from(want).join(', ')}]`);
  // A chunk that does not decode is the user's data to fix: one line, exit 1.
  const spoiled = fs.mkdtempSync(path.join(os.tmpdir(), 'ndreduce-zcli-'));
  try {
    fs.cpSync(path.join(root, 'v2-u2-blosc'), spoiled, { recursive: true });
    fs.writeFileSync(path.join(spoiled, '0.0'), Buffer.alloc(20, 7));
    const bad = spawnSync(process.execPath, [cli, 'max', spoiled, '--axis', '0'], { encoding: 'utf8' });
    assert.equal(bad.status, 1, bad.stderr);
    assert.match(bad.stderr, /^ndreduce max: Zarr chunk 0\.0 could not be decoded: .*\n$/);
  } finally {
    fs.rmSync(spoiled, { recursive: true, force: true });
  }
});

test('reduceZarr: the result does not depend on the order chunks arrive in, and at most `concurrency` are in flight', { skip: skipZarr }, async () => {
  const root = fixtures();
  const zarr = (await import('zarrita')) as unknown as { open: (l: unknown, o: object) => Promise<ZarrArrayLike>; root: (s: unknown) => unknown };
  const { default: FileSystemStore } = (await import('@zarrita/storage/fs')) as unknown as { default: new (p: string) => unknown };
  const arr = await zarr.open(zarr.root(new FileSystemStore(path.join(root, 'v3-f8-sharded-blosc'))), { kind: 'array' });
  let inFlight = 0;
  let peak = 0;
  let seed = 1;
  // The same array, its chunks arriving after pseudo-random delays.
  const shuffled: ZarrArrayLike = {
    shape: arr.shape, chunks: arr.chunks, dtype: arr.dtype,
    async getChunk(coords, options) {
      inFlight++;
      peak = Math.max(peak, inFlight);
      seed = (seed * 48271) % 2147483647;
      await new Promise((r) => setTimeout(r, seed % 15));
      try {
        return await arr.getChunk(coords, options);
      } finally {
        inFlight--;
      }
    },
  };
  for (const [op, axis] of [['sum', null], ['mean', 1], ['var', 0], ['argmax', null], ['std', [0, 1]]] as const) {
    const inOrder = await reduceZarr(arr, op, { axis, concurrency: 1 });
    for (const concurrency of [3, 8]) {
      peak = 0;
      const got = await reduceZarr(shuffled, op, { axis, concurrency });
      assert.deepEqual(got, inOrder, `${op} axis ${JSON.stringify(axis)} concurrency ${concurrency}: the same bits`);
      assert.ok(peak <= concurrency && peak >= Math.min(concurrency, 2), `${peak} chunks in flight, concurrency ${concurrency}`);
    }
  }
});

test('reduceZarr: chunks in flight by default, one per core that decodes plus one for a directory our decoders read, else 8', { skip: skipZarr }, async () => {
  const root = fixtures();
  const local = Math.min(JOB_THREADS, os.availableParallelism()) + 1;
  assert.equal((await openZarr(path.join(root, 'v3-f4-zstd'))).concurrency, local);
  assert.equal((await openZarr(path.join(root, 'v2-u2-blosc'))).concurrency, local);
  // A sharded array's chunks are cut out of its shards by zarrita's store,
  // and an opened array's come from its own getChunk: 8.
  assert.equal((await openZarr(path.join(root, 'v3-f8-sharded-blosc'))).concurrency, 8);
  const zarr = (await import('zarrita')) as unknown as { open: (l: unknown, o: object) => Promise<ZarrArrayLike>; root: (s: unknown) => unknown };
  const { default: FileSystemStore } = (await import('@zarrita/storage/fs')) as unknown as { default: new (p: string) => unknown };
  const arr = await zarr.open(zarr.root(new FileSystemStore(path.join(root, 'v3-f4-zstd'))), { kind: 'array' });
  const plain: ZarrArrayLike = { shape: arr.shape, chunks: arr.chunks, dtype: arr.dtype, getChunk: (c, o) => arr.getChunk(c, o) };
  assert.equal((await openZarr(plain)).concurrency, 8);
  // The default is a default: the same result as any other concurrency.
  const dir = path.join(root, 'v3-f4-zstd');
  assert.deepEqual(await reduceZarr(dir, 'max', { axis: 0 }), await reduceZarr(dir, 'max', { axis: 0, concurrency: 8 }));
});

test('reduceZarr: a shard cut short or changed is an error naming it, not a result of made-up bytes', { skip: skipZarr }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ndreduce-zshard-'));
  try {
    // Both shard layouts: four inner chunks, an index of 4 x 16 bytes and
    // its crc32c (4) at the end of the file or at its start.
    for (const [name, atStart] of [['v3-f8-sharded-blosc', false], ['v3-i2-sharded-start', true]] as const) {
      const copy = path.join(dir, name);
      const shard = path.join(copy, 'c', '0', '0');
      const damage = (f: (b: Buffer) => Buffer) => {
        fs.rmSync(copy, { recursive: true, force: true });
        fs.cpSync(path.join(fixtures(), name), copy, { recursive: true });
        fs.writeFileSync(shard, f(fs.readFileSync(shard)));
      };
      const index = 68;
      // The chunks' bytes cut short (by more than the index, so that the
      // last chunk ends past the file), the index kept: zarrita's directory
      // store read the missing bytes as zeros.
      damage((b) => (atStart ? b.subarray(0, b.length - 8) : Buffer.concat([b.subarray(0, b.length - index - 100), b.subarray(b.length - index)])));
      await assert.rejects(reduceZarr(copy, 'sum'), (e: Error & { code?: string }) => e.code === CODES.STORE && e.message.includes('shard /c/0/0 holds'), `${name}: cut`);
      // One byte of the index changed, or the file cut inside it.
      damage((b) => {
        b[atStart ? 5 : b.length - index + 5] ^= 1;
        return b;
      });
      await assert.rejects(reduceZarr(copy, 'max', { axis: 0 }), (e: Error & { code?: string }) => e.code === CODES.STORE && e.message.includes('crc32c'), `${name}: index changed`);
      if (!atStart) {
        damage((b) => b.subarray(0, b.length - 30));
        await assert.rejects(reduceZarr(copy, 'max'), (e: Error & { code?: string }) => e.code === CODES.STORE && e.message.includes('crc32c'), `${name}: index cut`);
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('reduceZarr: metadata a store should not hold (and zarr-python refuses) is refused, and a grid of 1e15 chunks is walked without listing it', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ndreduce-zmeta-'));
  const write = (name: string, shape: number[], chunk: number[]) => {
    const at = path.join(dir, name);
    fs.mkdirSync(at);
    const meta = {
      zarr_format: 3, node_type: 'array', shape, data_type: 'float64', fill_value: 1,
      chunk_grid: { name: 'regular', configuration: { chunk_shape: chunk } },
      chunk_key_encoding: { name: 'default', configuration: { separator: '/' } },
      codecs: [{ name: 'bytes', configuration: { endian: 'little' } }],
    };
    fs.writeFileSync(path.join(at, 'zarr.json'), JSON.stringify(meta));
    return at;
  };
  try {
    for (const [name, shape, chunk] of [['negative', [-4], [2]], ['fraction', [4.5], [2]], ['zero-chunk', [4], [0]]] as const) {
      await assert.rejects(reduceZarr(write(name, [...shape], [...chunk]), 'sum'), (e: Error & { code?: string }) => e.code === CODES.BAD_ARRAY && e.message.includes(`[${shape.join(', ')}]`), name);
    }
    // What zarr-python refuses and zarrita read on: a v2 order that is
    // neither C nor F (read as C: a max of the wrong elements), a fill_value
    // that is no number (read as NaN for the missing chunks), and (below) a
    // chunk key separator that leads out of the store.
    const v2 = (name: string, extra: object) => {
      const at = path.join(dir, name);
      fs.mkdirSync(at);
      const meta = { zarr_format: 2, shape: [4, 3], chunks: [2, 3], dtype: '<f8', compressor: null, filters: null, order: 'C', fill_value: 0, ...extra };
      fs.writeFileSync(path.join(at, '.zarray'), JSON.stringify(meta));
      fs.writeFileSync(path.join(at, '0.0'), new Uint8Array(new Float64Array(6).fill(2).buffer));
      return at;
    };
    for (const [at, field] of [[v2('order', { order: 'X' }), 'order "X"'], [v2('fill', { fill_value: 'abc' }), 'fill_value "abc"'], [v2('int-fill', { dtype: '<i4', fill_value: 1.5 }), 'fill_value 1.5']]) {
      await assert.rejects(reduceZarr(at, 'max', { axis: 0 }), (e: Error & { code?: string }) => e.code === CODES.BAD_ARRAY && e.message.includes(field), field);
    }
    // A chunk key separator other than "/" and "." made keys that lead out
    // of the store: dir/x0 (16 bytes, two float64) read as chunk 0.
    fs.writeFileSync(path.join(dir, 'x0'), new Uint8Array(new Float64Array([5, 6]).buffer));
    const outside = write('outside', [2], [2]);
    const meta = JSON.parse(fs.readFileSync(path.join(outside, 'zarr.json'), 'utf8'));
    fs.writeFileSync(path.join(outside, 'zarr.json'), JSON.stringify({ ...meta, chunk_key_encoding: { name: 'default', configuration: { separator: '/../../x' } } }));
    await assert.rejects(reduceZarr(outside, 'sum'), (e: Error & { code?: string }) => e.code === CODES.BAD_ARRAY && e.message.includes('separator "/../../x"'));
    await assert.rejects(reduceZarr(v2('outside-v2', { dimension_separator: '/../' }), 'sum'), (e: Error & { code?: string }) => e.code === CODES.BAD_ARRAY && e.message.includes('separator'));
    const v3fill = write('v3-fill', [4], [2]);
    const meta3 = JSON.parse(fs.readFileSync(path.join(v3fill, 'zarr.json'), 'utf8'));
    fs.writeFileSync(path.join(v3fill, 'zarr.json'), JSON.stringify({ ...meta3, fill_value: 'abc' }));
    await assert.rejects(reduceZarr(v3fill, 'sum'), (e: Error & { code?: string }) => e.code === CODES.BAD_ARRAY && e.message.includes('zarr.json'));
    // NaN as a string, as the specs allow; a float's bits in hex (v3),
    // which zarrita read as the integer 4.6e18 where zarr-python reads 1.0.
    assert.ok(Number.isNaN(await reduceZarr(v2('nan-fill', { fill_value: 'NaN' }), 'max')), 'a missing chunk of NaN');
    fs.writeFileSync(path.join(v3fill, 'zarr.json'), JSON.stringify({ ...meta3, fill_value: '0x3ff0000000000000' }));
    await assert.rejects(reduceZarr(v3fill, 'sum'), (e: Error & { code?: string }) => e.code === CODES.BAD_ARRAY && e.message.includes('hex'));
    // Every chunk missing (fill_value 1): the walk goes on until aborted,
    // in bounded memory; listing the grid first ran the heap out.
    const ac = new AbortController();
    const before = process.memoryUsage().heapUsed;
    let progress = 0;
    setTimeout(() => ac.abort(), 300);
    await assert.rejects(reduceZarr(write('many', [1e15], [1]), 'sum', { signal: ac.signal, onProgress: (p) => (progress = p.chunks) }), (e: Error & { code?: string }) => e.code === CODES.ABORT);
    assert.ok(progress > 0, 'chunks were reduced before the abort');
    assert.ok(process.memoryUsage().heapUsed - before < 200e6, 'heap stayed small');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
