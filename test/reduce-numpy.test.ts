// NumPy as an independent oracle: every reduction x dtype x axis choice x
// keepdims x backend (the addon, and the js fallback) (and ddof, dtype,
// initial where they apply) on the small
// layouts, NaN and empty arrays included, is computed by NumPy in one
// python3 process and compared with the public API. Skipped (with a
// message) without NumPy.
//
// Agreement is exact for min/max/ptp (and nan kin), argmin/argmax,
// any/all, countNonzero and integer sum/prod (which NumPy wraps where we
// raise: the NumPy side sums Python integers and raises past 64 bits).
// Float results (sum, prod, mean, var, std and kin, and integer ones asked
// as float64) are compared with NumPy computing in float64 (`dtype=float64`:
// we return float64 for float32 input), within
//   |ours - numpy| <= 1e-12 * scale + 1e-15 * |numpy|,
// where `scale` bounds the rounding error of any summation order: the sum
// of |x| for sums (over n for means), sum((|x| + |mean|)^2) / (n - ddof)
// for var (its square root for std), |numpy| for products. NaN and the
// infinities must match exactly, except an integer product asked as
// float64: ours is the exact product rounded once, NumPy's a product of
// doubles that may overflow to inf (or NaN, inf * 0).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import * as api from '../src/index';
import { resultShape, saveNpy } from '../src/index';
import type { Axis } from '../src/index';
import { DTYPES, LAYOUTS, axesFor, fillValues, viewOf } from './nd-cases';
import type { Layout } from './nd-cases';

