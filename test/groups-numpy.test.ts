// Reductions by label (`by`) against NumPy: every reduction that takes `by`
// x dtypes x layouts (strided, reversed, broadcast, transposed) x axes x
// both backends, with NaN, negative labels (no group) and empty groups,
// checked against an explicit per-group loop in NumPy (each group's
// positions taken along the axis, reduced, stacked back in its place).
// One python3 child computes every NumPy result; missing NumPy fails.
//
// Exact for extremes, arg ops, counts, flags and integer sums; floats'
// sums, means and variances within 1e-12 relative (ours are compensated,
// NumPy's pairwise), 1e-5 for float32 input (NumPy sums it in float32).
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
arrays = {}
def text(v):
    if isinstance(v, (float, np.floating)): return repr(float(v))
    return str(int(v))
ARGS = ('argmin', 'argmax', 'nanargmin', 'nanargmax')
results = []
for job in jobs:
    if job['input'] not in arrays: arrays[job['input']] = np.load(folder + '/' + job['input'])
    a = arrays[job['input']]
    axis, labels, fn = job['axis'], np.array(job['labels'], dtype=np.int64), job['fn']
    try:
        parts = []
        for g in range(job['groups']):
            idx = np.nonzero(labels == g)[0]
            s = np.take(a, idx, axis=axis)
            kw = {}
            if job['ddof'] is not None: kw['ddof'] = job['ddof']
            if job['initial'] is not None: kw['initial'] = job['initial']
            if fn == 'countNonzero': r = np.count_nonzero(s, axis=axis)
            elif fn in ARGS: r = idx[getattr(np, fn)(s, axis=axis)]
            else: r = getattr(np, fn)(s, axis=axis, **kw)
            parts.append(np.asarray(r))
        r = np.stack(parts, axis=axis)
        results.append({'ok': True, 'values': [text(v) for v in np.ravel(r)], 'shape': [int(d) for d in r.shape], 'kind': r.dtype.kind})
    except Exception as e:
        results.append({'ok': False, 'error': type(e).__name__ + ': ' + str(e)})
