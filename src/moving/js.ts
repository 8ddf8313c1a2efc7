// The js backend of the moving reductions: the plain per-window
// definitions (O(window) per output), the same answers as the addon's
// kernels: sums and means from a double-double sum of the window, the
// variance from a two-pass over it, ties and NaN as bottleneck. The
// median keeps each lane's window sorted (a sort of every window was
// O(window log window) an output: 29 s for windows of 512 to 6000 over
// 9,000 values).
import type { MoveCall } from './call';
import type { MovingName } from './spec';

function twoSum(a: number, b: number): [number, number] {
  const s = a + b;
  const bb = s - a;
  return [s, a - (s - bb) + (b - bb)];
}

/** The window's finite values' sum, rounded once from a double-double
 * (an infinity or two of opposite signs decide it instead). */
function windowSum(vals: readonly number[]): number {
  let hi = 0;
  let lo = 0;
  let pos = false;
  let neg = false;
  for (const v of vals) {
    if (v === Infinity) pos = true;
    else if (v === -Infinity) neg = true;
    else {
      const [s, e] = twoSum(hi, v);
      const [h, l] = twoSum(s, lo + e);
      hi = h;
      lo = l;
    }
  }
  if (pos && neg) return NaN;
  if (pos) return Infinity;
  if (neg) return -Infinity;
  return hi;
}

/** One output from the window (oldest first, NaN included). */
function reduceWindow(op: MovingName, win: number[], minCount: number, ddof: number): number {
  const newest = win[win.length - 1];
  if (op === 'moveRank' && Number.isNaN(newest)) return NaN;
  const vals = win.filter((v) => !Number.isNaN(v));
  const n = vals.length;
  if (n < minCount || n === 0) return NaN;
  switch (op) {
    case 'moveSum':
      return windowSum(vals);
    case 'moveMean':
      return windowSum(vals) / n;
    case 'moveVar':
    case 'moveStd': {
      if (vals.some((v) => !Number.isFinite(v))) return NaN;
      const mean = windowSum(vals) / n;
      const m2 = windowSum(vals.map((v) => (v - mean) * (v - mean)));
      const v = m2 / (n - ddof);
      return op === 'moveStd' ? Math.sqrt(v) : v;
    }
    case 'moveMin':
    case 'moveMax':
    case 'moveArgmin':
    case 'moveArgmax': {
      const max = op === 'moveMax' || op === 'moveArgmax';
      // As bottleneck's deque: NaN stands in as the identity, and the
      // newest of equal extremes wins.
      let best = max ? -Infinity : Infinity;
      let at = -1;
      for (let k = 0; k < win.length; k++) {
        const v = Number.isNaN(win[k]) ? (max ? -Infinity : Infinity) : win[k];
        if (at < 0 || (max ? v >= best : v <= best)) {
          best = v;
          at = k;
        }
      }
      return op === 'moveMin' || op === 'moveMax' ? best : win.length - 1 - at;
    }
    case 'moveMedian':
      throw new Error('unreachable: medians run in medianLane');
    case 'moveRank': {
      if (n === 1) return 0;
      let greater = 0;
      let equal = 1;
      for (let k = 0; k < win.length - 1; k++) {
        const v = win[k];
        if (Number.isNaN(v)) continue;
        if (newest > v) greater += 2;
        else if (newest === v) equal += 1;
      }
      const r = (0.5 * (greater + equal - 1)) / (n - 1);
      return 2 * (r - 0.5);
    }
  }
}

/** `a` before `b` in `f64::total_cmp`'s order, for the values a window
 * holds (no NaN): -0 before +0, as the addon orders them. */
function before(a: number, b: number): boolean {
  return a < b || (a === 0 && b === 0 && 1 / a < 1 / b);
}

/** The first index of the sorted `keys` whose value is not before `v`. */
function lowerBound(keys: number[], v: number): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (before(keys[mid], v)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** One lane's moving medians: the window's non-NaN values kept sorted
 * (a binary search and a splice a step, not a sort of every window). */
function medianLane(at: (t: number) => number, n: number, window: number, minCount: number, put: (t: number, v: number) => void): void {
  const sorted: number[] = [];
  for (let t = 0; t < n; t++) {
    const v = at(t);
    if (t >= window) {
      const old = at(t - window);
      if (!Number.isNaN(old)) sorted.splice(lowerBound(sorted, old), 1);
    }
    if (!Number.isNaN(v)) sorted.splice(lowerBound(sorted, v), 0, v);
    const k = sorted.length;
    const h = k >> 1;
    put(t, k < minCount || k === 0 ? NaN : k % 2 === 1 ? sorted[h] : (sorted[h - 1] + sorted[h]) / 2);
  }
}

/** Every output of a checked call, C order, into `into`. */
export function jsMove(c: MoveCall, into: Float64Array): Float64Array {
  const { shape, strides, axis, window } = c;
  const n = shape[axis];
  const data = c.data as ArrayLike<number | bigint>;
  const others = shape.map((_, k) => k).filter((k) => k !== axis);
  let lanes = 1;
  for (const k of others) lanes *= shape[k];
  let inner = 1;
  for (let k = axis + 1; k < shape.length; k++) inner *= shape[k];
  if (c.count === 0) return into;
  const win: number[] = [];
  for (let l = 0; l < lanes; l++) {
    let base = c.offset;
    let rest = l;
    for (let i = others.length - 1; i >= 0; i--) {
      const k = others[i];
      base += (rest % shape[k]) * strides[k];
      rest = Math.floor(rest / shape[k]);
    }
    const outBase = Math.floor(l / inner) * n * inner + (l % inner);
    if (c.op === 'moveMedian') {
      const at = (t: number) => Number(data[base + t * strides[axis]]);
      medianLane(at, n, window, c.minCount, (t, v) => {
        into[outBase + t * inner] = v;
      });
      continue;
    }
    win.length = 0;
    for (let t = 0; t < n; t++) {
      win.push(Number(data[base + t * strides[axis]]));
      if (win.length > window) win.shift();
      into[outBase + t * inner] = reduceWindow(c.op, win, c.minCount, c.ddof);
    }
  }
  return into;
}
