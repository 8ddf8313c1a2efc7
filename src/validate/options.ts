// Options, read once through one reader: every key by name in one guarded
// block, unknown keys rejected with the closest known one, each value
// checked before any work. Entries beyond the reductions (reduceFile,
// Partial, reduceChunks, reduceColumns) name the keys they take.
import { DTYPES, dtypeOf } from '../spec/dtypes';
import type { NumericArray } from '../spec/dtypes';
import { CODES, ndError } from '../spec/errors';
import { spec, takersOf, takes } from '../spec/ops';
import type { OpOption, Reduction } from '../spec/ops';
import type { Backend, Strategy } from '../spec/types';
import { readGroups, readLabels } from './labels';
import type { RawLabels } from './labels';
import { bracket, describe, entry, integer, list, unreadable } from './read';
import { unknownOptionHint } from './suggest';

const MAX_THREADS = 1024;
export const STRATEGIES: readonly Strategy[] = ['auto', 'serial', 'mutex', 'lockfree'];
export const BACKENDS: readonly Backend[] = ['native', 'js', 'wasm'];
/** The axes reduced when `options.axis` is not given: all (NumPy's default). */
const DEFAULT_AXIS = null;

/** Options as read, before the view: axes not yet resolved against ndim. */
export interface Options {
  readonly axis: undefined | null | number | readonly number[];
  readonly keepdims: boolean;
  readonly out: NumericArray | undefined;
  readonly initial: number | bigint | undefined;
  readonly ddof: number;
  readonly floatResult: boolean;
  /** `dtype: "int64"` was given. */
  readonly exactInt: boolean;
  readonly ignoreNaN: boolean;
  readonly threads: number;
  readonly strategy: Strategy;
  readonly backend: Backend;
  readonly signal: AbortSignal | undefined;
  /** `by`: labels along the one reduced axis (copied), and `groups`. */
  readonly by: RawLabels | undefined;
  readonly groups: number | undefined;
  /** `where` as given: a mask, read against the view (mask.ts). */
  readonly where: unknown;
  /** The entry's own keys (`Entry.extra`), as read: its to check. */
  readonly extra: Readonly<Record<string, unknown>>;
}

/** A public function's options: the keys it takes (an unknown one is an
 * error naming the closest), and those beyond the reductions' that it
 * checks itself (`extra`, read here once all the same). */
export interface Entry {
  readonly keys: readonly string[];
  readonly extra: readonly string[];
  readonly async: boolean;
}

export const DEFAULTS: Options = {
  axis: undefined,
  keepdims: false,
  out: undefined,
  initial: undefined,
  ddof: 0,
  floatResult: false,
  exactInt: false,
  ignoreNaN: false,
  threads: 0,
  strategy: 'auto',
  backend: 'native',
  signal: undefined,
  by: undefined,
  groups: undefined,
  where: undefined,
  extra: Object.freeze({}),
};

/** Every option key of the in-memory reductions. */
const OPTION_KEYS = ['axis', 'keepdims', 'out', 'initial', 'ddof', 'dtype', 'ignoreNaN', 'threads', 'strategy', 'backend', 'by', 'groups'];

/** The reductions' entries, read by name on the hot path; only the
 * in-memory reductions take a `where` mask. */
export const SYNC: Entry = { keys: [...OPTION_KEYS, 'where'], extra: [], async: false };
export const ASYNC: Entry = { keys: [...OPTION_KEYS, 'where', 'signal'], extra: [], async: true };

/** Another entry's options: `keys` of the reductions' it takes, plus its own `extra` ones. */
export const entryOf = (keys: readonly string[], extra: readonly string[]): Entry => ({ keys: [...keys, ...extra], extra, async: keys.includes('signal') });

/** Every key the reductions take, the async ones' `signal` included
 * (not `where`, which only arrays in memory take). */
