// The moving-window reductions against bottleneck (pydata/bottleneck), in
// one python3 process: every function x dtype x window (1, 2, a middle
// value, the full length) x minCount x axis x layout (C, transposed,
// strided, negative) on both backends, with NaN runs and all-NaN windows.
// min/max/argmin/argmax/median/rank must equal bottleneck's exactly. Sums
// and moments are compared with an exact oracle (Python fractions over
// each window): moveSum/moveMean within 2 ulps of the correctly rounded
// value, moveVar/moveStd within 1e-13 of the window's largest square (a
// two-pass computation's error). One series shows bottleneck drifting
// after a 1e16 spike while ours stays within 2 ulps.
//
// Without bottleneck the test is skipped with a message, except where
// NDREDUCE_REQUIRE_BOTTLENECK or CI is set (.ci/run installs it), where
// it fails.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import * as api from '../src/index';
import type { MovingName } from '../src/index';

const PYTHON = process.env.PYTHON ?? 'python3';
const hasBottleneck = spawnSync(PYTHON, ['-c', 'import bottleneck'], { encoding: 'utf8' }).status === 0;
const required = Boolean(process.env.NDREDUCE_REQUIRE_BOTTLENECK || process.env.CI);
const skip = !hasBottleneck && !required && 'python3 with bottleneck is not installed (pip install bottleneck)';

const SCRIPT = String.raw`
import json, math, sys, warnings
from fractions import Fraction
import numpy as np, bottleneck as bn
warnings.simplefilter('ignore')
jobs = json.load(open(sys.argv[1]))
MOMENTS = ('move_sum', 'move_mean', 'move_var', 'move_std')
def text(v):
    return repr(float(v))
def exact(fn, win, mc, ddof):
    vals = [Fraction(v) for v in win if not math.isnan(v)]
    n = len(vals)
    if n < mc or n == 0:
        return ['nan', 0.0]
    s = sum(vals)
    if fn == 'move_sum': return [text(float(s)), 0.0]
    if fn == 'move_mean': return [text(float(s / n)), 0.0]
    if n - ddof <= 0: return ['skip', 0.0]
    mean = s / n
    var = sum((v - mean) ** 2 for v in vals) / (n - ddof)
    scale = float(max(v * v for v in vals))
    return [text(float(var) if fn == 'move_var' else math.sqrt(float(var))), scale]
out = []
for job in jobs:
    a = np.array([np.nan if v is None else v for v in job['values']], dtype=np.float64).reshape(job['shape'])
    fn, w, mc, axis, ddof = job['fn'], job['window'], job['minCount'], job['axis'], job['ddof']
    kw = {'min_count': mc, 'axis': axis}
    if fn in ('move_var', 'move_std'): kw['ddof'] = ddof
    r = getattr(bn, fn)(a, w, **kw)
    res = {'bn': [text(v) for v in r.ravel()]}
    if fn in MOMENTS:
        m = np.moveaxis(a, axis, -1)
        ex = np.empty(m.shape, dtype=object)
        for idx in np.ndindex(m.shape[:-1]):
            lane = m[idx]
            for t in range(len(lane)):
                ex[idx + (t,)] = exact(fn, lane[max(0, t - w + 1):t + 1], mc, ddof)
        ex = np.moveaxis(ex, -1, axis)
        res['exact'] = [list(e) for e in ex.ravel()]
    out.append(res)
print(json.dumps(out))
`;

const BN: Record<MovingName, string> = {
  moveSum: 'move_sum', moveMean: 'move_mean', moveVar: 'move_var', moveStd: 'move_std', moveMin: 'move_min',
  moveMax: 'move_max', moveArgmin: 'move_argmin', moveArgmax: 'move_argmax', moveMedian: 'move_median', moveRank: 'move_rank',
};
const FNS = Object.keys(BN) as MovingName[];
const MOMENTS = new Set<MovingName>(['moveSum', 'moveMean', 'moveVar', 'moveStd']);

type Ctor = Float64ArrayConstructor | Float32ArrayConstructor | Int32ArrayConstructor | BigInt64ArrayConstructor | Uint8ArrayConstructor;
const DTYPES: Ctor[] = [Float64Array, Float32Array, Int32Array, BigInt64Array, Uint8Array];
const ROWS = 6;
const COLS = 9;

/** Logical values with ties, NaN runs long enough for all-NaN windows (floats only). */
function logical(ctor: Ctor, seed: number): number[] {
  const float = ctor === Float64Array || ctor === Float32Array;
  const v: number[] = [];
  let s = seed;
  for (let i = 0; i < ROWS; i++) {
    for (let j = 0; j < COLS; j++) {
      s = (s * 1103515245 + 12345) % 2147483648;
      const r = s % 23;
      if (float && ((i === 2 && j >= 2 && j < 8) || (j === 4 && i >= 1) || r === 0)) v.push(NaN);
      else if (float) v.push((r - 11) / 4 + (i === 5 ? 1e6 : 0));
      else v.push(ctor === Uint8Array ? r * 11 : r - 11);
    }
  }
  return v;
}

