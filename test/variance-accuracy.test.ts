// Variance to rounding, on every path: an exact rational oracle (BigInt)
// over lanes whose mean is up to 1e8 times their spread, in several
// layouts and axes and the four dtypes people feed it, through the sync
// and async calls (addon and js backend), std, reduceFile with small
// windows and a Partial fed in chunks. NumPy (np.var on the same view,
// built with as_strided over the same buffer) is run beside it: each case
// must be within 4 eps of exact, or no worse than NumPy's worst lane of
// that case (NumPy computing in float64, as ours), and the addon's paths
// within 8 eps whatever NumPy's error. Skipped, with a message, without NumPy. NDREDUCE_VAR_REPORT=1
// prints every case's worst relative error beside NumPy's.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { Partial, reduceFile, saveNpy, std, variance, varianceAsync } from '../src/index';
import { DTYPES } from '../src/spec/dtypes';
import type { Dtype, NumericArray } from '../src/spec/dtypes';

const PYTHON = process.env.PYTHON ?? 'python3';
const hasNumpy = spawnSync(PYTHON, ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0;
const EPS = 2 ** -52;

type Value = number | bigint;

/** `x` as `m * 2^e` with integer `m`, exactly. */
function exactOf(x: number): [bigint, number] {
  if (x === 0) return [0n, 0];
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, x);
  const hi = dv.getUint32(0);
  const field = (hi >>> 20) & 0x7ff;
  let m = (BigInt(hi & 0xfffff) << 32n) | BigInt(dv.getUint32(4));
  if (field !== 0) m |= 1n << 52n;
  const e = field === 0 ? -1074 : field - 1075;
  return [hi >>> 31 ? -m : m, e];
}

const bits = (v: bigint) => (v < 0n ? -v : v).toString(2).length;

/** The exact variance of `lane` (population, less `ddof`), rounded to a
 * double (one rounding of a 60-bit quotient: under 1e-17 relative). */
function exactVariance(lane: readonly Value[], ddof: number): number {
  const parts = lane.map((v) => (typeof v === 'bigint' ? ([v, 0] as [bigint, number]) : exactOf(v)));
  const e0 = Math.min(...parts.map((p) => p[1]));
  let s1 = 0n;
  let s2 = 0n;
  for (const [m, e] of parts) {
    const x = m << BigInt(e - e0);
    s1 += x;
    s2 += x * x;
  }
  const n = BigInt(lane.length);
  const num = n * s2 - s1 * s1;
  const den = n * (n - BigInt(ddof));
  if (num === 0n) return 0;
  const k = bits(num) - bits(den) - 62;
  const q = k >= 0 ? num / (den << BigInt(k)) : (num << BigInt(-k)) / den;
  return Number(q) * 2 ** (k + 2 * e0);
}

/** A seeded stream of standard normals (mulberry32 and Box-Muller). */
function normals(seed: number): () => number {
  let s = seed >>> 0;
  const u = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 1) / 4294967297;
  };
  return () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
}

interface Source {
  name: string;
  dtype: string;
  /** Element `i` of the buffer, each lane's centre moving with `i`. */
  value: (i: number, z: number) => Value;
}

/** Lanes with a mean/spread ratio up to 1e8, some sorted (the issue's
 * 1.7e9 + k/1000), some with centres that drift along the buffer. */
const SOURCES: Source[] = [
  { name: '1e8 + N(0,1)', dtype: 'float64', value: (_i, z) => 1e8 + z },
  { name: '1.7e9 + k/1000', dtype: 'float64', value: (i) => 1.7e9 + (i % 1000) / 1000 },
  { name: '1e6*(1 + i%7) + N(0,1)', dtype: 'float64', value: (i, z) => 1e6 * (1 + (i % 7)) + z },
  { name: 'N(0,1)', dtype: 'float64', value: (_i, z) => z },
  { name: 'f32 1e7 + N(0,4)', dtype: 'float32', value: (_i, z) => 1e7 + 4 * z },
  { name: 'f32 3e4 + N(0,1)', dtype: 'float32', value: (_i, z) => 3e4 + z },
  { name: 'i64 2^40 + N(0,1000)', dtype: 'int64', value: (_i, z) => 2n ** 40n + BigInt(Math.round(1000 * z)) },
  { name: 'i64 2^52 + k', dtype: 'int64', value: (i) => 2n ** 52n + BigInt(i % 1000) },
  { name: 'i32 2^30 + N(0,100)', dtype: 'int32', value: (_i, z) => 2 ** 30 + Math.round(100 * z) },
];

