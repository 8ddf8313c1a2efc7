// NumPy's .npy format (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html),
// for the typed arrays JavaScript has. Reading is zero-copy where alignment
// allows, so an 800 MB file costs one read and no second buffer.
import * as buffer from 'node:buffer';
import * as fs from 'node:fs';
import * as os from 'node:os';

import { bufferOf, byteOffsetOf, dtypeOf, lengthOf } from '../spec/dtypes';
import { CODES, ndError } from '../spec/errors';
import { readView } from '../validate/view';
import { readNpyOptions } from '../validate/options';
import { onShared } from '../run/shared';

/** A malformed or unsupported file (TypeError or RangeError). */
const npyError = (Class: typeof TypeError, message: string) => ndError(Class, CODES.BAD_NPY, message);

export type NpyTypedArray =
  | Int8Array
  | Int16Array
  | Int32Array
  | BigInt64Array
  | Uint8Array
  | Uint8ClampedArray
  | Uint16Array
  | Uint32Array
  | BigUint64Array
  | Float32Array
  | Float64Array;

/** An N-d array: strides and offset are counted in elements, not bytes. */
export interface NpyArray<T extends NpyTypedArray = NpyTypedArray> {
  data: T;
  shape: number[];
  strides: number[];
  offset: number;
  /** The dtype as NumPy wrote it, e.g. `<i8`. */
  dtype: string;
}

/** What `encodeNpy` accepts: strides default to C order, offset to 0. */
export interface NpyInput {
  data: NpyTypedArray;
  shape?: readonly number[];
  strides?: readonly number[];
  offset?: number;
}

export type Ctor = { new (buffer: ArrayBufferLike, byteOffset: number, length: number): NpyTypedArray; BYTES_PER_ELEMENT: number };

// Keyed by kind + size; the byte-order character is checked separately.
const READ_TYPES: Record<string, Ctor> = {
  i1: Int8Array,
  u1: Uint8Array,
  b1: Uint8Array, // NumPy bools are one byte, 0 or 1
  i2: Int16Array,
  u2: Uint16Array,
  i4: Int32Array,
  u4: Uint32Array,
  i8: BigInt64Array,
  u8: BigUint64Array,
  f4: Float32Array,
  f8: Float64Array,
};

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

function describeDtypeOf(data: unknown): string {
  if (ArrayBuffer.isView(data)) return data.constructor.name;
  return data === null ? 'null' : typeof data;
}

// The bytes of typed arrays are in host order and .npy files are written
// little-endian here; a big-endian host would silently swap every value.
function checkHost(): void {
  if (os.endianness() !== 'LE') throw npyError(RangeError, 'npy: only little-endian hosts are supported');
}

// ---- reading -------------------------------------------------------------

type Literal = string | number | boolean | null | Literal[] | { tuple: Literal[] } | Map<string, Literal>;

/** NumPy's `_MAX_HEADER_SIZE`: `np.load` refuses a longer header as unsafe.
 * NumPy counts decoded characters; this counts bytes, the same for latin1
 * and for every header this parser accepts (ASCII only in utf-8). */
export const MAX_HEADER_BYTES = 10_000;
/** Nesting this parser follows: a header is a dict of tuples (a structured
 * dtype nests a few more); deeper is an attack, not a file. */
const MAX_DEPTH = 32;

// Python's whitespace between tokens (not JavaScript's \s, which takes
// U+00A0 and other characters `ast.literal_eval` refuses).
const PY_SPACE = new Set([' ', '\t', '\n', '\r', '\f']);
// Sticky: matched at `lastIndex`, never on a copy of the rest of the text.
const WORD = /True|False|None|-?(?:0|[1-9]\d*)L?/y;

/** A parser for the Python literal NumPy writes as the header (a dict of
 * str, bool, int and tuples). `eval` would be both unsafe and wrong here.
 * Linear in the header's length, and nesting is bounded, so no header can
 * block the event loop or overflow the stack. */