const PYTHON = process.env.PYTHON ?? 'python3';
const hasNumpy = spawnSync(PYTHON, ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0;

const SCRIPT = String.raw`
import json, sys, warnings
import numpy as np
warnings.simplefilter('ignore')
folder = sys.argv[1]
jobs = json.load(open(folder + '/jobs.json'))
arrays = {}
ARG = ('argmin', 'argmax', 'nanargmin', 'nanargmax')
ROUNDED = ('sum', 'nansum', 'prod', 'mean', 'nanmean', 'var', 'nanvar', 'std', 'nanstd')
def text(v):
    if isinstance(v, (float, np.floating)): return repr(float(v))
    return str(int(v))
def run(a, op, axes, keepdims, kw):
    full = tuple(range(a.ndim)) if axes is None else tuple(sorted(x % a.ndim for x in axes))
    kshape = [1 if i in full else d for i, d in enumerate(a.shape)]
    kept = [d for i, d in enumerate(a.shape) if i not in full]
    n = int(np.prod([a.shape[i] for i in full]))
    # The reduced axes last and flat: arg ops over several axes mean what
    # ours do (a flat C-order index), and the error scale is per output.
    m = np.moveaxis(a, full, list(range(a.ndim - len(full), a.ndim))).reshape(kept + [n])
    shape = kshape if keepdims else kept
    kind = a.dtype.kind
    scale = None
    if op in ARG:
        r = getattr(np, op)(m, -1)
    elif op == 'minmax':
        lo = np.min(m, -1); hi = np.max(m, -1)
        return np.concatenate([np.ravel(lo), np.ravel(hi)]), shape, None
    elif op in ('sum', 'nansum', 'prod') and kind in 'iu' and kw.get('dtype') != 'float64':
        obj = m.astype(object)
        r = np.prod(obj, -1) if op == 'prod' else np.sum(obj, -1)
        if n == 0: r = np.full(kept, 1 if op == 'prod' else 0, dtype=object)
        lo, hi = (-2**63, 2**63 - 1) if kind == 'i' else (0, 2**64 - 1)
        if any(v < lo or v > hi for v in np.ravel(r)): raise OverflowError('does not fit')
        r = np.array(np.ravel(r), dtype=np.int64 if kind == 'i' else np.uint64)
    elif op in ROUNDED:
        extra = {'ddof': kw['ddof']} if 'ddof' in kw else {}
        # float32 goes in as float64 (nanvar would otherwise subtract in float32)
        r = getattr(np, op)(m.astype(np.float64) if kind == 'f' else m, -1, dtype=np.float64, **extra)
        f = m.astype(np.float64)
        skip = op.startswith('nan')
        count = (np.sum(~np.isnan(f), -1) if skip else np.full(kept, n)).astype(np.float64)
        f = np.where(np.isnan(f), 0, f) if skip else f
        base = op[3:] if skip else op
        if base == 'prod': scale = np.abs(r)
        elif base == 'sum': scale = np.sum(np.abs(f), -1)
        elif base == 'mean': scale = np.sum(np.abs(f), -1) / count
        else:
            mu = np.abs(np.sum(f, -1) / count)
            v = np.sum((np.abs(f) + mu[..., None]) ** 2, -1) / (count - kw.get('ddof', 0))
            scale = v if base == 'var' else np.sqrt(v)
    else:
        name = {'countNonzero': 'count_nonzero'}.get(op, op)
        extra = {'initial': kw['initial']} if 'initial' in kw else {}
        r = getattr(np, name)(m, -1, **extra)
    return np.ravel(r), shape, None if scale is None else np.ravel(scale)
results = []
for job in jobs:
    if job['input'] not in arrays: arrays[job['input']] = np.load(folder + '/' + job['input'])
    try:
        r, shape, scale = run(arrays[job['input']], job['op'], job['axes'], job['keepdims'], job['kw'])
        out = {'ok': True, 'values': [text(v) for v in r], 'shape': [int(d) for d in shape]}
        if scale is not None: out['scale'] = [text(v) for v in scale]
        results.append(out)
    except Exception as e:
        results.append({'ok': False, 'error': str(e)})
json.dump(results, open(folder + '/results.json', 'w'))
`;

type Fn = (x: unknown, o?: unknown) => unknown;
const fn = (name: string) => (api as unknown as Record<string, Fn>)[name];

/** Every reduction by NumPy's name, with the options each also takes. */
const OPS: [name: string, variants: Record<string, unknown>[]][] = [
  ['min', [{}, { initial: 'low' }]],
  ['max', [{}, { initial: 'low' }]],
  ['nanmin', [{}]],
  ['nanmax', [{}, { initial: 'low' }]],
  ['minmax', [{}]],
  ['ptp', [{}]],
  ['sum', [{}, { dtype: 'float64' }]],
  ['nansum', [{}]],
  ['prod', [{}, { dtype: 'float64' }]],
  ['mean', [{}]],
  ['nanmean', [{}]],
  ['var', [{}, { ddof: 1 }]],
  ['nanvar', [{}, { ddof: 1 }]],
  ['std', [{}, { ddof: 1 }]],
  ['nanstd', [{}]],
  ['argmin', [{}]],
  ['argmax', [{}]],
  ['nanargmin', [{}]],
  ['nanargmax', [{}]],
  ['any', [{}]],
  ['all', [{}]],
  ['countNonzero', [{}]],
];

/** The function that runs NumPy's `nanargmin` (ours: argmin skipping NaN). */
const ours = (name: string): Fn => {
  if (name === 'nanargmin' || name === 'nanargmax') return (x, o) => fn(name.slice(3))(x, { ...(o as object), ignoreNaN: true });
  return fn(name);
};

interface Job {
  input: string;
  op: string;
  axes: number[] | null;
  keepdims: boolean;
  kw: Record<string, unknown>;
  where: string;
  ours: { values?: unknown[]; shape?: number[]; error?: Error };
}

/** Our result as a flat list and its shape. */
function flatten(result: unknown, x: unknown, options: Record<string, unknown>): { values: unknown[]; shape: number[] } {
  const shape = resultShape(x, { axis: options.axis, keepdims: options.keepdims });
  const list = (r: unknown): unknown[] => {
    if (typeof r === 'boolean') return [r ? 1 : 0];
    if (ArrayBuffer.isView(r)) return Array.from(r as unknown as ArrayLike<unknown>);
    if (r !== null && typeof r === 'object' && 'data' in r) {
      assert.deepEqual((r as unknown as { shape: number[] }).shape, shape);
      return list((r as { data: unknown }).data);
    }
    if (r !== null && typeof r === 'object') return [...list((r as { min: unknown }).min), ...list((r as { max: unknown }).max)];
    return [r];
  };
  return { values: list(result), shape };
}

const parse = (s: string) => (s === 'inf' ? Infinity : s === '-inf' ? -Infinity : Number(s));
const ROUNDED = new Set(['sum', 'nansum', 'prod', 'mean', 'nanmean', 'var', 'nanvar', 'std', 'nanstd']);

/** The inputs: every small layout, an empty 1-D array, and an all-NaN one. */
function inputs(): [string, Layout, (d: (typeof DTYPES)[number]) => ArrayLike<number | bigint>][] {
  const small = LAYOUTS.filter((l) => !l.big).map((l): [string, Layout, (d: (typeof DTYPES)[number]) => ArrayLike<number | bigint>] => [l.name, l, (d) => fillValues(d, l.size, 11) as never]);
  small.push(['empty 1-D', { name: 'empty 1-D', shape: [0], size: 0 }, (d) => new d.ctor(0) as never]);
  small.push(['all NaN 2x3', { name: 'all NaN 2x3', shape: [2, 3], size: 6 }, (d) => new d.ctor(6).fill((d.kind === "float" ? NaN : d.big ? 0n : 0) as never) as never]);
  return small;
}

test('every reduction, dtype, axis and keepdims agrees with NumPy', { skip: hasNumpy ? false : `${PYTHON} with numpy is not available` }, () => {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'ndreduce-numpy-'));
  try {
    const jobs: Job[] = [];
    for (const dtype of DTYPES) {
      for (const [name, layout, values] of inputs()) {
        const x = viewOf(values(dtype) as never, layout);
        const input = `${dtype.name}-${jobs.length}.npy`;
        saveNpy(path.join(folder, input), x as never);
        for (const axis of axesFor(layout.shape.length)) {
          for (const [op, variants] of OPS) {
            for (const variant of variants) {
              for (const [keepdims, backend] of [[false, 'native'], [true, 'native'], [false, 'js'], [true, 'js']] as const) {
                const kw = { ...variant };
                if (kw.initial === 'low') kw.initial = dtype.big ? 0n : dtype.kind === 'float' ? -0.5 : 7;
                const options: Record<string, unknown> = { axis, keepdims, backend, ...kw };
                let result: Job['ours'];
                try {
                  result = flatten(ours(op)(x, options), x, options);
                } catch (error) {
                  result = { error: error as Error };
                }
                const axes = axis === null ? null : typeof axis === 'number' ? [axis] : [...(axis as number[])];
                const where = `${dtype.name} ${name} ${op} ${JSON.stringify({ axis: axis as Axis, keepdims, backend, ...kw }, (_, v) => (typeof v === 'bigint' ? `${v}n` : v))}`;
                jobs.push({ input, op, axes, keepdims, kw, where, ours: result });
              }
            }
          }
        }
      }
    }
    const wire = jobs.map(({ input, op, axes, keepdims, kw }) => ({ input, op, axes, keepdims, kw: { ...kw, initial: typeof kw.initial === 'bigint' ? Number(kw.initial) : kw.initial } }));
    fs.writeFileSync(path.join(folder, 'jobs.json'), JSON.stringify(wire));
    const run = spawnSync(PYTHON, ['-c', SCRIPT, folder], { encoding: 'utf8', maxBuffer: 1 << 26 });
    assert.equal(run.status, 0, run.stderr);
    type Result = { ok: boolean; error?: string; values?: string[]; shape?: number[]; scale?: string[] };
    const results = JSON.parse(fs.readFileSync(path.join(folder, 'results.json'), 'utf8')) as Result[];
    assert.equal(results.length, jobs.length);
    let compared = 0;
    jobs.forEach((job, k) => {
      const numpy = results[k];
      if (!numpy.ok) {
        assert.ok(job.ours.error, `${job.where}: NumPy raised "${numpy.error}", we returned ${job.ours.values}`);
        assert.ok(job.ours.error instanceof RangeError, `${job.where}: ${job.ours.error}`);
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
          // Exact: the same number (a zero of either sign), the same NaN.
          const same = String(g) === w || (typeof g === 'number' && (g === parse(w) || (g !== g && w === 'nan')));
          assert.ok(same, at);
          return;
        }
        const want = parse(w);
        // An integer product as float64 is the exact product rounded once;
        // NumPy multiplies doubles, which can overflow to inf (and inf * 0
        // to NaN) where the exact product is 0 or finite.
        if (!Number.isFinite(want) && job.op === 'prod' && job.kw.dtype === 'float64') return;
        if (!Number.isFinite(want)) return assert.ok(Object.is(g, want) || (g !== g && want !== want), at);
        assert.ok(typeof g === 'number' && Number.isFinite(g), at);
        const tolerance = 1e-12 * parse(numpy.scale![i]) + 1e-15 * Math.abs(want);
        assert.ok(Math.abs(g - want) <= tolerance, `${at} (tolerance ${tolerance})`);
      });
      compared++;
    });
    assert.ok(compared > 10_000, `${compared} results compared`);
  } finally {
    fs.rmSync(folder, { recursive: true, force: true });
  }
});

