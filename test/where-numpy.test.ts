// `where` against NumPy: every reduction x dtype x layout x mask kind x
// axis choice x keepdims x backend, sync and async. NumPy computes each
// with its own `where=` where it has one (sum, prod, mean, var, std and
// their nan twins, any, all, and min/max with `initial`), and otherwise
// (arg ops, ptp, minmax, count_nonzero, min/max without `initial`) by an
// explicit loop over each lane's selected values. Masks: a full-shape
// Uint8Array, a reversed Float32 row broadcast along the other axes, a
// transposed Int16 view, a nested list of booleans, and one that empties
// a lane (the empty rules: an error for min/max/arg/ptp, identity or NaN
// for the rest). Exact agreement except float sums and moments, within
// the tolerance of test/reduce-numpy.test.ts.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import * as api from '../src/index';
import { resultShape, saveNpy } from '../src/index';
import { DTYPES, LAYOUTS, fillValues, viewOf } from './nd-cases';
import type { Layout } from './nd-cases';

const PYTHON = process.env.PYTHON ?? 'python3';
// NumPy is required: CI installs it (.ci/run); a missing module fails here.

const SCRIPT = String.raw`
import json, sys, warnings
import numpy as np
warnings.simplefilter('ignore')
folder = sys.argv[1]
jobs = json.load(open(folder + '/jobs.json'))
arrays = {}
WHERE = {'sum', 'nansum', 'prod', 'mean', 'nanmean', 'var', 'nanvar', 'std', 'nanstd', 'any', 'all'}
ROUNDED = ('sum', 'nansum', 'prod', 'mean', 'nanmean', 'var', 'nanvar', 'std', 'nanstd')
def text(v):
    if isinstance(v, (bool, np.bool_)): return str(int(v))
    if isinstance(v, (float, np.floating)): return repr(float(v))
    return str(int(v))
def lane_op(op, s, kw):
    if op in ('argmin', 'argmax', 'nanargmin', 'nanargmax'):
        idx, vals = s
        if len(vals) == 0: raise ValueError('empty lane')
        return idx[getattr(np, op)(vals)]
    if op == 'ptp':
        if len(s) == 0: raise ValueError('empty lane')
        return np.ptp(s)
    if op == 'countNonzero': return np.count_nonzero(s)
    if op in ('min', 'max', 'nanmin', 'nanmax'):
        if len(s) == 0 and 'initial' not in kw: raise ValueError('empty lane')
        return getattr(np, op)(s, **({'initial': kw['initial']} if 'initial' in kw else {}))
    raise KeyError(op)
def run(a, w, op, axes, keepdims, kw):
    w = np.broadcast_to(w != 0, a.shape)
    full = tuple(range(a.ndim)) if axes is None else tuple(sorted(x % a.ndim for x in axes))
    kshape = [1 if i in full else d for i, d in enumerate(a.shape)]
    kept = [d for i, d in enumerate(a.shape) if i not in full]
    n = int(np.prod([a.shape[i] for i in full]))
    shape = kshape if keepdims else kept
    mv = lambda t: np.moveaxis(t, full, list(range(a.ndim - len(full), a.ndim))).reshape(kept + [n])
    m, mw = mv(a), mv(w)
    kind = a.dtype.kind
    scale = None
    if op in ('sum', 'nansum', 'prod') and kind in 'iu' and kw.get('dtype') != 'float64':
        obj = np.where(mw, m.astype(object), 1 if op == 'prod' else 0)
        r = np.prod(obj, -1) if op == 'prod' else np.sum(obj, -1)
        if n == 0: r = np.full(kept, 1 if op == 'prod' else 0, dtype=object)
        lo, hi = (-2**63, 2**63 - 1) if kind == 'i' else (0, 2**64 - 1)
        if any(v < lo or v > hi for v in np.ravel(r)): raise OverflowError('does not fit')
        return np.ravel(r), shape, None
    if op in WHERE:
        f = m.astype(np.float64) if (kind == 'f' or op in ROUNDED) else m
        extra = {'ddof': kw['ddof']} if 'ddof' in kw else {}
        if op in ROUNDED: extra['dtype'] = np.float64
        r = getattr(np, op)(f, -1, where=mw, **extra)
        if op in ROUNDED:
            g = m.astype(np.float64)
            skip = op.startswith('nan')
            keep = mw & ~np.isnan(g) if skip else mw
            count = np.sum(keep, -1).astype(np.float64)
            g = np.where(keep, np.where(np.isnan(g), 0, g) if skip else g, 0)
            base = op[3:] if skip else op
            if base == 'prod': scale = np.abs(r)
            elif base == 'sum': scale = np.sum(np.abs(g), -1)
            elif base == 'mean': scale = np.sum(np.abs(g), -1) / count
            else:
                mu = np.abs(np.sum(g, -1) / count)
                v = np.sum(np.where(keep, (np.abs(g) + mu[..., None]) ** 2, 0), -1) / (count - kw.get('ddof', 0))
                scale = v if base == 'var' else np.sqrt(v)
            scale = np.ravel(scale)
        return np.ravel(r), shape, scale
    if 'initial' in kw and op in ('min', 'max', 'nanmin', 'nanmax'):
        return np.ravel(getattr(np, op)(m, -1, where=mw, initial=kw['initial'])), shape, None
    lanes_x, lanes_w = m.reshape(-1, n), mw.reshape(-1, n)
    out = []
    for lx, lw in zip(lanes_x, lanes_w):
        if op == 'minmax':
            if not lw.any(): raise ValueError('empty lane')
            continue
        s = (np.nonzero(lw)[0], lx[lw]) if 'arg' in op else lx[lw]
        out.append(lane_op(op, s, kw))
    if op == 'minmax':
        return np.concatenate([np.ravel(np.min(np.where(mw, m, np.inf if kind == 'f' else np.iinfo(m.dtype).max), -1)), np.ravel(np.max(np.where(mw, m, -np.inf if kind == 'f' else np.iinfo(m.dtype).min), -1))]), shape, None
    return np.array(out), shape, None
results = []
for job in jobs:
    for key in ('input', 'mask'):
        if job[key] not in arrays: arrays[job[key]] = np.load(folder + '/' + job[key])
    try:
        r, shape, scale = run(arrays[job['input']], arrays[job['mask']], job['op'], job['axes'], job['keepdims'], job['kw'])
        out = {'ok': True, 'values': [text(v) for v in r], 'shape': [int(d) for d in shape]}
        if scale is not None: out['scale'] = [text(v) for v in scale]
        results.append(out)
    except Exception as e:
        results.append({'ok': False, 'error': str(e)})
json.dump(results, open(folder + '/results.json', 'w'))
`;