class HeaderParser {
  private i = 0;
  private depth = 0;
  /** `python2`: versions 1.0 and 2.0, which NumPy reads with Python 2's `3L` longs too. */
  constructor(
    private readonly s: string,
    private readonly python2: boolean,
  ) {}

  fail(what: string): never {
    const shown = this.s.length > 200 ? `${JSON.stringify(this.s.slice(0, 200))}…` : JSON.stringify(this.s.trimEnd());
    throw npyError(TypeError, `npy: malformed header: ${what} at character ${this.i} of ${shown}`);
  }

  private ws(): void {
    while (this.i < this.s.length && PY_SPACE.has(this.s[this.i])) this.i++;
  }

  private eat(ch: string): boolean {
    this.ws();
    if (this.s[this.i] === ch) {
      this.i++;
      return true;
    }
    return false;
  }

  /** Whether the last `items` had a comma (Python's `(3)` is 3, `(3,)` a tuple). */
  private comma = false;

  /** Items up to `close`, separated by commas, a trailing comma allowed. */
  private items<T>(close: string, item: () => T): T[] {
    if (++this.depth > MAX_DEPTH) this.fail(`nested deeper than ${MAX_DEPTH}`);
    const out: T[] = [];
    let comma = false;
    while (!this.eat(close)) {
      out.push(item());
      comma = this.eat(',');
      if (!comma) {
        if (!this.eat(close)) this.fail(`expected "," or "${close}"`);
        break;
      }
    }
    this.depth--;
    this.comma = comma;
    return out;
  }

  value(): Literal {
    this.ws();
    const c = this.s[this.i];
    if (c === undefined) this.fail('unexpected end');
    if (c === "'" || c === '"') return this.string();
    if (c === '(') {
      this.i++;
      const items = this.items(')', () => this.value());
      return items.length === 1 && !this.comma ? items[0] : { tuple: items };
    }
    if (c === '[') {
      this.i++;
      return this.items(']', () => this.value());
    }
    if (c === '{') {
      this.i++;
      const map = new Map<string, Literal>();
      this.items('}', () => {
        this.ws();
        const key = this.value();
        if (typeof key !== 'string') this.fail('dict keys must be strings');
        if (!this.eat(':')) this.fail('expected ":"');
        if (map.has(key)) this.fail(`duplicate key '${key}'`);
        map.set(key, this.value());
      });
      return map;
    }
    WORD.lastIndex = this.i;
    const word = WORD.exec(this.s);
    if (!word || (!this.python2 && word[0].endsWith('L'))) this.fail('unexpected character');
    this.i += word[0].length;
    if (word[0] === 'True') return true;
    if (word[0] === 'False') return false;
    if (word[0] === 'None') return null;
    // Python 2 wrote longs with an L suffix: shape (3L, 4L).
    return Number(word[0].replace('L', ''));
  }

  private string(): string {
    const quote = this.s[this.i++];
    const start = this.i;
    while (this.i < this.s.length && this.s[this.i] !== quote) {
      if (this.s[this.i] === '\\') this.fail('escapes in strings are not supported');
      this.i++;
    }
    if (this.i >= this.s.length) this.fail('unterminated string');
    return this.s.slice(start, this.i++);
  }

  end(): void {
    this.ws();
    if (this.i !== this.s.length) this.fail('trailing characters after the dict');
  }
}

interface Header {
  descr: string;
  fortran: boolean;
  shape: number[];
}

