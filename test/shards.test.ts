// planShards / reduceShard: the partials of every shard, merged in any
// tree shape (and through bytes, as workers pass them), give the
// one-machine result: exactly for integers, extremes, arg ops, any/all and
// counts; float sums and moments within 1e-12 of the result's scale (each
// merge adds at most a few ulps; see README "Bigger than one machine").
// A shard reduced twice gives the same bytes.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import * as api from '../src/index';
import { Partial, planShards, reduceShard, reduceZarr, saveNpy } from '../src/index';
import type { OpName, ShardDescriptor } from '../src/index';
import { python, skipZarr, WRITE } from './helpers/zarr-fixtures';

const OPS: OpName[] = ['max', 'nanmin', 'minmax', 'argmax', 'argmin', 'sum', 'nansum', 'mean', 'var', 'std', 'any', 'all', 'countNonzero'];
const ROUNDED = new Set(['mean', 'var', 'std']);

/** Every way to merge the list used here: left and right folds, a
 * balanced tree, reversed, a shuffle, and every partial through bytes. */
function trees(parts: Partial[], make: () => Partial[]): Partial[] {
  const fold = (xs: Partial[]) => xs.slice(1).reduce((a, b) => a.merge(b), xs[0]);
  const balanced = (xs: Partial[]): Partial => (xs.length === 1 ? xs[0] : balanced(Array.from({ length: Math.ceil(xs.length / 2) }, (_, i) => (xs[2 * i + 1] ? xs[2 * i].merge(xs[2 * i + 1]) : xs[2 * i]))));
  const right = (xs: Partial[]): Partial => (xs.length === 1 ? xs[0] : xs[0].merge(right(xs.slice(1))));
  const out = [fold(parts)];
  out.push(right(make()));
  out.push(balanced(make()));
  out.push(fold(make().reverse()));
  const shuffled = make();
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = (i * 7919 + 3) % (i + 1);
    [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
  }
  out.push(balanced(shuffled.map((p) => Partial.fromBytes(p.toBytes()))));
  return out;
}

function flat(v: unknown): unknown[] {
  if (v !== null && typeof v === 'object' && 'min' in (v as object)) return [...flat((v as { min: unknown }).min), ...flat((v as { max: unknown }).max)];
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<unknown>);
  return [v];
}

function close(ours: unknown, want: unknown, rounded: boolean, where: string): void {
  const a = flat(ours);
  const b = flat(want);
  assert.equal(a.length, b.length, where);
  a.forEach((x, i) => {
    const y = b[i];
    if (!rounded || typeof x !== 'number' || !Number.isFinite(x)) return assert.ok(Object.is(x, y) || x === y, `${where}[${i}]: ${String(x)} vs ${String(y)}`);
    assert.ok(Math.abs(x - (y as number)) <= 1e-12 * Math.max(1, Math.abs(y as number)) * 100, `${where}[${i}]: ${x} vs ${String(y)}`);
  });
}

async function check(shards: ShardDescriptor[], op: OpName, want: unknown, where: string): Promise<void> {
  const options = op === 'var' || op === 'std' ? { ddof: 1 } : {};
  const run = async () => Promise.all(shards.map((s) => reduceShard(JSON.parse(JSON.stringify(s)) as ShardDescriptor, op, options)));
  const first = await run();
  const again = await run();
  first.forEach((p, k) => assert.deepEqual(p.toBytes(), again[k].toBytes(), `${where}: shard ${k} run twice`));
  const bytes = first.map((p) => p.toBytes());
  const make = () => bytes.map((b) => Partial.fromBytes(b));
  for (const [t, merged] of trees(make(), make).entries()) close(merged.result(), want, ROUNDED.has(op) || op.endsWith('sum'), `${where} tree ${t}`);
}

