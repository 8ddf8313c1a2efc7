// The result records and their text tables (Markdown, so a run can be
// pasted into the README as it is).

export interface BenchRecord {
  impl: string;
  layout: string;
  /** The table's thread count (`--threads`). */
  threads: number;
  /** Threads the implementation actually used, when it ignores `threads`. */
  threads_used?: number;
  median_ms: number;
  min_ms: number;
  runs: number;
  ratio_to_floor: number;
  ratio_to_serial: number;
  samples_ms: number[];
}

export function ms(v: number): string {
  if (v >= 100) return v.toFixed(0);
  if (v >= 10) return v.toFixed(1);
  if (v >= 1) return v.toFixed(2);
  return v.toFixed(3);
}

function ratio(v: number): string {
  return Number.isFinite(v) ? (v >= 100 ? v.toFixed(0) : v.toFixed(2)) : '-';
}

export function markdownTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, k) => Math.max(h.length, ...rows.map((r) => r[k].length)));
  const line = (cells: string[]) => `| ${cells.map((c, k) => (k === 0 ? c.padEnd(widths[k]) : c.padStart(widths[k]))).join(' | ')} |`;
  const rule = `|${widths.map((w, k) => (k === 0 ? '-'.repeat(w + 2) : '-'.repeat(w + 1) + ':')).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

export interface FloorTiming {
  median: number;
  min: number;
  samples: number[];
}

/** The floor, when given, heads the table as the row every ratio divides by. */
export function resultTable(records: BenchRecord[], floor?: FloorTiming): string {
  const head = floor ? [['floor (read once)', 'any', ms(floor.median), ms(floor.min), String(floor.samples.length), '1.00', '-']] : [];
  return markdownTable(
    ['implementation', 'layout', 'median ms', 'min ms', 'runs', 'x floor', 'x serial'],
    head.concat(records.map((r) => [
      r.threads_used !== undefined && r.threads_used !== r.threads ? `${r.impl} (${r.threads_used} thr)` : r.impl,
      r.layout,
      ms(r.median_ms),
      ms(r.min_ms),
      String(r.runs),
      ratio(r.ratio_to_floor),
      ratio(r.ratio_to_serial),
    ])),
  );
}