function parseHeader(text: string, python2: boolean): Header {
  const p = new HeaderParser(text, python2);
  const dict = p.value();
  p.end();
  if (!(dict instanceof Map)) throw npyError(TypeError, `npy: malformed header: not a dict: ${JSON.stringify(text.trimEnd())}`);
  const keys = [...dict.keys()].sort();
  if (keys.join() !== 'descr,fortran_order,shape') {
    throw npyError(TypeError, `npy: malformed header: keys must be descr, fortran_order and shape, got ${keys.join(', ') || 'none'}`);
  }
  const descr = dict.get('descr');
  if (typeof descr !== 'string') throw npyError(TypeError, 'npy: unsupported dtype: structured and subarray dtypes cannot be read');
  const fortran = dict.get('fortran_order');
  if (typeof fortran !== 'boolean') throw npyError(TypeError, `npy: malformed header: fortran_order must be True or False`);
  const shapeValue = dict.get('shape');
  if (shapeValue === null || typeof shapeValue !== 'object' || !('tuple' in shapeValue)) {
    throw npyError(TypeError, 'npy: malformed header: shape must be a tuple');
  }
  const shape = shapeValue.tuple.map((d, k) => {
    if (typeof d !== 'number' || !Number.isSafeInteger(d)) throw npyError(TypeError, `npy: malformed header: shape[${k}] is not an integer`);
    if (d < 0) throw npyError(RangeError, `npy: shape[${k}] is ${d}; dimensions cannot be negative`);
    return d;
  });
  return { descr, fortran, shape };
}

function elementCount(shape: readonly number[], what: string): number {
  let n = 1n;
  for (const d of shape) n *= BigInt(d);
  if (n > BigInt(Number.MAX_SAFE_INTEGER)) throw npyError(RangeError, `npy: ${what} (${shape.join(' x ')}) has more than 2^53 - 1 elements`);
  return Number(n);
}

export function contiguousStrides(shape: readonly number[], fortran: boolean): number[] {
  const strides = new Array<number>(shape.length);
  let step = 1;
  for (let k = 0; k < shape.length; k++) {
    const axis = fortran ? k : shape.length - 1 - k;
    strides[axis] = step;
    step *= shape[axis];
  }
  return strides;
}

/** What a .npy header says: the element type, layout and shape, and where
 * the data starts. */
export interface NpyHeader {
  descr: string;
  fortran: boolean;
  shape: number[];
  ctor: Ctor;
  count: number;
  byteLength: number;
  dataStart: number;
}

/** Parses and checks the header at the start of `bytes` (at least the
 * header) of a file of `fileSize` bytes, which must hold all the data:
 * the one header parser, for `parseNpy` and for files streamed by
 * `reduceFile` without reading their data. */
export function parseNpyHeader(bytes: Uint8Array, fileSize = bytes.length): NpyHeader {
  checkHost();
  if (!(bytes instanceof Uint8Array)) throw npyError(TypeError, `npy: bytes must be a Uint8Array, got ${describeDtypeOf(bytes)}`);
  if (bytes.length < 10 || MAGIC.some((b, k) => bytes[k] !== b)) {
    throw npyError(TypeError, 'npy: not a .npy file (the magic string \\x93NUMPY is missing)');
  }
  const major = bytes[6];
  const minor = bytes[7];
  if (major < 1 || major > 3 || minor !== 0) throw npyError(RangeError, `npy: format version ${major}.${minor} is not supported (1.0, 2.0 and 3.0 are)`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lenBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lenBytes) throw npyError(RangeError, 'npy: file ends inside the header length');
  const headerLen = major === 1 ? dv.getUint16(8, true) : dv.getUint32(8, true);
  // Checked before anything is decoded or allocated for it: a claim of
  // gigabytes must cost nothing (the latin1 decoder aborts the process on
  // a huge sparse file's bytes, and a long header blocks the event loop).
  if (headerLen > MAX_HEADER_BYTES) {
    throw npyError(RangeError, `npy: the header claims ${headerLen} bytes; headers over ${MAX_HEADER_BYTES} bytes are refused (NumPy's limit)`);
  }
  const headerStart = 8 + lenBytes;
  const dataStart = headerStart + headerLen;
  if (dataStart > bytes.length) {
    throw npyError(RangeError, `npy: the header claims ${headerLen} bytes but the file has ${Math.max(0, Math.min(fileSize, bytes.length) - headerStart)} after the length field`);
  }
  // Versions 1 and 2 are latin1; 3.0 exists to allow UTF-8 (field names).
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(headerStart, dataStart));
  const { descr, fortran, shape } = parseHeader(text, major < 3);

  const m = /^([<>|=])([a-zA-Z])(\d+)$/.exec(descr);
  const key = m ? `${m[2]}${m[3]}` : '';
  const ctor = READ_TYPES[key];
  if (!m || !ctor) throw npyError(TypeError, `npy: unsupported dtype '${descr}' (supported: ${Object.keys(READ_TYPES).join(', ')}, little-endian)`);
  if (ctor.BYTES_PER_ELEMENT > 1 && m[1] === '>') {
    throw npyError(TypeError, `npy: big-endian dtype '${descr}' is not supported; save it with arr.astype('<${key}')`);
  }
  if (ctor.BYTES_PER_ELEMENT > 1 && m[1] === '|') throw npyError(TypeError, `npy: dtype '${descr}' has no byte order`);

  const count = elementCount(shape, 'shape');
  const byteLength = count * ctor.BYTES_PER_ELEMENT;
  const available = fileSize - dataStart;
  if (available < byteLength) {
    throw npyError(RangeError, `npy: data is truncated: shape (${shape.join(', ')}) of '${descr}' needs ${byteLength} bytes, the file has ${available}`);
  }
  return { descr, fortran, shape, ctor, count, byteLength, dataStart };
}