const LAYOUTS = ['C', 'transposed', 'strided', 'negative'] as const;

/** A view of `layout` whose element (i, j) is `vals[i * COLS + j]`. */
function viewOf(ctor: Ctor, vals: number[], layout: (typeof LAYOUTS)[number]) {
  const put = (data: ArrayLike<unknown> & { [k: number]: unknown }, at: number, v: number) => {
    data[at] = ctor === BigInt64Array ? BigInt(v) : v;
  };
  const n = ROWS * COLS;
  const make = (len: number) => new ctor(len) as unknown as { [k: number]: unknown; length: number };
  if (layout === 'C') {
    const data = make(n);
    vals.forEach((v, k) => put(data, k, v));
    return { data, shape: [ROWS, COLS] };
  }
  if (layout === 'transposed') {
    const data = make(n);
    for (let i = 0; i < ROWS; i++) for (let j = 0; j < COLS; j++) put(data, j * ROWS + i, vals[i * COLS + j]);
    return { data, shape: [ROWS, COLS], strides: [1, ROWS], offset: 0 };
  }
  if (layout === 'strided') {
    const data = make(4 * n);
    for (let i = 0; i < ROWS; i++) for (let j = 0; j < COLS; j++) put(data, 4 * COLS * i + 2 * j + 1, vals[i * COLS + j]);
    return { data, shape: [ROWS, COLS], strides: [4 * COLS, 2], offset: 1 };
  }
  const data = make(n);
  for (let i = 0; i < ROWS; i++) for (let j = 0; j < COLS; j++) put(data, n - 1 - (i * COLS + j), vals[i * COLS + j]);
  return { data, shape: [ROWS, COLS], strides: [-COLS, -1], offset: n - 1 };
}

interface Job {
  fn: string;
  values: (number | null)[];
  shape: number[];
  window: number;
  minCount: number;
  axis: number;
  ddof: number;
}

