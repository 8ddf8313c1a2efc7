// The .npy header (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html):
// the one parser of what a file says it holds (for parseNpy, loadNpy and
// the files reduceFile and moveFile stream) and the header NumPy writes.
import * as os from 'node:os';

import { CODES, ndError } from '../spec/errors';

/** A malformed or unsupported file (TypeError or RangeError). */
export const npyError = (Class: typeof TypeError, message: string) => ndError(Class, CODES.BAD_NPY, message);

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
export function checkHost(): void {
  if (os.endianness() !== 'LE') throw npyError(RangeError, 'npy: only little-endian hosts are supported');
}

// ---- reading -------------------------------------------------------------

type Literal = string | number | boolean | null | Literal[] | { tuple: Literal[] } | Map<string, Literal>;

/** NumPy's `_MAX_HEADER_SIZE`: `np.load` refuses a longer header as unsafe.
 * NumPy counts decoded characters; this counts bytes, the same for latin1
 * and for every header this parser accepts (ASCII only in utf-8). */
const MAX_HEADER_BYTES = 10_000;
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
