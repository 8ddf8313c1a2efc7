// The quantile family against NumPy: median, nanmedian, quantile,
// nanquantile, percentile, nanpercentile x every dtype x methods (all 13
// on float64, float32, int64, int8 and uint8; six on the others) x axis
// choices x keepdims x both backends, over strided, reversed and
// transposed layouts, with NaN, all-NaN lanes and empty axes. One python3
// child computes every NumPy result. Missing NumPy fails the test.
//
// Exact (bit for bit) wherever NumPy computes in float64: float64 input,
// and integer input (values kept small, so NumPy's integer `b - a` in
// its lerp does not wrap; we subtract in float64). NumPy interpolates
// float32 input in float32 where we return float64: those compare within
// 1e-6 relative. Picking methods return an element: exact for every dtype.
// Empty lanes: NumPy's quantile raises, ours a RangeError; NumPy's
// nanquantile gives NaN, ours too (an integer result with a picking
// method, which cannot hold NaN, is a RangeError). For an empty array
// NumPy's nanquantile returns nanmean's result, without the q axis; ours
// keeps it.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import * as api from '../src/index';
import { saveNpy } from '../src/index';
import type { Axis } from '../src/index';
import { DTYPES } from '../src/spec/dtypes';
import type { Dtype } from '../src/spec/dtypes';
import { METHODS } from '../src/quantile/spec';
import { flat, same, values } from './quantile-cases';

const PYTHON = process.env.PYTHON ?? 'python3';

const SCRIPT = String.raw`
import json, sys, warnings
import numpy as np
warnings.simplefilter('ignore')
folder = sys.argv[1]
jobs = json.load(open(folder + '/jobs.json'))
arrays = {}
def text(v):
    if isinstance(v, (float, np.floating)): return repr(float(v))
    return str(int(v))
results = []
for job in jobs:
    if job['input'] not in arrays: arrays[job['input']] = np.load(folder + '/' + job['input'])
    a = arrays[job['input']]
    axis = job['axis']
    if isinstance(axis, list): axis = tuple(axis)
    kw = {'axis': axis, 'keepdims': job['keepdims']}
    if job['method'] is not None: kw['method'] = job['method']
    try:
        f = getattr(np, job['fn'])
        r = f(a, **kw) if job['q'] is None else f(a, job['q'], **kw)
        r = np.asarray(r)
        results.append({'ok': True, 'values': [text(v) for v in np.ravel(r)], 'shape': [int(d) for d in r.shape], 'kind': r.dtype.kind})
    except Exception as e:
        results.append({'ok': False, 'error': type(e).__name__ + ': ' + str(e)})
json.dump(results, open(folder + '/results.json', 'w'))
`;

interface Case {
  name: string;
  shape: number[];
  strides?: number[];
  offset?: number;
  size: number;
}

const LAYOUTS: Case[] = [
  { name: '1-D', shape: [9], size: 9 },
  { name: '1-D reversed, every other', shape: [10], strides: [-2], offset: 19, size: 20 },
  { name: 'C 6x7', shape: [6, 7], size: 42 },
  { name: 'Fortran 6x7', shape: [6, 7], strides: [1, 6], size: 42 },
  { name: 'transposed 3-D', shape: [5, 4, 3], strides: [1, 5, 20], size: 60 },
  { name: '3-D negative strides', shape: [3, 4, 5], strides: [-20, 5, -1], offset: 44, size: 60 },
  { name: 'broadcast 4x5 (stride 0)', shape: [4, 5], strides: [0, 1], size: 5 },
];
const EMPTY: Case[] = [
  { name: 'empty 0x3', shape: [0, 3], size: 0 },
  { name: 'empty 3x0', shape: [3, 0], size: 0 },
];

function axesFor(ndim: number): Axis[] {
  const out: Axis[] = [0, -1, null];
  if (ndim >= 2) out.push([0, ndim - 1]);
  if (ndim >= 3) out.push(1, [1, 2]);
  return out;
}

const FULL = new Set(['float64', 'float32', 'int64', 'int8', 'uint8']);
const SOME = ['linear', 'lower', 'nearest', 'inverted_cdf', 'midpoint', 'median_unbiased'];
const QS = [0, 0.1, 0.25, 0.5, 0.77, 1];
const PS = [0, 10, 33.3, 50, 99, 100];

