// NumPy as an independent oracle: every dtype x op x axis on the small
// layouts is written to .npy, reduced by NumPy in one python3 process, and
// compared with the public API. Skipped (with a message) without NumPy.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { argmax, argmin, loadNpy, max, min, minmax, saveNpy, sum } from '../src/index';
import type { Axis, Reduction } from '../src/index';
import { DTYPES, LAYOUTS, axesFor, fillValues, viewOf } from './nd-cases';

const PYTHON = process.env.PYTHON ?? 'python3';
const hasNumpy = spawnSync(PYTHON, ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0;

// Reduced axes are moved last and flattened, so that argmin/argmax over
// several axes mean what ours do: the flat C-order index among them.
const SCRIPT = String.raw`
import json, sys, warnings
import numpy as np
warnings.simplefilter('ignore')
folder = sys.argv[1]
jobs = json.load(open(folder + '/jobs.json'))
results = []
for k, job in enumerate(jobs):
    a = np.load(folder + '/' + job['input'])
    axes = job['axes'] if job['axes'] is not None else list(range(a.ndim))
    axes = sorted(x % a.ndim for x in axes)
    kept = [d for i, d in enumerate(a.shape) if i not in axes]
    n = int(np.prod([a.shape[i] for i in axes]))
    m = np.moveaxis(a, axes, list(range(a.ndim - len(axes), a.ndim))).reshape(kept + [n])
    skip = job['ignoreNaN'] and a.dtype.kind == 'f'
    op = job['op']
    try:
        if op == 'sum':
            if a.dtype.kind == 'f':
                r = m.sum(-1, dtype=np.float64)
            else:
                exact = np.array(m, dtype=object).sum(-1) if n else np.zeros(kept, dtype=object)
                lo, hi = (-2**63, 2**63 - 1) if a.dtype.kind == 'i' else (0, 2**64 - 1)
                if any(v < lo or v > hi for v in np.ravel(exact)):
                    raise OverflowError('does not fit')
                r = np.array(np.ravel(exact), dtype=np.int64 if a.dtype.kind == 'i' else np.uint64)
        elif op in ('min', 'max', 'minmax'):
            lo = (np.nanmin if skip else np.min)(m, -1)
            hi = (np.nanmax if skip else np.max)(m, -1)
            r = {'min': lo, 'max': hi, 'minmax': np.concatenate([np.ravel(lo), np.ravel(hi)])}[op]
        else:
            r = getattr(np, ('nan' if skip else '') + op)(m, -1)
        np.save('%s/out%d.npy' % (folder, k), np.ascontiguousarray(np.ravel(r)))
        results.append({'ok': True})
    except Exception as e:
        results.append({'ok': False, 'error': str(e)})
json.dump(results, open(folder + '/results.json', 'w'))
`;

const API: Record<Reduction, (x: never, o?: never) => unknown> = { min, max, sum, argmin, argmax, minmax } as never;

interface Job {
  input: string;
  op: Reduction;
  axes: number[] | null;
  ignoreNaN: boolean;
  where: string;
  ours: { values?: unknown[]; error?: Error };
}

/** Our result as a flat list, in the form NumPy's side writes. */
function flat(result: unknown): unknown[] {
  if (ArrayBuffer.isView(result)) return Array.from(result as unknown as ArrayLike<unknown>);
  if (result !== null && typeof result === 'object') {
    const { min: lo, max: hi } = result as { min: unknown; max: unknown };
    return [...flat(lo), ...flat(hi)];
  }
  return [result];
}

const key = (v: unknown) => (typeof v === 'number' && v === 0 ? '0' : String(v));

test('every dtype, op and axis agrees with NumPy', { skip: hasNumpy ? false : `${PYTHON} with numpy is not available` }, () => {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'ndreduce-numpy-'));
  try {
    const jobs: Job[] = [];
    for (const dtype of DTYPES) {
      for (const layout of LAYOUTS.filter((l) => !l.big)) {
        const x = viewOf(fillValues(dtype, layout.size, 11), layout);
        const input = `${dtype.name}-${jobs.length}.npy`;
        saveNpy(path.join(folder, input), x as never);
        for (const axis of axesFor(layout.shape.length)) {
          for (const op of Object.keys(API) as Reduction[]) {
            for (const ignoreNaN of dtype.kind === 'float' && op !== 'sum' ? [false, true] : [false]) {
              let ours: Job['ours'];
              try {
                ours = { values: flat(API[op](x as never, { axis, ignoreNaN } as never)) };
              } catch (error) {
                ours = { error: error as Error };
              }
              const axes = axis === null ? null : typeof axis === 'number' ? [axis] : [...(axis as number[])];
              const where = `${dtype.name} ${layout.name} ${op} axis ${JSON.stringify(axis as Axis)} ignoreNaN=${ignoreNaN}`;
              jobs.push({ input, op, axes, ignoreNaN, where, ours });
            }
          }
        }
      }
    }
    fs.writeFileSync(path.join(folder, 'jobs.json'), JSON.stringify(jobs.map(({ input, op, axes, ignoreNaN }) => ({ input, op, axes, ignoreNaN }))));
    const run = spawnSync(PYTHON, ['-c', SCRIPT, folder], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const results = JSON.parse(fs.readFileSync(path.join(folder, 'results.json'), 'utf8')) as { ok: boolean; error?: string }[];
    assert.equal(results.length, jobs.length);
    jobs.forEach((job, k) => {
      const numpy = results[k];
      if (!numpy.ok) {
        assert.ok(job.ours.error, `${job.where}: NumPy raised "${numpy.error}", we returned ${job.ours.values}`);
        return;
      }
      assert.ok(!job.ours.error, `${job.where}: we raised "${job.ours.error?.message}", NumPy did not`);
      const want = Array.from(loadNpy(path.join(folder, `out${k}.npy`)).data as unknown as ArrayLike<unknown>);
      const got = job.ours.values!;
      assert.equal(got.length, want.length, `${job.where}: length`);
      const floatSum = job.op === 'sum' && typeof want[0] === 'number';
      got.forEach((g, i) => {
        const w = want[i];
        if (floatSum && Number.isFinite(w)) {
          assert.ok(Math.abs((g as number) - (w as number)) <= 1e-9 * (1 + Math.abs(w as number)), `${job.where} [${i}]: ${g} vs ${w}`);
        } else {
          assert.equal(key(g), key(w), `${job.where} [${i}]`);
        }
      });
    });
  } finally {
    fs.rmSync(folder, { recursive: true, force: true });
  }
});