/** How many bytes of a .npy file to read for its header, from its first
 * 12 bytes: the preamble and the header, never more than the largest
 * header allowed (undefined when they do not say: `parseNpyHeader` then
 * reports why, as it does for a header over the limit). */
export function npyHeaderEnd(first: Uint8Array): number | undefined {
  if (first.length < 12 || MAGIC.some((b, k) => first[k] !== b)) return undefined;
  const dv = new DataView(first.buffer, first.byteOffset, first.byteLength);
  const prefix = first[6] === 1 ? 10 : 12;
  return prefix + Math.min(first[6] === 1 ? dv.getUint16(8, true) : dv.getUint32(8, true), MAX_HEADER_BYTES);
}

/** NumPy reads any non-zero byte of a bool array as True: 0 or 1 here, in
 * a copy (the caller's bytes are not ours to change). */
function asBools(raw: Uint8Array): Uint8Array {
  const out = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = raw[i] === 0 ? 0 : 1;
  return out;
}

/** `loadNpy` and `parseNpy` options. `shared: true` puts the data on a
 * SharedArrayBuffer, which the ...Async functions read without a copy.
 * `expect: Int32Array` says which class the code is written for: the
 * result is typed `NpyArray<Int32Array>`, and a file of another dtype is a
 * TypeError (`ERR_NDREDUCE_BAD_NPY`) instead of a surprise later. */
export interface NpyReadOptions<T extends NpyTypedArray = NpyTypedArray> {
  shared?: boolean;
  expect?: { readonly prototype: T; readonly BYTES_PER_ELEMENT: number };
}

/** Reads a .npy file's bytes. The result views `bytes` without copying
 * when the data is aligned for its dtype (so it keeps `bytes` alive,
 * trailing bytes included); otherwise it owns a copy of the data alone. */
export function parseNpy<T extends NpyTypedArray = NpyTypedArray>(bytes: Uint8Array, options?: NpyReadOptions<T>): NpyArray<T> {
  const { shared, expect } = readNpyOptions(options);
  const { descr, fortran, shape, ctor, count, byteLength, dataStart } = parseNpyHeader(bytes);
  if (expect !== undefined && expect !== ctor) {
    throw npyError(TypeError, `the file holds ${descr} (read as ${ctor.name}), not the ${expect.name} options.expect names`);
  }
  let data: NpyTypedArray;
  const at = bytes.byteOffset + dataStart;
  if (at % ctor.BYTES_PER_ELEMENT === 0) {
    data = new ctor(bytes.buffer, at, count);
  } else {
    const copy = new Uint8Array(byteLength);
    copy.set(bytes.subarray(dataStart, dataStart + byteLength));
    data = new ctor(copy.buffer, 0, count);
  }
  if (descr.endsWith('b1')) data = asBools(data as Uint8Array);
  if (shared) data = onShared(data);
  return { data: data as T, shape, strides: contiguousStrides(shape, fortran), offset: 0, dtype: descr };
}