type Fn = (x: unknown, o?: unknown) => unknown;
const fn = (name: string) => (api as unknown as Record<string, Fn>)[name];

const OPS: [name: string, variants: Record<string, unknown>[]][] = [
  ['min', [{}, { initial: 'low' }]],
  ['max', [{}, { initial: 'low' }]],
  ['nanmin', [{}]],
  ['nanmax', [{}]],
  ['minmax', [{}]],
  ['ptp', [{}]],
  ['sum', [{}]],
  ['nansum', [{}]],
  ['prod', [{}]],
  ['mean', [{}]],
  ['nanmean', [{}]],
  ['var', [{}, { ddof: 1 }]],
  ['nanvar', [{}]],
  ['std', [{}]],
  ['nanstd', [{}]],
  ['argmin', [{}]],
  ['argmax', [{}]],
  ['nanargmin', [{}]],
  ['nanargmax', [{}]],
  ['any', [{}]],
  ['all', [{}]],
  ['countNonzero', [{}]],
];

const ours = (name: string): Fn => {
  if (name === 'nanargmin' || name === 'nanargmax') return (x, o) => fn(name.slice(3))(x, { ...(o as object), ignoreNaN: true });
  return fn(name);
};

const WHERE_DTYPES = DTYPES.filter((d) => ['int8', 'uint16', 'int32', 'int64', 'uint64', 'float32', 'float64'].includes(d.name));
const WHERE_LAYOUTS = LAYOUTS.filter((l) => ['1-D reversed, every other', 'Fortran 7x11', 'transposed 3-D', '3-D negative strides', 'broadcast row'].includes(l.name));

/** Deterministic 0/1 flags, about two thirds ones. */
const flags = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => ((i * 7 + seed) % 3 === 0 ? 0 : 1));

