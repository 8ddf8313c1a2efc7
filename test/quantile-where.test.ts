// `where` on the quantile family against NumPy: median, nanmedian,
// quantile, nanquantile, percentile, nanpercentile (and a share of their
// *Async twins) x every dtype x methods (all 13 on float64, float32, int8,
// uint64; six on the others) x strided, reversed and broadcast views of x
// x masks (a bare Uint8Array of x's length, a reversed Float32 row with NaN
// and -0 broadcast over the other axes, a transposed Int16 or BigInt64
// view, a nested list of booleans whose first row keeps nothing, a [1]
// mask that keeps nothing) x axes x keepdims x both backends. NumPy's
// reference is the function of each lane's selected elements, a lane at a
// time; a lane left empty is NaN, or (a picking method on integers) a
// RangeError naming the first such lane. Exact where NumPy computes in
// float64; float32 interpolation within 1e-6 (NumPy stays in float32).
// Then weights with a mask, and the errors.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import * as api from '../src/index';
import { saveNpy } from '../src/index';
import type { Axis, NumericArray } from '../src/index';
import { DTYPES } from '../src/spec/dtypes';
import type { Dtype } from '../src/spec/dtypes';
import { METHODS, PICKING } from '../src/quantile/spec';
import type { QuantileMethod } from '../src/quantile/spec';
import { flat, same, values } from './quantile-cases';
import type { Layout } from './nd-cases';

const PYTHON = process.env.PYTHON ?? 'python3';

const SCRIPT = String.raw`
import json, sys, warnings
import numpy as np
warnings.simplefilter('ignore')
folder = sys.argv[1]
jobs = json.load(open(folder + '/jobs.json'))
cache = {}
def load(name):
    if name not in cache: cache[name] = np.load(folder + '/' + name)
    return cache[name]
def text(v):
    if isinstance(v, (float, np.floating)): return repr(float(v))
    return str(int(v))
results = []
for job in jobs:
    a = load(job['input'])
    m = job['mask']
    w = np.array(m['list'], dtype=bool) if 'list' in m else load(m['file'])
    if m.get('bare'): w = w.reshape(a.shape)
    w = np.broadcast_to(w != 0, a.shape)
    axis = job['axis']
    full = tuple(range(a.ndim)) if axis is None else tuple(sorted({x % a.ndim for x in (axis if isinstance(axis, list) else [axis])}))
    kept = [d for i, d in enumerate(a.shape) if i not in full]
    shape = [1 if i in full else d for i, d in enumerate(a.shape)] if job['keepdims'] else kept
    n = int(np.prod([a.shape[i] for i in full]))
    lanes_of = lambda t: np.moveaxis(t, full, list(range(a.ndim - len(full), a.ndim))).reshape(-1, n)
    lanes, keep = lanes_of(a), lanes_of(w)
    f = getattr(np, job['fn'])
    kw = {} if job['method'] is None else {'method': job['method']}
    q = job['q']
    nq = len(q) if isinstance(q, list) else 1
    out, empty = [], []
    for l in range(lanes.shape[0]):
        s = lanes[l][keep[l]]
        if s.size == 0:
            empty.append(l)
            out.append([float('nan')] * nq)
            continue
        r = f(s, **kw) if q is None else f(s, q, **kw)
        out.append(list(np.ravel(r)))
    values = [v for qi in range(nq) for v in (row[qi] for row in out)]
    if isinstance(q, list): shape = [nq] + shape
    results.append({'values': [text(v) for v in values], 'shape': shape, 'empty': empty})
json.dump(results, open(folder + '/results.json', 'w'))
`;

const LAYOUTS: Layout[] = [
  { name: '1-D reversed, every other', shape: [10], strides: [-2], offset: 19, size: 20 },
  { name: 'C 6x7', shape: [6, 7], size: 42 },
  { name: 'Fortran 6x7', shape: [6, 7], strides: [1, 6], size: 42 },
  { name: '3-D negative strides', shape: [3, 4, 5], strides: [-20, 5, -1], offset: 44, size: 60 },
  { name: 'broadcast 4x5 (stride 0)', shape: [4, 5], strides: [0, 1], size: 5 },
];

const count = (shape: readonly number[]) => shape.reduce((p, n) => p * n, 1);
const fortran = (shape: readonly number[]) => shape.map((_, k) => count(shape.slice(0, k)));

