// reduceZarr with `by` against NumPy: arrays written by Python's zarr
// (test/helpers/zarr-fixtures.ts: v2 and v3, C and F order, codecs, missing and
// edge chunks, sharding, big-endian), every Partial op but minmax x each
// single axis x labels with negatives (no group) and with empty groups, and
// regions that cut chunks, each compared with an explicit per-group loop in
// NumPy over the loaded array (or region): each group's positions taken
// along the axis, reduced, stacked back in its place. Exact for extremes,
// arg ops, any/all, counts and integer sums; float sums and moments within
// 1e-9 relative, as test/zarr.test.ts (partials merge per chunk, NumPy sums
// pairwise).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import * as api from '../src/index';
import { CODES, PARTIAL_OPS, reduceZarr } from '../src/index';
import type { OpName } from '../src/index';
import { FIXTURES, PY_LOAD, python, skipZarr, WRITE } from './helpers/zarr-fixtures';

if (skipZarr) console.log(`# skipped Zarr tests: ${skipZarr}`);

/** argv[1] the fixtures folder, stdin a JSON list of { name, op, axis,
 * ddof, labels, groups, region }; prints { value, shape } or { error } each. */
const GROUPED = PY_LOAD + String.raw`
def one(s, op, axis, ddof):
    if op == 'countNonzero': return np.count_nonzero(s, axis=axis)
    if op in ('any', 'all'): return getattr(np, op)(s, axis=axis).astype(np.uint8)
    if op in ('sum', 'nansum') and s.dtype.kind in 'iu': return np.sum(s.astype(object), axis=axis)
    if op in ('sum', 'nansum', 'mean', 'var', 'std'):
        kw = {'ddof': ddof} if op in ('var', 'std') else {}
        return getattr(np, op)(s.astype(np.float64), axis=axis, **kw)
    return getattr(np, op)(s, axis=axis)
def run(j):
    a = load(j['name'], j.get('region'))
    op, axis = j['op'], j['axis'] % a.ndim
    labels = np.array(j['labels'], dtype=np.int64)
    parts = []
    for g in range(j['groups']):
        idx = np.nonzero(labels == g)[0]
        s = np.take(a, idx, axis=axis)
        r = idx[getattr(np, op)(s, axis=axis)] if op in ('argmin', 'argmax') else one(s, op, axis, j['ddof'])
        parts.append(np.asarray(r))
    r = np.stack(parts, axis=axis)
    return {'value': [text(v) for v in np.ravel(r)], 'shape': [int(d) for d in r.shape]}
out = []
for j in jobs:
    try: out.append(run(j))
    except Exception as e: out.append({'error': type(e).__name__ + ': ' + str(e)})
print(json.dumps(out))
`;

const OPS = PARTIAL_OPS.filter((op) => !op.endsWith('minmax'));
const ROUNDED = new Set(['mean', 'var', 'std']);

/** Shapes as zarr-python writes them (test/helpers/zarr-fixtures.ts). */
const SHAPES: Record<string, number[]> = {
  'v2-f8-gzip': [7, 9], 'v2-i4-F-zstd-be': [6, 5, 4], 'v2-u2-blosc': [10, 7], 'v2-i1-raw': [8, 3], 'v2-f4-F-gzip': [5, 6],
  'v3-f4-zstd': [9, 8], 'v3-i8-gzip-be': [6, 7, 5], 'v3-f8-sharded-blosc': [12, 10], 'v3-i2-sharded-start': [9, 7], 'v3-u1-blosc-zstd': [5, 6], 'v3-u8-1d': [23],
};

/** Labels 0..groups-1 with some -1 (no group); `seed` varies the pattern. */
function labelsOf(n: number, seed: number): number[] {
  return Array.from({ length: n }, (_, k) => (((k * 5 + seed * 3) % 7) % 4) - 1);
}

function same(ours: unknown, theirs: string, rounded: boolean, where: string): void {
  const t = theirs === 'nan' ? NaN : theirs === 'inf' ? Infinity : theirs === '-inf' ? -Infinity : Number(theirs);
  if (typeof ours === 'bigint') return assert.equal(ours, BigInt(theirs), where);
  const o = typeof ours === 'boolean' ? Number(ours) : (ours as number);
  if (Number.isNaN(t) || !Number.isFinite(t)) return assert.ok(Object.is(o, t) || (Number.isNaN(o) && Number.isNaN(t)), `${where}: ${o} vs ${theirs}`);
  if (!rounded) return assert.equal(o, t, where);
  assert.ok(Math.abs(o - t) <= 1e-9 * Math.max(1, Math.abs(t)), `${where}: ${o} vs ${theirs}`);
}

let dir: string | undefined;
function fixtures(): string {
  if (dir) return dir;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ndreduce-zarr-by-'));
  python(WRITE, [dir]);
  return dir;
}
process.on('exit', () => dir && fs.rmSync(dir, { recursive: true, force: true }));

