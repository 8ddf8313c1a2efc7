// NumPy's own `arr.max(axis=0)` in a python3 child, on the very numbers
// the other rows use (handed over as a .npy file). The child times itself
// with time.perf_counter, so process start and file loading stay outside.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { loadNpy, saveNpy } from '../../src/npy';
import { summarize } from '../measure';
import type { Policy } from '../measure';
import { LAYOUTS } from '../subject';
import type { Layout, Measured, Subject } from '../subject';

// Same policy as the in-process rows: one warm-up (its result is saved for
// verification), then up to `repeat` timed runs within the budget.
const SCRIPT = `
import json, sys, time
import numpy as np
src, outdir, repeat, budget_ms = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
arr = np.load(src)
report = {'numpy': np.__version__}
for layout in sys.argv[5:]:
    x = arr if layout == 'arr' else arr.T
    r = x.max(axis=0)
    samples = []
    while not samples or (len(samples) < repeat and sum(samples) + samples[-1] <= budget_ms):
        t0 = time.perf_counter()
        x.max(axis=0)
        samples.append((time.perf_counter() - t0) * 1e3)
    np.save(f'{outdir}/{layout}.npy', r)
    report[layout] = samples
print(json.dumps(report))
`;

export function numpySubject(): Subject {
  let dir: string | undefined;
  let results: Map<Layout, Measured> | undefined;
  let version = '';
  const subject: Subject = {
    id: 'numpy',
    layouts: LAYOUTS,
    // NumPy's reductions run on the calling thread.
    fixedThreads: 1,
    setup() {
      const probe = spawnSync('python3', ['-c', 'import numpy; print(numpy.__version__)'], { encoding: 'utf8' });
      if (probe.error) throw new Error(`python3 could not be started (${probe.error.message})`);
      if (probe.status !== 0) throw new Error(`NumPy is not importable (${probe.stderr.trim().split('\n').pop()}); pip install numpy`);
      version = probe.stdout.trim();
      subject.note = `NumPy ${version}, arr.max(axis=0) and arr.T.max(axis=0), timed inside python3`;
    },
    async measure(data, layout, _threads, policy: Policy, onRun) {
      if (!results) {
        onRun(0, 1);
        dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ndreduce-bench-'));
        const src = data.source ?? path.join(dir, 'arr.npy');
        if (!data.source) saveNpy(src, data.arr);
        const child = spawnSync('python3', ['-c', SCRIPT, src, dir, String(policy.repeat), String(policy.budgetMs), ...LAYOUTS], {
          encoding: 'utf8',
        });
        if (child.status !== 0) throw new Error(`python3 failed: ${(child.stderr || child.error?.message || '').trim().split('\n').pop()}`);
        const report = JSON.parse(child.stdout) as Record<string, number[]>;
        results = new Map();
        for (const l of LAYOUTS) {
          const r = loadNpy(path.join(dir, `${l}.npy`));
          if (!(r.data instanceof BigInt64Array)) throw new Error(`NumPy returned dtype ${r.dtype}, expected <i8`);
          results.set(l, { result: r.data, timing: summarize(report[l]) });
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
