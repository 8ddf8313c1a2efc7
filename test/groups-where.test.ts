// `by` with `where` against NumPy: every reduction that takes `by` x
// dtypes x layouts (strided, reversed, broadcast views) x masks (a full
// Uint8Array, a reversed Float32 row broadcast over the leading axes, a
// transposed Int16 view, one that drops a whole group) x axes x both
// backends, sync and (on a subset) async. NumPy's side is an explicit
// loop: for each group, its positions taken along the axis with the
// mask's, and each lane's selected elements reduced by NumPy (empty: the
// op's empty rule, an error naming the first empty group in result order
// for the ops without identity). Tolerances as test/groups-numpy.test.ts.
// The properties without NumPy are in groups-where-property.test.ts.
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
import type { Layout } from './nd-cases';

const PYTHON = process.env.PYTHON ?? 'python3';

const SCRIPT = String.raw`
import json, sys, warnings
import numpy as np
warnings.simplefilter('ignore')
folder = sys.argv[1]
jobs = json.load(open(folder + '/jobs.json'))
arrays = {}
def load(name):
    if name not in arrays: arrays[name] = np.load(folder + '/' + name)
    return arrays[name]
def text(v):
    if isinstance(v, (bool, np.bool_)): return str(int(v))
    if isinstance(v, (float, np.floating)): return repr(float(v))
    return str(int(v))
class Empty(Exception): pass
def lane(fn, pos, s, kw):
    if fn in ('argmin', 'argmax', 'nanargmin', 'nanargmax'):
        if len(s) == 0: raise Empty()
        return pos[getattr(np, fn)(s)]
    if fn == 'countNonzero': return np.count_nonzero(s)
    if fn == 'ptp':
        if len(s) == 0: raise Empty()
        return np.ptp(s)
    if fn in ('min', 'max', 'nanmin', 'nanmax'):
        if 'initial' in kw: return getattr(np, fn)(s, initial=kw['initial'])
        if len(s) == 0: raise Empty()
        return getattr(np, fn)(s)
    if fn in ('var', 'nanvar', 'std', 'nanstd'): return getattr(np, fn)(s, ddof=kw.get('ddof', 0))
    return getattr(np, fn)(s)
results = []
for job in jobs:
    a = load(job['input'])
    w = np.broadcast_to(load(job['mask']) != 0, a.shape)
    axis, fn, groups = job['axis'], job['fn'], job['groups']
    labels = np.array(job['labels'], dtype=np.int64)
    kw = {k: v for k, v in job['kw'].items() if v is not None}
    am, wm = np.moveaxis(a, axis, -1), np.moveaxis(w, axis, -1)
    lead = am.shape[:-1]
    lx, lw = am.reshape(-1, am.shape[-1]), wm.reshape(-1, am.shape[-1])
    before = int(np.prod(a.shape[:axis], dtype=np.int64))
    after = int(np.prod(a.shape[axis + 1:], dtype=np.int64))
    out = [None] * (before * groups * after)
    first = None
    try:
        for q in range(lx.shape[0]):
            b, c = divmod(q, after)
            for g in range(groups):
                sel = (labels == g) & lw[q]
                pos = np.nonzero(sel)[0]
                k = (b * groups + g) * after + c
                try:
                    out[k] = lane(fn, pos, lx[q][sel], kw)
                except Empty:
                    if first is None or k < first[0]: first = (k, g)
                except ValueError as e:
                    raise RuntimeError(str(e))
        if first is not None:
            results.append({'ok': False, 'error': 'empty', 'index': first[0], 'group': first[1]})
            continue
        shape = list(a.shape)
        shape[axis] = groups
        results.append({'ok': True, 'values': [text(v) for v in out], 'shape': shape})
    except RuntimeError as e:
        results.append({'ok': False, 'error': str(e)})
json.dump(results, open(folder + '/results.json', 'w'))
`;

const LAYOUTS: Layout[] = [
  { name: '1-D reversed, every other', shape: [10], strides: [-2], offset: 19, size: 20 },
  { name: 'C 7x6', shape: [7, 6], size: 42 },
  { name: 'Fortran 7x6', shape: [7, 6], strides: [1, 7], size: 42 },
  { name: '3-D negative strides', shape: [5, 4, 3], strides: [-12, 3, -1], offset: 50, size: 60 },
  { name: 'transposed 3-D', shape: [5, 4, 3], strides: [1, 5, 20], size: 60 },
  { name: 'broadcast 6x5 (stride 0)', shape: [6, 5], strides: [0, 1], size: 5 },
];

const FNS = ['min', 'max', 'nanmin', 'nanmax', 'ptp', 'sum', 'nansum', 'prod', 'mean', 'nanmean', 'var', 'nanvar', 'std', 'nanstd', 'argmin', 'argmax', 'nanargmin', 'nanargmax', 'any', 'all', 'countNonzero'];
const NO_IDENTITY = new Set(['min', 'max', 'nanmin', 'nanmax', 'ptp', 'argmin', 'argmax', 'nanargmin', 'nanargmax']);
const TESTED = new Set(['float64', 'float32', 'int64', 'int32', 'int16', 'uint8']);