type Job = { input: string; fn: string; q: number | number[] | null; method: string | null; axis: Axis; keepdims: boolean; x: unknown; dtype: Dtype; where: string };

function jobsFor(folder: string): Job[] {
  const jobs: Job[] = [];
  let file = 0;
  for (const d of DTYPES) {
    if (d.name === 'uint8c') continue;
    const methods = FULL.has(d.name) ? [...METHODS] : SOME;
    for (const l of [...LAYOUTS, ...EMPTY]) {
      const rowLength = l.shape[l.shape.length - 1] ?? 1;
      const data = values(d, l.size, 17 + file, l.shape.length === 2 ? 1 : -1, rowLength);
      const x = { data, shape: l.shape, strides: l.strides, offset: l.offset };
      const input = `x${file++}.npy`;
      saveNpy(path.join(folder, input), x);
      let k = 0;
      for (const axis of axesFor(l.shape.length)) {
        const keepdims = k++ % 2 === 1;
        const add = (fn: string, q: Job['q'], method: string | null) =>
          jobs.push({ input, fn, q, method, axis, keepdims, x, dtype: d, where: `${fn}(${d.name} ${l.name}, q ${JSON.stringify(q)}, ${method}, axis ${JSON.stringify(axis)}, keepdims ${keepdims})` });
        add('median', null, null);
        add('nanmedian', null, null);
        for (const method of methods) {
          add('quantile', QS, method);
          add('nanquantile', QS, method);
          if (method === 'linear' || method === 'nearest') {
            add('quantile', 0.3, method);
            add('nanquantile', 0.5, method);
            add('percentile', PS, method);
            add('nanpercentile', PS, method);
            add('percentile', 99, method);
            add('nanpercentile', 37.5, method);
          }
        }
      }
    }
  }
  return jobs;
}

type Result = { ok: boolean; error?: string; values?: string[]; shape?: number[]; kind?: string };

function call(job: Job, backend: string): { value?: unknown; error?: unknown } {
  const f = (api as unknown as Record<string, (...a: unknown[]) => unknown>)[job.fn];
  const options: Record<string, unknown> = { axis: job.axis, keepdims: job.keepdims, backend };
  if (job.method !== null) options.method = job.method;
  try {
    return { value: job.q === null ? f(job.x, options) : f(job.x, job.q, options) };
  } catch (error) {
    return { error };
  }
}

test('the quantile family matches NumPy over dtypes, methods, axes, keepdims and both backends', () => {
  assert.equal(spawnSync(PYTHON, ['-c', 'import numpy'], { encoding: 'utf8' }).status, 0, `${PYTHON} with numpy is required (pip install numpy)`);
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'ndreduce-quantile-'));
  try {
    const jobs = jobsFor(folder);
    fs.writeFileSync(path.join(folder, 'jobs.json'), JSON.stringify(jobs.map(({ input, fn, q, method, axis, keepdims }) => ({ input, fn, q, method, axis, keepdims }))));
    const run = spawnSync(PYTHON, ['-c', SCRIPT, folder], { encoding: 'utf8', maxBuffer: 1 << 26 });
    assert.equal(run.status, 0, run.stderr);
    const results = JSON.parse(fs.readFileSync(path.join(folder, 'results.json'), 'utf8')) as Result[];
    assert.equal(results.length, jobs.length);
    let compared = 0;
    jobs.forEach((job, k) => {
      const numpy = results[k];
      for (const backend of ['native', 'js']) {
        const where = `${job.where} [${backend}]`;
        const ours = call(job, backend);
        if (!numpy.ok) {
          assert.ok(ours.error instanceof RangeError, `${where}: NumPy raised ${numpy.error}, we gave ${String(ours.error ?? 'a result')}`);
          continue;
        }
        const intNaN = ours.error instanceof RangeError && job.fn.startsWith('nan') && job.dtype.kind !== 'float' && numpy.values?.every((v) => v === 'nan');
        if (intNaN) continue;
        if (ours.error) throw ours.error;
        const { values: got, shape } = flat(ours.value);
        if (Array.isArray(job.q) && shape && numpy.shape && shape.length === numpy.shape.length + 1 && numpy.values?.every((v) => v === 'nan')) {
          // NumPy's nanquantile of an empty array returns nanmean's result, without the q axis.
          assert.deepEqual(shape, [job.q.length, ...numpy.shape], `${where}: shape`);
          assert.ok(got.every((v) => Number.isNaN(v)), `${where}: all NaN`);
          compared++;
          continue;
        }
        if (shape !== undefined) assert.deepEqual(shape, numpy.shape, `${where}: shape`);
        else assert.deepEqual([got.length], [numpy.values?.length], `${where}: length`);
        const loose = job.dtype.name === 'float32' && numpy.kind === 'f';
        numpy.values?.forEach((want, i) => same(got[i], want, `${where} [${i}]`, loose));
        compared++;
      }
    });
    assert.ok(compared > 1000, `only ${compared} comparisons`);
  } finally {
    fs.rmSync(folder, { recursive: true, force: true });
  }
});

