// NumPy's own reductions in a python3 child, on the very numbers the other
// rows use (handed over as a .npy file, written once per run): `arr.max(axis=0)`
// (the article's row), and `np.sum`, `np.mean`, `np.std` of the same values
// as float64, and `np.max(..., out=)`, next to ours. The child times itself
// with time.perf_counter, so process start, file loading and the float64
// conversion stay outside.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { loadNpy, saveNpy } from '../../src/io/npy';
import { summarize } from '../measure';
import type { Policy } from '../measure';
import { LAYOUTS } from '../subject';
import type { Dataset, Layout, Measured, Subject } from '../subject';
import { checkFloatColumns } from '../subjects';

/** What NumPy computes along axis 0: the article's max, or one of the rows
 * that stand next to ours. */
export type NumpyOp = 'max' | 'sum' | 'mean' | 'std' | 'max-out';

// Same policy as the in-process rows: one warm-up (its result is saved for
// verification), then up to `repeat` timed runs within the budget.
const SCRIPT = `
import json, sys, time
import numpy as np
src, outdir, repeat, budget_ms, op = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
arr = np.load(src)
if op in ('sum', 'mean', 'std'):
    arr = arr.astype(np.float64)
report = {'numpy': np.__version__}
for layout in sys.argv[6:]:
    x = arr if layout == 'arr' else arr.T
    if op == 'max-out':
        o = np.empty(x.shape[1], dtype=x.dtype)
        f = lambda: np.max(x, axis=0, out=o)
    else:
        f = getattr(x, op)
        f = (lambda g: lambda: g(axis=0))(f)
    r = np.array(f())
    samples = []
    while not samples or (len(samples) < repeat and sum(samples) + samples[-1] <= budget_ms):
        t0 = time.perf_counter()
        f()
        samples.append((time.perf_counter() - t0) * 1e3)
    np.save(f'{outdir}/{layout}.npy', r)
    report[layout] = samples
print(json.dumps(report))
`;

const NOTES: Record<NumpyOp, string> = {
  max: 'arr.max(axis=0) and arr.T.max(axis=0)',
  sum: 'np.sum(x, axis=0) of arr as float64 (pairwise summation), converted outside the timing',
  mean: 'np.mean(x, axis=0) of arr as float64',
  std: 'np.std(x, axis=0) of arr as float64 (two passes)',
  'max-out': 'np.max(x, axis=0, out=o) into a preallocated o',
};

// One .npy of the dataset serves every NumPy row of a run.
let saved: { data: Dataset; file: string; dir: string } | undefined;
function sourceFile(data: Dataset): string {
  if (data.source) return data.source;
  if (saved?.data !== data) {
    if (saved) fs.rmSync(saved.dir, { recursive: true, force: true });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ndreduce-bench-'));
    const file = path.join(dir, 'arr.npy');
    saveNpy(file, data.arr);
    saved = { data, file, dir };
    process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  }
  return saved.file;
}

export function numpySubject(op: NumpyOp = 'max'): Subject {
  let dir: string | undefined;
  let results: Map<Layout, Measured> | undefined;
  let version = '';
  const subject: Subject = {
    id: op === 'max' ? 'numpy' : `numpy-${op}`,
    layouts: LAYOUTS,
    // NumPy's reductions run on the calling thread.
    fixedThreads: 1,
    setup() {
      const probe = spawnSync('python3', ['-c', 'import numpy; print(numpy.__version__)'], { encoding: 'utf8' });
      if (probe.error) throw new Error(`python3 could not be started (${probe.error.message})`);
      if (probe.status !== 0) throw new Error(`NumPy is not importable (${probe.stderr.trim().split('\n').pop()}); pip install numpy`);
      version = probe.stdout.trim();
      subject.note = `NumPy ${version}, ${NOTES[op]}, timed inside python3`;
    },
    async measure(data, layout, _threads, policy: Policy, onRun) {
      if (!results) {
        onRun(0, 1);
        dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ndreduce-bench-'));
        const child = spawnSync('python3', ['-c', SCRIPT, sourceFile(data), dir, String(policy.repeat), String(policy.budgetMs), op, ...LAYOUTS], {
          encoding: 'utf8',
        });
        if (child.status !== 0) throw new Error(`python3 failed: ${(child.stderr || child.error?.message || '').trim().split('\n').pop()}`);
        const report = JSON.parse(child.stdout) as Record<string, number[]>;
        results = new Map();
        for (const l of LAYOUTS) {
          const r = loadNpy(path.join(dir, `${l}.npy`));
          const timing = summarize(report[l]);
          if (op === 'max' || op === 'max-out') {
            if (!(r.data instanceof BigInt64Array)) throw new Error(`NumPy returned dtype ${r.dtype}, expected <i8`);
            results.set(l, { result: r.data, timing });
          } else {
            checkFloatColumns(op, r.data as Float64Array, data, l);
            results.set(l, { result: undefined, timing });
          }
        }
      }
      return results.get(layout)!;
    },
    dispose() {
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
      results = undefined;
    },
  };
  return subject;
}
