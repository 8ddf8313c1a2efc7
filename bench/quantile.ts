// The quantile family's rows (`npm run bench:quantile`): median along axis
// 0 and axis 1, quantile([.1, .5, .9]) along axis 1 and percentile(99)
// along axis 0 of a 100 x 1,000,000 float64 array of standard normals, ours
// next to NumPy's (and bottleneck's median, where `import bottleneck`
// works) in the same run, on the very same numbers (NumPy generates them,
// seed 42, and hands them over as a .npy file). Best of `repeat`; the
// python child times itself. Also reported: the peak extra memory of our
// calls (the growth of the process's peak RSS over the loaded array), and
// whether our results equal NumPy's bit for bit.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';

import { loadNpy } from '../src/io/npy';
import { median, percentile, quantile } from '../src/index';

type Task = { name: string; numpy: string; bottleneck?: string; ours: (x: { data: Float64Array; shape: number[] }, threads: number | undefined) => unknown };

const TASKS: Task[] = [
  { name: 'median, axis 0', numpy: 'np.median(a, axis=0)', bottleneck: 'bn.median(a, axis=0)', ours: (x, t) => median(x, { axis: 0, threads: t }) },
  { name: 'median, axis 1', numpy: 'np.median(a, axis=1)', bottleneck: 'bn.median(a, axis=1)', ours: (x, t) => median(x, { axis: 1, threads: t }) },
  { name: 'quantile([.1, .5, .9]), axis 1', numpy: 'np.quantile(a, [.1, .5, .9], axis=1)', ours: (x, t) => (quantile(x, [0.1, 0.5, 0.9], { axis: 1, threads: t }) as { data: Float64Array }).data },
  { name: 'percentile(99), axis 0', numpy: 'np.percentile(a, 99, axis=0)', ours: (x, t) => percentile(x, 99, { axis: 0, threads: t }) },
];

const SCRIPT = String.raw`
import json, sys, time
import numpy as np
folder, rows, cols, repeat = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
exprs = json.loads(sys.argv[5])
a = np.random.default_rng(42).standard_normal((rows, cols))
np.save(folder + '/a.npy', a)
try:
    import bottleneck as bn
    bnv = bn.__version__
except ImportError:
    bn = None
    bnv = None
out = {'numpy': np.__version__, 'bottleneck': bnv, 'times': {}}
for k, e in enumerate(exprs):
    if e.startswith('bn.') and bn is None: continue
    best = float('inf')
    for _ in range(repeat):
        t0 = time.perf_counter(); r = eval(e); best = min(best, (time.perf_counter() - t0) * 1e3)
    out['times'][e] = best
    if not e.startswith('bn.'): np.save(folder + '/r%d.npy' % k, np.asarray(r, dtype=np.float64))
print(json.dumps(out))
`;

function flag(argv: string[], name: string, fallback: number): number {
  const at = argv.indexOf(name);
  return at >= 0 ? Number(argv[at + 1]) : fallback;
}

export async function quantileCommand(argv: string[]): Promise<number> {
  if (argv.includes('--help')) {
    process.stdout.write('ndreduce bench-quantile [--rows 100] [--cols 1000000] [--repeat 3] [--threads N]\n');
    return 0;
  }
  const rows = flag(argv, '--rows', 100);
  const cols = flag(argv, '--cols', 1_000_000);
  const repeat = flag(argv, '--repeat', 3);
  const threadsFlag = flag(argv, '--threads', 0);
  const threads = threadsFlag > 0 ? threadsFlag : undefined;
  const python = process.env.PYTHON ?? 'python3';
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'ndreduce-bench-quantile-'));
  const load0 = os.loadavg()[0];
  try {
    const exprs = TASKS.flatMap((t) => [t.numpy, ...(t.bottleneck ? [t.bottleneck] : [])]);
    const run = spawnSync(python, ['-c', SCRIPT, folder, String(rows), String(cols), String(repeat), JSON.stringify(exprs)], { encoding: 'utf8', maxBuffer: 1 << 24 });
    if (run.status !== 0) throw new Error(`python3 with numpy is needed: ${run.stderr}`);
    const py = JSON.parse(run.stdout) as { numpy: string; bottleneck: string | null; times: Record<string, number> };
    const x = loadNpy(path.join(folder, 'a.npy')) as unknown as { data: Float64Array; shape: number[] };
    fs.rmSync(path.join(folder, 'a.npy'));
    const rssBefore = process.resourceUsage().maxRSS;
    const lines: string[] = [];
    const header = `| task | ours (ms) | NumPy ${py.numpy} (ms) | NumPy / ours | bottleneck ${py.bottleneck ?? '(not installed)'} (ms) | bottleneck / ours | equal to NumPy |`;
    lines.push(header, '| --- | --- | --- | --- | --- | --- | --- |');
    for (const [k, t] of TASKS.entries()) {
      let best = Infinity;
      let result: unknown;
      for (let r = 0; r < repeat; r++) {
        const t0 = performance.now();
        result = t.ours(x, threads);
        best = Math.min(best, performance.now() - t0);
      }
      const want = loadNpy(path.join(folder, `r${TASKS.slice(0, k).reduce((n, u) => n + 1 + (u.bottleneck ? 1 : 0), 0)}.npy`)).data as Float64Array;
      const got = result as Float64Array;
      const equal = got.length === want.length && got.every((v, i) => Object.is(v, want[i]) || v === want[i]);
      const np = py.times[t.numpy];
      const bn = t.bottleneck ? py.times[t.bottleneck] : undefined;
      const ratio = (v: number | undefined) => (v === undefined ? '—' : `${(v / best).toFixed(2)}x`);
      lines.push(`| ${t.name} | ${best.toFixed(0)} | ${np.toFixed(0)} | ${ratio(np)} | ${bn?.toFixed(0) ?? '—'} | ${ratio(bn)} | ${equal ? 'yes' : 'NO'} |`);
    }
    const extraMiB = ((process.resourceUsage().maxRSS - rssBefore) / 1024).toFixed(1);
    lines.push(
      '',
      `${rows} x ${cols} float64 (standard normal, seed 42), best of ${repeat}; ours with ${threads ?? 'rayon\'s default'} threads (${os.cpus().length} CPUs), NumPy and bottleneck single-threaded.`,
      `Peak extra memory of our calls (peak RSS growth over the loaded array): ${extraMiB} MiB, against ${((rows * cols * 8) / 2 ** 20).toFixed(0)} MiB of input.`,
      `Load average ${load0.toFixed(2)} at the start, ${os.loadavg()[0].toFixed(2)} at the end.`,
    );
    process.stdout.write(lines.join('\n') + '\n');
    return 0;
  } finally {
    fs.rmSync(folder, { recursive: true, force: true });
  }
}
