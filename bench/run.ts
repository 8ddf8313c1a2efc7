// `ndreduce bench`: every implementation on `arr` and `arr.T`, checked
// against the serial kernel and measured against the floor.
import * as fs from 'node:fs';
import * as os from 'node:os';

import * as api from '../src/index';
import { defaultThreads, loadNpy, transpose } from '../src/index';
import type { Int64Array2D } from '../src/index';
import { articleArray } from './data';
import { worstDelay } from './eventloop';
import { machine } from './machine';
import type { Policy, Timing } from './measure';
import { fileBench } from './file';
import { zarrBench } from './zarr';
import { asyncCopyBench, asyncCopyCommand } from './async-copy';
import { BENCH_USAGE, UsageError, parseBenchOptions } from './options';
import type { BenchOptions } from './options';
import { duckdbSubject } from './peers/duckdb';
import { numpySubject } from './peers/numpy';
import { movingRows } from './moving';
import { groupRows } from './groups';
import { whereRows } from './where';
import { moveFileBench } from './move-file';
import { polarsSubject } from './peers/polars';
import { Progress } from './progress';
import { chartSpec, html, renderSvg } from './report';
import { smallBench, smallTable } from './small';
import { reason } from './subject';
import type { Dataset, Layout, Subject } from './subject';
import { backendSubjects, floorSubject, reductionSubjects, referenceSubject, rustSubjects } from './subjects';
import { ms, resultTable } from './table';
import type { BenchRecord } from './table';
import { difference } from './verify';

/** Above this many elements the BigInt reference loop takes minutes. */
const REFERENCE_LIMIT = 1e7;

function dataset(o: BenchOptions): Dataset {
  let arr: Dataset['arr'];
  if (o.input) {
    let a;
    try {
      a = loadNpy(o.input);
    } catch (error) {
      throw new UsageError(`--input ${o.input}: ${reason(error)}`);
    }
    if (!(a.data instanceof BigInt64Array) || a.shape.length !== 2) {
      throw new UsageError(`--input ${o.input}: expected a 2-D int64 array, got dtype ${a.dtype} and shape (${a.shape.join(', ')}); save arr.astype('<i8')`);
    }
    arr = { data: a.data, shape: [a.shape[0], a.shape[1]], strides: a.strides, offset: a.offset };
  } else {
    arr = articleArray(o.rows, o.cols, o.seed);
  }
  const t = transpose(arr);
  return { arr, view: (l: Layout): Int64Array2D => (l === 'arr' ? arr : t), source: o.input };
}

/** The tables after the main one, each named in `--only` to keep it. */
const SECTIONS = ['moving', 'groups', 'where'] as const;
const wanted = (o: BenchOptions, section: (typeof SECTIONS)[number]) => !o.only || o.only.includes(section);

function subjects(o: BenchOptions, elements: number): Subject[] {
  // Plain JavaScript reads BigInts one by one: give it less time per row.
  const list = [...rustSubjects(), ...backendSubjects('js', o.budgetMs / 2), ...backendSubjects('wasm', o.budgetMs / 2)];
  if (o.withReference || elements <= REFERENCE_LIMIT || o.only?.includes('reference')) list.push(referenceSubject());
  list.push(numpySubject(), polarsSubject(), duckdbSubject());
  // Other reductions of the same values, each beside NumPy's.
  const [partialMean, partialStd, sumF64, sumI64, meanF64, stdF64, maxOut] = reductionSubjects();
  list.push(sumF64, numpySubject('sum'), sumI64, meanF64, partialMean, numpySubject('mean'), stdF64, partialStd, numpySubject('std'), maxOut, numpySubject('max-out'));
  if (!o.only) return list;
  const known = new Set([...list.map((s) => s.id), 'reference', 'event-loop', 'async-copy', ...SECTIONS]);
  const unknown = o.only.filter((n) => !known.has(n));
  if (unknown.length) throw new UsageError(`--only: unknown ${unknown.join(', ')}; known: ${[...known].join(', ')}`);
  // serial is the yardstick of every other row.
  return list.filter((s) => s.id === 'serial' || o.only!.includes(s.id));
}

