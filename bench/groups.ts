// The rows of reductions by label in `npm run bench` (alone: `npm run
// bench:groups`): `mean` with `by` (12 groups, label = index % 12) along
// axis 0 and axis 1 of a rows x cols float64 array of standard normals
// (NumPy's default_rng(42)), each next to the plain `mean` along the same
// axis in the same run (the issue's target: grouped within 1.5x of plain
// along axis 0), and NumPy's explicit per-group loop timed in its python3
// child; then `mean` by label with a `where` mask (half ones, NumPy's
// default_rng(43)) next to the grouped mean without it. Best of `repeat`
// after a warm-up; our results are checked against NumPy's (1e-12 relative).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';

import { loadNpy } from '../src/io/npy';
import { mean } from '../src/index';

const GROUPS = 12;

const SCRIPT = String.raw`
import json, sys, time
import numpy as np
rows, cols, repeat, folder = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
a = np.random.default_rng(42).standard_normal((rows, cols))
np.save(folder + '/a.npy', a)
w = (np.random.default_rng(43).random((rows, cols)) < 0.5).astype(np.uint8)
np.save(folder + '/w.npy', w)
out = {'numpy': np.__version__, 'ms': []}
for axis in (0, 1):
    labels = np.arange(a.shape[axis]) % 12
    f = lambda: np.stack([np.take(a, np.nonzero(labels == g)[0], axis=axis).mean(axis=axis) for g in range(12)], axis=axis)
    r = f()
    best = float('inf')
    for _ in range(repeat):
        t0 = time.perf_counter(); f(); best = min(best, (time.perf_counter() - t0) * 1e3)
    out['ms'].append(best)
    np.save(folder + '/r%d.npy' % axis, r)
    take = lambda t, g: np.take(t, np.nonzero(labels == g)[0], axis=axis)
    rw = np.stack([take(a, g).mean(axis=axis, where=take(w, g) != 0) for g in range(12)], axis=axis)
    np.save(folder + '/rw%d.npy' % axis, rw)
print(json.dumps(out))
`;

function best(repeat: number, f: () => unknown): number {
  f();
  let t = Infinity;
  for (let i = 0; i < Math.max(1, repeat); i++) {
    const t0 = performance.now();
    f();
    t = Math.min(t, performance.now() - t0);
  }
  return t;
}

/** The grouped rows as a table (or why they were skipped); `failures` gets mismatches. */
export function groupRows(rows: number, cols: number, repeat: number, failures: string[]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ndreduce-groups-bench-'));
  try {
    const child = spawnSync(process.env.PYTHON ?? 'python3', ['-c', SCRIPT, String(rows), String(cols), String(Math.max(1, repeat)), dir], { encoding: 'utf8', maxBuffer: 1 << 24 });
    if (child.status !== 0) return `reductions by label: skipped: NumPy did not run (${(child.stderr || child.error?.message || '').trim().split('\n').pop()}; pip install numpy)`;
    const report = JSON.parse(child.stdout) as { numpy: string; ms: number[] };
    const x = loadNpy(path.join(dir, 'a.npy')) as unknown as { data: Float64Array; shape: number[] };
    const where = loadNpy(path.join(dir, 'w.npy'));
    const load = os.loadavg()[0];
    const lines = [
      `reductions by label: mean of ${rows} x ${cols} float64 (standard_normal, seed 42) by ${GROUPS} groups (label = index % ${GROUPS}), ndreduce (default threads) next to its plain mean and NumPy ${report.numpy}'s per-group loop (1 thread); best of ${repeat} after a warm-up; load average ${load.toFixed(2)}`,
      '',
      '| axis | plain mean | mean with by | by / plain | NumPy per-group loop | NumPy / ours (by) | by with where | by + where / by |',
      '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ];
    for (const axis of [0, 1]) {
      const by = Int32Array.from({ length: x.shape[axis] }, (_, i) => i % GROUPS);
      const plain = best(repeat, () => mean(x, { axis }));
      const grouped = best(repeat, () => mean(x, { axis, by }));
      const masked = best(repeat, () => mean(x, { axis, by, where }));
      for (const [file, o, what] of [[`r${axis}.npy`, { axis, by }, ''], [`rw${axis}.npy`, { axis, by, where }, ' with where']] as const) {
        const got = (mean(x, o) as { data: Float64Array }).data;
        const want = (loadNpy(path.join(dir, file)) as unknown as { data: Float64Array }).data;
        // NaN: a group the mask empties (NumPy's mean of nothing).
        const bad = got.findIndex((v, k) => !(Math.abs(v - want[k]) <= 1e-12 * Math.max(1, Math.abs(want[k])) || (v !== v && want[k] !== want[k])));
        if (got.length !== want.length || bad >= 0) failures.push(`groups: mean axis ${axis} by ${GROUPS}${what}: differs from NumPy at ${bad} (${got[bad]} vs ${want[bad]})`);
      }
      const np = report.ms[axis];
      const cells = [plain, grouped, grouped / plain, np, np / grouped, masked, masked / grouped];
      lines.push(`| ${axis} | ${cells.map((v, k) => (k === 2 || k === 4 || k === 6 ? `${v.toFixed(2)}x` : `${v.toFixed(1)} ms`)).join(' | ')} |`);
    }
    lines.push('', `load average ${os.loadavg()[0].toFixed(2)} after the rows by label`);
    return lines.join('\n');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function flag(argv: string[], name: string, fallback: number): number {
  const at = argv.indexOf(name);
  return at >= 0 ? Number(argv[at + 1]) : fallback;
}

/** `bench-groups`: the rows alone. */
export async function groupsCommand(argv: string[]): Promise<number> {
  if (argv.includes('--help')) {
    process.stdout.write('ndreduce bench-groups [--rows 100] [--cols 1000000] [--repeat 3]\n');
    return 0;
  }
  const failures: string[] = [];
  process.stdout.write(groupRows(flag(argv, '--rows', 100), flag(argv, '--cols', 1_000_000), flag(argv, '--repeat', 3), failures) + '\n');
  if (failures.length) process.stdout.write(`\nFAILED:\n${failures.join('\n')}\n`);
  return failures.length ? 1 : 0;
}