// 0-d arrays (NumPy scalars written by np.save) against NumPy calling each
// reduction on the 0-d array itself (no reshape on either side): every
// reduction with axis absent, null and keepdims, sync and async, native and
// js, and reduceFile on the same file. Any axis is ours to refuse: NumPy's
// mean says "axis 0 is out of bounds for array of dimension 0", while its
// ufunc reductions (max, sum) still accept axis 0 and -1 on a 0-d array.
const SCALAR_SCRIPT = String.raw`
import json, sys, warnings
import numpy as np
warnings.simplefilter('ignore')
folder = sys.argv[1]
def text(v):
    if isinstance(v, (bool, np.bool_)): return str(int(v))
    if isinstance(v, (float, np.floating)): return repr(float(v))
    return str(int(v))
CASES = {'i1': [-128, 0, 9], 'u1': [0, 255], 'i2': [-300], 'u2': [65535], 'i4': [-7, 2**31 - 1], 'u4': [2**32 - 1],
         'i8': [-2**63, 2**63 - 1], 'u8': [2**64 - 1, 0], 'f4': [-2.5, 0.0, float('nan')], 'f8': [3.5, float('nan'), float('inf'), -1e300]}
F = np.float64
def ops(a):
    f = a.astype(F)
    out = {
        'max': np.max(a), 'min': np.min(a), 'nanmax': np.nanmax(a), 'nanmin': np.nanmin(a), 'ptp': np.ptp(a),
        'minmax': [np.min(a), np.max(a)],
        'mean': np.mean(f), 'nanmean': np.nanmean(f), 'var': np.var(f), 'std': np.std(f),
        'nanvar': np.nanvar(f), 'nanstd': np.nanstd(f), 'std ddof=1': np.std(f, ddof=1),
        'argmin': np.argmin(a), 'argmax': np.argmax(a),
        'any': np.any(a), 'all': np.all(a), 'countNonzero': np.count_nonzero(a),
    }
    # NumPy wraps integer sums and products at 64 bits; one element cannot.
    out['sum'] = a.item() if a.dtype.kind in 'iu' else np.sum(f)
    out['prod'] = out['sum']
    out['nansum'] = np.nansum(f) if a.dtype.kind == 'f' else a.item()
    for name in ('nanargmin', 'nanargmax'):
        try: out[name] = getattr(np, name)(a)
        except ValueError as e: out[name] = 'error: ' + str(e)
    return out
jobs = []
for dt, values in CASES.items():
    for k, v in enumerate(values):
        file = f'{folder}/{dt}-{k}.npy'
        np.save(file, np.dtype(dt).type(v))
        a = np.load(file)
        assert a.shape == () and np.max(a, keepdims=True).shape == ()
        results = {}
        for name, r in ops(a).items():
            results[name] = r if isinstance(r, str) else [text(x) for x in r] if isinstance(r, list) else text(r)
        jobs.append({'file': file, 'dtype': dt, 'results': results})
print(json.dumps(jobs))
`;

