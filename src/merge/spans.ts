// The rows a Partial holds, as sorted [from, to) ranges that neither
// overlap nor touch: a row pushed or merged twice would count twice (or
// give an arg op two indices), so every claim is checked against them.
import { CODES, ndError } from '../spec/errors';

type Spans = [number, number][];

/** Adds rows [from, to) to `s`, refusing any row held already; with
 * `dryRun`, checks only (a refused merge must change nothing). */
export function claimRows(s: Spans, from: number, to: number, where: string, dryRun = false): void {
  let k = 0;
  while (k < s.length && s[k][1] < from) k++;
  // Spans k.. that start at or before `to` touch or overlap [from, to).
  let end = k;
  let lo = from;
  let hi = to;
  for (; end < s.length && s[end][0] <= to; end++) {
    if (s[end][0] < to && from < s[end][1]) {
      throw ndError(RangeError, CODES.BAD_OPTION, `${where}: rows [${from}, ${to}) overlap rows [${s[end][0]}, ${s[end][1]}) already held (give each partial its first row as options.start)`);
    }
    lo = Math.min(lo, s[end][0]);
    hi = Math.max(hi, s[end][1]);
  }
  if (!dryRun) s.splice(k, end - k, [lo, hi]);
}
