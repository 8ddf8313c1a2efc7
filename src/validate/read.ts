// Guarded reads of user values: each field read once, a throwing getter or
// Proxy trap turned into a coded TypeError, lists read by index after their
// length is checked, integers checked as read.
import { dtypeOf, lengthOf, typedArrayTag } from '../spec/dtypes';
import type { NumericArray } from '../spec/dtypes';
import { hasCode, ndError } from '../spec/errors';
import type { Code } from '../spec/errors';
import { CODES } from '../spec/errors';

/** NumPy's limit on dimensions (NPY_MAXDIMS in NumPy 2). */
export const MAX_NDIM = 64;

/** Shows a bad value in a message without running user code where it can be helped. */
export function describe(value: unknown): string {
  switch (typeof value) {
    case 'bigint':
      return `${value}n`;
    case 'string':
      return JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value);
    case 'number':
      return Object.is(value, -0) ? '-0' : String(value);
    case 'object':
      break;
    case 'function':
    case 'symbol':
      return `a ${typeof value}`;
    default:
      return String(value);
  }
  if (value === null) return 'null';
  const tag = typedArrayTag(value);
  if (tag !== undefined) return `a ${tag}`;
  if (ArrayBuffer.isView(value)) return 'a DataView';
  try {
    if (Array.isArray(value)) return `an array of length ${describe((value as unknown[]).length)}`;
  } catch {
    return 'an array';
  }
  return 'an object';
}

/** The name of `owner`'s entry `key` in messages (`x.shape`, `x.shape[1]`),
 * built only when a message needs it: a small call reads a dozen fields. */
const fieldOf = (owner: string, key: string | number) => (typeof key === 'number' ? `${owner}[${key}]` : `${owner}.${key}`);

/** Reads `owner`'s `obj[key]`; a throwing getter or Proxy trap becomes a TypeError
 * with `code` (one of ours, such as a freed wasm array's, passes through). */
export function read(obj: object, key: string | number, owner: string, code: Code): unknown {
  try {
    return (obj as Record<PropertyKey, unknown>)[key];
  } catch (cause) {
    throw unreadable(owner, key, code, cause);
  }
}

/** The error for a field whose getter or Proxy trap threw. */
export function unreadable(owner: string, key: string | number, code: Code, cause: unknown): Error {
  if (hasCode(cause)) return cause as Error;
  return ndError(TypeError, code, `${fieldOf(owner, key)} could not be read: ${(cause as Error)?.message ?? String(cause)}`, cause);
}

/** A safe integer of at least `min` that is entry `k` of the list `owner`. */
export function entry(value: unknown, owner: string, k: number, min: number): number {
  // Checked inline first, so that the field's name is built only for an error.
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= min) return value + 0;
  return integer(value, fieldOf(owner, k), min);
}

/** A safe integer of at least `min` (`-0` is 0, as scijs's `step(-1)` makes). */
export function integer(value: unknown, field: string, min: number, code: Code = CODES.NEGATIVE): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw ndError(TypeError, CODES.NOT_INTEGER, `${field} must be a safe integer, got ${describe(value)}`);
  }
  if (value < min) throw ndError(RangeError, code, `${field} must be at least ${min}, got ${value}`);
  return value + 0;
}

/** The entries of a list (an array or a typed array), at most MAX_NDIM:
 * the length is checked before any entry is read, and a hole is an error. */
export function list(value: unknown, field: string, code: Code, most?: number): unknown[];
/** With `min`: the entries are safe integers of at least `min`, checked as read. */
export function list(value: unknown, field: string, code: Code, most: number, min: number): number[];
export function list(value: unknown, field: string, code: Code, most = MAX_NDIM, min?: number): unknown[] {
  let isArray = false;
  try {
    isArray = Array.isArray(value);
  } catch (cause) {
    throw ndError(TypeError, code, `${field} could not be read: ${(cause as Error)?.message}`, cause);
  }
  let length: unknown;
  if (isArray) length = read(value as object, 'length', field, code);
  else if (typedArrayTag(value) !== undefined) length = lengthOf(value as NumericArray);
  else throw ndError(TypeError, code, `${field} must be a list of integers, got ${describe(value)}`);
  if (typeof length !== 'number' || !Number.isSafeInteger(length) || length < 0) {
    throw ndError(TypeError, code, `${field} has an invalid length ${describe(length)}`);
  }
  if (length > most) throw ndError(RangeError, code, `${field} has ${length} entries, more than ${most}`);
  const out = new Array<unknown>(length);
  for (let k = 0; k < length; k++) {
    let present = true;
    if (isArray) {
      try {
        present = Object.hasOwn(value as object, k);
      } catch (cause) {
        throw ndError(TypeError, code, `${field}[${k}] could not be read: ${(cause as Error)?.message}`, cause);
      }
    }
    if (!present) throw ndError(TypeError, code, `${field}[${k}] is a hole (an empty slot of a sparse array); give every entry`);
    const v = read(value as object, k, field, code);
    out[k] = min === undefined ? v : entry(v, field, k, min);
  }
  return out;
}

export const bracket = (xs: readonly number[]) => `[${xs.join(', ')}]`;

/** Array.isArray, false for a revoked Proxy (which throws). */
export function isArray(value: unknown): boolean {
  try {
    return Array.isArray(value);
  } catch {
    return false;
  }
}