interface Layout {
  name: string;
  length: number;
  shape: number[];
  strides: number[];
  offset: number;
  axis: number | number[] | null;
}

const C = (shape: number[]) => shape.map((_, k) => shape.slice(k + 1).reduce((a, b) => a * b, 1));

/** Layouts over one buffer of 12,000 elements: the row loop (axis 0 of C
 * order), contiguous runs longer than a piece, strided lanes (a
 * transpose), negative strides, every axis, two axes of three. */
const LAYOUTS: Layout[] = [
  { name: 'C [1500, 8] axis 0', length: 12000, shape: [1500, 8], strides: C([1500, 8]), offset: 0, axis: 0 },
  { name: 'C [8, 1500] axis 1', length: 12000, shape: [8, 1500], strides: C([8, 1500]), offset: 0, axis: 1 },
  { name: 'transposed [1500, 8] axis 0', length: 12000, shape: [1500, 8], strides: [1, 1500], offset: 0, axis: 0 },
  { name: 'transposed [8, 1500] axis 1', length: 12000, shape: [8, 1500], strides: [1, 8], offset: 0, axis: 1 },
  { name: 'reversed [8, 1500] axis 1', length: 12000, shape: [8, 1500], strides: [-1500, -1], offset: 11999, axis: 1 },
  { name: 'every axis [8, 1500]', length: 12000, shape: [8, 1500], strides: C([8, 1500]), offset: 0, axis: null },
  { name: '[30, 50, 8] axes [0, 2]', length: 12000, shape: [30, 50, 8], strides: C([30, 50, 8]), offset: 0, axis: [0, 2] },
];

function bufferOf(src: Source, length: number, seed: number): NumericArray {
  const dtype = DTYPES.find((d) => d.name === src.dtype) as Dtype;
  const out = new dtype.ctor(length) as unknown as { [i: number]: Value };
  const z = normals(seed);
  for (let i = 0; i < length; i++) out[i] = src.value(i, z());
  return out as unknown as NumericArray;
}

/** The lanes of the view, in the C order of the kept positions. */
function lanesOf(data: NumericArray, l: Layout): Value[][] {
  const axes = l.axis === null ? l.shape.map((_, k) => k) : typeof l.axis === 'number' ? [l.axis] : l.axis;
  const kept = l.shape.map((_, k) => k).filter((k) => !axes.includes(k));
  const walk = (dims: number[], base: number, f: (at: number) => void) => {
    const go = (d: number, at: number) => {
      if (d === dims.length) return f(at);
      for (let i = 0; i < l.shape[dims[d]]; i++) go(d + 1, at + i * l.strides[dims[d]]);
    };
    go(0, base);
  };
  const lanes: Value[][] = [];
  const src = data as unknown as { [i: number]: Value };
  walk(kept, l.offset, (start) => {
    const lane: Value[] = [];
    walk(axes, start, (at) => lane.push(src[at]));
    lanes.push(lane);
  });
  return lanes;
}

const flat = (r: unknown): number[] => (typeof r === 'number' ? [r] : Array.from(r as Float64Array));

/** NumPy's var of each job's view, over the same buffer. */
function numpyVariances(dir: string, jobs: { file: string; l: Layout; ddof: number }[]): number[][] {
  const script = String.raw`
import json, sys
import numpy as np
from numpy.lib.stride_tricks import as_strided
out = []
for j in json.load(open(sys.argv[1])):
    a = np.load(j['file'])
    v = as_strided(a[j['offset']:], j['shape'], [s * a.itemsize for s in j['strides']])
    axis = j['axis'] if j['axis'] is None or isinstance(j['axis'], int) else tuple(j['axis'])
    # float64 arithmetic for every dtype, as ours (NumPy's float32 var is float32).
    out.append([repr(float(x)) for x in np.atleast_1d(np.var(v, axis=axis, ddof=j['ddof'], dtype=np.float64)).ravel()])
print(json.dumps(out))
`;
  const jobFile = path.join(dir, 'jobs.json');
  fs.writeFileSync(jobFile, JSON.stringify(jobs.map(({ file, l, ddof }) => ({ file, ddof, shape: l.shape, strides: l.strides, offset: l.offset, axis: l.axis }))));
  const r = spawnSync(PYTHON, ['-c', script, jobFile], { encoding: 'utf8', maxBuffer: 1 << 26 });
  assert.equal(r.status, 0, r.stderr);
  return (JSON.parse(r.stdout) as string[][]).map((row) => row.map(Number));
}

