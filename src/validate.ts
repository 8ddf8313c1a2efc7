// The one validation every backend shares. It runs in O(1): the lowest and
// highest addressed elements follow from shape, strides and offset alone.
// The Rust core checks the same bounds again, because a native kernel that
// reads unchecked must not trust its caller; this layer exists for messages
// that name the user's own fields, and for the backends without Rust.
import type { Backend, CheckedOptions, Int64Array2D, MaxOptions, Strategy, View2 } from './types';

export const STRATEGIES: readonly Strategy[] = ['auto', 'serial', 'mutex', 'lockfree'];
export const MAX_THREADS = 1024;
export const BACKENDS: readonly Backend[] = ['native', 'js', 'wasm'];

/** Shows a bad value in a message without calling user code. */
export function describe(value: unknown): string {
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value);
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value);
  if (value === null || value === undefined || typeof value !== 'object') return String(value);
  if (ArrayBuffer.isView(value)) return value.constructor.name;
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  return 'an object';
}

/** Reads `obj[key]`, turning a throwing getter or Proxy trap into a TypeError. */
export function read(obj: object, key: string, field: string): unknown {
  try {
    return (obj as Record<string, unknown>)[key];
  } catch (cause) {
    throw new TypeError(`${field} could not be read: ${(cause as Error)?.message ?? String(cause)}`, { cause });
  }
}

export function safeInteger(value: unknown, field: string, min: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || Object.is(value, -0)) {
    throw new TypeError(`${field} must be a safe integer, got ${describe(value)}`);
  }
  if (value < min) throw new RangeError(`${field} must be at least ${min}, got ${value}`);
  return value;
}

function pair(value: unknown, field: string, min: number): [number, number] {
  if (!Array.isArray(value) && !ArrayBuffer.isView(value)) {
    throw new TypeError(`${field} must be an array of 2 numbers, got ${describe(value)}`);
  }
  const list = value as ArrayLike<unknown>;
  let length: unknown;
  try {
    length = list.length;
  } catch (cause) {
    throw new TypeError(`${field} could not be read`, { cause });
  }
  if (length !== 2) throw new RangeError(`${field} must have 2 entries for a 2-D array, got ${describe(length)}`);
  const at = (i: number) => read(list as object, String(i), `${field}[${i}]`);
  return [safeInteger(at(0), `${field}[0]`, min), safeInteger(at(1), `${field}[1]`, min)];
}

/**
 * The lowest and highest element a non-empty view addresses, in O(ndim).
 * Plain numbers while every partial sum stays below 2^53 (exact, and much
 * cheaper per call than BigInt); BigInt beyond, where doubles would round.
 */
export function addressRange(offset: number, dims: readonly (readonly [length: number, stride: number])[]): [number | bigint, number | bigint] {
  let low = offset;
  let high = offset;
  for (const [n, s] of dims) {
    const reach = (n - 1) * s;
    if (reach < 0) low += reach;
    else high += reach;
  }
  if (Math.max(-low, high, offset) <= Number.MAX_SAFE_INTEGER && dims.every(([n, s]) => Math.abs((n - 1) * s) <= Number.MAX_SAFE_INTEGER)) {
    return [low, high];
  }
  let bigLow = BigInt(offset);
  let bigHigh = bigLow;
  for (const [n, s] of dims) {
    const reach = BigInt(n - 1) * BigInt(s);
    if (reach < 0n) bigLow += reach;
    else bigHigh += reach;
  }
  return [bigLow, bigHigh];
}

