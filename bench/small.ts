// `--small`: what one call costs when there is almost nothing to compute
// (a 10 x 10 array): argument checks, the binding, the pool. `max` on
// every backend and schedule, then every other reduction on the addon.
import * as api from '../src/index';
import type { Backend, Reduction, Strategy } from '../src/index';
import { reference, referenceMax } from '../test/oracle';
import { sameResult } from '../test/nd-cases';
import { articleArray } from './data';
import { summarize } from './measure';
import { markdownTable } from './table';
import { difference } from './verify';

export interface SmallRecord {
  impl: string;
  us_per_call_median: number;
  us_per_call_min: number;
  calls: number;
}

function perCall(fn: () => unknown): { median: number; min: number; calls: number } {
  // Batches long enough (about 20 ms) that the timer's resolution and the
  // loop around the call do not matter.
  let batch = 1;
  for (;;) {
    const t0 = process.hrtime.bigint();
    for (let k = 0; k < batch; k++) fn();
    if (Number(process.hrtime.bigint() - t0) > 20e6 || batch > 1 << 24) break;
    batch *= 2;
  }
  const samples: number[] = [];
  for (let s = 0; s < 15; s++) {
    const t0 = process.hrtime.bigint();
    for (let k = 0; k < batch; k++) fn();
    samples.push(Number(process.hrtime.bigint() - t0) / 1e3 / batch);
  }
  const t = summarize(samples);
  return { median: t.median, min: t.min, calls: batch * 16 };
}

export function smallBench(seed: number, threads: number | undefined, log: (s: string) => void): { records: SmallRecord[]; failures: string[]; skipped: { impl: string; reason: string }[] } {
  const x = articleArray(10, 10, seed);
  const expected = referenceMax(x, 0);
  const rows: [string, Backend, Strategy][] = [
    ['auto', 'native', 'auto'],
    ['serial', 'native', 'serial'],
    ['js-auto', 'js', 'auto'],
    ['wasm-auto', 'wasm', 'auto'],
  ];
  const records: SmallRecord[] = [];
  const failures: string[] = [];
  const skipped: { impl: string; reason: string }[] = [];
  const max = api.max;
  for (const [impl, backend, strategy] of rows) {
    let got: BigInt64Array;
    try {
      got = max(x, { axis: 0, backend, strategy, threads });
    } catch (error) {
      skipped.push({ impl, reason: (error as Error).message.split('\n')[0] });
      log(`${impl}: skipped: ${skipped[skipped.length - 1].reason}`);
      continue;
    }
    const diff = difference(got, expected);
    if (diff) failures.push(`${impl} on 10 x 10: ${diff}`);
    const t = perCall(() => max(x, { axis: 0, backend, strategy, threads }));
    log(`${impl} took ${t.median.toFixed(2)} us per call`);
    records.push({ impl, us_per_call_median: t.median, us_per_call_min: t.min, calls: t.calls });
  }
  // Every other reduction through the addon, along axis 0 (ten results)
  // and over every axis (a scalar), on the same values as float64.
  const f = { data: Float64Array.from(x.data, Number), shape: [10, 10] };
  const ops: [string, (x: never, o?: never) => unknown, Reduction][] = [
    ['min', api.min, 'min'], ['minmax', api.minmax, 'minmax'], ['ptp', api.ptp, 'ptp'], ['sum', api.sum, 'sum'],
    ['prod', api.prod, 'prod'], ['mean', api.mean, 'mean'], ['var', api.variance, 'var'], ['std', api.std, 'std'],
    ['argmin', api.argmin, 'argmin'], ['argmax', api.argmax, 'argmax'], ['any', api.any, 'any'], ['all', api.all, 'all'],
    ['countNonzero', api.countNonzero, 'countNonzero'], ['nanmax', api.nanmax, 'max'], ['nansum', api.nansum, 'sum'],
  ];
  if (!skipped.some((s) => s.impl === 'auto')) {
    for (const [name, fn, reduction] of ops) {
      for (const axis of [0, null]) {
        const impl = `${name} f64 axis ${axis}`;
        const options = { axis, threads };
        const nan = name.startsWith('nan');
        try {
          sameResult(fn(f as never, options as never), reference(reduction, f, options, nan), impl, reduction !== 'prod' && ['sum', 'mean', 'var', 'std'].includes(reduction));
        } catch (error) {
          failures.push(`${impl} on 10 x 10: ${(error as Error).message.split('\n')[0]}`);
          continue;
        }
        const t = perCall(() => fn(f as never, options as never));
        log(`${impl} took ${t.median.toFixed(2)} us per call`);
        records.push({ impl, us_per_call_median: t.median, us_per_call_min: t.min, calls: t.calls });
      }
    }
  }
  return { records, failures, skipped };
}

export function smallTable(records: SmallRecord[]): string {
  return markdownTable(
    ['implementation', 'median us/call', 'min us/call', 'calls'],
    records.map((r) => [r.impl, r.us_per_call_median.toFixed(2), r.us_per_call_min.toFixed(2), String(r.calls)]),
  );
}