/** Fills `into` from the file at `position` on; the bytes read (fewer at
 * the end of the file). readSync reads at most 2 GiB at once. */
function readAt(fd: number, into: Uint8Array, position: number): number {
  let done = 0;
  while (done < into.length) {
    const n = fs.readSync(fd, into, done, Math.min(into.length - done, 1 << 30), position + done);
    if (n === 0) break;
    done += n;
  }
  return done;
}

/** Reads a .npy file: the header, then exactly the bytes its shape needs
 * into a buffer of their own (aligned, so the data is used in place);
 * bytes after them are never read. */
export function loadNpy<T extends NpyTypedArray = NpyTypedArray>(path: string, options?: NpyReadOptions<T>): NpyArray<T> {
  const { shared, expect } = readNpyOptions(options);
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a
  // writer, forever; a regular file reads the same either way.
  const fd = fs.openSync(path, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
  try {
    const stat = fs.fstatSync(fd);
    // A pipe or device has no size to check the header's claims against.
    if (!stat.isFile()) throw npyError(TypeError, `npy: ${JSON.stringify(path)} is not a regular file (a directory, pipe or device); save the stream to a file first`);
    const size = stat.size;
    const first = new Uint8Array(12);
    const got = readAt(fd, first, 0);
    const end = npyHeaderEnd(first.subarray(0, got));
    let head = first.subarray(0, got);
    if (end !== undefined && end > got) {
      head = new Uint8Array(end);
      head = head.subarray(0, readAt(fd, head, 0));
    }
    const { descr, fortran, shape, ctor, count, byteLength, dataStart } = parseNpyHeader(head, size);
    if (expect !== undefined && expect !== ctor) {
      throw npyError(TypeError, `${JSON.stringify(path)} holds ${descr} (read as ${ctor.name}), not the ${expect.name} options.expect names`);
    }
    // allocUnsafeSlow: unpooled (byteOffset 0, so aligned) and not zero-filled.
    let data: Uint8Array;
    try {
      // With `shared`, read straight into shared memory: no second copy.
      data = shared ? new Uint8Array(new SharedArrayBuffer(byteLength)) : byteLength <= buffer.constants.MAX_LENGTH ? Buffer.allocUnsafeSlow(byteLength) : new Uint8Array(byteLength);
    } catch (cause) {
      throw ndError(RangeError, CODES.TOO_LARGE, `npy: ${byteLength} bytes of data cannot be allocated; reduceFile reduces a file of any size`, cause);
    }
    const read = readAt(fd, data, dataStart);
    if (read < byteLength) {
      throw npyError(RangeError, `npy: data is truncated: shape (${shape.join(', ')}) of '${descr}' needs ${byteLength} bytes, the file has ${read} (it shrank while being read)`);
    }
    const values = descr.endsWith('b1') ? asBools(data) : new ctor(data.buffer, data.byteOffset, count);
    return { data: (shared ? onShared(values) : values) as T, shape, strides: contiguousStrides(shape, fortran), offset: 0, dtype: descr };
  } finally {
    fs.closeSync(fd);
  }
}

// ---- writing -------------------------------------------------------------

function sameDims(a: readonly number[], b: readonly number[], shape: readonly number[]): boolean {
  // A stride over an axis of length 1 is never used, so it may be anything.
  return a.every((s, k) => shape[k] <= 1 || s === b[k]);
}

const DESCR: Record<string, string> = {
  int8: '|i1', uint8: '|u1', uint8c: '|u1', int16: '<i2', uint16: '<u2', int32: '<i4', uint32: '<u4',
  int64: '<i8', uint64: '<u8', float32: '<f4', float64: '<f8',
};

/** The body bytes: a view of the input when it is contiguous in C or
 * Fortran order, otherwise a C-order gather of the strided elements. The
 * input is checked by the one validator (a missing shape is `[data.length]`). */
function body(x: NpyInput): { descr: string; shape: number[]; fortran: boolean; bytes: Uint8Array } {
  let input: unknown = x;
  if (x !== null && typeof x === 'object' && x.shape === undefined) {
    const data = x.data;
    input = { data, shape: [dtypeOf(data) ? lengthOf(data) : 0], strides: x.strides, offset: x.offset };
  }
  // A .npy header holds any number of axes; a million keeps a hostile
  // length from allocating without bound.
  const v = readView(input, 'saveNpy', [0, 1 << 20]);
  const { data, shape: checkedShape, strides: checkedStrides, offset, count } = v;
  const shape = [...checkedShape];
  const strides = [...checkedStrides];
  const descr = DESCR[v.dtype.name];
  const size = v.dtype.bytes;
  if (count === 0) return { descr, shape, fortran: false, bytes: new Uint8Array(0) };
  const c = contiguousStrides(shape, false);
  const whole = (fortran: boolean) => ({
    descr,
    shape,
    fortran,
    bytes: new Uint8Array(bufferOf(data), byteOffsetOf(data) + offset * size, count * size),
  });
  if (sameDims(strides, c, shape)) return whole(false);
  // A 1-d (or all-but-one length-1) array is both; prefer C, tested above.
  if (sameDims(strides, contiguousStrides(shape, true), shape)) return whole(true);

  const out = new v.dtype.ctor(count);
  const index = new Array<number>(shape.length).fill(0);
  let at = offset;
  const src = data as unknown as ArrayLike<number | bigint> & { [i: number]: number | bigint };
  const dst = out as unknown as { [i: number]: number | bigint };
  for (let n = 0; n < count; n++) {
    dst[n] = src[at];
    // Odometer over the axes, last axis fastest (C order).
    for (let k = shape.length - 1; k >= 0; k--) {
      if (++index[k] < shape[k]) {
        at += strides[k];
        break;
      }
      at -= (shape[k] - 1) * strides[k];
      index[k] = 0;
    }
  }
  return { descr, shape, fortran: false, bytes: new Uint8Array(out.buffer) };
}

/** The magic, version, length field and header dict, padded so the data
 * starts on a 64-byte boundary as NumPy does. Exported for writers that
 * stream the data after it (the file bench and tests). */
export function headerBytes(descr: string, fortran: boolean, shape: readonly number[]): Uint8Array {
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  const dict = `{'descr': '${descr}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': (${dims}), }`;
  // Within MAX_HEADER_BYTES, version 1.0 (a 2-byte length) always fits.
  const prefix = 10;
  const total = Math.ceil((prefix + dict.length + 1) / 64) * 64;
  if (total - prefix > MAX_HEADER_BYTES) {
    throw npyError(RangeError, `npy: a shape of ${shape.length} axes needs a header of ${total - prefix} bytes; NumPy and loadNpy read at most ${MAX_HEADER_BYTES}`);
  }
  const text = dict.padEnd(total - prefix - 1, ' ') + '\n';
  const out = new Uint8Array(total);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, text.length, true);
  for (let k = 0; k < text.length; k++) out[prefix + k] = text.charCodeAt(k);
  return out;
}

function parts(x: NpyInput): [Uint8Array, Uint8Array] {
  checkHost();
  const b = body(x);
  return [headerBytes(b.descr, b.fortran, b.shape), b.bytes];
}

/** The bytes of a .npy file holding `x` (format 1.0). */
export function encodeNpy(x: NpyInput): Uint8Array {
  const [head, data] = parts(x);
  const out = new Uint8Array(head.length + data.length);
  out.set(head, 0);
  out.set(data, head.length);
  return out;
}

/** Writes `x` to `path` without first concatenating header and data. */
export function saveNpy(path: string, x: NpyInput): void {
  const chunks = parts(x);
  const fd = fs.openSync(path, 'w');
  try {
    for (const chunk of chunks) {
      // writeSync may write less than asked, and at most 2 GiB at once.
      for (let done = 0; done < chunk.length; ) {
        done += fs.writeSync(fd, chunk, done, Math.min(chunk.length - done, 1 << 30));
      }
    }
  } finally {
    fs.closeSync(fd);
  }
}