type Values = { [i: number]: number | bigint; length: number };

/** Small values (products stay exact), NaN in floats, ties. */
function values(d: Dtype, n: number, seed: number): NumericArray {
  const out = new d.ctor(n) as unknown as Values;
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    let v = d.kind === 'uint' ? s % 4 : (s % 7) - 3;
    if (d.kind === 'float') v = i % 13 === 4 ? NaN : v + (s % 8) / 8;
    out[i] = d.big ? BigInt(v) : v;
  }
  return out as unknown as NumericArray;
}

/** Labels along an axis of length `n`: a negative one (no group), every
 * group present (`full`), or some groups empty by their labels. */
function labelsFor(n: number, full: boolean): { labels: number[]; groups: number } {
  if (full) return { labels: Array.from({ length: n }, (_, i) => (i === n - 1 && n > 3 ? -1 : i % 3)), groups: Math.min(3, n) };
  return { labels: Array.from({ length: n }, (_, i) => [2, -1, 0, 2, 4, -3][i % 6]), groups: 6 };
}

/** Deterministic 0/1 flags, about two thirds ones. */
const flags = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => ((i * 7 + seed) % 3 === 0 ? 0 : 1));

interface Mask {
  name: string;
  /** NumPy's twin: C order, of a shape that broadcasts to x's. */
  numpy: Uint8Array;
  numpyShape: number[];
  ours: unknown;
}

/** The masks for x of `shape` reduced along `axis` by `labels`. */
function masks(shape: number[], axis: number, labels: number[]): Mask[] {
  const n = shape.reduce((a, b) => a * b, 1);
  const last = shape[shape.length - 1];
  const full = flags(n, 1);
  // A reversed Float32 row (-0 is false, NaN true), broadcast over the leading axes.
  const rowValues = Float32Array.from({ length: 2 * last }, (_, i) => (i % 2 ? 9 : i % 6 === 0 ? -0 : i % 6 === 2 ? NaN : 0.5));
  const row = { data: rowValues, shape: [last], strides: [-2], offset: 2 * last - 2 };
  const rowFlags = Uint8Array.from({ length: last }, (_, j) => (rowValues[2 * last - 2 - 2 * j] !== 0 ? 1 : 0));
  // A transposed Int16 view: its data in Fortran order over `shape`.
  const tflags = flags(n, 2);
  const fortran = new Int16Array(n);
  for (let k = 0; k < n; k++) {
    let rest = k;
    let c = 0;
    const idx = shape.map((len) => {
      const i = rest % len;
      rest = Math.floor(rest / len);
      return i;
    });
    for (let a = 0; a < shape.length; a++) c = c * shape[a] + idx[a];
    fortran[k] = tflags[c] ? -3 : 0;
  }
  const fStrides = shape.map((_, a) => shape.slice(0, a).reduce((p, q) => p * q, 1));
  // Along the axis only (length 1 elsewhere): drops every position of group 0.
  const alongShape = shape.map((len, k) => (k === axis ? len : 1));
  const along = Uint8Array.from(labels, (l) => (l === 0 ? 0 : 1));
  return [
    { name: 'full Uint8Array', numpy: full, numpyShape: shape, ours: shape.length === 1 ? full : { data: full, shape } },
    { name: 'reversed Float32 row', numpy: rowFlags, numpyShape: [last], ours: row },
    { name: 'transposed Int16', numpy: tflags, numpyShape: shape, ours: { data: fortran, shape, strides: fStrides, offset: 0 } },
    { name: 'group 0 dropped', numpy: along, numpyShape: alongShape, ours: { data: along, shape: alongShape } },
  ];
}

type Job = {
  input: string;
  mask: string;
  fn: string;
  axis: number;
  labels: number[];
  groups: number;
  kw: { ddof?: number; initial?: number };
  x: unknown;
  where: unknown;
  dtype: Dtype;
  async: boolean;
  at: string;
};