const relErr = (got: number, want: number) => (want === 0 ? Math.abs(got) : Math.abs(got - want) / want);

test('var and std are exact to rounding on every path, layout, axis and dtype (vs an exact oracle and NumPy)', { skip: !hasNumpy && 'python3 with numpy is not installed' }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ndreduce-var-'));
  try {
    const cases: { src: Source; l: Layout; data: NumericArray; file: string; ddof: number }[] = [];
    SOURCES.forEach((src, s) => {
      const data = bufferOf(src, 12000, 11 + s);
      const file = path.join(dir, `buf${s}.npy`);
      saveNpy(file, { data, shape: [data.length] });
      LAYOUTS.forEach((l, k) => cases.push({ src, l, data, file, ddof: k % 2 }));
    });
    const numpy = numpyVariances(dir, cases);
    let worstRatio = 0;
    const failures: string[] = [];
    for (const [c, { src, l, data, file, ddof }] of cases.entries()) {
      const lanes = lanesOf(data, l);
      const want = lanes.map((lane) => exactVariance(lane, ddof));
      const npWorst = Math.max(...numpy[c].map((v, k) => relErr(v, want[k])));
      const bound = Math.max(4 * EPS, npWorst);
      const x = { data, shape: l.shape, strides: l.strides, offset: l.offset };
      const opts = { axis: l.axis, ddof };
      const paths: [string, number[]][] = [
        ['variance', flat(variance(x, opts))],
        ['variance threads 3', flat(variance(x, { ...opts, threads: 3 }))],
        ['varianceAsync', flat(await varianceAsync(x, opts))],
        ['js backend', flat(variance(x, { ...opts, backend: 'js' }))],
        ['std squared', flat(std(x, opts)).map((v) => v * v)],
      ];
      // reduceFile: the view saved in C order, read in small windows.
      const saved = path.join(dir, `view${c}.npy`);
      saveNpy(saved, x);
      paths.push(['reduceFile', flat(await reduceFile(saved, 'var', { ...opts, windowBytes: 4096 }))]);
      // Partial: chunks of 7 along axis 0 (one of the reduced axes).
      const axes = l.axis === null ? l.shape.map((_, k) => k) : typeof l.axis === 'number' ? [l.axis] : l.axis;
      if (axes.includes(0)) {
        const p = new Partial('var', { axis: l.axis, ddof });
        for (let r = 0; r < l.shape[0]; r += 7) {
          const rows = Math.min(7, l.shape[0] - r);
          p.push({ data, shape: [rows, ...l.shape.slice(1)], strides: l.strides, offset: l.offset + r * l.strides[0] });
        }
        paths.push(['Partial', flat(p.result())]);
        // Two halves, one through its bytes, merged (Chan's merge with
        // the low words of mean and M2 carried, as the engine's).
        const half = Math.ceil(l.shape[0] / 2);
        const part = (from: number, to: number) =>
          new Partial('var', { axis: l.axis, ddof, start: from }).push({ data, shape: [to - from, ...l.shape.slice(1)], strides: l.strides, offset: l.offset + from * l.strides[0] });
        const merged = part(0, half).merge(Partial.fromBytes(part(half, l.shape[0]).toBytes()));
        paths.push(['Partial merged', flat(merged.result())]);
      }
      for (const [how, got] of paths) {
        assert.equal(got.length, want.length, `${src.name}, ${l.name}, ${how}`);
        const worst = Math.max(...got.map((g, k) => relErr(g, want[k])));
        // std squared adds two roundings (the root and the square). The
        // addon's paths are held to 8 eps whatever NumPy's error (they
        // measured 1.1 eps at worst here); the js backend's per-element
        // Welford update measured up to 4.7 eps (its rounded steps).
        const own = how === 'std squared' ? bound + 4 * EPS : bound;
        const limit = how === 'js backend' ? own : Math.min(own, 8 * EPS);
        worstRatio = Math.max(worstRatio, worst / bound);
        if (process.env.NDREDUCE_VAR_REPORT) console.log(`${src.name} | ${l.name} | ${how} | ${worst.toExponential(2)} | numpy ${npWorst.toExponential(2)}`);
        if (!(worst <= limit)) failures.push(`${src.name}, ${l.name} (ddof ${ddof}), ${how}: relative error ${worst.toExponential(2)} > ${limit.toExponential(2)} (NumPy's ${npWorst.toExponential(2)})`);
      }
    }
    assert.deepEqual(failures, []);
    assert.ok(worstRatio > 0, 'some path differs from exact by rounding: the oracle is being compared');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