/** A nested list of booleans of `shape`; for 2 or more axes, false along the first row of axis 0. */
function boolList(shape: readonly number[], at: readonly number[] = []): unknown {
  if (at.length < shape.length) return Array.from({ length: shape[at.length] }, (_, i) => boolList(shape, [...at, i]));
  const flatIndex = at.reduce((p, i, k) => p * shape[k] + i, 0);
  return !(shape.length > 1 && at[0] === 0) && flatIndex % 3 !== 1;
}

type Mask = { name: string; value: unknown; file?: string; list?: unknown; bare?: boolean };

/** The masks for one x: the value we pass, and what NumPy reads. */
function masksFor(shape: readonly number[], k: number, folder: string, id: string): Mask[] {
  const n = count(shape);
  const last = shape[shape.length - 1];
  const bare = Uint8Array.from({ length: n }, (_, i) => ((i * 7 + k) % 5 < 3 ? 1 : 0));
  const rowData = Float32Array.from({ length: 2 * last }, (_, i) => [NaN, -0, 0.5, 0, 2, 1][(i + k) % 6]);
  const row = { data: rowData, shape: [last], strides: [-2], offset: 2 * last - 2 };
  const T = k % 2 ? Int16Array : BigInt64Array;
  const tData = new T(n) as unknown as { [i: number]: number | bigint };
  for (let i = 0; i < n; i++) tData[i] = T === BigInt64Array ? BigInt((i * 5 + k) % 4 === 0 ? 0 : -i) : (i * 5 + k) % 4 === 0 ? 0 : i;
  const transposed = { data: tData as unknown as NumericArray, shape: [...shape], strides: fortran(shape) };
  const none = { data: new Uint8Array([0]), shape: [1] };
  const saved = (name: string, view: { data: NumericArray; shape: number[]; strides?: number[]; offset?: number }, bare = false): Mask => {
    const file = `${id}-${name}.npy`;
    saveNpy(path.join(folder, file), view);
    return { name, value: bare ? view.data : view, file, bare };
  };
  const list = boolList(shape);
  return [
    saved('bare Uint8Array', { data: bare, shape: [n] }, true),
    saved('reversed Float32 row', row),
    saved(`transposed ${T.name}`, transposed),
    { name: 'nested booleans', value: list, list },
    saved('keeps nothing', none),
  ];
}

function axesFor(ndim: number): Axis[] {
  const out: Axis[] = [0, -1, null];
  if (ndim >= 2) out.push([0, ndim - 1]);
  if (ndim >= 3) out.push(1, [1, 2]);
  return out;
}

const FULL = new Set(['float64', 'float32', 'int8', 'uint64']);
const SOME: QuantileMethod[] = ['linear', 'lower', 'nearest', 'inverted_cdf', 'midpoint', 'median_unbiased'];
const QS = [0, 0.1, 0.25, 0.5, 0.77, 1];

type Job = { input: string; fn: string; q: number | number[] | null; method: QuantileMethod | null; axis: Axis; keepdims: boolean; x: unknown; mask: Mask; dtype: Dtype; where: string };

function jobsFor(folder: string): Job[] {
  const jobs: Job[] = [];
  let file = 0;
  for (const d of DTYPES) {
    if (d.name === 'uint8c') continue;
    const methods = FULL.has(d.name) ? [...METHODS] : SOME;
    for (const l of LAYOUTS) {
      const x = { data: values(d, l.size, 31 + file, -1), shape: l.shape, strides: l.strides, offset: l.offset };
      const id = `x${file++}`;
      const input = `${id}.npy`;
      saveNpy(path.join(folder, input), x);
      const masks = masksFor(l.shape, file, folder, id);
      axesFor(l.shape.length).forEach((axis, k) => {
        const keepdims = k % 2 === 1;
        // Two of the five masks per axis choice, in turn, and the empty one now and then.
        for (const mask of [masks[k % 4], masks[(k + 2) % 4], ...(k === 1 ? [masks[4]] : [])]) {
          const add = (fn: string, q: Job['q'], method: QuantileMethod | null) =>
            jobs.push({ input, fn, q, method, axis, keepdims, x, mask, dtype: d, where: `${fn}(${d.name} ${l.name}, where ${mask.name}, q ${JSON.stringify(q)}, ${method}, axis ${JSON.stringify(axis)}, keepdims ${keepdims})` });
          add('median', null, null);
          add('nanmedian', null, null);
          for (const method of methods) {
            add('quantile', QS, method);
            add('nanquantile', QS, method);
          }
          add('percentile', 33.3, 'linear');
          add('nanpercentile', [10, 99], 'nearest');
          add('quantile', 0.5, 'lower');
        }
      });
    }
  }
  return jobs;
}