function jobsFor(folder: string): Job[] {
  const jobs: Job[] = [];
  let file = 0;
  for (const d of DTYPES) {
    if (!TESTED.has(d.name)) continue;
    for (const l of LAYOUTS) {
      const x = { data: values(d, l.size, 11 + file), shape: l.shape, strides: l.strides, offset: l.offset };
      const input = `x${file++}.npy`;
      saveNpy(path.join(folder, input), x);
      const nd = l.shape.length;
      for (let axis = 0; axis < nd; axis++) {
        if (nd === 3 && axis === 1 && d.name !== 'float64') continue;
        for (const full of [true, false]) {
          const { labels, groups } = labelsFor(l.shape[axis], full);
          for (const m of masks(l.shape, axis, labels)) {
            const mask = `m${file++}.npy`;
            saveNpy(path.join(folder, mask), { data: m.numpy, shape: m.numpyShape });
            for (const fn of FNS) {
              if (fn.startsWith('nan') && d.kind !== 'float') continue;
              const variants: Job['kw'][] = [];
              if (NO_IDENTITY.has(fn) === full) variants.push(fn.endsWith('var') || fn.endsWith('std') ? { ddof: axis === 0 ? 1 : 0 } : {});
              if ((fn === 'max' || fn === 'min' || fn === 'nanmin') && !full) variants.push({ initial: 2 });
              for (const kw of variants) {
                for (const async of [false, true]) {
                  // Async on a subset, to keep the test short.
                  if (async && (m.name !== 'transposed Int16' || d.name === 'int32')) continue;
                  const at = `${fn}(${d.name} ${l.name}, axis ${axis}, by ${JSON.stringify(labels)}, groups ${groups}, where ${m.name}, ${JSON.stringify(kw)}${async ? ', async' : ''})`;
                  jobs.push({ input, mask, fn, axis, labels, groups, kw, x, where: m.ours, dtype: d, async, at });
                }
              }
            }
          }
        }
      }
    }
  }
  return jobs;
}

type Result = { ok: boolean; error?: string; values?: string[]; shape?: number[]; index?: number; group?: number };
type Outcome = { value?: { data: ArrayLike<unknown>; shape: number[] }; error?: unknown };

async function call(job: Job, backend: string): Promise<Outcome> {
  const nanArg = job.fn.startsWith('nanarg');
  const name = job.async ? `${nanArg ? job.fn.slice(3) : job.fn}Async` : job.fn;
  const f = (api as unknown as Record<string, (...a: unknown[]) => unknown>)[name];
  const options: Record<string, unknown> = { axis: job.axis, by: job.labels, groups: job.groups, where: job.where, backend };
  if (job.async && nanArg) options.ignoreNaN = true;
  if (job.kw.ddof !== undefined) options.ddof = job.kw.ddof;
  if (job.kw.initial !== undefined) options.initial = job.dtype.big ? BigInt(job.kw.initial) : job.kw.initial;
  try {
    return { value: (await f(job.x, options)) as Outcome['value'] };
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

test('by with where matches a per-group, per-lane loop in NumPy over dtypes, layouts, masks, axes and both backends', async () => {
  assert.equal(spawnSync(PYTHON, ['-c', 'import numpy'], { encoding: 'utf8' }).status, 0, `${PYTHON} with numpy is required (pip install numpy)`);
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'ndreduce-groups-where-'));
  try {
    const jobs = jobsFor(folder);
    const wire = jobs.map(({ input, mask, fn, axis, labels, groups, kw }) => ({ input, mask, fn, axis, labels, groups, kw }));
    fs.writeFileSync(path.join(folder, 'jobs.json'), JSON.stringify(wire));
    const run = spawnSync(PYTHON, ['-c', SCRIPT, folder], { encoding: 'utf8', maxBuffer: 1 << 27 });
    assert.equal(run.status, 0, run.stderr);
    const results = JSON.parse(fs.readFileSync(path.join(folder, 'results.json'), 'utf8')) as Result[];
    assert.equal(results.length, jobs.length);
    let compared = 0;
    let emptied = 0;
    for (const [k, job] of jobs.entries()) {
      const numpy = results[k];
      for (const backend of ['native', 'js']) {
        const where = `${job.at} [${backend}]`;
        const ours = await call(job, backend);
        if (!numpy.ok) {
          const e = ours.error as Error & { code?: string };
          assert.ok(e instanceof RangeError, `${where}: NumPy raised ${numpy.error}, we gave ${String(ours.error ?? 'a result')}`);
          if (numpy.error === 'empty') {
            assert.equal(e.code, 'ERR_NDREDUCE_ZERO_SIZE', `${where}: ${e.message}`);
            assert.ok(e.message.endsWith(`options.where keeps no element of group ${numpy.group} at output index ${numpy.index}`), `${where}: ${e.message}`);
            emptied++;
          }
          continue;
        }
        if (ours.error) throw Object.assign(ours.error as Error, { message: `${where}: ${(ours.error as Error).message}` });
        const r = ours.value as { data: ArrayLike<unknown>; shape: number[] };
        assert.deepEqual(r.shape, numpy.shape, `${where}: shape`);
        const got = Array.from(r.data);
        assert.equal(got.length, numpy.values?.length, `${where}: length`);
        const float = job.dtype.kind === 'float' || ['mean', 'var', 'std'].includes(job.fn);
        const tolerance = NO_IDENTITY.has(job.fn) || !float ? 0 : job.dtype.name === 'float32' ? 1e-5 : 1e-12;
        numpy.values?.forEach((want, i) => same(got[i], want, `${where} [${i}]`, tolerance));
        compared++;
      }
    }
    assert.ok(compared > 2000 && emptied > 100, `${compared} comparisons, ${emptied} empty groups named`);
  } finally {
    fs.rmSync(folder, { recursive: true, force: true });
  }
});