/** Validates a user's 2-D array; the result addresses only elements of `data`. */
export function checkView(x: unknown, name = 'x'): View2 {
  if (x === null || typeof x !== 'object') {
    throw new TypeError(`${name} must be an object with data and shape, got ${describe(x)}`);
  }
  const data = read(x, 'data', `${name}.data`);
  if (!(data instanceof BigInt64Array)) {
    throw new TypeError(`${name}.data must be a BigInt64Array, got ${describe(data)}`);
  }
  const [rows, cols] = pair(read(x, 'shape', `${name}.shape`), `${name}.shape`, 0);
  let rawStrides = read(x, 'strides', `${name}.strides`);
  let stridesField = `${name}.strides`;
  if (rawStrides === undefined) {
    rawStrides = read(x, 'stride', `${name}.stride`);
    stridesField = `${name}.stride`;
  }
  const [rowStride, colStride] =
    rawStrides === undefined ? [cols, 1] : pair(rawStrides, stridesField, -Number.MAX_SAFE_INTEGER);
  const rawOffset = read(x, 'offset', `${name}.offset`);
  const offset = rawOffset === undefined ? 0 : safeInteger(rawOffset, `${name}.offset`, 0);
  const len = data.length;
  if (rows * cols > Number.MAX_SAFE_INTEGER) {
    throw new RangeError(`${name}.shape [${rows}, ${cols}] has more than 2^53 - 1 elements`);
  }
  if (rows === 0 || cols === 0) {
    if (offset > len) throw new RangeError(`${name}.offset ${offset} is past the end of data (length ${len})`);
  } else {
    if (offset >= len) {
      throw new RangeError(`${name}.offset ${offset} is outside data (length ${len})`);
    }
    const [low, high] = addressRange(offset, [
      [rows, rowStride],
      [cols, colStride],
    ]);
    if (low < 0) {
      throw new RangeError(
        `${stridesField} [${rowStride}, ${colStride}] with offset ${offset} reaches element ${low}, before the start of data`,
      );
    }
    if (high >= len) {
      throw new RangeError(
        `${stridesField} [${rowStride}, ${colStride}] with shape [${rows}, ${cols}] and offset ${offset} reaches element ${high}, past the end of data (length ${len})`,
      );
    }
  }
  return { data, rows, cols, rowStride, colStride, offset };
}

/** Validates `max` options, filling in defaults. */
export function checkOptions(options: unknown): CheckedOptions {
  if (options === undefined) return { axis: 0, strategy: 'auto', threads: undefined, backend: 'native' };
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`options must be an object, got ${describe(options)}`);
  }
  const rawAxis = read(options, 'axis', 'options.axis');
  let axis: 0 | 1 = 0;
  if (rawAxis !== undefined) {
    const a = safeInteger(rawAxis, 'options.axis', -Number.MAX_SAFE_INTEGER);
    if (a !== 0 && a !== 1 && a !== -1 && a !== -2) {
      throw new RangeError(`options.axis ${a} is out of range for a 2-D array (expected 0, 1, -1 or -2)`);
    }
    axis = a === 1 || a === -1 ? 1 : 0;
  }
  const rawStrategy = read(options, 'strategy', 'options.strategy');
  const strategy = rawStrategy === undefined ? 'auto' : rawStrategy;
  if (!STRATEGIES.includes(strategy as Strategy)) {
    throw new TypeError(`options.strategy must be one of ${STRATEGIES.map((s) => `"${s}"`).join(', ')}, got ${describe(strategy)}`);
  }
  const threads = checkThreads(options);
  const rawBackend = read(options, 'backend', 'options.backend');
  const backend = rawBackend === undefined ? 'native' : rawBackend;
  if (!BACKENDS.includes(backend as Backend)) {
    throw new TypeError(`options.backend must be one of ${BACKENDS.map((s) => `"${s}"`).join(', ')}, got ${describe(backend)}`);
  }
  return { axis, strategy: strategy as Strategy, threads, backend: backend as Backend };
}

/** `options.threads`: undefined (rayon's default) or 1 to MAX_THREADS. */
export function checkThreads(options: object): number | undefined {
  const raw = read(options, 'threads', 'options.threads');
  if (raw === undefined) return undefined;
  const threads = safeInteger(raw, 'options.threads', 1);
  if (threads > MAX_THREADS) throw new RangeError(`options.threads must be at most ${MAX_THREADS}, got ${threads}`);
  return threads;
}

/** The rule NumPy applies: reducing an empty axis of max has no identity. */
export function checkReducible(view: View2, axis: 0 | 1): void {
  if ((axis === 0 ? view.rows : view.cols) === 0) {
    throw new RangeError('zero-size array to reduction operation maximum which has no identity');
  }
}
