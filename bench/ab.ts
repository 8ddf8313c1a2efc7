// Two builds of the addon side by side, call by call:
//   node dist/bench/ab.js A.node B.node [--rounds 2] [--only REGEX]
// Each round loads each binary in turn in a fresh process (through
// NDREDUCE_ADDON_PATH) and times every call on 100 x 1,000,000 arrays, best
// of 5 after a warm-up; the table gives each binary's range over the rounds
// and the ratio of the best times. A binary built without the test hooks
// (the published form) will do: nothing here needs them.
import { spawnSync } from 'node:child_process';
import * as os from 'node:os';

import * as api from '../src/index';

const ROWS = 100;
const COLS = 1_000_000;

/** `make()`, made on first use: a child makes only the arrays its calls read. */
function lazy<T>(make: () => T): () => T {
  let made: T | undefined;
  return () => (made ??= make());
}

function calls(): Record<string, () => unknown> {
  const floats = lazy(() => {
    const f = new Float64Array(ROWS * COLS);
    let s = 42;
    for (let i = 0; i < f.length; i++) f[i] = (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648 - 0.5;
    return f;
  });
  const f64 = lazy(() => ({ data: floats(), shape: [ROWS, COLS] }));
  const i32 = lazy(() => ({ data: Int32Array.from(floats(), (v) => Math.round(v * 1000)), shape: [ROWS, COLS] }));
  const u8 = lazy(() => ({ data: Uint8Array.from(floats(), (v) => (v > 0 ? 1 : 0)), shape: [ROWS, COLS] }));
  const i8 = lazy(() => ({ data: Int8Array.from(floats(), (v) => (v > 0.45 ? 2 : 1)), shape: [ROWS, COLS] }));
  const i64 = lazy(() => {
    const d = new BigInt64Array(ROWS * COLS);
    for (let i = 0; i < d.length; i++) d[i] = BigInt((i * 2654435761) % 1000003) - 500000n;
    return { data: d, shape: [ROWS, COLS] as [number, number] };
  });
  const i64T = lazy(() => ({ data: i64().data, shape: [COLS, ROWS] as [number, number], strides: [1, COLS] as [number, number] }));
  const where = lazy(() => u8().data);
  const by0 = Int32Array.from({ length: ROWS }, (_, i) => i % 12);
  const by1 = Int32Array.from({ length: COLS }, (_, i) => i % 12);
  const x = f64;
  const xT = lazy(() => api.transpose(f64()));
  const ten = lazy(() => ({ data: floats().subarray(0, 10 * COLS), shape: [10, COLS] }));
  const out = new BigInt64Array(COLS);
  return {
    'sum where axis 0': () => api.sum(x(), { axis: 0, where: where() }),
    'max where axis 1': () => api.max(x(), { axis: 1, where: where() }),
    'sum where i8 axis 0': () => api.sum(i8(), { axis: 0, where: where() }),
    'max where i8 axis 0': () => api.max(i8(), { axis: 0, where: where() }),
    'countNonzero where i8 axis 0': () => api.countNonzero(i8(), { axis: 0, where: where() }),
    'all where i8 axis 1': () => api.all(i8(), { axis: 1, where: where() }),
    'argmax where i32 axis 0': () => api.argmax(i32(), { axis: 0, where: where() }),
    'var where i32 axis 0': () => api.variance(i32(), { axis: 0, where: where() }),
    'max where i32 axis 0': () => api.max(i32(), { axis: 0, where: where() }),
    'max where i32 axis 1': () => api.max(i32(), { axis: 1, where: where() }),
    'mean by axis 0': () => api.mean(x(), { axis: 0, by: by0 }),
    'mean by axis 1': () => api.mean(x(), { axis: 1, by: by1 }),
    'mean by+where axis 0': () => api.mean(x(), { axis: 0, by: by0, where: where() }),
    'mean by+where i32 axis 0': () => api.mean(i32(), { axis: 0, by: by0, where: where() }),
    'max by+where i8 axis 1': () => api.max(i8(), { axis: 1, by: by1, where: where() }),
    'std axis 0': () => api.std(x(), { axis: 0 }),
    'var axis 1': () => api.variance(x(), { axis: 1 }),
    'mean axis 0': () => api.mean(x(), { axis: 0 }),
    'argmax f64 axis 0': () => api.argmax(x(), { axis: 0 }),
    'nanargmin f64 axis 0': () => api.nanargmin(x(), { axis: 0 }),
    'argmin i32 axis 0': () => api.argmin(i32(), { axis: 0 }),
    'any f64 axis 0': () => api.any(x(), { axis: 0 }),
    'all u8 axis 0': () => api.all(u8(), { axis: 0 }),
    'countNonzero u8 axis 1': () => api.countNonzero(u8(), { axis: 1 }),
    'prod i8 axis 0': () => api.prod(i8(), { axis: 0 }),
    'minmax f64 axis 0': () => api.minmax(x(), { axis: 0 }),
    'ptp i32 axis 0': () => api.ptp(i32(), { axis: 0 }),
    'max f64 axis 0': () => api.max(x(), { axis: 0 }),
    'sum f64 axis 1': () => api.sum(x(), { axis: 1 }),
    'moveMean axis 0 w10': () => api.moveMean(x(), 10, { axis: 0 }),
    'moveMean axis 1 w100': () => api.moveMean(x(), 100, { axis: 1 }),
    'moveMax axis 0 w10': () => api.moveMax(x(), 10, { axis: 0 }),
    'moveMean arr.T w100': () => api.moveMean(xT(), 100, { axis: 0 }),
    'moveMedian 10 rows w100': () => api.moveMedian(ten(), 100, { axis: 1 }),
    'median axis 0': () => api.median(x(), { axis: 0 }),
    'serial i64 arr': () => api.findMax(i64()),
    'serial i64 arr.T': () => api.findMax(i64T()),
    'mutex i64 arr': () => api.findMaxParallel(i64()),
    'lockfree i64 arr': () => api.findMaxUnsafe(i64()),
    'max i64 axis 0 into out': () => api.max(i64(), { axis: 0, out }),
    'sum i64 axis 0': () => api.sum(i64(), { axis: 0 }),
  };
}

/** In a child: every call (matching `only`), best of 5 after a warm-up, as JSON. */
function child(only: RegExp | undefined): void {
  const best: Record<string, number> = {};
  for (const [name, fn] of Object.entries(calls())) {
    if (only && !only.test(name)) continue;
    fn();
    let ms = Infinity;
    for (let k = 0; k < 5; k++) {
      const t = process.hrtime.bigint();
      fn();
      ms = Math.min(ms, Number(process.hrtime.bigint() - t) / 1e6);
    }
    best[name] = ms;
  }
  process.stdout.write(JSON.stringify(best));
}

function parent(args: string[]): void {
  const flag = (name: string) => {
    const k = args.indexOf(name);
    return k < 0 ? undefined : args.splice(k, 2)[1];
  };
  const rounds = Number(flag('--rounds') ?? 2);
  const only = flag('--only');
  if (args.length !== 2 || !(rounds >= 1)) {
    console.error('usage: node dist/bench/ab.js A.node B.node [--rounds N] [--only REGEX]');
    process.exit(2);
  }
  const runs: Record<string, number>[][] = [[], []];
  const loads = [os.loadavg()[0]];
  for (let r = 0; r < rounds; r++) {
    args.forEach((binary, b) => {
      const env = { ...process.env, NDREDUCE_ADDON_PATH: binary, NDREDUCE_AB_CHILD: only ?? '' };
      const p = spawnSync(process.execPath, [__filename], { env, encoding: 'utf8', maxBuffer: 1 << 20 });
      if (p.status !== 0) throw new Error(`${binary}: ${p.stderr}`);
      runs[b].push(JSON.parse(p.stdout) as Record<string, number>);
      loads.push(os.loadavg()[0]);
    });
  }
  const range = (b: number, name: string) => runs[b].map((run) => run[name]);
  console.log(`A: ${args[0]}\nB: ${args[1]}\n${rounds} rounds, best of 5 each; load average ${Math.min(...loads).toFixed(2)} to ${Math.max(...loads).toFixed(2)}\n`);
  console.log('| call | A ms | B ms | B / A (best) |\n| --- | ---: | ---: | ---: |');
  for (const name of Object.keys(runs[0][0])) {
    const [a, b] = [range(0, name), range(1, name)];
    const span = (v: number[]) => `${Math.min(...v).toFixed(1)}-${Math.max(...v).toFixed(1)}`;
    console.log(`| ${name} | ${span(a)} | ${span(b)} | ${(Math.min(...b) / Math.min(...a)).toFixed(2)} |`);
  }
}

if (process.env.NDREDUCE_AB_CHILD !== undefined) child(process.env.NDREDUCE_AB_CHILD ? new RegExp(process.env.NDREDUCE_AB_CHILD) : undefined);
else parent(process.argv.slice(2));