interface Job {
  name: string;
  op: OpName;
  axis: number;
  ddof: number;
  labels: number[];
  groups: number;
  region?: ([number, number] | null)[];
}

const code = (c: string) => (e: Error & { code?: string }) => e.code === c;

test('reduceZarr by label equals a per-group NumPy loop: every Partial op but minmax x axes, v2/v3, C/F order, missing and edge chunks, regions, empty groups', { skip: skipZarr }, async () => {
  const root = fixtures();
  const jobs: Job[] = [];
  FIXTURES.forEach((f, seed) => {
    const shape = SHAPES[f.name];
    const axes = f.ndim === 3 ? [0, 1, -1] : f.ndim === 2 ? [0, 1] : [0];
    for (const axis of axes) {
      const labels = labelsOf(shape[(axis + f.ndim) % f.ndim], seed);
      const groups = Math.max(...labels) + 1;
      for (const op of OPS) {
        jobs.push({ name: f.name, op, axis, ddof: op === 'var' || op === 'std' ? 1 : 0, labels, groups });
        // Two more groups than labels name: empty ones (an error for max
        // and its kin, the identity or NaN for the others).
        if (seed % 3 === axis % 3) jobs.push({ name: f.name, op, axis, ddof: 0, labels, groups: groups + 2 });
      }
    }
  });
  // Regions that cut chunks in the middle: labels index the region's positions.
  for (const op of ['max', 'argmax', 'argmin', 'sum', 'mean', 'std', 'countNonzero'] as OpName[]) {
    jobs.push({ name: 'v3-f8-sharded-blosc', op, axis: 0, ddof: 0, labels: labelsOf(8, 1), groups: 3, region: [[3, 11], [2, 9]] });
    jobs.push({ name: 'v3-f8-sharded-blosc', op, axis: 1, ddof: 0, labels: labelsOf(7, 2), groups: 3, region: [[3, 11], [2, 9]] });
    jobs.push({ name: 'v2-u2-blosc', op, axis: 0, ddof: 0, labels: labelsOf(8, 4), groups: 3, region: [[1, 9], null] });
    jobs.push({ name: 'v2-i4-F-zstd-be', op, axis: 2, ddof: 0, labels: labelsOf(3, 5), groups: 3, region: [[1, 5], null, [1, 4]] });
    // No positions in the kept axes: an empty result, as NumPy's.
    jobs.push({ name: 'v3-f8-sharded-blosc', op, axis: 1, ddof: 0, labels: labelsOf(10, 3), groups: 3, region: [[4, 4], null] });
  }
  const refs = JSON.parse(python(GROUPED, [root], JSON.stringify(jobs))) as ({ value: string[]; shape: number[] } | { error: string })[];
  let compared = 0;
  let refused = 0;
  for (let k = 0; k < jobs.length; k++) {
    const j = jobs[k];
    const where = `${j.name} ${j.op} axis ${j.axis} groups ${j.groups}${j.ddof ? ' ddof 1' : ''}${j.region ? ` region ${JSON.stringify(j.region)}` : ''}`;
    // Labels as a list, an Int32Array and a BigInt64Array.
    const by = k % 3 === 0 ? j.labels : k % 3 === 1 ? Int32Array.from(j.labels) : BigInt64Array.from(j.labels, BigInt);
    const options: Record<string, unknown> = { axis: j.axis, by, groups: j.groups, concurrency: 1 + (k % 4) };
    if (j.ddof) options.ddof = j.ddof;
    if (j.region) options.region = j.region;
    const ref = refs[k];
    if ('error' in ref) {
      // NumPy refuses an empty group of an op without identity; so do we.
      assert.match(ref.error, /zero-size|empty sequence/, `${where}: ${ref.error}`);
      await assert.rejects(reduceZarr(path.join(root, j.name), j.op, options), code(CODES.ZERO_SIZE), where);
      refused++;
      continue;
    }
    const ours = (await reduceZarr(path.join(root, j.name), j.op, options)) as unknown as { data: ArrayLike<unknown>; shape: number[] };
    assert.deepEqual(ours.shape, ref.shape, where);
    const got = Array.from(ours.data);
    assert.equal(got.length, ref.value.length, where);
    const float = FIXTURES.find((f) => f.name === j.name)!.float;
    const rounded = ROUNDED.has(j.op) || ((j.op === 'sum' || j.op === 'nansum') && float);
    got.forEach((v, i) => same(v, ref.value[i], rounded, `${where} [${i}]`));
    compared++;
  }
  assert.ok(refused > 10 && compared > jobs.length * 0.85, `${compared} compared, ${refused} refused of ${jobs.length}`);
});