/** Our result equals NumPy's text: integers (bigint, number, boolean as
 * 0/1) digit for digit, floats as numbers (NaN equal to NaN). */
function sameAsNumpy(got: unknown, numpy: string, where: string): void {
  if (/^-?\d+$/.test(numpy)) return assert.equal(String(typeof got === 'boolean' ? Number(got) : got), numpy, where);
  const want = parse(numpy);
  assert.ok(typeof got === 'number' && (got === want || (got !== got && want !== want)), `${where}: ours ${got}, NumPy ${numpy}`);
}

test('0-d arrays (NumPy scalars from np.save) reduce to NumPy\'s results, and refuse any axis', { skip: hasNumpy ? false : `${PYTHON} with numpy is not available` }, async () => {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'ndreduce-numpy-0d-'));
  try {
    const run = spawnSync(PYTHON, ['-c', SCALAR_SCRIPT, folder], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const jobs = JSON.parse(run.stdout) as { file: string; dtype: string; results: Record<string, string | string[]> }[];
    const fileOps = api.FILE_REDUCTIONS as readonly string[];
    let compared = 0;
    for (const { file, dtype, results } of jobs) {
      const x = api.loadNpy(file);
      assert.deepEqual(x.shape, [], `${file}: shape`);
      assert.equal(x.data.length, 1, file);
      for (const [name, want] of Object.entries(results)) {
        const [op, extra] = name.split(' ');
        const base = op.startsWith('nanarg') ? op.slice(3) : op;
        const kw: Record<string, unknown> = extra === 'ddof=1' ? { ddof: 1 } : op === base ? {} : { ignoreNaN: true };
        const call = (o: object) => fn(base)(x, { ...kw, ...o });
        const callAsync = (o: object) => (fn(`${base}Async`) as (x: unknown, o: unknown) => Promise<unknown>)(x, { ...kw, ...o });
        const same = (got: unknown, where: string) => {
          const w = Array.isArray(want) ? want : [want];
          const g = op === 'minmax' ? [(got as { min: unknown }).min, (got as { max: unknown }).max] : [got];
          assert.equal(g.length, w.length, where);
          g.forEach((v, k) => sameAsNumpy(v, w[k], where));
        };
        const allNaN = !Array.isArray(want) && want.startsWith('error: ');
        const raises = { name: 'RangeError', code: 'ERR_NDREDUCE_ALL_NAN' };
        for (const backend of ['native', 'js'] as const) {
          const where = `${dtype} ${path.basename(file)} ${name} (${backend})`;
          if (allNaN) {
            assert.throws(() => call({ backend }), raises, where);
            await assert.rejects(callAsync({ backend }), raises, where);
            continue;
          }
          same(call({ backend }), `${where}, no axis`);
          same(call({ backend, axis: null }), `${where}, axis null`);
          same(await callAsync({ backend }), `${where}, async`);
          const kept = call({ backend, keepdims: true }) as { data: ArrayLike<unknown>; shape: number[] } | { min: { data: ArrayLike<unknown>; shape: number[] } };
          const one = 'min' in kept ? kept.min : kept;
          assert.deepEqual(one.shape, [], `${where}, keepdims shape`);
          assert.equal(one.data.length, 1, `${where}, keepdims length`);
          for (const axis of [0, -1, [0]]) {
            const refused = { name: 'RangeError', code: 'ERR_NDREDUCE_BAD_OPTION', message: /is out of bounds for array of dimension 0/ };
            assert.throws(() => call({ backend, axis }), refused, `${where}, axis ${axis}`);
            await assert.rejects(callAsync({ backend, axis }), refused, `${where}, async axis ${axis}`);
          }
          compared++;
        }
        if (fileOps.includes(op)) {
          const pending = api.reduceFile(file, op as never, extra === 'ddof=1' ? kw : {});
          if (allNaN) await assert.rejects(pending, raises, `${dtype} ${name}, reduceFile`);
          else same(await pending, `${dtype} ${path.basename(file)} ${name}, reduceFile`);
        }
      }
    }
    assert.ok(compared >= 2 * 20 * 20, `${compared} compared`);
  } finally {
    fs.rmSync(folder, { recursive: true, force: true });
  }
});
