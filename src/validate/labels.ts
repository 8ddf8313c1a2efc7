// `by` and `groups` (reductions by label), read once: the labels copied into
// an Int32Array (negative ones as -1: no group), then checked against the
// view (one reduced axis, one label per position along it) and the op (an
// empty group of an op without identity is an error, as an empty axis is).
import { dtypeOf, lengthOf } from '../spec/dtypes';
import type { NumericArray } from '../spec/dtypes';
import { CODES, ndError } from '../spec/errors';
import { spec } from '../spec/ops';
import type { Reduction } from '../spec/ops';
import { bracket, describe, integer, read } from './read';

/** Labels past this are no group a result could hold (the addon takes i32). */
const MAX_LABEL = 2 ** 31 - 2;

/** `options.by` as read: a copy, so later changes by the caller do not reach the call. */
export interface RawLabels {
  readonly labels: Int32Array;
  /** The largest label + 1 (0 when none is a group). */
  readonly span: number;
}

/** Reads `options.by`: an integer typed array or a list of safe integers. */
export function readLabels(raw: unknown): RawLabels | undefined {
  if (raw === undefined) return undefined;
  const field = 'options.by';
  const d = dtypeOf(raw);
  let n: number;
  let at: (k: number) => unknown;
  if (d !== undefined) {
    if (d.kind === 'float') throw ndError(TypeError, CODES.BAD_OPTION, `${field} must hold integer labels, got a ${d.ctor.name}`);
    n = lengthOf(raw as NumericArray);
    at = (k) => (raw as NumericArray)[k];
  } else {
    let isList = false;
    try {
      isList = Array.isArray(raw);
    } catch {
      isList = false;
    }
    if (!isList) throw ndError(TypeError, CODES.BAD_OPTION, `${field} must be an integer typed array or a list of integers, got ${describe(raw)}`);
    const length = read(raw as object, 'length', field, CODES.BAD_OPTION) as number;
    n = length;
    at = (k) => {
      if (!Object.hasOwn(raw as object, k)) throw ndError(TypeError, CODES.BAD_OPTION, `${field}[${k}] is a hole (an empty slot of a sparse array); give every entry`);
      return read(raw as object, k, field, CODES.BAD_OPTION);
    };
  }
  const labels = new Int32Array(n);
  let span = 0;
  for (let k = 0; k < n; k++) {
    const v = at(k);
    const big = typeof v === 'bigint';
    const x = big ? Number(v) : v;
    if (typeof x !== 'number' || !Number.isSafeInteger(x)) {
      throw ndError(TypeError, CODES.BAD_OPTION, `${field}[${k}] must be an integer label, got ${describe(v)}`);
    }
    if (x > MAX_LABEL) throw ndError(RangeError, CODES.BAD_OPTION, `${field}[${k}] is ${describe(v)}, past the largest label ${MAX_LABEL}`);
    labels[k] = x < 0 ? -1 : x;
    if (x + 1 > span) span = x + 1;
  }
  return { labels, span };
}

/** Reads `options.groups`: how many groups, at least every label + 1. */
export function readGroups(raw: unknown): number | undefined {
  if (raw === undefined) return undefined;
  const g = integer(raw, 'options.groups', 0, CODES.BAD_OPTION);
  if (g > MAX_LABEL + 1) throw ndError(RangeError, CODES.BAD_OPTION, `options.groups must be at most ${MAX_LABEL + 1}, got ${g}`);
  return g;
}

/** A grouped call's part of the checked call. */
export interface Grouping {
  readonly labels: Int32Array;
  readonly groups: number;
  /** The one reduced axis. */
  readonly axis: number;
  /** Result positions, and its shape (the reduced axis replaced by the groups). */
  readonly kept: number;
  readonly shape: readonly number[];
  /** Positions per group. */
  readonly counts: Float64Array;
}

/** Checks labels read by `readLabels` against the view and the op. */
export function groupingOf(
  reduction: Reduction,
  fn: string,
  by: RawLabels,
  groups: number | undefined,
  shape: readonly number[],
  axes: readonly number[],
  initial: unknown,
): Grouping {
  if (spec(reduction).family === 'minmax') {
    throw ndError(TypeError, CODES.BAD_OPTION, `options.by does not apply to ${fn} (two results): call min and max with it`);
  }
  if (axes.length !== 1) {
    throw ndError(RangeError, CODES.BAD_OPTION, `options.by needs exactly one reduced axis, got axes ${bracket(axes)} of a ${shape.length}-D array; give options.axis as one axis`);
  }
  const axis = axes[0];
  const { labels, span } = by;
  if (labels.length !== shape[axis]) {
    throw ndError(RangeError, CODES.BAD_OPTION, `options.by has ${labels.length} labels; axis ${axis} has length ${shape[axis]} (one label per position)`);
  }
  const g = groups ?? span;
  if (span > g) {
    const k = labels.findIndex((l) => l >= g);
    throw ndError(RangeError, CODES.BAD_OPTION, `options.by[${k}] is ${labels[k]}, out of range for options.groups ${g} (labels 0 to ${g - 1}; negative: no group)`);
  }
  const counts = new Float64Array(g);
  for (const l of labels) if (l >= 0) counts[l]++;
  const out = shape.map((n, k) => (k === axis ? g : n));
  const kept = out.reduce((p, n) => p * n, 1);
  const numpyName = spec(reduction).noIdentity;
  const others = kept / (g || 1);
  if (numpyName !== null && initial === undefined && others > 0) {
    const empty = counts.indexOf(0);
    if (empty >= 0) {
      throw ndError(
        RangeError,
        CODES.ZERO_SIZE,
        `group ${empty} (result index ${empty} along axis ${axis}) is empty: zero-size array to reduction operation ${numpyName} which has no identity`,
      );
    }
  }
  return { labels, groups: g, axis, kept, shape: out, counts };
}