function runPython(jobs: Job[]): { bn: string[]; exact?: [string, number][] }[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ndreduce-moving-'));
  try {
    fs.writeFileSync(path.join(dir, 'jobs.json'), JSON.stringify(jobs));
    const r = spawnSync(PYTHON, ['-c', SCRIPT, path.join(dir, 'jobs.json')], { encoding: 'utf8', maxBuffer: 1 << 28 });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const num = (s: string) => (s === 'nan' ? NaN : s === 'inf' ? Infinity : s === '-inf' ? -Infinity : Number(s));

function ulpOf(x: number): number {
  const a = Math.abs(x);
  if (a === 0) return Number.MIN_VALUE;
  return 2 ** (Math.floor(Math.log2(a)) - 52);
}

function same(got: number, want: number): boolean {
  return (Number.isNaN(got) && Number.isNaN(want)) || got === want;
}

test('moving reductions match bottleneck and an exact oracle', { skip }, () => {
  assert.ok(hasBottleneck, 'bottleneck is required here (pip install bottleneck)');
  const jobs: Job[] = [];
  const ours: { backend: string; layout: string; dtype: string; data: Float64Array }[][] = [];
  let seed = 1;
  for (const ctor of DTYPES) {
    const vals = logical(ctor, seed++);
    for (const fn of FNS) {
      for (const axis of [0, -1]) {
        const n = axis === 0 ? ROWS : COLS;
        for (const window of [...new Set([1, 2, Math.ceil(n / 2), n])]) {
          for (const minCount of [...new Set([1, window])]) {
            const ddof = fn === 'moveVar' || fn === 'moveStd' ? (window % 2) : 0;
            jobs.push({ fn: BN[fn], values: vals.map((v) => (Number.isNaN(v) ? null : ctor === Float32Array ? Math.fround(v) : v)), shape: [ROWS, COLS], window, minCount, axis, ddof });
            const row: (typeof ours)[number] = [];
            for (const layout of LAYOUTS) {
              for (const backend of ['native', 'js'] as const) {
                const options: Record<string, unknown> = { axis, minCount, backend };
                if (ddof) options.ddof = ddof;
                const r = (api[fn] as (x: unknown, w: number, o: unknown) => { data: Float64Array })(viewOf(ctor, vals, layout), window, options);
                row.push({ backend, layout, dtype: ctor.name, data: r.data });
              }
            }
            ours.push(row);
          }
        }
      }
    }
  }
  const answers = runPython(jobs);
  let checked = 0;
  jobs.forEach((job, k) => {
    const { bn, exact } = answers[k];
    for (const o of ours[k]) {
      const where = `${job.fn} ${o.dtype} ${o.layout} ${o.backend} axis ${job.axis} window ${job.window} minCount ${job.minCount} ddof ${job.ddof}`;
      for (let i = 0; i < bn.length; i++) {
        const got = o.data[i];
        if (!exact) {
          assert.ok(same(got, num(bn[i])), `${where} at ${i}: ${got} vs bottleneck ${bn[i]}`);
        } else {
          const [text, scale] = exact[i];
          const want = text === 'skip' ? num(bn[i]) : num(text);
          if (Number.isNaN(want) || text === 'skip') {
            assert.ok(Number.isNaN(got) === Number.isNaN(want), `${where} at ${i}: ${got} vs ${want}`);
            continue;
          }
          const tolerance = job.fn === 'move_sum' || job.fn === 'move_mean' ? 2 * ulpOf(want) : 1e-13 * scale + 2 * ulpOf(want);
          assert.ok(Math.abs(got - want) <= tolerance, `${where} at ${i}: ${got} vs exact ${want}`);
        }
        checked++;
      }
    }
  });
  assert.ok(checked > 100_000, `${checked} outputs checked`);
});

test('after a 1e16 spike bottleneck drifts and the moving sums do not', { skip }, () => {
  const values: number[] = [];
  for (let k = 0; k < 400; k++) values.push(k === 50 ? 1e16 : ((k * 37) % 101) / 1000 + 0.001);
  const x = Float64Array.from(values);
  const jobs: Job[] = ['move_sum', 'move_mean', 'move_std'].map((fn) => ({ fn, values, shape: [400], window: 20, minCount: 20, axis: 0, ddof: 0 }));
  const answers = runPython(jobs);
  for (const backend of ['native', 'js'] as const) {
    const got = { move_sum: api.moveSum(x, 20, { backend }), move_mean: api.moveMean(x, 20, { backend }), move_std: api.moveStd(x, 20, { backend }) } as Record<string, Float64Array>;
    jobs.forEach((job, k) => {
      let bnWorst = 0;
      for (let i = 100; i < 400; i++) {
        const [text, scale] = answers[k].exact![i];
        const want = num(text);
        const ours = got[job.fn][i];
        const tolerance = job.fn === 'move_std' ? 1e-13 * scale + 2 * ulpOf(want) : 2 * ulpOf(want);
        assert.ok(Math.abs(ours - want) <= tolerance, `${backend} ${job.fn} at ${i}: ${ours} vs exact ${want}`);
        bnWorst = Math.max(bnWorst, Math.abs(num(answers[k].bn[i]) - want) / Math.abs(want));
      }
      // bottleneck's running sums keep an error of about 1 from the spike.
      assert.ok(bnWorst > 1e-3, `${job.fn}: bottleneck's worst relative error ${bnWorst} (expected drift)`);
    });
  }
});

test('long windows, where the kernels change algorithm, match bottleneck', { skip }, () => {
  // The median keeps a sorted array up to 512 and a Fenwick tree beyond;
  // the extremes run in blocks up to 4096 and a deque beyond. The js
  // backend (the plain definition per window; a sorted window for the
  // median) is checked on the shorter two, and its median on all.
  const n = 9000;
  const values: (number | null)[] = [];
  let s = 7;
  for (let k = 0; k < n; k++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    const r = s % 97;
    values.push((k >= 3000 && k < 3700) || r === 0 ? null : (r - 48) / 8);
  }
  const x = Float64Array.from(values, (v) => (v === null ? NaN : v));
  const fns: MovingName[] = ['moveMin', 'moveMax', 'moveArgmin', 'moveArgmax', 'moveMedian', 'moveRank'];
  const jobs: Job[] = [];
  for (const fn of fns) {
    for (const window of [512, 513, 4096, 4097, 6000]) {
      for (const minCount of [1, window >> 1]) jobs.push({ fn: BN[fn], values, shape: [n], window, minCount, axis: 0, ddof: 0 });
    }
  }
  const answers = runPython(jobs);
  jobs.forEach((job, k) => {
    const fn = fns[Math.floor(k / 10)];
    const js = job.window < 1000 || fn === 'moveMedian';
    for (const backend of js ? (['native', 'js'] as const) : (['native'] as const)) {
      const got = (api[fn] as (x: Float64Array, w: number, o: unknown) => Float64Array)(x, job.window, { minCount: job.minCount, backend });
      for (let i = 0; i < n; i++) {
        assert.ok(same(got[i], num(answers[k].bn[i])), `${fn} ${backend} window ${job.window} minCount ${job.minCount} at ${i}: ${got[i]} vs bottleneck ${answers[k].bn[i]}`);
      }
    }
  });
});