export async function benchCommand(argv: string[]): Promise<number> {
  if (argv.some((a) => a === '--move-file' || a.startsWith('--move-file='))) return moveFileBench(argv);
  if (argv.some((a) => a === '--file' || a.startsWith('--file='))) return fileBench(argv);
  if (argv.some((a) => a === '--zarr' || a.startsWith('--zarr='))) return zarrBench(argv);
  if (argv.includes('--async-copy')) return asyncCopyCommand(argv);
  const o = parseBenchOptions(argv);
  if (o.help) {
    process.stdout.write(BENCH_USAGE);
    return 0;
  }
  const m = machine();
  const progress = new Progress();
  const say = (s: string) => {
    progress.clear();
    console.log(s);
  };
  const command = `ndreduce bench ${argv.join(' ')}`.trim();

  if (o.small) {
    const threads = o.threads?.[0];
    const { records, failures, skipped } = smallBench(o.seed, threads, say);
    say(`\nreductions of a 10 x 10 array, per call (${m.cpu}, ${m.cores} cores, Node ${m.node})\n\n${smallTable(records)}`);
    failures.forEach((f) => say(`MISMATCH: ${f}`));
    if (o.json) fs.writeFileSync(o.json, JSON.stringify({ command, machine: { ...m, loadavg_end: os.loadavg()[0] }, small: records, skipped }, null, 2) + '\n');
    return failures.length ? 1 : 0;
  }

  progress.step(o.input ? `reading ${o.input}` : `generating ${o.rows} x ${o.cols} int64 (seed ${o.seed})`);
  const data = dataset(o);
  const [rows, cols] = data.arr.shape;
  const threadList = o.threads ?? [defaultThreads()];
  const list = subjects(o, rows * cols);
  say(
    `arr: ${rows} x ${cols} int64 (${((rows * cols * 8) / 1e6).toFixed(0)} MB)${o.input ? ` from ${o.input}` : `, seed ${o.seed}`}; ` +
      `arr.T: its transposed view. ${m.cpu}, ${m.cores} cores, Node ${m.node}, ${m.rustc}. ` +
      `Threads: ${threadList.join(', ')}. Up to ${o.repeat} runs after a warm-up, at most ${o.budgetMs / 1000} s per row. ` +
      `Load average ${m.loadavg_start.toFixed(2)} (other users of the CPU show up here).`,
  );

  const policy = (s?: Subject): Policy => ({ repeat: o.repeat, budgetMs: s?.budgetMs ?? o.budgetMs });
  // The floor is measured first, before every implementation, and last;
  // the fastest median counts. On a shared machine the load comes and goes,
  // and a floor taken in a busy moment would flatter every row after it.
  const floorRuns = new Map<number, Timing[]>(threadList.map((t) => [t, []]));
  const readFloor = floorSubject();
  const measureFloors = async (when: string, quiet = false) => {
    for (const t of threadList) {
      progress.step(`floor (${when}), ${t} threads`);
      const { timing } = await readFloor(data.arr.data, t, policy());
      floorRuns.get(t)!.push(timing);
      if (!quiet) say(`floor (${when}: reading all ${((data.arr.data.length * 8) / 1e6).toFixed(0)} MB once) took ${ms(timing.median)} ms with ${t} threads`);
    }
  };
  await measureFloors('first');

  const records: BenchRecord[] = [];
  const skipped: { impl: string; reason: string }[] = [];
  const failures: string[] = [];
  const notes: string[] = [];
  const expected = new Map<Layout, BigInt64Array>();
  const serialMedian = new Map<string, number>();
  for (const [k, s] of list.entries()) {
    const tag = `[${k + 1}/${list.length}] ${s.id}`;
    if (k > 0) await measureFloors(`before ${s.id}`, true);
    try {
      progress.step(`${tag}: setting up`);
      await s.setup?.(data);
    } catch (error) {
      skipped.push({ impl: s.id, reason: reason(error) });
      say(`${s.id}: skipped: ${reason(error)}`);
      continue;
    }
    try {
      for (const layout of s.layouts) {
        // Implementations with their own thread count are measured once
        // and shown in every table.
        let once: Awaited<ReturnType<Subject['measure']>> | undefined;
        for (const t of threadList) {
          const got = s.fixedThreads !== undefined && once ? once : await s.measure(data, layout, t, policy(s), (done, total) =>
            progress.update(`${tag} ${layout}, ${t} threads: run ${done + 1}/${total}`));
          once = got;
          if (s.id === 'serial' && !expected.has(layout) && got.result) expected.set(layout, got.result);
          const diff = got.result && difference(got.result, expected.get(layout)!);
          if (diff) {
            failures.push(`${s.id} on ${layout} (${t} threads): ${diff}`);
            say(`MISMATCH: ${s.id} on ${layout}: ${diff}`);
          }
          if (s.id === 'serial') serialMedian.set(`${layout}/${t}`, got.timing.median);
          records.push({
            impl: s.id,
            layout,
            threads: t,
            ...(s.fixedThreads !== undefined ? { threads_used: s.fixedThreads } : {}),
            median_ms: got.timing.median,
            min_ms: got.timing.min,
            runs: got.timing.samples.length,
            ratio_to_floor: NaN, // once the floor is final
            ratio_to_serial: got.timing.median / serialMedian.get(`${layout}/${t}`)!,
            samples_ms: got.timing.samples,
          });
          if (s.fixedThreads === undefined || t === threadList[0]) {
            const threads = s.fixedThreads ?? t;
            say(`${s.id} took ${ms(got.timing.median)} ms  (${layout}, ${threads} thread${threads === 1 ? '' : 's'}; median of ${got.timing.samples.length}, min ${ms(got.timing.min)} ms)`);
          }
        }
      }
      if (s.note) notes.push(`${s.id}: ${s.note}`);
    } catch (error) {
      failures.push(`${s.id} failed: ${reason(error)}`);
      say(`${s.id} FAILED: ${reason(error)}`);
    } finally {
      await s.dispose?.();
    }
  }

  await measureFloors('last');
  const floors = new Map<number, Timing>();
  for (const [t, runs] of floorRuns) floors.set(t, runs.reduce((a, b) => (b.median < a.median ? b : a)));
  for (const r of records) r.ratio_to_floor = r.median_ms / floors.get(r.threads)!.median;

  const extra: string[] = [];
  const eventLoop = await measureEventLoop(data.arr, o, progress, say);
  if (eventLoop.line) extra.push(eventLoop.line);
  let asyncCopy: ReturnType<typeof asyncCopyBench> | undefined;
  if (!o.only || o.only.includes('async-copy')) {
    progress.step(`async copy: first meanAsync of ${o.asyncMb} MiB, each in a fresh process`);
    asyncCopy = asyncCopyBench(o.asyncMb, Math.min(o.repeat, 3), () => {});
    extra.push(asyncCopy.table);
  }
  progress.clear();

  for (const t of threadList) {
    const floor = floors.get(t)!;
    const all = floorRuns.get(t)!.map((f) => f.median);
    say(`\n${t} thread${t === 1 ? '' : 's'} (floor: median ${ms(floor.median)} ms, min ${ms(floor.min)} ms; the fastest of ${all.length} measurements, whose medians ranged ${ms(Math.min(...all))} to ${ms(Math.max(...all))} ms)\n`);
    say(resultTable(records.filter((r) => r.threads === t), floor));
  }
  if (skipped.length) say(`\n${skipped.map((s) => `${s.impl}: skipped: ${s.reason}`).join('\n')}`);
  if (notes.length || extra.length) say(`\n${[...notes, ...extra].join('\n')}`);
  if (wanted(o, 'moving')) say(`\n${await movingRows(rows, cols, o.repeat, failures)}\n`);
  if (wanted(o, 'groups')) say(`\n${groupRows(rows, cols, o.repeat, failures)}\n`);
  if (wanted(o, 'where')) say(`\n${whereRows(rows, cols, o.repeat, failures)}\n`);
  say(`load average ${m.loadavg_start.toFixed(2)} at the start, ${os.loadavg()[0].toFixed(2)} at the end`);

  const machineEnd = { ...m, loadavg_end: os.loadavg()[0] };
  if (o.json) {
    const floorsOut = threadList.map((t) => ({
      threads: t,
      median_ms: floors.get(t)!.median,
      min_ms: floors.get(t)!.min,
      samples_ms: floors.get(t)!.samples,
      // Every measurement of the floor, first to last; the smallest is the floor.
      all_medians_ms: floorRuns.get(t)!.map((f) => f.median),
    }));
    const doc = { command, machine: machineEnd, rows, cols, seed: o.input ? undefined : o.seed, input: o.input, floor: floorsOut, results: records, skipped, notes, event_loop: eventLoop.json, async_copy: asyncCopy?.records, failures };
    fs.writeFileSync(o.json, JSON.stringify(doc, null, 2) + '\n');
    say(`wrote ${o.json}`);
  }
  if (o.report || o.chart) {
    const title = `Column max of ${rows} x ${cols} int64: time / floor`;
    const svg = await renderSvg(chartSpec(records, title, `${m.cpu}, ${m.cores} cores, Node ${m.node}, ${m.date.slice(0, 16).replace('T', ' ')} UTC`));
    if (o.chart) {
      fs.writeFileSync(o.chart, svg);
      say(`wrote ${o.chart}`);
    }
    if (o.report) {
      fs.writeFileSync(o.report, html({ title: `ndreduce bench: ${rows} x ${cols} int64`, command, machine: machineEnd, records, floors, skipped, notes, extra }, svg));
      say(`wrote ${o.report}`);
    }
  }
  if (failures.length) {
    say(`\nFAILED:\n${failures.join('\n')}`);
    return 1;
  }
  return 0;
}

type MaybeAsync = { maxAsync?: (x: Int64Array2D) => Promise<BigInt64Array> };

async function measureEventLoop(arr: Int64Array2D, o: BenchOptions, progress: Progress, say: (s: string) => void) {
  if (o.only && !o.only.includes('event-loop')) return { json: undefined, line: undefined };
  // maxAsync is added by another part of the project; use it once it exists.
  const maxAsync = (api as MaybeAsync).maxAsync;
  if (typeof maxAsync !== 'function') {
    const line = 'event-loop: skipped: maxAsync is not exported by this build';
    say(line);
    return { json: { skipped: 'maxAsync is not exported by this build' }, line };
  }
  progress.step('event loop: sync max vs maxAsync');
  const sync = await worstDelay(() => api.max(arr));
  const async_ = await worstDelay(() => maxAsync(arr));
  const line = `event-loop: worst delay of a 1 ms interval during max(arr) ${ms(sync)} ms, during await maxAsync(arr) ${ms(async_)} ms`;
  say(line);
  return { json: { sync_max_worst_delay_ms: sync, max_async_worst_delay_ms: async_ }, line };
}
