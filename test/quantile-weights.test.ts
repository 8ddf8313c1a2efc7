// Weighted quantiles against NumPy 2's `np.quantile(..., method=
// 'inverted_cdf', weights=w)` (and nanquantile, percentile): dtypes x
// layouts x axes x weights along the axis or of x's shape, zero weights
// (leading, inside, most of them), NaN, both backends. Exact: the result is
// one of the lane's values. One python3 child; missing NumPy fails.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import * as api from '../src/index';
import { saveNpy } from '../src/index';
import type { NumericArray } from '../src/index';
import { DTYPES } from '../src/spec/dtypes';
import type { Dtype } from '../src/spec/dtypes';

const PYTHON = process.env.PYTHON ?? 'python3';

const SCRIPT = String.raw`
import json, sys, warnings
import numpy as np
warnings.simplefilter('ignore')
folder = sys.argv[1]
jobs = json.load(open(folder + '/jobs.json'))
def text(v):
    if isinstance(v, (float, np.floating)): return repr(float(v))
    return str(int(v))
results = []
for job in jobs:
    a = np.load(folder + '/' + job['input'])
    w = np.array(job['weights'], dtype=np.float64)
    if job['full']: w = w.reshape(a.shape)
    elif job['fn'] == 'nanquantile' and a.ndim > 1:
        # NumPy 2.4's nanquantile indexes 1-D weights by lane (an IndexError):
        # the same weights, spelled in x's shape.
        shape = [1] * a.ndim
        shape[job['axis']] = -1
        w = np.broadcast_to(w.reshape(shape), a.shape).copy()
    try:
        r = np.asarray(getattr(np, job['fn'])(a, job['q'], axis=job['axis'], method='inverted_cdf', weights=w))
        results.append({'ok': True, 'values': [text(v) for v in np.ravel(r)], 'shape': [int(d) for d in r.shape]})
    except Exception as e:
        results.append({'ok': False, 'error': type(e).__name__ + ': ' + str(e)})
json.dump(results, open(folder + '/results.json', 'w'))
`;

const LAYOUTS = [
  { name: '1-D', shape: [9], size: 9 },
  { name: 'C 6x7', shape: [6, 7], size: 42 },
  { name: 'transposed 3-D', shape: [5, 4, 3], strides: [1, 5, 20], size: 60 },
  { name: '2-D negative strides', shape: [4, 5], strides: [-5, -1], offset: 19, size: 20 },
  { name: 'broadcast 4x5 (stride 0)', shape: [4, 5], strides: [0, 1], size: 5 },
];
const TESTED = new Set(['float64', 'float32', 'int64', 'int16', 'uint8']);

function values(d: Dtype, n: number, seed: number): NumericArray {
  const out = new d.ctor(n) as unknown as { [i: number]: number | bigint };
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    let v = d.kind === 'uint' ? s % 9 : (s % 9) - 4;
    if (d.kind === 'float') v = i % 10 === 7 ? NaN : v + (s % 4) / 4;
    out[i] = d.big ? BigInt(v) : v;
  }
  return out as unknown as NumericArray;
}

/** Weights with zeros (leading ones included) and ties in the cdf. */
const weightsOf = (n: number, seed: number) => Array.from({ length: n }, (_, i) => ((i + seed) % 5 === 0 ? 0 : ((i * 7 + seed) % 4) * 0.5));

type Job = { input: string; fn: string; q: number | number[]; axis: number | null; weights: number[]; full: boolean; x: unknown; w: unknown; where: string };

