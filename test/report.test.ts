// The chart is drawn by vega from a vega-lite spec: one visible bar per
// record, at widths that keep their ratios on the log axis.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';

import { chartSpec, html, renderSvg } from '../bench/report';
import type { BenchRecord } from '../bench/table';
import { machine } from '../bench/machine';

function record(impl: string, layout: string, ratio: number): BenchRecord {
  return { impl, layout, threads: 2, median_ms: ratio * 10, min_ms: ratio * 9, runs: 5, ratio_to_floor: ratio, ratio_to_serial: ratio / 3, samples_ms: [] };
}

const records = [record('serial', 'arr', 3), record('serial', 'arr.T', 2), record('auto', 'arr', 0.8), record('duckdb', 'arr.T', 40)];

test('the chart has one bar per record, log-scaled from a base below the smallest ratio', async () => {
  const svg = await renderSvg(chartSpec(records, 'title', 'machine'));
  assert.match(svg, /^<svg/);
  const bars = /<g class="mark-rect role-mark[^>]*>(.*?)<\/g>/.exec(svg);
  assert.ok(bars, 'a group of bars');
  const widths = [...bars[1].matchAll(/ d="M[-\d.]+,[-\d.]+h([-\d.]+)v/g)].map((m) => Number(m[1]));
  assert.equal(widths.length, records.length);
  assert.ok(widths.every((w) => w > 0), `every bar is visible: ${widths}`);
  // On a log axis from base b, width is proportional to log(ratio / b); base 0.5 here.
  const expected = records.map((r) => Math.log(r.ratio_to_floor / 0.5));
  widths.forEach((w, k) => assert.ok(Math.abs(w / widths[0] - expected[k] / expected[0]) < 1e-6, `bar ${k}`));
  assert.match(svg, /Y-axis for a discrete scale with 3 values: serial, auto, duckdb/);
});

test('the page holds the chart, a table per thread count and the skipped rows', async () => {
  const floors = new Map([[2, { median: 10, min: 9, samples: [10, 9] }]]);
  const page = html(
    { title: 'ndreduce bench', command: 'ndreduce bench', machine: machine(), records, floors, skipped: [{ impl: 'polars', reason: 'not <installed>' }], notes: [], extra: [] },
    '<svg id="chart"></svg>',
  );
  assert.match(page, /<svg id="chart"><\/svg>/);
  assert.match(page, /<h2>2 threads<\/h2><table>/);
  assert.match(page, /<td>floor \(read once\)<\/td><td>any<\/td><td>10.0<\/td>/);
  assert.match(page, /<td>duckdb<\/td><td>arr.T<\/td><td>400<\/td>/);
  assert.match(page, /polars: not &lt;installed&gt;/);
});