test('reduceZarr by label: the one-shot call on the loaded region, dtype, ignoreNaN, keepdims; the same bits at any concurrency', { skip: skipZarr }, async () => {
  const root = fixtures();
  const f8 = path.join(root, 'v3-f8-sharded-blosc');
  const i8 = path.join(root, 'v3-i8-gzip-be');
  const by = labelsOf(7, 0);
  // The one-shot `by` of the array as loaded: the same result, groups in place.
  const zarr = (await import('zarrita')) as unknown as { open: (l: unknown, o: object) => Promise<never>; root: (s: unknown) => unknown; get: (a: unknown) => Promise<{ data: ArrayLike<unknown>; shape: number[]; stride: number[] }> };
  const { default: FileSystemStore } = (await import('@zarrita/storage/fs')) as unknown as { default: new (p: string) => unknown };
  const whole = await zarr.get(await zarr.open(zarr.root(new FileSystemStore(i8)), { kind: 'array' }));
  const loaded = { data: whole.data, shape: whole.shape, strides: whole.stride };
  for (const op of ['max', 'sum', 'argmin', 'countNonzero'] as const) {
    const oneShot = (api as unknown as Record<string, (x: unknown, o: object) => unknown>)[op](loaded, { axis: 1, by });
    assert.deepEqual(await reduceZarr(i8, op, { axis: 1, by }), oneShot, `${op} axis 1`);
  }
  const exact = (await reduceZarr(i8, 'sum', { axis: 1, by })) as { data: BigInt64Array; shape: number[] };
  assert.deepEqual(await reduceZarr(i8, 'sum', { axis: 1, by, dtype: 'float64' }), { data: Float64Array.from(exact.data, Number), shape: exact.shape });
  // keepdims changes nothing: the grouped axis is replaced either way, as in the one-shot call.
  assert.deepEqual(await reduceZarr(i8, 'sum', { axis: 1, by, keepdims: true }), exact);
  const nan = path.join(root, 'v2-f8-gzip');
  const rows = labelsOf(7, 1);
  assert.deepEqual(await reduceZarr(nan, 'max', { axis: 0, by: rows, ignoreNaN: true }), await reduceZarr(nan, 'nanmax', { axis: 0, by: rows }));
  const cols = labelsOf(10, 2);
  for (const op of ['mean', 'var', 'sum', 'argmax'] as const) {
    const first = await reduceZarr(f8, op, { axis: 1, by: cols, concurrency: 1 });
    for (const concurrency of [2, 5, 16]) assert.deepEqual(await reduceZarr(f8, op, { axis: 1, by: cols, concurrency }), first, `${op} concurrency ${concurrency}`);
  }
});

test('reduceZarr by label: coded errors before any chunk is read', { skip: skipZarr }, async () => {
  const root = fixtures();
  const f8 = path.join(root, 'v3-f8-sharded-blosc');
  let reads = 0;
  const zarr = (await import('zarrita')) as unknown as { open: (l: unknown, o: object) => Promise<api.ZarrArrayLike>; root: (s: unknown) => unknown };
  const { default: FileSystemStore } = (await import('@zarrita/storage/fs')) as unknown as { default: new (p: string) => unknown };
  const arr = await zarr.open(zarr.root(new FileSystemStore(f8)), { kind: 'array' });
  const counted: api.ZarrArrayLike = { shape: arr.shape, chunks: arr.chunks, dtype: arr.dtype, getChunk: (c, o) => (reads++, arr.getChunk(c, o)) };
  const rows = labelsOf(12, 0);
  const bad = [
    [{ by: rows }, CODES.BAD_OPTION, /exactly one reduced axis/], // every axis reduced
    [{ axis: [0, 1], by: rows }, CODES.BAD_OPTION, /exactly one reduced axis/],
    [{ axis: 0, by: rows.slice(1) }, CODES.BAD_OPTION, /11 labels; axis 0 has length 12/],
    [{ axis: 0, by: rows, region: [[2, 10], null] }, CODES.BAD_OPTION, /12 labels; axis 0 has length 8/], // the region's positions
    [{ axis: 0, by: [0.5, ...rows.slice(1)] }, CODES.BAD_OPTION, /options.by\[0\]/],
    [{ axis: 0, by: rows, groups: 2 }, CODES.BAD_OPTION, /out of range for options.groups 2/],
    [{ axis: 0, groups: 3 }, CODES.BAD_OPTION, /goes with options.by/],
    [{ axis: 0, by: rows, groups: 5 }, CODES.ZERO_SIZE, /group 3 .* is empty/],
  ] as [object, string, RegExp][];
  for (const [options, c, message] of bad) {
    await assert.rejects(reduceZarr(counted, 'max', options as never), (e: Error & { code?: string }) => e.code === c && message.test(e.message), JSON.stringify(options));
  }
  await assert.rejects(reduceZarr(counted, 'minmax', { axis: 0, by: rows }), (e: Error & { code?: string }) => e instanceof TypeError && e.code === CODES.BAD_OPTION);
  assert.equal(reads, 0, 'no chunk read');
});
