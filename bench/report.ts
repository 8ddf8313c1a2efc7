// The chart and the HTML page. The chart is a vega-lite spec compiled and
// rendered to SVG here, in Node, so the page needs no script to show it.
// vega and vega-lite are ES modules; this package is CommonJS, so they
// are loaded with import(), only when a chart is asked for.
type TopLevelSpec = Record<string, unknown>;

import type { Machine } from './machine';
import { resultTable } from './table';
import type { BenchRecord, FloorTiming } from './table';

export interface ReportInput {
  title: string;
  command: string;
  machine: Machine;
  records: BenchRecord[];
  floors: Map<number, FloorTiming>;
  skipped: { impl: string; reason: string }[];
  notes: string[];
  extra: string[];
}

/** Bars of `ratio_to_floor` (log scale: the slow rows are 100x the fast
 * ones), one group per implementation, one bar per layout, one panel per
 * thread count. */
export function chartSpec(records: BenchRecord[], title: string, subtitle: string): TopLevelSpec {
  const order = [...new Set(records.map((r) => r.impl))];
  const values = records.map((r) => ({ impl: r.impl, layout: r.layout, threads: `${r.threads} threads`, ratio: r.ratio_to_floor, median: r.median_ms }));
  const threadCounts = new Set(records.map((r) => r.threads)).size;
  // Bars on a log scale need a base above zero: the power of two below the
  // smallest ratio (and never above 1, the floor itself).
  const smallest = Math.min(1, ...records.map((r) => r.ratio_to_floor).filter((v) => v > 0));
  const logBase = 2 ** Math.floor(Math.log2(smallest));
  const encoding = {
    y: { field: 'impl', type: 'nominal', sort: order, title: null },
    yOffset: { field: 'layout', type: 'nominal' },
    x: { field: 'ratio', type: 'quantitative', scale: { type: 'log', domainMin: logBase }, stack: null, title: 'median time / floor (1 = reading the data once)' },
    x2: { datum: logBase },
    color: { field: 'layout', type: 'nominal', title: 'layout' },
    tooltip: [{ field: 'impl' }, { field: 'layout' }, { field: 'threads' }, { field: 'median', format: '.2f', title: 'median ms' }],
  } as const;
  const base = { mark: { type: 'bar' }, encoding };
  const spec = threadCounts > 1
    ? { facet: { row: { field: 'threads', type: 'nominal', title: null } }, spec: { width: 520, ...base } }
    : { width: 520, ...base };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title, subtitle },
    data: { values },
    ...spec,
  } as TopLevelSpec;
}

export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const vega = await import('vega');
  const vegaLite = await import('vega-lite');
  const view = new vega.View(vega.parse(vegaLite.compile(spec as never).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

function escape(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

/** Markdown table lines to an HTML table. */
function htmlTable(markdown: string): string {
  const [head, , ...body] = markdown.split('\n');
  const cells = (line: string) => line.slice(1, -1).split('|').map((c) => c.trim());
  const row = (line: string, tag: string) => `<tr>${cells(line).map((c) => `<${tag}>${escape(c)}</${tag}>`).join('')}</tr>`;
  return `<table><thead>${row(head, 'th')}</thead><tbody>${body.map((l) => row(l, 'td')).join('')}</tbody></table>`;
}

export function html(input: ReportInput, svg: string): string {
  const m = input.machine;
  const threads = [...new Set(input.records.map((r) => r.threads))];
  const tables = threads
    .map((t) => `<h2>${t} thread${t === 1 ? '' : 's'}</h2>${htmlTable(resultTable(input.records.filter((r) => r.threads === t), input.floors.get(t)))}`)
    .join('\n');
  const list = (items: string[]) => (items.length ? `<ul>${items.map((s) => `<li>${escape(s)}</li>`).join('')}</ul>` : '');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(input.title)}</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 2em; max-width: 60em; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #ccc; padding: 0.2em 0.6em; }
td:not(:first-child) { text-align: right; font-variant-numeric: tabular-nums; }
code { background: #f4f4f4; padding: 0 0.2em; }
</style></head><body>
<h1>${escape(input.title)}</h1>
<p><code>${escape(input.command)}</code></p>
<p>${escape(m.cpu)}, ${m.cores} cores, ${m.memory_gib} GiB; ${escape(m.platform)}; Node ${escape(m.node)}; ${escape(m.rustc)}; ${escape(m.date)};
load average ${m.loadavg_start.toFixed(2)} at the start, ${m.loadavg_end?.toFixed(2) ?? '?'} at the end.</p>
${svg}
${tables}
${input.skipped.length ? `<h2>Skipped</h2>${list(input.skipped.map((s) => `${s.impl}: ${s.reason}`))}` : ''}
${list([...input.notes, ...input.extra])}
</body></html>
`;
}