test('.npy shards (C and Fortran order) merged in every tree shape give the one-machine result', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ndreduce-shards-'));
  try {
    const ints = BigInt64Array.from({ length: 11 * 6 }, (_, i) => BigInt(((i * 7919) % 211) - 100));
    const floats = Float64Array.from({ length: 13 * 4 * 3 }, (_, i) => (i % 17 === 0 ? NaN : Math.sin(i) * 1e3));
    const cases = [
      { name: 'i8-C', x: { data: ints, shape: [11, 6] }, axes: [0, null] as (number | null | number[])[] },
      { name: 'f8-C', x: { data: floats, shape: [13, 4, 3] }, axes: [0, [0, 2], null] },
      { name: 'i8-F', x: { data: ints, shape: [11, 6], strides: [1, 11] }, axes: [1, null] },
    ];
    for (const c of cases) {
      const file = path.join(dir, `${c.name}.npy`);
      saveNpy(file, c.x as never);
      const loaded = api.loadNpy(file);
      for (const axis of c.axes) {
        const shards = await planShards(file, { parts: 4, axis, slab: 2 });
        assert.ok(shards.length >= 3, `${c.name}: ${shards.length} shards`);
        for (const op of OPS) {
          if (op === 'nansum' && c.name.startsWith('i8')) continue;
          const fn = (api as unknown as Record<string, (x: unknown, o: object) => unknown>)[op];
          const want = fn(loaded, { axis, ...(op === 'var' || op === 'std' ? { ddof: 1 } : {}) });
          await check(shards, op, want, `${c.name} ${op} axis ${JSON.stringify(axis)}`);
        }
      }
    }
    await assert.rejects(planShards(path.join(dir, 'i8-C.npy'), { axis: 1 }), (e: Error & { code?: string }) => e.code === api.CODES.BAD_OPTION);
    // A descriptor is a job's data: each field is checked, and one that no
    // longer matches the file's header is refused (a negative dataStart
    // read the header as data, and gave a sum of garbage).
    const [good] = await planShards(path.join(dir, 'i8-C.npy'), { parts: 2, axis: 0, slab: 2 });
    const hostile: [string, unknown, string][] = [
      ['dataStart -100', { ...good, dataStart: -100 }, api.CODES.BAD_OPTION],
      ['dataStart 1e300', { ...good, dataStart: 1e300 }, api.CODES.BAD_OPTION],
      ['dataStart one off', { ...good, dataStart: (good as { dataStart: number }).dataStart + 8 }, api.CODES.STORE],
      ['shape', { ...good, shape: [11, 7] }, api.CODES.STORE],
      ['shape as text', { ...good, shape: '11,6' }, api.CODES.BAD_OPTION],
      ['slab 0', { ...good, slab: 0 }, api.CODES.BAD_OPTION],
      ['split', { ...good, split: 7 }, api.CODES.BAD_OPTION],
      ['axes', { ...good, axes: [5] }, api.CODES.BAD_OPTION],
      ['range past the slabs', { ...good, range: [0, 1e15] }, api.CODES.BAD_OPTION],
      ['negative range', { ...good, range: [-3, 2] }, api.CODES.BAD_OPTION],
      ['file', { ...good, file: 42 }, api.CODES.BAD_OPTION],
      ['zarr chunks 0', { kind: 'zarr', store: dir, path: '', shape: [4], chunks: [0], dtype: 'float64', axes: [0], region: [[0, 4]], split: 0, range: [0, 1] }, api.CODES.BAD_OPTION],
      ['zarr region', { kind: 'zarr', store: dir, path: '', shape: [4], chunks: [2], dtype: 'float64', axes: [0], region: [[0, 5]], split: 0, range: [0, 1] }, api.CODES.BAD_OPTION],
    ];
    for (const [what, shard, code] of hostile) {
      await assert.rejects(reduceShard(shard as ShardDescriptor, 'sum'), (e: Error & { code?: string }) => e.code === code, what);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('Zarr shards (whole chunks) merged in every tree shape give reduceZarr\'s result', { skip: skipZarr }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ndreduce-zshards-'));
  try {
    python(WRITE, [dir]);
    for (const [name, axes] of [
      ['v3-f8-sharded-blosc', [0, 1, null]],
      ['v2-i4-F-zstd-be', [[0, 2], 1, null]],
      ['v3-u1-blosc-zstd', [null]],
    ] as [string, (number | number[] | null)[]][]) {
      const src = path.join(dir, name);
      for (const axis of axes) {
        const shards = await planShards(src, { parts: 3, axis });
        assert.ok(shards.length >= 2, `${name}: ${shards.length} shards`);
        for (const op of OPS) {
          if (op === 'nansum' && !name.includes('f8')) continue;
          const want = await reduceZarr(src, op, { axis, ...(op === 'var' || op === 'std' ? { ddof: 1 } : {}) });
          await check(shards, op, want, `${name} ${op} axis ${JSON.stringify(axis)}`);
        }
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