export const REDUCE_KEYS: readonly string[] = [...OPTION_KEYS, 'signal'];
const DTYPE_CHOICES = ['float64', 'int64'] as const;

const choices = (xs: readonly string[]) => xs.map((s) => `"${s}"`).join(', ');

function oneOf<T extends string>(raw: unknown, field: string, all: readonly T[], fallback: T): T {
  if (raw === undefined) return fallback;
  if (!all.includes(raw as T)) throw ndError(TypeError, CODES.BAD_OPTION, `${field} must be one of ${choices(all)}, got ${describe(raw)}`);
  return raw as T;
}

/** A key no reduction knows is a mistake (a typo would otherwise be a
 * silently default result): a TypeError naming the closest known key. */
function checkKeys(options: object, entry: Entry): void {
  // Inherited enumerable keys too: a known one inherited is read like an
  // own one, so an unknown one inherited is the same mistake.
  const keys: string[] = [];
  try {
    for (const key in options) keys.push(key);
  } catch (cause) {
    throw ndError(TypeError, CODES.BAD_OPTION, `options could not be read: ${(cause as Error)?.message}`, cause);
  }
  const known = entry.keys;
  for (const key of keys) {
    if (known.includes(key)) continue;
    const hint = key === 'signal' && entry === SYNC ? 'signal is for the ...Async functions' : unknownOptionHint(key, known);
    throw ndError(TypeError, CODES.UNKNOWN_OPTION, `unknown option '${key.length > 40 ? key.slice(0, 40) + '…' : key}': ${hint} (options: ${known.join(', ')})`);
  }
}

/** An option only some reductions take, given to another is a mistake. */
function taken(key: OpOption, value: unknown, reduction: Reduction | null): void {
  if (value !== undefined && reduction !== null && !takes(reduction, key) && !(key === 'ignoreNaN' && value === false)) {
    throw ndError(TypeError, CODES.BAD_OPTION, `options.${key} applies to ${takersOf(key).join(', ')} (and their nan kin), not to ${reduction}`);
  }
}

function flag(key: string, raw: unknown): boolean {
  if (raw !== undefined && typeof raw !== 'boolean') throw ndError(TypeError, CODES.BAD_OPTION, `options.${key} must be a boolean, got ${describe(raw)}`);
  return raw === true;
}

/** Reads and checks `options` of `entry` once; `reduction` null: any
 * reduction's options (for `resultShape`). */