test('weighted inverted_cdf quantiles match NumPy over dtypes, layouts, axes and both backends', () => {
  assert.equal(spawnSync(PYTHON, ['-c', 'import numpy'], { encoding: 'utf8' }).status, 0, `${PYTHON} with numpy is required (pip install numpy)`);
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'ndreduce-weights-'));
  try {
    const jobs: Job[] = [];
    let file = 0;
    for (const d of DTYPES) {
      if (!TESTED.has(d.name)) continue;
      for (const l of LAYOUTS) {
        const x = { data: values(d, l.size, 5 + file), shape: l.shape, strides: l.strides, offset: l.offset };
        const input = `x${file++}.npy`;
        saveNpy(path.join(folder, input), x);
        const count = l.shape.reduce((p, n) => p * n, 1);
        for (const axis of l.shape.length === 1 ? [0] : [0, l.shape.length - 1]) {
          for (const fn of ['quantile', 'nanquantile']) {
            const q = [0, 0.1, 0.25, 0.5, 0.77, 1];
            const one = weightsOf(l.shape[axis], file);
            jobs.push({ input, fn, q, axis, weights: one, full: false, x, w: one, where: `${fn}(${d.name} ${l.name}, axis ${axis}, weights along it)` });
            const all = weightsOf(count, file + 1);
            jobs.push({ input, fn, q, axis, weights: all, full: true, x, w: { data: Float64Array.from(all), shape: l.shape }, where: `${fn}(${d.name} ${l.name}, axis ${axis}, weights of x's shape)` });
          }
        }
        const all = weightsOf(count, 3);
        jobs.push({ input, fn: 'quantile', q: 0.5, axis: null, weights: all, full: true, x, w: { data: Float64Array.from(all), shape: l.shape }, where: `quantile(${d.name} ${l.name}, every axis)` });
      }
    }
    fs.writeFileSync(path.join(folder, 'jobs.json'), JSON.stringify(jobs.map(({ input, fn, q, axis, weights, full }) => ({ input, fn, q, axis, weights, full }))));
    const run = spawnSync(PYTHON, ['-c', SCRIPT, folder], { encoding: 'utf8', maxBuffer: 1 << 26 });
    assert.equal(run.status, 0, run.stderr);
    const results = JSON.parse(fs.readFileSync(path.join(folder, 'results.json'), 'utf8')) as { ok: boolean; error?: string; values?: string[]; shape?: number[] }[];
    let compared = 0;
    jobs.forEach((job, k) => {
      const numpy = results[k];
      for (const backend of ['native', 'js']) {
        const where = `${job.where} [${backend}]`;
        const f = (api as unknown as Record<string, (...a: unknown[]) => unknown>)[job.fn];
        let got: unknown;
        try {
          got = f(job.x, job.q, { axis: job.axis, method: 'inverted_cdf', weights: job.w, backend });
        } catch (e) {
          assert.ok(!numpy.ok && e instanceof RangeError, `${where}: we threw ${String(e)}; NumPy ${numpy.error ?? 'gave a result'}`);
          continue;
        }
        assert.ok(numpy.ok, `${where}: NumPy raised ${numpy.error}, we gave a result`);
        const flat = ArrayBuffer.isView(got) ? Array.from(got as unknown as ArrayLike<unknown>) : got !== null && typeof got === 'object' ? Array.from((got as { data: ArrayLike<unknown> }).data) : [got];
        assert.equal(flat.length, numpy.values?.length, `${where}: length`);
        numpy.values?.forEach((want, i) => {
          const v = flat[i];
          if (want === 'nan') assert.ok(Number.isNaN(v), `${where} [${i}]: got ${String(v)}, want NaN`);
          else assert.equal(String(typeof v === 'bigint' ? v : Number(v)), String(typeof v === 'bigint' ? want : Number(want)), `${where} [${i}]`);
        });
        compared++;
      }
    });
    assert.ok(compared > 200, `only ${compared} comparisons`);
  } finally {
    fs.rmSync(folder, { recursive: true, force: true });
  }
});

test('weights: only with inverted_cdf; negative, NaN, infinite, all-zero and misshapen weights are coded errors', async () => {
  const x = { data: new Float64Array([3, 1, 2, 6, 5, 4]), shape: [2, 3] };
  const code = (name: string, re: RegExp) => (e: Error & { code: string }) => e.name === name && e.code === 'ERR_NDREDUCE_BAD_OPTION' && re.test(e.message);
  assert.throws(() => api.quantile(x, 0.5, { axis: 1, weights: [1, 1, 1] }), code('TypeError', /"inverted_cdf"/));
  assert.throws(() => api.quantile(x, 0.5, { axis: 1, method: 'nearest', weights: [1, 1, 1] }), code('TypeError', /"inverted_cdf"/));
  assert.throws(() => api.median(x, { axis: 1, weights: [1, 1, 1] } as never), { name: 'TypeError', code: 'ERR_NDREDUCE_UNKNOWN_OPTION' });
  const m = { axis: 1, method: 'inverted_cdf' } as const;
  assert.throws(() => api.quantile(x, 0.5, { ...m, weights: [1, -1, 1] }), code('RangeError', /non-negative/));
  assert.throws(() => api.quantile(x, 0.5, { ...m, weights: [1, NaN, 1] }), code('RangeError', /non-negative/));
  assert.throws(() => api.quantile(x, 0.5, { ...m, weights: [1, Infinity, 1] }), code('RangeError', /finite/));
  assert.throws(() => api.quantile(x, 0.5, { ...m, weights: [0, 0, 0] }), code('RangeError', /all zero/));
  // An N-d weights array that is not one is named as the option, not as x.
  assert.throws(() => api.quantile(x, 0.5, { ...m, weights: { data: 5, shape: [2, 3] } as never }), { name: 'TypeError', code: 'ERR_NDREDUCE_BAD_ARRAY', message: /^options\.weights\.data must be a numeric typed array/ });
  assert.throws(() => api.quantile(x, 0.5, { ...m, weights: [1, 1] }), code('RangeError', /3/));
  assert.throws(() => api.quantile(x, 0.5, { method: 'inverted_cdf', weights: [1, 1, 1] }), code('RangeError', /x's shape/));
  assert.deepEqual(api.quantile(x, [0, 0.5, 1], { ...m, weights: [0, 1, 3] }), { data: new Float64Array([1, 4, 2, 4, 2, 5]), shape: [3, 2] });
  assert.deepEqual(await api.percentileAsync(x, 50, { ...m, weights: new Uint8Array([0, 1, 3]) }), new Float64Array([2, 4]));
});
