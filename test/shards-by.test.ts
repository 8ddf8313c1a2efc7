// planShards / reduceShard with `by`: each shard's partial holds its rows'
// labels (the plan's region along its one reduced axis), and the partials
// of all shards, merged through bytes in two tree shapes (a left fold and a
// balanced tree of a shuffle), give reduceZarr's grouped result (for a .npy
// file: the one-shot `by` call of the loaded array), groups first. Exact
// for integers, extremes, arg ops, any/all and counts; float sums and
// moments within 1e-10 relative (each merge adds a few ulps).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import * as api from '../src/index';
import { CODES, Partial, planShards, reduceShard, reduceZarr, saveNpy } from '../src/index';
import type { OpName, ShardDescriptor } from '../src/index';
import { python, skipZarr, WRITE } from './helpers/zarr-fixtures';

const OPS: OpName[] = ['max', 'nanmin', 'argmax', 'argmin', 'sum', 'nansum', 'mean', 'var', 'std', 'any', 'all', 'countNonzero'];
const ROUNDED = new Set(['mean', 'var', 'std', 'sum', 'nansum']);

type Grouped = { data: ArrayLike<unknown>; shape: readonly number[] };

/** A grouped result with its groups (at `axis`) moved to the front: a
 * grouped Partial's layout. */
function groupsFirst(r: Grouped, axis: number): Grouped {
  const shape = r.shape;
  const groups = shape[axis];
  const outer = shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const data: unknown[] = [];
  for (let g = 0; g < groups; g++) for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) data.push(r.data[(o * groups + g) * inner + i]);
  return { data, shape: [groups, ...shape.slice(0, axis), ...shape.slice(axis + 1)] };
}

function close(ours: Grouped, want: Grouped, rounded: boolean, where: string): void {
  assert.deepEqual(ours.shape, want.shape, where);
  const a = Array.from(ours.data);
  const b = Array.from(want.data);
  assert.equal(a.length, b.length, where);
  a.forEach((x, i) => {
    const y = b[i];
    if (!rounded || typeof x !== 'number' || !Number.isFinite(x)) return assert.ok(Object.is(x, y) || x === y, `${where}[${i}]: ${String(x)} vs ${String(y)}`);
    assert.ok(Math.abs(x - (y as number)) <= 1e-10 * Math.max(1, Math.abs(y as number)), `${where}[${i}]: ${x} vs ${String(y)}`);
  });
}

/** Left fold, and a balanced tree over a shuffle; every partial through bytes. */
function twoTrees(bytes: Uint8Array[]): Partial[] {
  const make = () => bytes.map((b) => Partial.fromBytes(b));
  const left = make().reduce((a, b) => a.merge(b));
  const shuffled = make();
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = (i * 7919 + 3) % (i + 1);
    [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
  }
  const balanced = (xs: Partial[]): Partial => (xs.length === 1 ? xs[0] : balanced(Array.from({ length: Math.ceil(xs.length / 2) }, (_, i) => (xs[2 * i + 1] ? xs[2 * i].merge(xs[2 * i + 1]) : xs[2 * i]))));
  return [left, balanced(shuffled)];
}

async function check(shards: ShardDescriptor[], op: OpName, by: number[], groups: number, want: Grouped, where: string): Promise<void> {
  const options = { by, groups, ...(op === 'var' || op === 'std' ? { ddof: 1 } : {}) };
  const run = () => Promise.all(shards.map((s) => reduceShard(JSON.parse(JSON.stringify(s)) as ShardDescriptor, op, options)));
  const first = await run();
  const again = await run();
  first.forEach((p, k) => assert.deepEqual(p.toBytes(), again[k].toBytes(), `${where}: shard ${k} run twice`));
  for (const [t, merged] of twoTrees(first.map((p) => p.toBytes())).entries()) close(merged.result() as unknown as Grouped, want, ROUNDED.has(op), `${where} tree ${t}`);
}

const labelsOf = (n: number, seed: number) => Array.from({ length: n }, (_, k) => (((k * 5 + seed * 3) % 7) % 4) - 1);

