// The js backend's loops, shared by the calling thread and the workers.
//
// An int64 is read as two int32 words of the same buffer (no BigInt per
// element): the high word compares signed; the low word compares unsigned,
// which is a signed compare after flipping its top bit (`^ LOW`). Running
// maxima are kept as two Int32Arrays (high words, biased low words).
import * as os from 'node:os';

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

export interface Task {
  readonly words: Int32Array;
  readonly base: number;
  readonly rs: number;
  readonly cs: number;
}

/** Called once per finished block of columns with its running maxima. */
export type Sink = (j0: number, n: number, hi: Int32Array, lo: Int32Array) => void;

/** Every row of the block, left to right: contiguous when `cs == 1`. */
function foldRows(t: Task, i0: number, i1: number, j0: number, n: number, hi: Int32Array, lo: Int32Array): void {
  const w = t.words;
  const step = 2 * t.cs;
  for (let i = i0; i < i1; i++) {
    let p = 2 * (t.base + i * t.rs + j0 * t.cs);
    for (let k = 0; k < n; k++, p += step) {
      const h = w[p + 1];
      const mh = hi[k];
      if (h < mh) continue;
      const l = w[p] ^ LOW;
      if (h > mh) {
        hi[k] = h;
        lo[k] = l;
      } else if (l > lo[k]) {
        lo[k] = l;
      }
    }
  }
}

/** Each column top to bottom: contiguous when `rs == 1`. The running max
 * lives in locals, so the inner loop touches only the input. */
function foldColumns(t: Task, i0: number, i1: number, j0: number, n: number, hi: Int32Array, lo: Int32Array): void {
  const w = t.words;
  const step = 2 * t.rs;
  for (let k = 0; k < n; k++) {
    let mh = hi[k];
    let ml = lo[k];
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
    hi[k] = mh;
    lo[k] = ml;
  }
}

/** The maxima of rows `[i0, i1)` for columns `[j0, j1)`, handed to `sink`
 * one block of columns at a time. `hi`/`lo` are scratch of length `BLOCK`. */
export function reduce(
  t: Task,
  order: Order,
  i0: number,
  i1: number,
  j0: number,
  j1: number,
  hi: Int32Array,
  lo: Int32Array,
  sink: Sink,
): void {
  // Same choice as the Rust `auto` kernel: stream rows when they are
  // contiguous, walk columns when those are, otherwise blocks of rows.
  const byRows = order === 'layout' && (t.cs === 1 || t.rs !== 1);
  for (let jb = j0; jb < j1; jb += BLOCK) {
    const n = Math.min(BLOCK, j1 - jb);
    hi.fill(LOW, 0, n);
    lo.fill(LOW, 0, n);
    if (byRows) foldRows(t, i0, i1, jb, n, hi, lo);
    else foldColumns(t, i0, i1, jb, n, hi, lo);
    sink(jb, n, hi, lo);
  }
}

/** Writes a block into `out` (int64 words), replacing what was there. */
export function storeBlock(out: Int32Array, j0: number, n: number, hi: Int32Array, lo: Int32Array): void {
  for (let k = 0, p = 2 * j0; k < n; k++, p += 2) {
    out[p] = lo[k] ^ LOW;
    out[p + 1] = hi[k];
  }
}

/** Folds a block into `out` (int64 words), keeping the larger value. */
export function mergeBlock(out: Int32Array, j0: number, n: number, hi: Int32Array, lo: Int32Array): void {
  for (let k = 0, p = 2 * j0; k < n; k++, p += 2) {
    const h = hi[k];
    const oh = out[p + 1];
    if (h > oh || (h === oh && lo[k] > (out[p] ^ LOW))) {
      out[p] = lo[k] ^ LOW;
      out[p + 1] = h;
    }
  }
}

/** The words of a BigInt64Array's elements, from its first element. */
export function wordsOf(data: BigInt64Array): Int32Array {
  return new Int32Array(data.buffer, data.byteOffset, data.length * 2);
}
