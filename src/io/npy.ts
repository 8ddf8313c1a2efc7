// NumPy's .npy format (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html),
// for the typed arrays JavaScript has. Reading is zero-copy where alignment
// allows, so an 800 MB file costs one read and no second buffer.
import * as buffer from 'node:buffer';
import * as fs from 'node:fs';

import { bufferOf, byteOffsetOf, dtypeOf, lengthOf } from '../spec/dtypes';
import { CODES, ndError } from '../spec/errors';
import { readView } from '../validate/view';
import { readNpyOptions } from '../validate/options';
import { onShared } from '../run/shared';
import { checkHost, contiguousStrides, headerBytes, npyError, npyHeaderEnd, parseNpyHeader } from './npy-header';
import type { NpyTypedArray } from './npy-header';

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
  const v = readView(input, [0, 1 << 20]);
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
