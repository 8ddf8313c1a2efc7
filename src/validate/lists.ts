// Plain JavaScript lists as arrays: `[1, 2, 3]` is a 1-D float64 array,
// `[[1, 2], [3, 4]]` a 2-D one, a list of bigints int64. The values are
// copied (a list is not memory the kernels can read), each entry read once
// by index after its list's length, with the validator's rules (holes are
// errors, at most 64 levels). Rows may also be typed arrays.
import { constants as bufferConstants } from 'node:buffer';

import { CODES, ndError } from '../spec/errors';
import { bracket, describe, list, MAX_NDIM } from './read';

/** The most numbers a list may hold: its copy is one Float64Array or
 * BigInt64Array, at most Node's largest buffer. A longer list (only a
 * Proxy can claim one) is a coded RangeError, before anything is read. */
export const MAX_LIST_VALUES = Math.floor(bufferConstants.MAX_LENGTH / 8);

function tooLong(name: string, path: string, shape: readonly number[]): Error {
  return ndError(
    RangeError,
    CODES.BAD_ARRAY,
    `${name}${path} makes the list ${bracket(shape)}, more than ${MAX_LIST_VALUES} numbers (the largest copy a list can have); put them in a typed array`,
  );
}

/** A list's elements in C order and its shape; a ragged list (rows of
 * different lengths, or a number beside a list) is a TypeError naming the
 * first place where it differs. `name` names the list in messages;
 * `booleans`: a list of booleans is accepted too (a mask), as a Uint8Array. */
export function listArray(x: unknown, name = 'x', booleans = false): { data: Float64Array | BigInt64Array | Uint8Array; shape: number[] } {
  const shape: number[] = [];
  /** The depth whose entries are numbers, once known. */
  let leaf = -1;
  const values: (number | bigint)[] = [];
  let kind: 'number' | 'bigint' | 'boolean' | undefined;
  const first = (depth: number) => `${name}${'[0]'.repeat(depth)}`;
  const visit = (value: unknown, path: string, depth: number) => {
    if (depth >= MAX_NDIM) throw ndError(RangeError, CODES.BAD_ARRAY, `${name}${path} nests more than ${MAX_NDIM} levels deep`);
    const entries = list(value, `${name}${path}`, CODES.BAD_ARRAY, MAX_LIST_VALUES);
    if (shape.length === depth) {
      shape.push(entries.length);
      if (shape.reduce((a, b) => a * b, 1) > MAX_LIST_VALUES) throw tooLong(name, path, shape);
    }
    else if (entries.length !== shape[depth]) {
      throw ndError(TypeError, CODES.BAD_ARRAY, `${name}${path} has ${entries.length} ${entries.length === 1 ? "entry" : "entries"} where ${first(depth)} has ${shape[depth]}: a ragged list`);
    }
    if (entries.length === 0 && leaf < 0) leaf = depth + 1;
    entries.forEach((entry, k) => {
      const at = `${path}[${k}]`;
      const nested = typeof entry === 'object' && entry !== null;
      if (leaf < 0) leaf = nested ? -1 : depth;
      if (nested && leaf >= 0 && leaf <= depth) {
        throw ndError(TypeError, CODES.BAD_ARRAY, `${name}${at} is a list where numbers are expected (${first(leaf + 1)} is a number): a ragged list`);
      }
      if (nested) return visit(entry, at, depth + 1);
      if (leaf !== depth) {
        throw ndError(TypeError, CODES.BAD_ARRAY, `${name}${at} is ${describe(entry)} where a list is expected (${first(depth + 1)} is a list): a ragged list`);
      }
      const t = typeof entry;
      if (t !== 'number' && t !== 'bigint' && !(booleans && t === 'boolean')) throw ndError(TypeError, CODES.BAD_ARRAY, `${name}${at} must be a number or a bigint, got ${describe(entry)}`);
      kind ??= t as 'number' | 'bigint' | 'boolean';
      if (t !== kind) throw ndError(TypeError, CODES.BAD_ARRAY, `${name}${at} is a ${t} in a list of ${kind}s; use one or the other`);
      if (t === 'bigint' && BigInt.asIntN(64, entry as bigint) !== entry) {
        throw ndError(RangeError, CODES.BAD_ARRAY, `${name}${at} ${describe(entry)} does not fit int64`);
      }
      values.push(t === 'boolean' ? Number(entry) : (entry as number | bigint));
    });
  };
  visit(x, '', 0);
  const data = kind === 'bigint' ? BigInt64Array.from(values as bigint[]) : kind === 'boolean' ? Uint8Array.from(values as number[]) : Float64Array.from(values as number[]);
  return { data, shape };
}
