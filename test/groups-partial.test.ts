// `by` through Partial, reduceChunks and reduceFile: each equals the one-shot
// `by` call (every op a Partial computes but minmax x dtypes x axes x
// chunkings x negative labels and empty groups), a few cases also an explicit
// per-group loop in NumPy (missing NumPy fails); merges in any tree shape and
// bytes round-trips give the same; hostile labels, options and bytes are
// coded errors.
//
// Exact but for float sums, means and variances: chunks merge in another
// order than one pass, so within 1e-12 relative.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';

import { encodeNpy, Partial, PARTIAL_OPS, reduceChunks, reduceFile } from '../src/index';
import type { NumericArray, PartialOp } from '../src/index';
import { reduce } from '../src/run/sync';
import type { Reduction } from '../src/spec/types';

const PYTHON = process.env.PYTHON ?? 'python3';
const BAD = { code: 'ERR_NDREDUCE_BAD_OPTION' };
const OPS = PARTIAL_OPS.filter((op) => !op.endsWith('minmax'));
/** The tolerance of op over dtype: moments are merged by Chan's formula
 * (any dtype), float sums with a compensation term. */
const toleranceOf = (op: string, dtype: string) => (['mean', 'var', 'std'].includes(op) || (op.endsWith('sum') && dtype.startsWith('float')) ? 1e-12 : 0);

type Arr = { data: NumericArray; shape: number[] };
type Grouped = { data: ArrayLike<number | bigint>; shape: number[] };

const CTORS = { float64: Float64Array, float32: Float32Array, int32: Int32Array, int64: BigInt64Array, uint8: Uint8Array } as const;
type DtypeName = keyof typeof CTORS;

/** Small values with ties and, for floats, a NaN at row 2 of column 0. */
function array(dtype: DtypeName, shape: number[]): Arr {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = (i: number) => ((i * 7 + 3) % 11) - (dtype === 'uint8' ? 0 : 4);
  const inner = n / shape[0];
  const data =
    dtype === 'int64'
      ? BigInt64Array.from({ length: n }, (_, i) => BigInt(v(i)))
      : (CTORS[dtype] as Float64ArrayConstructor).from({ length: n }, (_, i) => (dtype.startsWith('float') && i === 2 * inner ? NaN : v(i)));
  return { data, shape };
}

function oneShot(x: unknown, op: string, options: object): unknown {
  const nan = op.startsWith('nan');
  return reduce((nan ? op.slice(3) : op) as Reduction, x, options, op, nan);
}

/** Rows [from, to) of a C-order array, as a chunk. */
function rows(x: Arr, from: number, to: number): Arr {
  const inner = x.data.length / x.shape[0];
  return { data: x.data.subarray(from * inner, to * inner) as NumericArray, shape: [to - from, ...x.shape.slice(1)] };
}

/** The result or the error's code. */
function outcome(f: () => unknown): unknown {
  try {
    return f();
  } catch (e) {
    return (e as { code?: string }).code ?? e;
  }
}

function same(got: unknown, want: unknown, where: string, tolerance: number): void {
  if (typeof want === 'string' || typeof got === 'string') return assert.equal(got, want, where);
  const [g, w] = [got as Grouped, want as Grouped];
  assert.deepEqual(g.shape, w.shape, `${where}: shape`);
  assert.equal(Object.getPrototypeOf(g.data), Object.getPrototypeOf(w.data), `${where}: type`);
  for (let k = 0; k < w.data.length; k++) {
    const [a, b] = [g.data[k], w.data[k]];
    if (typeof b === 'number' && b !== b) assert.ok(a !== a, `${where} [${k}]: got ${a}, want NaN`);
    else if (tolerance === 0 || typeof b !== 'number') assert.ok(Object.is(a, b) || a === b, `${where} [${k}]: got ${a}, want ${b}`);
    else assert.ok(Math.abs((a as number) - b) <= tolerance * Math.max(1, Math.abs(b)), `${where} [${k}]: got ${a}, want ${b}`);
  }
}