export function readOptions(options: unknown, reduction: Reduction | null, from: Entry = SYNC): Options {
  if (options === undefined) return DEFAULTS;
  if (options === null || typeof options !== 'object') {
    throw ndError(TypeError, CODES.BAD_OPTION, `options must be an object, got ${describe(options)}`);
  }
  checkKeys(options, from);
  const async = from.async;
  const o = options as Record<string, unknown>;
  let key = 'axis';
  let rawAxis, rawKeepdims, rawOut, initial, rawDdof, dtype, rawIgnoreNaN, rawThreads, rawStrategy, rawBackend, rawSignal, rawBy, rawGroups, where;
  let extra: Record<string, unknown> = DEFAULTS.extra;
  if (from !== SYNC && from !== ASYNC) {
    // Another entry: the keys it takes, each read once; the others stay undefined.
    const raw: Record<string, unknown> = {};
    try {
      for (key of from.keys) raw[key] = o[key];
    } catch (cause) {
      throw unreadable('options', key, CODES.BAD_OPTION, cause);
    }
    ({ axis: rawAxis, keepdims: rawKeepdims, out: rawOut, initial, ddof: rawDdof, dtype, ignoreNaN: rawIgnoreNaN } = raw);
    ({ threads: rawThreads, strategy: rawStrategy, backend: rawBackend, signal: rawSignal, by: rawBy, groups: rawGroups } = raw);
    extra = {};
    for (const k of from.extra) extra[k] = raw[k];
  } else {
    // Every key read once, by name (a keyed read of each would cost a tenth
    // of a small call), in one guarded block; `key` names a throwing one.
    try {
      rawAxis = o.axis;
      key = 'keepdims';
      rawKeepdims = o.keepdims;
      key = 'out';
      rawOut = o.out;
      key = 'initial';
      initial = o.initial;
      key = 'ddof';
      rawDdof = o.ddof;
      key = 'dtype';
      dtype = o.dtype;
      key = 'ignoreNaN';
      rawIgnoreNaN = o.ignoreNaN;
      key = 'threads';
      rawThreads = o.threads;
      key = 'strategy';
      rawStrategy = o.strategy;
      key = 'backend';
      rawBackend = o.backend;
      key = 'by';
      rawBy = o.by;
      key = 'groups';
      rawGroups = o.groups;
      key = 'where';
      where = o.where;
      key = 'signal';
      if (async) rawSignal = o.signal;
    } catch (cause) {
      throw unreadable('options', key, CODES.BAD_OPTION, cause);
    }
  }
  taken('initial', initial, reduction);
  taken('ddof', rawDdof, reduction);
  taken('dtype', dtype, reduction);
  taken('ignoreNaN', rawIgnoreNaN, reduction);
  let axis: Options['axis'];
  if (rawAxis === undefined || rawAxis === null) axis = rawAxis;
  else if (typeof rawAxis === 'number') axis = integer(rawAxis, 'options.axis', -Number.MAX_SAFE_INTEGER);
  else if (typeof rawAxis === 'object') {
    const entries = list(rawAxis, 'options.axis', CODES.BAD_OPTION);
    if (entries.length === 0) throw ndError(RangeError, CODES.BAD_OPTION, 'options.axis must list at least one axis, got []');
    axis = entries.map((v, k) => entry(v, 'options.axis', k, -Number.MAX_SAFE_INTEGER));
  } else {
    throw ndError(TypeError, CODES.BAD_OPTION, `options.axis must be an integer, a list of integers or null, got ${describe(rawAxis)}`);
  }
  const keepdims = flag('keepdims', rawKeepdims);
  if (rawOut !== undefined && dtypeOf(rawOut) === undefined) {
    throw ndError(TypeError, CODES.BAD_OPTION, `options.out must be a typed array, got ${describe(rawOut)}`);
  }
  if (rawOut !== undefined && reduction !== null && spec(reduction).family === 'minmax') {
    throw ndError(TypeError, CODES.BAD_OPTION, 'options.out does not apply to minmax (two results): call min and max with one each');
  }
  if (initial !== undefined && typeof initial !== 'number' && typeof initial !== 'bigint') {
    throw ndError(TypeError, CODES.BAD_OPTION, `options.initial must be a number or a bigint, got ${describe(initial)}`);
  }
  if (rawDdof !== undefined && (typeof rawDdof !== 'number' || !Number.isFinite(rawDdof))) {
    throw ndError(TypeError, CODES.BAD_OPTION, `options.ddof must be a finite number, got ${describe(rawDdof)}`);
  }
  if (dtype !== undefined && !DTYPE_CHOICES.includes(dtype as never)) {
    // NumPy's dtype takes any type; ours picks between two result kinds.
    throw ndError(TypeError, CODES.BAD_OPTION, `options.dtype must be one of ${choices(DTYPE_CHOICES)} (results are float64, or exact int64 for integer input; no other dtype), got ${describe(dtype)}`);
  }
  const ignoreNaN = flag('ignoreNaN', rawIgnoreNaN);
  let threads = 0;
  if (rawThreads !== undefined) {
    threads = integer(rawThreads, 'options.threads', 1, CODES.BAD_OPTION);
    if (threads > MAX_THREADS) throw ndError(RangeError, CODES.BAD_OPTION, `options.threads must be at most ${MAX_THREADS}, got ${threads}`);
  }
  const strategy = oneOf(rawStrategy, 'options.strategy', STRATEGIES, 'auto');
  const backend = oneOf(rawBackend, 'options.backend', BACKENDS, 'native');
  let signal: AbortSignal | undefined;
  if (async) {
    if (rawSignal !== undefined && !(rawSignal instanceof AbortSignal)) {
      throw ndError(TypeError, CODES.BAD_OPTION, `options.signal must be an AbortSignal, got ${describe(rawSignal)}`);
    }
    signal = rawSignal;
  }
  const out = rawOut as NumericArray | undefined;
  const by = readLabels(rawBy);
  const groups = readGroups(rawGroups);
  if (groups !== undefined && by === undefined) throw ndError(TypeError, CODES.BAD_OPTION, 'options.groups goes with options.by (the labels)');
  return { axis, keepdims, out, initial, ddof: (rawDdof as number | undefined) ?? 0, floatResult: dtype === 'float64', exactInt: dtype === 'int64', ignoreNaN, threads, strategy, backend, signal, by, groups, where, extra };
}