json.dump(results, open(folder + '/results.json', 'w'))
`;

interface Layout {
  name: string;
  shape: number[];
  strides?: number[];
  offset?: number;
  size: number;
}

const LAYOUTS: Layout[] = [
  { name: '1-D', shape: [9], size: 9 },
  { name: '1-D reversed, every other', shape: [10], strides: [-2], offset: 19, size: 20 },
  { name: 'C 7x6', shape: [7, 6], size: 42 },
  { name: 'Fortran 7x6', shape: [7, 6], strides: [1, 7], size: 42 },
  { name: 'transposed 3-D', shape: [5, 4, 3], strides: [1, 5, 20], size: 60 },
  { name: '3-D negative strides', shape: [5, 4, 3], strides: [-12, 3, -1], offset: 50, size: 60 },
  { name: 'broadcast 6x5 (stride 0)', shape: [6, 5], strides: [0, 1], size: 5 },
];

const FNS = ['min', 'max', 'nanmin', 'nanmax', 'ptp', 'sum', 'nansum', 'prod', 'mean', 'nanmean', 'var', 'nanvar', 'std', 'nanstd', 'argmin', 'argmax', 'nanargmin', 'nanargmax', 'any', 'all', 'countNonzero'];
const NO_IDENTITY = new Set(['min', 'max', 'nanmin', 'nanmax', 'ptp', 'argmin', 'argmax', 'nanargmin', 'nanargmax']);
const TESTED = new Set(['float64', 'float32', 'int64', 'int32', 'uint8']);

/** Small values (products stay exact), NaN in floats, ties. */
function values(d: Dtype, n: number, seed: number): NumericArray {
  const out = new d.ctor(n) as unknown as { [i: number]: number | bigint };
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    let v = d.kind === 'uint' ? s % 4 : (s % 7) - 3;
    if (d.kind === 'float') v = i % 13 === 4 ? NaN : v + (s % 8) / 8;
    out[i] = d.big ? BigInt(v) : v;
  }
  return out as unknown as NumericArray;
}

/** Labels along an axis of length `n`: every group present for the ops
 * without identity, some empty groups and skipped positions otherwise. */
function labelsFor(n: number, full: boolean): { labels: number[]; groups: number } {
  if (full) return { labels: Array.from({ length: n }, (_, i) => (i === 1 ? -1 : i % 3)), groups: Math.min(3, n - 1) };
  return { labels: Array.from({ length: n }, (_, i) => [2, -1, 0, 2, 4, -3][i % 6]), groups: 6 };
}

type Job = { input: string; fn: string; axis: number; labels: number[]; groups: number; ddof: number | null; initial: number | null; x: unknown; dtype: Dtype; where: string };

function jobsFor(folder: string): Job[] {
  const jobs: Job[] = [];
  let file = 0;
  for (const d of DTYPES) {
    if (!TESTED.has(d.name)) continue;
    for (const l of LAYOUTS) {
      const x = { data: values(d, l.size, 11 + file), shape: l.shape, strides: l.strides, offset: l.offset };
      const input = `x${file++}.npy`;
      saveNpy(path.join(folder, input), x);
      const axes = l.shape.length === 1 ? [0] : l.shape.length === 2 ? [0, 1] : [0, 2];
      for (const axis of axes) {
        for (const fn of FNS) {
          if (fn.startsWith('nan') && d.kind !== 'float') continue;
          const n = l.shape[axis];
          const full = NO_IDENTITY.has(fn);
          const { labels, groups } = labelsFor(n, full);
          const ddof = fn.endsWith('var') || fn.endsWith('std') ? (axis === 0 ? 1 : 0) : null;
          const add = (ls: number[], g: number, initial: number | null, tag: string) =>
            jobs.push({ input, fn, axis, labels: ls, groups: g, ddof, initial, x, dtype: d, where: `${fn}(${d.name} ${l.name}, axis ${axis}, by ${JSON.stringify(ls)}, groups ${g}${tag})` });
          add(labels, groups, null, '');
          if (fn === 'max' || fn === 'nanmin') {
            const e = labelsFor(n, false);
            add(e.labels, e.groups, 2, ', initial 2');
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
  const options: Record<string, unknown> = { axis: job.axis, by: job.labels, groups: job.groups, backend };
  if (job.ddof !== null) options.ddof = job.ddof;
  if (job.initial !== null) options.initial = job.dtype.big ? BigInt(job.initial) : job.initial;
  try {
    return { value: f(job.x, options) };
  } catch (error) {
    return { error };
  }
}

function same(got: unknown, want: string, where: string, tolerance: number): void {
  if (typeof got === 'bigint') return assert.equal(got.toString(), want, where);
  const w = want === 'inf' ? Infinity : want === '-inf' ? -Infinity : Number(want);
  const g = got as number;
  if (Number.isNaN(w)) return assert.ok(Number.isNaN(g), `${where}: got ${g}, want NaN`);
  assert.ok(g === w || Math.abs(g - w) <= tolerance * Math.max(1, Math.abs(w)), `${where}: got ${g}, want ${want}`);
}

test('reductions by label match a per-group loop in NumPy over dtypes, layouts, axes and both backends', () => {
  assert.equal(spawnSync(PYTHON, ['-c', 'import numpy'], { encoding: 'utf8' }).status, 0, `${PYTHON} with numpy is required (pip install numpy)`);
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'ndreduce-groups-'));
  try {
    const jobs = jobsFor(folder);
    fs.writeFileSync(path.join(folder, 'jobs.json'), JSON.stringify(jobs.map(({ input, fn, axis, labels, groups, ddof, initial }) => ({ input, fn, axis, labels, groups, ddof, initial }))));
    const run = spawnSync(PYTHON, ['-c', SCRIPT, folder], { encoding: 'utf8', maxBuffer: 1 << 26 });
    assert.equal(run.status, 0, run.stderr);
    const results = JSON.parse(fs.readFileSync(path.join(folder, 'results.json'), 'utf8')) as Result[];
    assert.equal(results.length, jobs.length);
    let compared = 0;
    let refused = 0;
    jobs.forEach((job, k) => {
      const numpy = results[k];
      for (const backend of ['native', 'js']) {
        const where = `${job.where} [${backend}]`;
        const ours = call(job, backend);
        if (!numpy.ok) {
          assert.ok(ours.error instanceof RangeError, `${where}: NumPy raised ${numpy.error}, we gave ${String(ours.error ?? 'a result')}`);
          refused++;
          continue;
        }
        if (ours.error) throw ours.error;
        const r = ours.value as { data: ArrayLike<unknown>; shape: number[] };
        assert.deepEqual(r.shape, numpy.shape, `${where}: shape`);
        const got = Array.from(r.data);
        assert.equal(got.length, numpy.values?.length, `${where}: length`);
        const float = numpy.kind === 'f' && !NO_IDENTITY.has(job.fn);
        const tolerance = !float ? 0 : job.dtype.name === 'float32' ? 1e-5 : 1e-12;
        numpy.values?.forEach((want, i) => same(got[i], want, `${where} [${i}]`, tolerance));
        compared++;
      }
    });
    assert.ok(compared > 500 && refused > 0, `${compared} comparisons, ${refused} refusals`);
  } finally {
    fs.rmSync(folder, { recursive: true, force: true });
  }
});
