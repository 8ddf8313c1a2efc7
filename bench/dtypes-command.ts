// `ndreduce bench-dtypes`: the engine's max on other dtypes and on an
// Arrow table, next to NumPy on the same numbers and each dtype's floor.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { max, maxColumns, saveNpy } from '../src/index';
import { testHooks } from './hooks';
import { articleArray } from './data';
import { measure } from './measure';
import type { Policy } from './measure';
import { markdownTable, ms } from './table';
import { UsageError } from './options';

type Arrow = typeof import('apache-arrow');

interface Row {
  impl: string;
  layout: string;
  median_ms: number;
  min_ms: number;
  ratio_to_floor: number;
}

const NUMPY = `
import json, sys, time
import numpy as np
repeat = int(sys.argv[1]); out = {}
for name in sys.argv[2:]:
    a = np.load(name)
    for layout, x in (('arr', a), ('arr.T', a.T)):
        x.max(axis=0)
        s = []
        for _ in range(repeat):
            t = time.perf_counter(); x.max(axis=0); s.append((time.perf_counter() - t) * 1e3)
        out[f'{name}|{layout}'] = {'samples': s, 'checksum': float(x.max(axis=0).astype(np.float64).sum())}
print(json.dumps(out))
`;

function parse(argv: string[]): { rows: number; cols: number; repeat: number; threads: number } {
  const o = { rows: 100, cols: 1_000_000, repeat: 5, threads: 2 };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '') as keyof typeof o;
    const value = Number(argv[i + 1]);
    if (!(key in o) || !Number.isSafeInteger(value) || value < 1) {
      throw new UsageError(`expected --rows N, --cols N, --repeat N, --threads N; got ${argv[i]} ${argv[i + 1] ?? ''}`);
    }
    o[key] = value;
  }
  return o;
}

const checksum = (a: ArrayLike<number | bigint>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Number(a[i]);
  return s;
};

export async function dtypesCommand(argv: string[]): Promise<number> {
  if (argv.includes('--help')) {
    process.stdout.write('ndreduce bench-dtypes [--rows 100] [--cols 1000000] [--repeat 5] [--threads 2]\n');
    return 0;
  }
  const { rows, cols, repeat, threads } = parse(argv);
  const addon = testHooks();
  if (!addon) throw new Error('this benchmark needs the native addon built with its test hooks (npm run build:native)');
  const policy: Policy = { repeat, budgetMs: 10_000 };
  const ints = articleArray(rows, cols, 42);
  const low = new Int32Array(ints.data.buffer, 0, rows * cols * 2);
  const f64 = new Float64Array(rows * cols);
  const i32 = new Int32Array(rows * cols);
  for (let i = 0; i < rows * cols; i++) f64[i] = i32[i] = low[2 * i];
  const cases = [
    { dtype: 'int64', data: ints.data },
    { dtype: 'float64', data: f64 },
    { dtype: 'int32', data: i32 },
  ];
  const out: Row[] = [];
  const results = new Map<string, number>();
  const floorOf = new Map<string, number>();
  for (const { dtype, data } of cases) {
    // The floor reads the same bytes: the buffer seen as int64 words.
    const words = new BigInt64Array(data.buffer, 0, data.byteLength / 8);
    const floor = await measure(() => addon.readFloor(words, threads), policy);
    floorOf.set(dtype, floor.timing.median);
    out.push({ impl: `floor (${dtype} bytes)`, layout: 'any', median_ms: floor.timing.median, min_ms: floor.timing.min, ratio_to_floor: 1 });
    for (const [layout, view] of [
      ['arr', { data, shape: [rows, cols] }],
      ['arr.T', { data, shape: [cols, rows], strides: [1, cols] }],
    ] as const) {
      const engine = await measure(() => max(view as never, { axis: 0, threads }) as ArrayLike<number | bigint>, policy);
      out.push({ impl: `ndreduce ${dtype}`, layout, median_ms: engine.timing.median, min_ms: engine.timing.min, ratio_to_floor: engine.timing.median / floor.timing.median });
      results.set(`${dtype}|${layout}`, checksum(engine.result));
      process.stderr.write(`ndreduce ${dtype} ${layout} took ${ms(engine.timing.median)} ms\n`);
    }
  }
  // Arrow: the 100 long columns of arr.T as a table of float64 vectors,
  // built over the very same memory. apache-arrow is a devDependency, loaded
  // only here.
  let arrowSum: number | undefined;
  let arrow: Arrow | undefined;
  try {
    arrow = require('apache-arrow') as Arrow;
  } catch {
    process.stderr.write('arrow: skipped: install apache-arrow\n');
  }
  if (arrow) {
    const columns: Record<string, import('apache-arrow').Vector> = {};
    const fT = new Float64Array(rows * cols);
    for (let j = 0; j < rows; j++) fT.set(f64.subarray(j * cols, (j + 1) * cols), j * cols);
    for (let j = 0; j < rows; j++) columns[`c${j}`] = arrow.makeVector(fT.subarray(j * cols, (j + 1) * cols));
    const table = new arrow.Table(columns);
    const arrowRun = await measure(() => maxColumns(table as never), policy);
    arrowSum = Object.values(arrowRun.result).reduce((a: number, v) => a + Number(v), 0);
    out.push({ impl: 'ndreduce maxColumns (arrow float64)', layout: `${rows} columns`, median_ms: arrowRun.timing.median, min_ms: arrowRun.timing.min, ratio_to_floor: arrowRun.timing.median / floorOf.get('float64')! });
  }
  // NumPy on the same numbers, verified by checksum.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ndreduce-dtypes-'));
  const files = cases.map(({ dtype, data }) => {
    const file = path.join(dir, `${dtype}.npy`);
    saveNpy(file, { data, shape: [rows, cols] } as never);
    return [dtype, file] as const;
  });
  const child = spawnSync('python3', ['-c', NUMPY, String(repeat), ...files.map(([, f]) => f)], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (child.status === 0) {
    const np = JSON.parse(child.stdout) as Record<string, { samples: number[]; checksum: number }>;
    for (const [dtype, file] of files) {
      for (const layout of ['arr', 'arr.T']) {
        const r = np[`${file}|${layout}`];
        const s = [...r.samples].sort((a, b) => a - b);
        const ok = r.checksum === results.get(`${dtype}|${layout}`);
        out.push({ impl: `numpy ${dtype}${ok ? '' : ' (MISMATCH)'}`, layout, median_ms: s[s.length >> 1], min_ms: s[0], ratio_to_floor: s[s.length >> 1] / floorOf.get(dtype)! });
        if (!ok) return 1;
      }
    }
    if (arrowSum !== undefined && arrowSum !== results.get('float64|arr.T')) throw new Error('maxColumns disagrees with max(arr.T)');
  } else {
    process.stderr.write(`numpy: skipped: ${child.stderr.trim().split('\n').pop()}\n`);
  }
  fs.rmSync(dir, { recursive: true, force: true });
  process.stdout.write(`\n${rows} x ${cols}, ${threads} threads, median of ${repeat} after a warm-up\n\n`);
  process.stdout.write(
    markdownTable(
      ['implementation', 'layout', 'median ms', 'min ms', 'x floor'],
      out.map((r) => [r.impl, r.layout, ms(r.median_ms), ms(r.min_ms), r.ratio_to_floor.toFixed(2)]),
    ) + '\n',
  );
  return 0;
}