/** The masks for shape `shape`: their NumPy twin (C order, broadcastable) and ours. */
function masks(shape: number[]): { name: string; numpy: Uint8Array; numpyShape: number[]; ours: unknown }[] {
  const n = shape.reduce((a, b) => a * b, 1);
  const last = shape[shape.length - 1];
  const full = flags(n, 1);
  // A reversed Float32 row (-0 is false, NaN true), broadcast over the leading axes.
  const rowValues = Float32Array.from({ length: 2 * last }, (_, i) => (i % 2 ? 9 : i % 6 === 0 ? -0 : i % 6 === 2 ? NaN : 0.5));
  const row = { data: rowValues, shape: [last], strides: [-2], offset: 2 * last - 2 };
  const rowFlags = Uint8Array.from({ length: last }, (_, j) => (rowValues[2 * last - 2 - 2 * j] !== 0 ? 1 : 0));
  // A transposed Int16 view: its data in Fortran order over `shape`.
  const fortran = new Int16Array(n);
  const cIndex = (k: number) => {
    // Fortran position k -> C position.
    let rest = k;
    const idx = shape.map(() => 0);
    for (let a = 0; a < shape.length; a++) {
      idx[a] = rest % shape[a];
      rest = Math.floor(rest / shape[a]);
    }
    return idx.reduce((acc, i, a) => acc * shape[a] + i, 0);
  };
  const tflags = flags(n, 2);
  for (let k = 0; k < n; k++) fortran[k] = tflags[cIndex(k)] ? -3 : 0;
  const fStrides = shape.map((_, a) => shape.slice(0, a).reduce((p, q) => p * q, 1));
  // A nested list of booleans, with the first lane along the last axis empty.
  const nestedFlags = flags(n, 0);
  for (let j = 0; j < last; j++) nestedFlags[j] = 0;
  const nest = (at: number, depth: number): unknown => {
    if (depth === shape.length) return nestedFlags[at] === 1;
    const stride = shape.slice(depth + 1).reduce((p, q) => p * q, 1);
    return Array.from({ length: shape[depth] }, (_, i) => nest(at + i * stride, depth + 1));
  };
  return [
    { name: 'full Uint8Array', numpy: full, numpyShape: shape, ours: shape.length === 1 ? full : { data: full, shape } },
    { name: 'reversed Float32 row', numpy: rowFlags, numpyShape: [last], ours: row },
    { name: 'transposed Int16', numpy: tflags, numpyShape: shape, ours: { data: fortran, shape, strides: fStrides, offset: 0 } },
    { name: 'nested booleans, one empty lane', numpy: nestedFlags, numpyShape: shape, ours: nest(0, 0) },
  ];
}

interface Job {
  input: string;
  mask: string;
  op: string;
  axes: number[] | null;
  keepdims: boolean;
  kw: Record<string, unknown>;
  where: string;
  ours: { values?: unknown[]; shape?: number[]; error?: Error };
}

function flatten(result: unknown, x: unknown, options: Record<string, unknown>): { values: unknown[]; shape: number[] } {
  const shape = resultShape(x, { axis: options.axis, keepdims: options.keepdims });
  const list = (r: unknown): unknown[] => {
    if (typeof r === 'boolean') return [r ? 1 : 0];
    if (ArrayBuffer.isView(r)) return Array.from(r as unknown as ArrayLike<unknown>);
    if (r !== null && typeof r === 'object' && 'data' in r) return list((r as { data: unknown }).data);
    if (r !== null && typeof r === 'object') return [...list((r as { min: unknown }).min), ...list((r as { max: unknown }).max)];
    return [r];
  };
  return { values: list(result), shape };
}

const parse = (s: string) => (s === 'inf' ? Infinity : s === '-inf' ? -Infinity : Number(s));
const ROUNDED = new Set(['sum', 'nansum', 'prod', 'mean', 'nanmean', 'var', 'nanvar', 'std', 'nanstd']);

