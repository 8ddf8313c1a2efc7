// The `where` rows: masked sum and max of the article's shape (100 x
// 1,000,000 float64, standard normals, seed 42) with a full-shape
// Uint8Array mask (NumPy's `random() < 0.5`, the hardest case for a
// branch), next to the same calls without a mask, and NumPy's
// `where=` beside them. The target: masked within 1.5x of unmasked. Run
// in `npm run bench` after the moving rows, or alone with
// `node dist/bench/cli.js bench-where [--rows 100] [--cols 1000000] [--repeat 3]`.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';

import { loadNpy } from '../src/io/npy';
import { max, sum } from '../src/index';

const SCRIPT = String.raw`
import json, sys, time
import numpy as np
rows, cols, repeat, folder = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
rng = np.random.default_rng(42)
a = rng.standard_normal((rows, cols))
m = (rng.random((rows, cols)) < 0.5).astype(np.uint8)
np.save(folder + '/a.npy', a)
np.save(folder + '/m.npy', m)
w = m.astype(bool)
def best(f):
    t = float('inf')
    for _ in range(repeat):
        t0 = time.perf_counter(); f(); t = min(t, (time.perf_counter() - t0) * 1e3)
    return t
out = {'numpy': np.__version__, 'ms': {}, 'check': {}}
for axis in (0, 1):
    out['ms']['sum %d' % axis] = best(lambda: np.sum(a, axis=axis))
    out['ms']['sum %d where' % axis] = best(lambda: np.sum(a, axis=axis, where=w))
    out['ms']['max %d' % axis] = best(lambda: np.max(a, axis=axis))
    out['ms']['max %d where' % axis] = best(lambda: np.max(a, axis=axis, where=w, initial=-np.inf))
    out['check']['sum %d where' % axis] = float(np.sum(np.sum(a, axis=axis, where=w)))
    out['check']['max %d where' % axis] = float(np.sum(np.max(a, axis=axis, where=w, initial=-np.inf)))
print(json.dumps(out))
`;

function bestOf(repeat: number, f: () => unknown): number {
  f();
  let best = Infinity;
  for (let i = 0; i < repeat; i++) {
    const t0 = performance.now();
    f();
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

const total = (r: unknown) => (r as Float64Array).reduce((a, b) => a + b, 0);

/** The rows as a markdown table (or the reason they were skipped). */
export function whereRows(rows: number, cols: number, repeat: number, failures: string[]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ndreduce-where-bench-'));
  try {
    const load0 = os.loadavg()[0];
    const child = spawnSync(process.env.PYTHON ?? 'python3', ['-c', SCRIPT, String(rows), String(cols), String(Math.max(1, repeat)), dir], { encoding: 'utf8', maxBuffer: 1 << 24 });
    if (child.status !== 0) return `where: skipped: NumPy did not run (${(child.stderr || child.error?.message || '').trim().split('\n').pop()})`;
    const py = JSON.parse(child.stdout) as { numpy: string; ms: Record<string, number>; check: Record<string, number> };
    const x = loadNpy(path.join(dir, 'a.npy')) as unknown as { data: Float64Array; shape: number[] };
    const m = loadNpy(path.join(dir, 'm.npy')) as unknown as { data: Uint8Array; shape: number[] };
    const lines = [
      `where: masked reductions of ${rows} x ${cols} float64 (standard_normal, seed 42) with a full-shape Uint8Array mask (half ones, at random), ndreduce (default threads) next to the same call unmasked, NumPy ${py.numpy} (1 thread) beside; best of ${repeat} after a warm-up`,
      '',
      '| task | ndreduce unmasked | ndreduce masked | masked / unmasked | NumPy unmasked | NumPy `where=` |',
      '| --- | --- | --- | --- | --- | --- |',
    ];
    for (const axis of [0, 1]) {
      for (const [name, f] of [['sum', sum], ['max', max]] as const) {
        const plain = bestOf(repeat, () => f(x, { axis }));
        const masked = bestOf(repeat, () => f(x, { axis, where: m }));
        const check = total(f(x, { axis, where: m }));
        const want = py.check[`${name} ${axis} where`];
        if (Math.abs(check - want) > 1e-6 * Math.max(1, Math.abs(want))) failures.push(`where: ${name} axis ${axis}: checksum ${check} vs NumPy ${want}`);
        lines.push(`| ${name}, axis ${axis} | ${plain.toFixed(1)} ms | ${masked.toFixed(1)} ms | ${(masked / plain).toFixed(2)}x | ${py.ms[`${name} ${axis}`].toFixed(1)} ms | ${py.ms[`${name} ${axis} where`].toFixed(1)} ms |`);
      }
    }
    lines.push('', `load average ${load0.toFixed(2)} at the start of the where rows, ${os.loadavg()[0].toFixed(2)} at the end`);
    return lines.join('\n');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const flag = (argv: string[], name: string, fallback: number) => (argv.includes(name) ? Number(argv[argv.indexOf(name) + 1]) : fallback);

export async function whereCommand(argv: string[]): Promise<number> {
  const failures: string[] = [];
  process.stdout.write(whereRows(flag(argv, '--rows', 100), flag(argv, '--cols', 1_000_000), flag(argv, '--repeat', 3), failures) + '\n');
  if (failures.length) process.stderr.write(failures.join('\n') + '\n');
  return failures.length ? 1 : 0;
}