type Result = { values: string[]; shape: number[]; empty: number[] };

async function call(job: Job, backend: string, async: boolean): Promise<{ value?: unknown; error?: unknown }> {
  const name = async ? `${job.fn}Async` : job.fn;
  const f = (api as unknown as Record<string, (...a: unknown[]) => unknown>)[name];
  const options: Record<string, unknown> = { axis: job.axis, keepdims: job.keepdims, backend, where: job.mask.value };
  if (job.method !== null) options.method = job.method;
  try {
    return { value: await (job.q === null ? f(job.x, options) : f(job.x, job.q, options)) };
  } catch (error) {
    return { error };
  }
}

function pythonOf(script: string, folder: string, jobs: object[]): unknown[] {
  fs.writeFileSync(path.join(folder, 'jobs.json'), JSON.stringify(jobs));
  const run = spawnSync(PYTHON, ['-c', script, folder], { encoding: 'utf8', maxBuffer: 1 << 26 });
  assert.equal(run.status, 0, run.stderr);
  const results = JSON.parse(fs.readFileSync(path.join(folder, 'results.json'), 'utf8')) as unknown[];
  assert.equal(results.length, jobs.length);
  return results;
}

test('where on the quantile family matches NumPy over dtypes, methods, masks, axes, keepdims and both backends', async () => {
  assert.equal(spawnSync(PYTHON, ['-c', 'import numpy'], { encoding: 'utf8' }).status, 0, `${PYTHON} with numpy is required (pip install numpy)`);
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'ndreduce-qwhere-'));
  try {
    const jobs = jobsFor(folder);
    const wire = jobs.map(({ input, fn, q, method, axis, keepdims, mask }) => ({ input, fn, q, method, axis, keepdims, mask: { file: mask.file, list: mask.list, bare: mask.bare } }));
    const results = pythonOf(SCRIPT, folder, wire) as Result[];
    let compared = 0;
    let emptied = 0;
    for (const [k, job] of jobs.entries()) {
      const numpy = results[k];
      for (const backend of ['native', 'js']) {
        for (const async of k % 5 === 0 ? [false, true] : [false]) {
          const where = `${job.where} [${backend}${async ? ' async' : ''}]`;
          const ours = await call(job, backend, async);
          const picks = job.method !== null && PICKING.includes(job.method);
          if (picks && job.dtype.kind !== 'float' && numpy.empty.length > 0) {
            const e = ours.error as (Error & { code?: string }) | undefined;
            assert.ok(e instanceof RangeError, `${where}: want a RangeError, got ${String(e ?? 'a result')}`);
            assert.equal((e as { code?: string }).code, 'ERR_NDREDUCE_ZERO_SIZE', where);
            assert.match(e.message, new RegExp(`options\\.where keeps no element at output index ${numpy.empty[0]}$`), where);
            emptied++;
            continue;
          }
          if (ours.error) throw ours.error;
          const { values: got, shape } = flat(ours.value);
          if (shape !== undefined) assert.deepEqual(shape, numpy.shape, `${where}: shape`);
          else assert.deepEqual([got.length], [numpy.values.length], `${where}: length`);
          const loose = job.dtype.name === 'float32' && !picks;
          numpy.values.forEach((want, i) => same(got[i], want, `${where} [${i}]`, loose));
          compared++;
        }
      }
    }
    assert.ok(compared > 5000 && emptied > 100, `only ${compared} comparisons, ${emptied} empty-lane errors`);
  } finally {
    fs.rmSync(folder, { recursive: true, force: true });
  }
});

const WEIGHTED = String.raw`
import json, sys
import numpy as np
folder = sys.argv[1]
results = []
for job in json.load(open(folder + '/jobs.json')):
    a = np.array(job['x'], dtype=np.float64).reshape(job['shape'])
    w = np.array(job['weights'], dtype=np.float64)
    w = w.reshape(a.shape) if job['full'] else np.broadcast_to(w.reshape(-1, 1) if job['axis'] == 0 else w, a.shape)
    m = np.array(job['mask'], dtype=bool).reshape(a.shape)
    lanes = lambda t: np.moveaxis(t, job['axis'], -1).reshape(-1, a.shape[job['axis']])
    out = []
    for s, sw, sm in zip(lanes(a), lanes(w), lanes(m)):
        out.append([repr(float(v)) for v in np.ravel(np.quantile(s[sm], job['q'], method='inverted_cdf', weights=sw[sm]))] if sm.any() else None)
    results.append(out)
json.dump(results, open(folder + '/results.json', 'w'))
`;