const SHAPES = [[7], [7, 3], [7, 2, 2]];
/** Negative labels (no group), and an empty group 1 and 4 of 5. */
const LABEL_SETS: { by: Int32Array | number[]; groups?: number }[] = [
  { by: Int32Array.from([2, 0, 1, 0, 2, 1, 0]) },
  { by: [3, -1, 0, 3, 2, -5, 0], groups: 5 },
];
const CHUNKINGS = [[7], [3, 0, 4], [1, 1, 1, 1, 1, 1, 1]];

test('a grouped Partial equals the one-shot by call over ops, dtypes, axes and chunkings', () => {
  let compared = 0;
  let refused = 0;
  for (const dtype of Object.keys(CTORS) as DtypeName[]) {
    for (const shape of SHAPES) {
      const x = array(dtype, shape);
      for (const labels of LABEL_SETS) {
        // A 1-D array may leave the axis out (all its axes: one); axis 0
        // may be written from the end.
        const options = { axis: labels.groups ? (shape.length === 1 ? null : -shape.length) : 0, ...labels };
        for (const op of OPS) {
          const want = outcome(() => oneShot(x, op, options));
          const tolerance = toleranceOf(op, dtype);
          for (const sizes of CHUNKINGS) {
            const where = `${op} ${dtype} [${shape}] by ${Array.from(labels.by)} chunks ${sizes}`;
            const got = outcome(() => {
              const p = new Partial(op, options);
              let at = 0;
              for (const n of sizes) p.push(rows(x, at, (at += n)));
              return p.result();
            });
            same(got, want, where, tolerance);
            if (typeof want === 'string') refused++;
            else compared++;
          }
        }
      }
    }
  }
  assert.ok(compared > 700 && refused > 50, `${compared} compared, ${refused} refused`);
});

test('reduceChunks and reduceFile with by equal the one-shot call', async () => {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'ndreduce-groups-partial-'));
  try {
    for (const dtype of Object.keys(CTORS) as DtypeName[]) {
      const x = array(dtype, [7, 3]);
      const file = path.join(folder, `${dtype}.npy`);
      fs.writeFileSync(file, encodeNpy(x));
      // A transposed view, saved as it is laid out (Fortran order).
      const xt = { data: x.data, shape: [3, 7], strides: [1, 3] };
      const fortran = path.join(folder, `${dtype}-t.npy`);
      fs.writeFileSync(fortran, encodeNpy(xt));
      for (const op of OPS) {
        const tolerance = toleranceOf(op, dtype);
        for (const labels of LABEL_SETS) {
          const options = { axis: 0, ...labels };
          const want = outcome(() => oneShot(x, op, options));
          const chunks = [rows(x, 0, 2), rows(x, 2, 3), rows(x, 3, 7)];
          const viaChunks = await reduceChunks(chunks, op, options).catch((e: { code: string }) => e.code);
          same(viaChunks, want, `reduceChunks ${op} ${dtype}`, tolerance);
          // windowBytes of two rows or less: the rows stream in blocks.
          const viaFile = await reduceFile(file, op, { ...options, windowBytes: 2 * 3 * x.data.BYTES_PER_ELEMENT }).catch((e: { code: string }) => e.code);
          same(viaFile, want, `reduceFile ${op} ${dtype}`, tolerance);
        }
        // by along axis 1 (the file is read whole): as the one-shot call.
        const along1 = { axis: 1, by: [1, 0, 1] };
        same(await reduceFile(file, op, along1).catch((e: { code: string }) => e.code), outcome(() => oneShot(x, op, along1)), `reduceFile ${op} ${dtype} axis 1`, tolerance);
        same(await reduceFile(fortran, op, { axis: 0, by: [0, 1, 0] }).catch((e: { code: string }) => e.code), outcome(() => oneShot(xt, op, { axis: 0, by: [0, 1, 0] })), `reduceFile ${op} ${dtype} Fortran order`, tolerance);
      }
    }
    // Streaming: progress up to the total, the signal, labels checked first.
    const file = path.join(folder, 'float64.npy');
    const seen: number[] = [];
    const r = await reduceFile(file, 'sum', { axis: 0, by: [0, 1, 0, 1, 0, 1, 2], windowBytes: 48, onProgress: (p) => seen.push(p.bytesDone) });
    assert.deepEqual(r.shape, [3, 3]);
    assert.deepEqual(seen, [48, 96, 144, 168]);
    const stop = new AbortController();
    stop.abort();
    await assert.rejects(reduceFile(file, 'sum', { axis: 0, by: [0, 1, 0, 1, 0, 1, 2], signal: stop.signal }), { name: 'AbortError' });
    await assert.rejects(reduceFile(file, 'sum', { axis: 0, by: [0, 1] }), { ...BAD, name: 'RangeError', message: /2 labels; axis 0 has length 7/ });
  } finally {
    fs.rmSync(folder, { recursive: true, force: true });
  }
});

