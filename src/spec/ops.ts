// The one table of reductions. Everything else that needs to know about an
// op (validation, result classes, the js fallback's dispatch, reduceFile,
// Partial, the CLI, Arrow columns, the public types) reads it from here,
// so a new reduction is a row here, its Rust op (crates/core/src/ops.rs and
// reductions.rs) and its js op (src/backends/js/ops.ts).

/** What a reduction returns per kept position, for input of type T:
 * extremum T itself; sum 64-bit integers (float64 with `dtype: 'float64'`)
 * or float64; float, arg and count float64; minmax `{ min, max }` of T;
 * bool 0/1 bytes (booleans as scalars). */
export type Family = 'extremum' | 'sum' | 'float' | 'arg' | 'minmax' | 'bool' | 'count';

/** How two partial results of a reduction combine (src/merge/partial.ts,
 * src/merge/arrow.ts); `null`: not mergeable yet. */
export type MergeKind = 'extreme' | 'minmax' | 'sum' | 'arg' | 'moments' | 'flag' | 'count' | null;

/** Options only some reductions take; the rest (axis, keepdims, out,
 * threads, strategy, backend, signal) every reduction takes. */
export type OpOption = 'initial' | 'ddof' | 'dtype' | 'ignoreNaN';

interface OpSpec {
  readonly family: Family;
  /** NumPy's operation named in its error for an empty reduced axis, for
   * the reductions without an identity; `null` when an empty axis has a value. */
  readonly noIdentity: string | null;
  /** The options beyond the common ones; `ignoreNaN` also means a
   * NaN-skipping twin (`nan` + name) exists as a public function. */
  readonly takes: readonly OpOption[];
  readonly merge: MergeKind;
  /** Folding an element twice changes nothing (a broadcast reduced axis
   * is walked once). */
  readonly repeatFree: boolean;
  /** For the extreme and arg merges: the lower value wins (absent: the higher). */
  readonly lower?: true;
}

const op = <const T extends OpSpec>(spec: T): T => spec;

export const OPS = {
  min: op({ family: 'extremum', noIdentity: 'minimum', takes: ['initial', 'ignoreNaN'], merge: 'extreme', repeatFree: true, lower: true }),
  max: op({ family: 'extremum', noIdentity: 'maximum', takes: ['initial', 'ignoreNaN'], merge: 'extreme', repeatFree: true }),
  minmax: op({ family: 'minmax', noIdentity: 'minimum', takes: ['ignoreNaN'], merge: 'minmax', repeatFree: true }),
  ptp: op({ family: 'extremum', noIdentity: 'maximum', takes: [], merge: null, repeatFree: true }),
  sum: op({ family: 'sum', noIdentity: null, takes: ['dtype', 'ignoreNaN'], merge: 'sum', repeatFree: false }),
  prod: op({ family: 'sum', noIdentity: null, takes: ['dtype'], merge: null, repeatFree: false }),
  mean: op({ family: 'float', noIdentity: null, takes: ['dtype', 'ignoreNaN'], merge: 'moments', repeatFree: false }),
  var: op({ family: 'float', noIdentity: null, takes: ['ddof', 'ignoreNaN'], merge: 'moments', repeatFree: false }),
  std: op({ family: 'float', noIdentity: null, takes: ['ddof', 'ignoreNaN'], merge: 'moments', repeatFree: false }),
  argmin: op({ family: 'arg', noIdentity: 'argmin', takes: ['ignoreNaN'], merge: 'arg', repeatFree: true, lower: true }),
  argmax: op({ family: 'arg', noIdentity: 'argmax', takes: ['ignoreNaN'], merge: 'arg', repeatFree: true }),
  any: op({ family: 'bool', noIdentity: null, takes: [], merge: 'flag', repeatFree: true }),
  all: op({ family: 'bool', noIdentity: null, takes: [], merge: 'flag', repeatFree: true }),
  countNonzero: op({ family: 'count', noIdentity: null, takes: [], merge: 'count', repeatFree: false }),
} as const;

type Table = typeof OPS;

/** The reductions, by their base name (`nansum` is `sum` skipping NaN). */
export type Reduction = keyof Table;

/** The reductions whose table row takes option `K`. */
type TakersOf<K extends OpOption> = { [R in Reduction]: K extends Table[R]['takes'][number] ? R : never }[Reduction];

/** The NaN-skipping twins' names: `nanmax`, `nansum`, ... */
type NanName = `nan${TakersOf<'ignoreNaN'>}`;

/** Every reduction by its public (and the addon's) name. */
export type OpName = Reduction | NanName;

export type FamilyOf<R extends Reduction> = Table[R]['family'];

export const REDUCTIONS = Object.keys(OPS) as Reduction[];

export const spec = (r: Reduction): OpSpec => OPS[r];

export const takes = (r: Reduction, option: OpOption): boolean => (OPS[r].takes as readonly OpOption[]).includes(option);

/** Every public name: each reduction, then its NaN-skipping twin. */
export const OP_NAMES: readonly OpName[] = REDUCTIONS.flatMap((r) => (takes(r, 'ignoreNaN') ? [r, `nan${r}` as OpName] : [r]));

/** A public name split into its reduction and whether NaN is skipped;
 * undefined for a name that is not one. */
export function parseOpName(name: unknown): { reduction: Reduction; skipNaN: boolean } | undefined {
  if (typeof name !== 'string' || !(OP_NAMES as readonly string[]).includes(name)) return undefined;
  return Object.hasOwn(OPS, name) ? { reduction: name as Reduction, skipNaN: false } : { reduction: name.slice(3) as Reduction, skipNaN: true };
}

/** Whether the lower value wins `r`'s merge (an extreme or an arg). */
export const lowerWins = (r: Reduction): boolean => spec(r).lower === true;

/** The reductions that take option `option`, for messages. */
export const takersOf = (option: OpOption): Reduction[] => REDUCTIONS.filter((r) => takes(r, option));