test('grouped Zarr shards merged in two tree shapes give reduceZarr\'s grouped result (groups first)', { skip: skipZarr }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ndreduce-zshards-by-'));
  try {
    python(WRITE, [dir]);
    const cases: { name: string; axis: number; region?: [number, number][]; length: number }[] = [
      { name: 'v3-f8-sharded-blosc', axis: 0, length: 12 },
      { name: 'v3-f8-sharded-blosc', axis: 1, length: 10 },
      { name: 'v3-f8-sharded-blosc', axis: 0, region: [[3, 11], [2, 9]], length: 8 },
      { name: 'v2-i4-F-zstd-be', axis: 1, length: 5 },
      { name: 'v3-i8-gzip-be', axis: 0, length: 6 },
      { name: 'v3-u8-1d', axis: 0, length: 23 },
    ];
    for (const [n, c] of cases.entries()) {
      const src = path.join(dir, c.name);
      const shards = await planShards(src, { parts: 3, axis: c.axis, ...(c.region ? { region: c.region } : {}) });
      assert.ok(shards.length >= 2, `${c.name}: ${shards.length} shards`);
      const by = labelsOf(c.length, n);
      const groups = Math.max(...by) + 2; // one group no label names
      for (const op of OPS) {
        if (op === 'nansum' && !c.name.includes('f8')) continue;
        const where = `${c.name} ${op} axis ${c.axis}${c.region ? ' region' : ''}`;
        const options = { axis: c.axis, by, groups, ...(c.region ? { region: c.region } : {}), ...(op === 'var' || op === 'std' ? { ddof: 1 } : {}) };
        let want: Grouped;
        try {
          want = (await reduceZarr(src, op, options)) as Grouped;
        } catch (e) {
          // An empty group of max and its kin: every shard refuses too.
          assert.equal((e as { code?: string }).code, CODES.ZERO_SIZE, where);
          await assert.rejects(reduceShard(shards[0], op, { by, groups }), (x: Error & { code?: string }) => x.code === CODES.ZERO_SIZE, where);
          continue;
        }
        await check(shards, op, by, groups, groupsFirst(want, c.axis), where);
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('grouped .npy shards (C order along axis 0, Fortran order along the last) give the one-shot by call', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ndreduce-shards-by-'));
  try {
    const ints = BigInt64Array.from({ length: 11 * 6 }, (_, i) => BigInt(((i * 7919) % 211) - 100));
    const floats = Float64Array.from({ length: 13 * 4 * 3 }, (_, i) => (i % 17 === 0 ? NaN : Math.sin(i) * 1e3));
    const cases = [
      { name: 'i8-C', x: { data: ints, shape: [11, 6] }, axis: 0 },
      { name: 'f8-C', x: { data: floats, shape: [13, 4, 3] }, axis: 0 },
      { name: 'i8-F', x: { data: ints, shape: [11, 6], strides: [1, 11] }, axis: 1 },
    ];
    for (const [n, c] of cases.entries()) {
      const file = path.join(dir, `${c.name}.npy`);
      saveNpy(file, c.x as never);
      const loaded = api.loadNpy(file);
      const shards = await planShards(file, { parts: 4, axis: c.axis, slab: 2 });
      assert.ok(shards.length >= 3, `${c.name}: ${shards.length} shards`);
      const by = labelsOf(c.x.shape[c.axis], n + 1);
      const groups = Math.max(...by) + 1;
      for (const op of OPS) {
        if (op === 'nansum' && c.name.startsWith('i8')) continue;
        const fn = (api as unknown as Record<string, (x: unknown, o: object) => Grouped>)[op];
        const want = fn(loaded, { axis: c.axis, by, groups, ...(op === 'var' || op === 'std' ? { ddof: 1 } : {}) });
        await check(shards, op, by, groups, groupsFirst(want, c.axis), `${c.name} ${op} axis ${c.axis}`);
      }
    }
    const f8 = await planShards(path.join(dir, 'f8-C.npy'), { parts: 2, axis: [0, 2], slab: 4 });
    await assert.rejects(reduceShard(f8[0], 'sum', { by: labelsOf(13, 0) }), (e: Error & { code?: string }) => e.code === CODES.BAD_OPTION && /exactly one reduced axis/.test(e.message));
    const c8 = await planShards(path.join(dir, 'i8-C.npy'), { parts: 2, axis: 0, slab: 4 });
    await assert.rejects(reduceShard(c8[0], 'sum', { by: labelsOf(10, 0) }), (e: Error & { code?: string }) => e.code === CODES.BAD_OPTION && /10 labels; axis 0 has length 11/.test(e.message));
    // A grouped shard and an ungrouped one do not merge.
    const p = await reduceShard(c8[0], 'sum', { by: labelsOf(11, 0) });
    const q = await reduceShard(c8[1], 'sum');
    assert.throws(() => p.merge(q), { code: CODES.BAD_OPTION });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