test('a grouped Partial matches a per-group loop in NumPy', () => {
  assert.equal(spawnSync(PYTHON, ['-c', 'import numpy'], { encoding: 'utf8' }).status, 0, `${PYTHON} with numpy is required (pip install numpy)`);
  const x = array('float64', [7, 3]);
  const xi = array('int32', [7, 3]);
  const { by, groups } = LABEL_SETS[1];
  const cases = [
    { op: 'sum', x: xi },
    { op: 'nansum', x },
    { op: 'mean', x: xi },
    { op: 'var', x: xi },
    { op: 'std', x: xi },
    { op: 'countNonzero', x },
    { op: 'any', x: xi },
    { op: 'all', x: xi },
  ] as const;
  const script = String.raw`
import json, sys, numpy as np
jobs = json.loads(sys.stdin.read())
out = []
for j in jobs:
    a = np.array(j['data'], dtype=j['dtype']).reshape(j['shape'])
    labels = np.array(j['by'])
    parts = []
    for g in range(j['groups']):
        s = a[labels == g]
        fn = j['op']
        r = np.count_nonzero(s, axis=0) if fn == 'countNonzero' else getattr(np, fn)(s, axis=0)
        parts.append(np.asarray(r, dtype=np.float64))
    out.append([float(v) for v in np.stack(parts).ravel()])
print(json.dumps(out).replace('NaN', '"nan"'))
`;
  const jobs = cases.map(({ op, x: a }) => ({ op, dtype: a.data instanceof Int32Array ? 'int32' : 'float64', shape: a.shape, data: Array.from(a.data as Float64Array, (v) => (v !== v ? null : v)), by, groups }));
  const run = spawnSync(PYTHON, ['-c', script], { input: JSON.stringify(jobs).replace(/null/g, 'NaN'), encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  const numpy = JSON.parse(run.stdout) as (number | string)[][];
  cases.forEach(({ op, x: a }, k) => {
    const p = new Partial(op, { axis: 0, by, groups });
    p.push(rows(a, 0, 4)).push(rows(a, 4, 7));
    const r = p.result();
    assert.deepEqual(r.shape, [5, 3]);
    const want = { data: Float64Array.from(numpy[k], (v) => (v === 'nan' ? NaN : (v as number))), shape: [5, 3] };
    const got = { data: Float64Array.from(r.data as ArrayLike<number | bigint>, Number), shape: r.shape };
    same(got, want, `${op} against NumPy`, 1e-12);
  });
});

test('grouped partials merge in any tree shape and through bytes', () => {
  const x = array('float64', [7, 2]);
  const by = [1, 0, 1, 2, 0, -1, 1];
  for (const op of ['max', 'nanmin', 'sum', 'mean', 'std', 'argmin', 'argmax', 'all'] as const) {
    const want = oneShot(x, op, { axis: 0, by });
    const part = (from: number, to: number) => new Partial(op, { axis: 0, by, start: from }).push(rows(x, from, to));
    const viaBytes = (p: { toBytes(): Uint8Array }) => Partial.fromBytes(p.toBytes());
    const shapes = [
      part(0, 2).merge(part(2, 3)).merge(part(3, 7)),
      part(3, 7).merge(part(0, 1).merge(part(1, 3))),
      viaBytes(part(5, 7)).merge(viaBytes(part(0, 5))),
      viaBytes(viaBytes(part(0, 3)).merge(part(3, 6))).merge(part(6, 7)),
    ];
    const tolerance = toleranceOf(op, 'float64');
    shapes.forEach((p, k) => same(p.result(), want, `${op} tree ${k}`, tolerance));
    // Pushing on after a round trip continues the rows.
    same(viaBytes(part(0, 4)).push(rows(x, 4, 7)).result(), want, `${op} pushed after bytes`, tolerance);
  }
});

test('bytes: grouped partials write version 3, others still version 2, and both read', () => {
  const x = array('int32', [4, 2]);
  const plain = new Partial('sum', { axis: 0 }).push(x).toBytes();
  assert.equal(String.fromCharCode(plain[7]), '2');
  assert.deepEqual(Partial.fromBytes(plain).result(), oneShot(x, 'sum', { axis: 0 }));
  const grouped = new Partial('sum', { axis: 0, by: [0, 1, 1, 0], groups: 3 }).push(x).toBytes();
  assert.equal(String.fromCharCode(grouped[7]), '3');
  assert.deepEqual(Partial.fromBytes(grouped).result(), oneShot(x, 'sum', { axis: 0, by: [0, 1, 1, 0], groups: 3 }));
  // Before any chunk, the labels travel too.
  const fresh = Partial.fromBytes(new Partial('max', { axis: 0, by: [1, 0, 0, 1] }).toBytes());
  assert.deepEqual(fresh.push(x).result(), oneShot(x, 'max', { axis: 0, by: [1, 0, 0, 1] }));
  // A label past `groups`, resealed with a true checksum: refused.
  const lying = grouped.slice();
  const labelsAt = lying.length - 16;
  new DataView(lying.buffer).setInt32(labelsAt, 7, true);
  new DataView(lying.buffer).setUint32(12, zlib.crc32(lying.subarray(16)) >>> 0, true);
  assert.throws(() => Partial.fromBytes(lying), { ...BAD, name: 'RangeError', message: /label 0 is 7/ });
  // Cut short: refused by the checksum.
  assert.throws(() => Partial.fromBytes(grouped.subarray(0, grouped.length - 8)), BAD);
  // Any byte changed and resealed: a coded error, or a partial that
  // reduces, merges and writes itself without a crash.
  let seed = 7;
  const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
  for (const op of ['max', 'mean', 'argmax', 'sum'] as const) {
    const honest = new Partial(op, { axis: 0, by: [0, 1, 1, 0], groups: 2 }).push(array('float64', [4, 2])).toBytes();
    for (let k = 0; k < 150; k++) {
      const b = honest.slice();
      b[16 + rand(b.length - 16)] ^= 1 << rand(8);
      new DataView(b.buffer).setUint32(12, zlib.crc32(b.subarray(16)) >>> 0, true);
      try {
        const p = Partial.fromBytes(b);
        p.toBytes();
        p.result();
      } catch (e) {
        assert.match(String((e as { code?: string }).code), /^ERR_NDREDUCE_/, `${op} byte flip ${k}: ${String(e)}`);
      }
    }
  }
});

test('hostile labels, options and merges are coded errors', async () => {
  const x = array('float64', [4, 2]);
  // Chunks past the end of by; too few rows for reduceChunks.
  const p = new Partial('sum', { axis: 0, by: [0, 1, 0] });
  assert.throws(() => p.push(x), { ...BAD, name: 'RangeError', message: /run past the 3 labels/ });
  await assert.rejects(reduceChunks([rows(x, 0, 2)], 'sum', { axis: 0, by: [0, 1, 0, 1] }), { ...BAD, name: 'RangeError' });
  await assert.rejects(reduceChunks([x, x], 'sum', { axis: 0, by: [0, 1, 0, 1] }), { ...BAD, name: 'RangeError' });
  // Wrong types; groups too small; minmax; more than one reduced axis.
  assert.throws(() => new Partial('sum', { axis: 0, by: new Float64Array(4) }), { ...BAD, name: 'TypeError' });
  assert.throws(() => new Partial('sum', { axis: 0, by: [0, 1.5] }), { ...BAD, name: 'TypeError' });
  assert.throws(() => new Partial('sum', { axis: 0, by: 'abc' as unknown as number[] }), { ...BAD, name: 'TypeError' });
  assert.throws(() => new Partial('sum', { axis: 0, by: [0, 3], groups: 2 }), { ...BAD, name: 'RangeError', message: /out of range for options.groups 2/ });
  assert.throws(() => new Partial('sum', { axis: 0, groups: 2 }), { ...BAD, name: 'TypeError' });
  assert.throws(() => new Partial('minmax', { axis: 0, by: [0, 1] }), { ...BAD, name: 'TypeError' });
  assert.throws(() => new Partial('sum', { axis: [0, 1], by: [0, 1, 0, 1] }).push(x), { ...BAD, name: 'RangeError', message: /exactly one reduced axis/ });
  assert.throws(() => new Partial('sum', { axis: 1, by: [0, 1] }).push(x), BAD);
  // An empty group of max: refused as the one-shot call refuses it.
  assert.throws(() => new Partial('max', { axis: 0, by: [0, 0, 2, 2] }).push(x), { code: 'ERR_NDREDUCE_ZERO_SIZE' });
  // by is read once, through its getter, and copied.
  let reads = 0;
  const labels = [0, 1, 1, 0];
  const options = {
    axis: 0,
    get by() {
      reads++;
      return labels;
    },
  };
  const q = new Partial('sum', options);
  labels[0] = 1;
  assert.equal(reads, 1);
  assert.deepEqual(q.push(x).result(), oneShot(x, 'sum', { axis: 0, by: [0, 1, 1, 0] }));
  reads = 0;
  await reduceChunks([x], 'sum', options);
  assert.equal(reads, 1);
  // A grouped and an ungrouped partial, or two labellings: never merged.
  const grouped = () => new Partial('sum', { axis: 0, by: [0, 1, 1, 0], start: 0 }).push(rows(x, 0, 2));
  const later = new Partial('sum', { axis: 0, start: 2 }).push(rows(x, 2, 4));
  assert.throws(() => grouped().merge(later), { ...BAD, message: /by label/ });
  assert.throws(() => later.merge(grouped()), { ...BAD, message: /by label/ });
  assert.throws(() => grouped().merge(new Partial('sum', { axis: 0, by: [0, 1, 0, 0], start: 2 }).push(rows(x, 2, 4))), { ...BAD, message: /different labels/ });
  assert.throws(() => grouped().merge(new Partial('sum', { axis: 0, by: [0, 1, 1, 0], groups: 3, start: 2 }).push(rows(x, 2, 4))), BAD);
});

test('types: a grouped Partial type-checks without casts and gives { data, shape }', () => {
  const by = Int32Array.from([0, 1, 0]);
  const r = new Partial('mean', { axis: 0, by }).push({ data: new Float64Array(6), shape: [3, 2] }).result();
  const data: ArrayLike<number> = r.data;
  assert.deepEqual(r.shape, [2, 2]);
  assert.equal(data.length, 4);
  const op: PartialOp = 'sum';
  assert.ok(PARTIAL_OPS.includes(op));
});
