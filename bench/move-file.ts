// `npm run bench -- --move-file SIZE`: moveFile (moveMean and moveMax along
// axis 0) of a float64 .npy file of SIZE bytes, against a plain copy of the
// same file (`cp`), in one run. The file is bench/file.ts's, written once
// and reused; not part of CI (a 4 GB file is the figure).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';

import { UsageError } from '../src/cli/usage';
import { moveFile } from '../src/moving/file';
import type { MovingName } from '../src/moving/spec';
import { ensureFile, parseSize } from './file';

export const MOVE_FILE_USAGE = `Usage: ndreduce bench --move-file SIZE [options]

Times moveFile (moveMean and moveMax along axis 0) on a float64 .npy file of
SIZE bytes (e.g. 512M, 4G) against cp of the same file, warm cache; the
subjects run in turn, each after a sync.

  --window N    the window (default 100)
  --cols N      row length: the file is [SIZE / 8N, N] (default 1024)
  --dir DIR     where the files live (default: the temp directory)
  --repeat N    timed runs after one warm-up (default 2)
  --threads N   moveFile's threads (default: rayon's default)
`;

export async function moveFileBench(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        'move-file': { type: 'string' }, window: { type: 'string' }, cols: { type: 'string' }, dir: { type: 'string' },
        repeat: { type: 'string' }, threads: { type: 'string' }, help: { type: 'boolean' },
      },
    }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (values.help || values['move-file'] === undefined) {
    process.stdout.write(MOVE_FILE_USAGE);
    return values.help ? 0 : 2;
  }
  const dir = values.dir ?? path.join(os.tmpdir(), 'ndreduce-bench');
  const { p, rows, dataBytes } = ensureFile(dir, parseSize(values['move-file']), Number(values.cols ?? 1024), (s) => process.stderr.write(s + '\n'));
  const window = Number(values.window ?? 100);
  const repeat = Number(values.repeat ?? 2);
  const threads = values.threads === undefined ? undefined : Number(values.threads);
  const out = path.join(dir, 'ndreduce-bench-move-out.npy');
  // The subjects take turns, round after round, and each run starts after
  // a `sync` (not timed) with the last output gone: a run then never pays
  // for the writeback of the one before it, which made cp alone take
  // anything from 1.7 to 6 s when each subject ran its rounds in a row.
  const subjects: [string, () => unknown][] = [
    ['cp', () => {
      const r = spawnSync('cp', [p, out]);
      if (r.status !== 0) throw new Error(`cp failed: ${r.stderr}`);
    }],
    ...(['moveMean', 'moveMax'] as MovingName[]).map((op): [string, () => unknown] => [
      `moveFile ${op} axis 0 window ${window}`, () => moveFile(p, out, op, window, { axis: 0, threads }),
    ]),
  ];
  const times = subjects.map(() => [] as number[]);
  const load0 = os.loadavg()[0];
  for (let k = 0; k <= repeat; k++) {
    for (const [i, [, run]] of subjects.entries()) {
      fs.rmSync(out, { force: true });
      spawnSync('sync');
      const t0 = performance.now();
      await run();
      if (k > 0 || repeat === 0) times[i].push(performance.now() - t0);
    }
  }
  fs.rmSync(out, { force: true });
  const best = times.map((t) => Math.min(...t));
  const spread = (t: number[]) => (t.length > 1 ? ` (runs ${t.map((x) => (x / 1000).toFixed(2)).join(', ')} s)` : '');
  const gb = dataBytes / 1e9;
  process.stdout.write(`file ${p}: float64 [${rows}, ${dataBytes / 8 / rows}], ${gb.toFixed(2)} GB; warm cache; each run after a sync, subjects in turn; best of ${repeat}; load average ${load0.toFixed(2)}\n`);
  subjects.forEach(([name], i) => {
    const ratio = i === 0 ? '' : `  ${(best[0] / best[i]).toFixed(2)}x the speed of cp`;
    process.stdout.write(`  ${name}`.padEnd(38) + `${(best[i] / 1000).toFixed(3)} s${ratio}${spread(times[i])}\n`);
  });
  process.stdout.write(`load average ${os.loadavg()[0].toFixed(2)} at the end\n`);
  return 0;
}
