// The js backend's loops, shared by the calling thread and the workers.
//
// An int64 is read as two int32 words of the same buffer (no BigInt per
// element): the high word compares signed; the low word compares unsigned,
// which is a signed compare after flipping its top bit (`^ LOW`). Running
// maxima are kept the same way, as int32 pairs with the low word biased.
import * as os from 'node:os';

import { bufferOf, byteOffsetOf, lengthOf } from '../../spec/dtypes';

/** Columns per block: the running-max block (2 x 32 KiB) stays in L2 while
 * every row streams its slice of the block in. */
export const BLOCK = 8192;

/** -2^31: the high word of the smallest int64, and the biased low word 0. */
export const LOW = -0x80000000 | 0;

/** Little-endian words: element `e` is `[words[2e] (low), words[2e + 1] (high)]`. */
export const LITTLE_ENDIAN = os.endianness() === 'LE';

/** Which loop order to use. `columns`: the article's loop (column by column,
 * whatever the layout); `layout`: follow the memory layout like the Rust
 * `auto` kernel. */
export type Order = 'columns' | 'layout';

interface Task {
  readonly words: Int32Array;
  readonly base: number;
  readonly rs: number;
  readonly cs: number;
}

/** Called once per finished block of columns with its running maxima:
 * `acc[2k]` the biased low word and `acc[2k + 1]` the high word of column
 * `j0 + k`. Interleaved like the input, so one index serves both. */
type Sink = (j0: number, n: number, acc: Int32Array) => void;

/** Row-major rows (`cs == 1`): each row's slice of the block is a
 * contiguous subarray, which lets the loop run on one index from zero. */
function foldRowSlices(t: Task, i0: number, i1: number, j0: number, n: number, acc: Int32Array): void {
  const w = t.words;
  const n2 = 2 * n;
  for (let i = i0; i < i1; i++) {
    const start = 2 * (t.base + i * t.rs + j0);
    const row = w.subarray(start, start + n2);
    for (let q = 0; q < n2; q += 2) {
      const h = row[q + 1];
      const mh = acc[q + 1];
      // Equal high words are the common case (values of similar size).
      if (h === mh) {
        const l = row[q] ^ LOW;
        if (l > acc[q]) acc[q] = l;
      } else if (h > mh) {
        acc[q + 1] = h;
        acc[q] = row[q] ^ LOW;
      }
    }
  }
}

/** Any strides: every row of the block, left to right. */
function foldRows(t: Task, i0: number, i1: number, j0: number, n: number, acc: Int32Array): void {
  const w = t.words;
  const step = 2 * t.cs;
  const n2 = 2 * n;
  for (let i = i0; i < i1; i++) {
    let p = 2 * (t.base + i * t.rs + j0 * t.cs);
    for (let q = 0; q < n2; q += 2, p += step) {
      const h = w[p + 1];
      const mh = acc[q + 1];
      if (h === mh) {
        const l = w[p] ^ LOW;
        if (l > acc[q]) acc[q] = l;
      } else if (h > mh) {
        acc[q + 1] = h;
        acc[q] = w[p] ^ LOW;
      }
    }
  }
}

/** Each column top to bottom: contiguous when `rs == 1`. The running max
 * lives in locals, so the inner loop touches only the input. */
function foldColumns(t: Task, i0: number, i1: number, j0: number, n: number, acc: Int32Array): void {
  const w = t.words;
  const step = 2 * t.rs;
  for (let k = 0; k < n; k++) {
    let ml = acc[2 * k];
    let mh = acc[2 * k + 1];
    let p = 2 * (t.base + i0 * t.rs + (j0 + k) * t.cs);
    for (let i = i0; i < i1; i++, p += step) {
      const h = w[p + 1];
      if (h < mh) continue;
      const l = w[p] ^ LOW;
      if (h > mh) {
        mh = h;
        ml = l;
      } else if (l > ml) {
        ml = l;
      }
    }
    acc[2 * k] = ml;
    acc[2 * k + 1] = mh;
  }
}

/** The maxima of rows `[i0, i1)` for columns `[j0, j1)`, handed to `sink`
 * one block of columns at a time. `acc` is scratch of length `2 * BLOCK`. */
export function reduce(t: Task, order: Order, i0: number, i1: number, j0: number, j1: number, acc: Int32Array, sink: Sink): void {
  for (let jb = j0; jb < j1; jb += BLOCK) {
    const n = Math.min(BLOCK, j1 - jb);
    acc.fill(LOW, 0, 2 * n);
    // Same choice as the Rust `auto` kernel: stream rows when they are
    // contiguous, walk columns when those are, otherwise blocks of rows.
    if (order === 'columns' || (t.rs === 1 && t.cs !== 1)) foldColumns(t, i0, i1, jb, n, acc);
    else if (t.cs === 1) foldRowSlices(t, i0, i1, jb, n, acc);
    else foldRows(t, i0, i1, jb, n, acc);
    sink(jb, n, acc);
  }
}

/** Writes a block into `out` (int64 words), replacing what was there. */
export function storeBlock(out: Int32Array, j0: number, n: number, acc: Int32Array): void {
  for (let q = 0, p = 2 * j0; q < 2 * n; q += 2, p += 2) {
    out[p] = acc[q] ^ LOW;
    out[p + 1] = acc[q + 1];
  }
}

/** Folds a block into `out` (int64 words), keeping the larger value. */
export function mergeBlock(out: Int32Array, j0: number, n: number, acc: Int32Array): void {
  for (let q = 0, p = 2 * j0; q < 2 * n; q += 2, p += 2) {
    const h = acc[q + 1];
    const oh = out[p + 1];
    if (h > oh || (h === oh && acc[q] > (out[p] ^ LOW))) {
      out[p] = acc[q] ^ LOW;
      out[p + 1] = h;
    }
  }
}

/** The words of a BigInt64Array's elements, from its first element. */
export function wordsOf(data: BigInt64Array): Int32Array {
  return new Int32Array(bufferOf(data), byteOffsetOf(data), lengthOf(data) * 2);
}

/** Copies the `rows x cols` elements at `offset + i * rs + j * cs` of `from`
 * (int64 words) into `to`, packed row-major: for views whose span is mostly
 * gaps, where copying the span would move far more than the elements. */
export function gather(from: Int32Array, rows: number, cols: number, rs: number, cs: number, offset: number, to: Int32Array): void {
  for (let i = 0, q = 0; i < rows; i++) {
    const rowStart = offset + i * rs;
    if (cs === 1) {
      to.set(from.subarray(2 * rowStart, 2 * (rowStart + cols)), q);
      q += 2 * cols;
      continue;
    }
    for (let j = 0, p = 2 * rowStart; j < cols; j++, p += 2 * cs, q += 2) {
      to[q] = from[p];
      to[q + 1] = from[p + 1];
    }
  }
}

/** Whether a view is dense enough that copying its whole span beats packing. */
export function denseSpan(spanLength: number, elements: number): boolean {
  return spanLength <= 2 * elements + 64;
}