test('weights with where: masked-out elements are dropped with their weights, as NumPy of the selected ones', () => {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'ndreduce-qwhere-w-'));
  try {
    const shape = [5, 6];
    const x = Float64Array.from({ length: 30 }, (_, i) => ((i * 13) % 11) - 4);
    const mask = Uint8Array.from({ length: 30 }, (_, i) => (i % 4 === 1 || i < 6 ? 0 : 1));
    const jobs: { axis: number; full: boolean; weights: number[] }[] = [];
    for (const axis of [0, 1]) {
      jobs.push({ axis, full: false, weights: Array.from({ length: shape[axis] }, (_, i) => [0, 1, 3, 0.5, 2, 1][i]) });
      jobs.push({ axis, full: true, weights: Array.from({ length: 30 }, (_, i) => (i * 7) % 5) });
    }
    const q = [0, 0.2, 0.5, 0.9, 1];
    const results = pythonOf(WEIGHTED, folder, jobs.map((j) => ({ ...j, q, x: [...x], shape, mask: [...mask] }))) as (string[] | null)[][];
    for (const [k, job] of jobs.entries()) {
      const weights = job.full ? { data: Float64Array.from(job.weights), shape } : job.weights;
      for (const backend of ['native', 'js'] as const) {
        const got = api.quantile({ data: x, shape }, q, { axis: job.axis, method: 'inverted_cdf', weights, where: { data: mask, shape }, backend });
        const lanes = results[k].length;
        results[k].forEach((lane, l) => {
          for (let qi = 0; qi < q.length; qi++) {
            const where = `axis ${job.axis} full ${job.full} lane ${l} q ${q[qi]} [${backend}]`;
            same(got.data[qi * lanes + l], lane === null ? 'nan' : lane[qi], where, false);
          }
        });
      }
    }
    // The mask empties lane 0 along axis 1: an integer result has no value there.
    const ints = { data: Int32Array.from(x), shape };
    for (const backend of ['native', 'js'] as const) {
      assert.throws(() => api.quantile(ints, 0.5, { axis: 1, method: 'inverted_cdf', weights: [1, 1, 1, 1, 1, 1], where: { data: mask, shape }, backend }), {
        name: 'RangeError',
        code: 'ERR_NDREDUCE_ZERO_SIZE',
        message: /output index 0$/,
      });
    }
  } finally {
    fs.rmSync(folder, { recursive: true, force: true });
  }
});

test('where on the quantile family: checked like the reductions, copied once by async calls', async () => {
  const x = { data: new Float64Array([3, 1, 2, 6, 5, 4]), shape: [2, 3] };
  for (const backend of ['native', 'js'] as const) {
    assert.throws(() => api.median(x, { where: { data: new Uint8Array(2), shape: [2] }, backend }), {
      name: 'RangeError',
      code: 'ERR_NDREDUCE_BAD_OPTION',
      message: /^options\.where of shape \[2\] does not broadcast to x's shape \[2, 3\]/,
    });
    assert.throws(() => api.quantile(x, 0.5, { where: 'yes' as never, backend }), (e: Error & { code: string }) => e instanceof TypeError && /options\.where/.test(e.message));
    assert.throws(() => api.quantile(x, 0.5, { method: 'linear', weights: [1, 1, 1], axis: 1, where: [true, false, true], backend }), {
      name: 'TypeError',
      code: 'ERR_NDREDUCE_BAD_OPTION',
      message: /takes method "inverted_cdf" only/,
    });
    assert.deepEqual(api.nanmedian(x, { axis: 1, where: [true, false, true], backend }), new Float64Array([2.5, 5]));
    assert.deepEqual(api.quantile(x, 0.5, { axis: 1, method: 'higher', where: [[false, false, false], [true, true, false]], backend }), new Float64Array([NaN, 6]));
    // A mask on an ordinary buffer, changed right after the call: the call read it first.
    const where = new Uint8Array([1, 0, 1, 0, 1, 1]);
    const pending = api.medianAsync(x, { axis: 1, where, backend });
    where.fill(0);
    assert.deepEqual(await pending, new Float64Array([2.5, 4.5]));
    await assert.rejects(api.quantileAsync({ data: new Int8Array([1, 2, 3, 4]), shape: [2, 2] }, 0.5, { axis: 1, method: 'lower', where: [[true, true], [false, false]], backend }), {
      name: 'RangeError',
      code: 'ERR_NDREDUCE_ZERO_SIZE',
      message: /output index 1$/,
    });
  }
});