function axisIndex(a: number, field: string, ndim: number): number {
  if (ndim === 0) {
    // NumPy's words: a 0-d array has no axis to name, only null (its element).
    throw ndError(RangeError, CODES.BAD_OPTION, `${field} ${a} is out of bounds for array of dimension 0 (a 0-d array has no axes; leave axis out, or null, for its element)`);
  }
  if (a < -ndim || a >= ndim) {
    throw ndError(RangeError, CODES.BAD_OPTION, `${field} ${a} is out of range for a ${ndim}-D array (expected ${-ndim} to ${ndim - 1})`);
  }
  return a < 0 ? a + ndim : a;
}

/** `axis` as the sorted, unique, non-negative list the engines take. */
export function resolveAxes(axis: Options['axis'], ndim: number): number[] {
  if (axis === undefined) axis = DEFAULT_AXIS;
  if (axis === null) {
    const every: number[] = [];
    for (let k = 0; k < ndim; k++) every.push(k);
    return every;
  }
  if (typeof axis === 'number') return [axisIndex(axis, 'options.axis', ndim)];
  const axes: number[] = [];
  axis.forEach((entry, k) => {
    const a = axisIndex(entry, `options.axis[${k}]`, ndim);
    if (axes.includes(a)) throw ndError(RangeError, CODES.BAD_OPTION, `options.axis ${bracket(axis)} names axis ${a} twice`);
    axes.push(a);
  });
  return axes.sort((p, q) => p - q);
}


/** `loadNpy`, `parseNpy` and `Partial.result()` take `{ shared }` only. */
const SHARED_ENTRY = entryOf([], ['shared']);

/** `options.shared` of an entry that returns arrays: whether they must lie
 * on a SharedArrayBuffer (which the ...Async functions read in place). */
export function readShared(options: unknown): boolean {
  const { shared } = readOptions(options, null, SHARED_ENTRY).extra;
  return flag('shared', shared);
}

const NPY_ENTRY = entryOf([], ['shared', 'expect']);

/** `options.expect`: a typed array class the caller's code is written for
 * (`loadNpy`, `parseNpy`, `reduceFile`), checked against the file's dtype. */
export function readExpect(expect: unknown): Function | undefined {
  if (expect !== undefined && (typeof expect !== 'function' || !DTYPES.some((d) => d.ctor === expect))) {
    throw ndError(TypeError, CODES.BAD_OPTION, `options.expect must be a typed array class such as Float64Array, got ${describe(expect)}`);
  }
  return expect as Function | undefined;
}

/** `loadNpy`/`parseNpy` options: `shared` and `expect`. */
export function readNpyOptions(options: unknown): { shared: boolean; expect: Function | undefined } {
  const { shared, expect } = readOptions(options, null, NPY_ENTRY).extra;
  return { shared: flag('shared', shared), expect: readExpect(expect) };
}