test('result classes: float64 for interpolation and median, the input\'s class for picking methods', () => {
  const x = { data: new Int16Array([5, 1, 4, 2, 3, 9]), shape: [2, 3] };
  assert.ok(api.median(x, { axis: 1 }) instanceof Float64Array);
  assert.deepEqual(api.quantile(x, 0.5, { axis: 1, method: 'lower' }), new Int16Array([4, 3]));
  assert.equal(api.quantile({ data: new BigInt64Array([3n, 1n, 2n]), shape: [3] }, 1, { method: 'higher' }), 3n);
  assert.deepEqual(api.quantile(x, [0, 1], { axis: 0 }), { data: new Float64Array([2, 1, 4, 5, 3, 9]), shape: [2, 3] });
  assert.deepEqual(api.quantile(new Uint8ClampedArray([7, 3, 5]), [0.5], { method: 'nearest' }), { data: new Uint8ClampedArray([5]), shape: [1] });
});

test('bad q and method are coded errors; out and threads work; the input is not modified', async () => {
  const data = new Float64Array([3, 1, 2, 6, 5, 4]);
  const x = { data, shape: [2, 3] };
  assert.throws(() => api.quantile(x, 1.5), { name: 'RangeError', code: 'ERR_NDREDUCE_BAD_OPTION' });
  assert.throws(() => api.percentile(x, -1), { name: 'RangeError', code: 'ERR_NDREDUCE_BAD_OPTION' });
  assert.throws(() => api.quantile(x, NaN), { name: 'RangeError', code: 'ERR_NDREDUCE_BAD_OPTION' });
  assert.throws(() => api.quantile(x, '0.5' as never), { name: 'TypeError', code: 'ERR_NDREDUCE_BAD_OPTION' });
  assert.throws(() => api.quantile(x, 0.5, { method: 'median' as never }), (e: Error & { code: string }) => e instanceof TypeError && e.code === 'ERR_NDREDUCE_BAD_OPTION' && /"closest_observation"/.test(e.message));
  assert.throws(() => api.median(x, { method: 'linear' } as never), { name: 'TypeError', code: 'ERR_NDREDUCE_UNKNOWN_OPTION' });
  assert.throws(() => api.quantile({ data: new Float64Array(0), shape: [0, 2] }, 0.5, { axis: 0 }), { name: 'RangeError', code: 'ERR_NDREDUCE_ZERO_SIZE' });
  const out = new Float64Array(2);
  assert.equal(api.median(x, { axis: 1, out, threads: 2 }), out);
  assert.deepEqual(out, new Float64Array([2, 5]));
  assert.deepEqual(data, new Float64Array([3, 1, 2, 6, 5, 4]));
  for (const backend of ['native', 'js'] as const) {
    assert.deepEqual(await api.medianAsync(x, { axis: 1, backend }), new Float64Array([2, 5]));
    assert.deepEqual(await api.nanquantileAsync(x, [0.5], { axis: 0, backend }), { data: new Float64Array([4.5, 3, 3]), shape: [1, 3] });
    await assert.rejects(api.percentileAsync(x, 50, { signal: AbortSignal.abort(), backend }), { name: 'AbortError' });
  }
});
