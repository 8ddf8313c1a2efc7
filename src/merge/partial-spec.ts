// What a Partial takes: the reductions it computes (those whose table row
// has a merge) and its options, read once by the one options reader.
import { CODES, ndError } from '../spec/errors';
import { OP_NAMES, parseOpName, spec } from '../spec/ops';
import type { MergeKind, OpName } from '../spec/ops';
import { entryOf } from '../validate/options';
import { describe } from '../validate/read';

/** Merges whose NaN-skipping twin merges the same way (a moments or arg
 * partial of NaN-skipping chunks would need the per-position counts). */
const NAN_MERGES: readonly MergeKind[] = ['extreme', 'minmax', 'sum'];

/** The reductions a `Partial` computes. */
export const PARTIAL_OPS: readonly OpName[] = OP_NAMES.filter((name) => {
  const { reduction, skipNaN } = parseOpName(name)!;
  const merge = spec(reduction).merge;
  return merge !== null && (!skipNaN || NAN_MERGES.includes(merge));
});
export type PartialOp = OpName;

/** The options of `new Partial` and of `reduceChunks`. */
export const PARTIAL_ENTRY = entryOf(['axis', 'ddof', 'threads', 'by', 'groups'], ['start']);

export interface PartialOptions {
  /** The reduced axes of the whole array (default all); axis 0, along
   * which chunks split the array, must be one of them. */
  axis?: number | readonly number[] | null;
  /** Degrees of freedom, for the reductions that take `ddof` (default 0). */
  ddof?: number;
  /** Threads for each push's reduction (default rayon's); not part of the
   * partial's state: bytes do not carry it, merges ignore it. */
  threads?: number;
  /** The whole array's row (axis-0 index) of this partial's first chunk,
   * for the global flat indices the arg reductions return (default 0). */
  start?: number;
  /** Labels of the whole array's axis 0, the one reduced axis (as the
   * one-shot `by`): a chunk of rows [from, to) takes labels [from, to). */
  by?: ArrayLike<number> | ArrayLike<bigint>;
  /** How many groups `by` makes (default: the largest label + 1). */
  groups?: number;
}

/** `options.start`, read by the options reader as an extra key. */
export function startOf(raw: unknown): number {
  if (raw === undefined) return 0;
  if (typeof raw !== 'number' || !Number.isSafeInteger(raw) || raw < 0) throw ndError(RangeError, CODES.BAD_OPTION, `options.start must be a row index, got ${describe(raw)}`);
  return raw;
}
