// The js backend of the quantile family: the obvious version (each lane
// gathered, only what a `where` mask keeps, and sorted), with NumPy's
// index rules written out a second time; the addon selects instead of sorting, and the differential test
// holds both to NumPy.
import { unpack } from '../addon/wire';
import type { NumericArray } from '../spec/dtypes';
import { CODES, ndError } from '../spec/errors';
import type { Mask } from '../validate/mask';
import type { QuantileMethod } from './spec';

type Pick = { take: number } | { below: number; above: number; gamma: number };

/** `_discrete_interpolation_to_boundaries`, clipped into the lane. */
function boundary(index: number, n: number, atFloor: (gamma: number, index: number) => boolean): number {
  const previous = Math.floor(index);
  return clip(atFloor(index - previous, index) ? previous : previous + 1, n);
}

const clip = (index: number, n: number) => (index <= 0 ? 0 : Math.min(Math.trunc(index), n - 1));

/** Python's float modulo (the sign of the divisor). */
const mod = (a: number, b: number) => a - b * Math.floor(a / b);

/** `np.around`: halves to even. */
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

const virtualIndex = (n: number, q: number, alpha: number, beta: number) => n * q + (alpha + q * (1 - alpha - beta)) - 1;

/** Where quantile `q` of `n >= 1` sorted values lies (crates/core/src/quantile/method.rs). */
export function pick(method: QuantileMethod, n: number, q: number): Pick {
  const last = (n - 1) * q;
  let at: number;
  switch (method) {
    case 'inverted_cdf':
      return { take: boundary(n * q - 1, n, (g) => g === 0) };
    case 'closest_observation':
      return { take: boundary(n * q - 1 - 0.5, n, (g, i) => g === 0 && mod(Math.floor(i), 2) === 1) };
    case 'lower':
      return { take: clip(Math.floor(last), n) };
    case 'higher':
      return { take: clip(Math.ceil(last), n) };
    case 'nearest':
      return { take: clip(roundHalfEven(last), n) };
    case 'averaged_inverted_cdf':
      at = n * q - 1;
      break;
    case 'interpolated_inverted_cdf':
      at = virtualIndex(n, q, 0, 1);
      break;
    case 'hazen':
      at = virtualIndex(n, q, 0.5, 0.5);
      break;
    case 'weibull':
      at = virtualIndex(n, q, 0, 0);
      break;
    case 'linear':
      at = last;
      break;
    case 'median_unbiased':
      at = virtualIndex(n, q, 1 / 3, 1 / 3);
      break;
    case 'normal_unbiased':
      at = virtualIndex(n, q, 3 / 8, 3 / 8);
      break;
    case 'midpoint':
      at = 0.5 * (Math.floor(last) + Math.ceil(last));
      break;
  }
  let below: number, above: number, previous: number;
  if (at >= n - 1) [below, above, previous] = [n - 1, n - 1, -1];
  else if (at < 0) [below, above, previous] = [0, 0, 0];
  else [below, above, previous] = [Math.floor(at), Math.floor(at) + 1, Math.floor(at)];
  let gamma = at - previous;
  if (method === 'averaged_inverted_cdf') gamma = gamma === 0 ? 0.5 : 1;
  else if (method === 'midpoint') gamma = mod(at, 1) === 0 ? 0 : 0.5;
  return { below, above, gamma };
}

/** NumPy's `_lerp`. */
export function lerp(a: number, b: number, t: number): number {
  const diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

/** The message of a lane that `where` left empty where the result cannot be NaN (the addon's `EmptyLane`). */
export const emptyLane = (index: number) =>
  ndError(RangeError, CODES.ZERO_SIZE, `zero-size array to reduction operation quantile which has no identity: options.where keeps no element at output index ${index}`);

/** Whether a mask entry keeps its element: not zero (NaN keeps, -0 does not). */
export const keeps = (entry: number | bigint) => entry !== 0 && entry !== 0n;

/** The lanes' order statistics as the addon's `quantile` returns them
 * (q-major); with `mask`, of the elements it keeps only. */
export function jsQuantile(data: NumericArray, layout: Float64Array, method: QuantileMethod | 'median', qs: Float64Array | undefined, skipNaN: boolean, mask?: Mask): NumericArray {
  const { offset, shape, strides, axes } = unpack(layout);
  const dims = shape.map((n, k) => [n, strides[k], mask ? mask.strides[k] : 0]);
  const keptDims = dims.filter((_, k) => !axes.includes(k));
  const reducedDims = dims.filter((_, k) => axes.includes(k));
  const lanes = keptDims.reduce((p, [n]) => p * n, 1);
  const len = reducedDims.reduce((p, [n]) => p * n, 1);
  const ctor = data.constructor as new (n: number) => NumericArray;
  const picks = method !== 'median' && 'take' in pick(method, 1, 0);
  const integer = !(data instanceof Float64Array || data instanceof Float32Array);
  const nq = qs?.length ?? 1;
  const out: NumericArray = picks ? new ctor(lanes * nq) : new Float64Array(lanes * nq);
  const values = data as unknown as ArrayLike<number | bigint>;
  const flags = mask?.data as unknown as ArrayLike<number | bigint> | undefined;
  const lane = new ctor(len) as unknown as { [i: number]: number | bigint; subarray(a: number, b: number): { sort(): unknown; [i: number]: number | bigint } };
  const offsets: number[] = [];
  const maskOffsets: number[] = [];
  const walk = (d: number, at: number, mAt: number) => {
    if (d === reducedDims.length) return void (offsets.push(at), maskOffsets.push(mAt));
    for (let i = 0; i < reducedDims[d][0]; i++) walk(d + 1, at + i * reducedDims[d][1], mAt + i * reducedDims[d][2]);
  };
  walk(0, 0, 0);
  const target = out as unknown as { [i: number]: number | bigint };
  for (let l = 0; l < lanes; l++) {
    let base = offset;
    let maskBase = mask?.offset ?? 0;
    let rest = l;
    for (let d = keptDims.length - 1; d >= 0; d--) {
      const i = rest % keptDims[d][0];
      base += i * keptDims[d][1];
      maskBase += i * keptDims[d][2];
      rest = Math.floor(rest / keptDims[d][0]);
    }
    let m = 0;
    let nan = false;
    for (let k = 0; k < offsets.length; k++) {
      if (flags && !keeps(flags[maskBase + maskOffsets[k]])) continue;
      const v = values[base + offsets[k]];
      if (v !== v) {
        nan = true;
        if (skipNaN) continue;
      }
      lane[m++] = v;
    }
    if (m === 0 && picks && integer) throw emptyLane(l);
    const sorted = lane.subarray(0, m);
    const empty = m === 0 || (nan && !skipNaN);
    if (!empty) sorted.sort();
    const num = (k: number) => Number(sorted[k]);
    for (let qi = 0; qi < nq; qi++) {
      const at = qi * lanes + l;
      if (empty) {
        target[at] = NaN;
      } else if (method === 'median') {
        const h = m >> 1;
        target[at] = m % 2 === 1 ? num(h) : (num(h - 1) + num(h)) / 2;
      } else {
        const p = pick(method, m, (qs as Float64Array)[qi]);
        target[at] = 'take' in p ? sorted[p.take] : lerp(num(p.below), num(p.above), p.gamma);
      }
    }
  }
  return out;
}