test('where: every reduction, dtype, layout, mask and axis agrees with NumPy', async () => {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'ndreduce-where-'));
  try {
    const jobs: Job[] = [];
    let file = 0;
    for (const dtype of WHERE_DTYPES) {
      for (const layout of WHERE_LAYOUTS) {
        const x = viewOf(fillValues(dtype, layout.size, 5) as never, layout as Layout);
        const input = `x-${file++}.npy`;
        saveNpy(path.join(folder, input), x as never);
        const nd = layout.shape.length;
        const axisChoices = nd === 1 ? [0, null] : nd === 2 ? [0, -1, null] : [0, -1, [0, 2]];
        for (const mask of masks(layout.shape)) {
          const maskFile = `m-${file++}.npy`;
          saveNpy(path.join(folder, maskFile), { data: mask.numpy, shape: mask.numpyShape } as never);
          for (const axis of axisChoices) {
            for (const [op, variants] of OPS) {
              for (const variant of variants) {
                for (const [keepdims, backend, async] of [[false, 'native', false], [true, 'js', false], [false, 'native', true], [true, 'js', true]] as const) {
                  // Async on a subset, to keep the test short.
                  if (async && (mask.name !== 'reversed Float32 row' || axis === null)) continue;
                  const kw = { ...variant };
                  if (kw.initial === 'low') kw.initial = dtype.big ? 0n : dtype.kind === 'float' ? -0.5 : 7;
                  const options: Record<string, unknown> = { axis, keepdims, backend, where: mask.ours, ...kw };
                  let result: Job['ours'];
                  try {
                    const r = async ? await (fn(`${op.startsWith('nanarg') ? op.slice(3) : op}Async`) as (x: unknown, o: unknown) => Promise<unknown>)(x, op.startsWith('nanarg') ? { ...options, ignoreNaN: true } : options) : ours(op)(x, options);
                    result = flatten(r, x, options);
                  } catch (error) {
                    result = { error: error as Error };
                  }
                  const axes = axis === null ? null : typeof axis === 'number' ? [axis] : [...axis];
                  const where = `${dtype.name} ${layout.name} mask ${mask.name} ${op} ${JSON.stringify({ axis, keepdims, backend, async, ...kw }, (_, v) => (typeof v === 'bigint' ? `${v}n` : v))}`;
                  jobs.push({ input, mask: maskFile, op, axes, keepdims, kw, where, ours: result });
                }
              }
            }
          }
        }
      }
    }
    const wire = jobs.map(({ input, mask, op, axes, keepdims, kw }) => ({ input, mask, op, axes, keepdims, kw: { ...kw, initial: typeof kw.initial === 'bigint' ? Number(kw.initial) : kw.initial } }));
    fs.writeFileSync(path.join(folder, 'jobs.json'), JSON.stringify(wire));
    const run = spawnSync(PYTHON, ['-c', SCRIPT, folder], { encoding: 'utf8', maxBuffer: 1 << 26 });
    assert.equal(run.status, 0, run.stderr);
    type Result = { ok: boolean; error?: string; values?: string[]; shape?: number[]; scale?: string[] };
    const results = JSON.parse(fs.readFileSync(path.join(folder, 'results.json'), 'utf8')) as Result[];
    assert.equal(results.length, jobs.length);
    let compared = 0;
    let emptyErrors = 0;
    jobs.forEach((job, k) => {
      const numpy = results[k];
      if (!numpy.ok) {
        assert.ok(job.ours.error, `${job.where}: NumPy raised "${numpy.error}", we returned ${job.ours.values}`);
        assert.ok(job.ours.error instanceof RangeError, `${job.where}: ${job.ours.error}`);
        if (numpy.error === 'empty lane') {
          assert.equal((job.ours.error as Error & { code?: string }).code, 'ERR_NDREDUCE_ZERO_SIZE', `${job.where}: ${job.ours.error.message}`);
          assert.match(job.ours.error.message, /options\.where keeps no element at output index \d+/, job.where);
          emptyErrors++;
        }
        return;
      }
      assert.ok(!job.ours.error, `${job.where}: we raised "${job.ours.error?.message}", NumPy did not`);
      const got = job.ours.values!;
      assert.deepEqual(job.ours.shape, numpy.shape, `${job.where}: shape`);
      assert.equal(got.length, numpy.values!.length, `${job.where}: length`);
      const rounded = ROUNDED.has(job.op) && numpy.scale !== undefined;
      got.forEach((g, i) => {
        const w = numpy.values![i];
        const at = `${job.where} [${i}]: ours ${g}, NumPy ${w}`;
        if (!rounded) {
          const same = String(g) === w || (typeof g === 'number' && (g === parse(w) || (g !== g && w === 'nan')));
          return assert.ok(same, at);
        }
        const want = parse(w);
        if (!Number.isFinite(want)) return assert.ok(Object.is(g, want) || (g !== g && want !== want), at);
        assert.ok(typeof g === 'number' && Number.isFinite(g), at);
        const tolerance = 1e-12 * parse(numpy.scale![i]) + 1e-15 * Math.abs(want);
        assert.ok(Math.abs(g - want) <= tolerance, `${at} (tolerance ${tolerance})`);
      });
      compared++;
    });
    assert.ok(compared > 5_000, `${compared} results compared`);
    assert.ok(emptyErrors > 100, `${emptyErrors} empty-lane errors checked`);
  } finally {
    fs.rmSync(folder, { recursive: true, force: true });
  }
});
