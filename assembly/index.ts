// The wasm backend's kernels (AssemblyScript, compiled by `npm run build:wasm`).
//
// The module owns no allocator: src/backends/wasm.ts manages the linear
// memory (above `heapBase()`) and hands these kernels byte addresses and
// element strides it has already normalised, so the strides are never
// negative and every address lies inside memory. Results are int64 written
// at `out`, which never overlaps the input.

/** Columns per block on row-major input: the running-max block (32 KiB of
 * int64) stays in L1/L2 while each row streams its slice of the block in. */
const ROW_BLOCK: i32 = 4096;

const LOWEST: i64 = i64.MIN_VALUE;

/** The first byte the JavaScript allocator may hand out. */
export function heapBase(): usize {
  return __heap_base;
}

// Lane-wise signed max of two i64x2 vectors: wasm SIMD has no i64x2.max, so
// compare and select (bitselect takes the first operand where the mask is 1).
// @ts-ignore: decorator
@inline function vmax(a: v128, b: v128): v128 {
  return v128.bitselect(a, b, i64x2.gt_s(a, b));
}

// @ts-ignore: decorator
@inline function smax(a: i64, b: i64): i64 {
  return select<i64>(a, b, a > b);
}

/** The article's loop: column by column, whatever the layout. */
export function maxSerial(base: usize, rows: i32, cols: i32, rs: i32, cs: i32, out: usize): void {
  const rsb = <usize>rs << 3;
  const csb = <usize>cs << 3;
  for (let j = 0; j < cols; j++) {
    let p = base + <usize>j * csb;
    let m = LOWEST;
    for (let i = 0; i < rows; i++) {
      m = smax(load<i64>(p), m);
      p += rsb;
    }
    store<i64>(out + (<usize>j << 3), m);
  }
}

/** Row-major (`cs == 1`): each row's slice of a block of columns is folded
 * into the output block, four int64 (two vectors) at a time. */
export function maxRows(base: usize, rows: i32, cols: i32, rs: i32, out: usize): void {
  const rsb = <usize>rs << 3;
  for (let j0 = 0; j0 < cols; j0 += ROW_BLOCK) {
    const n = min(ROW_BLOCK, cols - j0);
    const bytes = <usize>n << 3;
    const acc = out + (<usize>j0 << 3);
    const first = base + (<usize>j0 << 3);
    memory.copy(acc, first, bytes);
    const vecBytes = bytes & ~(<usize>31);
    // Two rows per pass over the block: half the loads and stores of the
    // running maxima per input element.
    let i = 1;
    for (; i + 1 < rows; i += 2) {
      const r0 = first + <usize>i * rsb;
      const r1 = r0 + rsb;
      let k: usize = 0;
      for (; k < vecBytes; k += 32) {
        const x0 = vmax(v128.load(r0 + k), v128.load(r1 + k));
        const x1 = vmax(v128.load(r0 + k, 16), v128.load(r1 + k, 16));
        v128.store(acc + k, vmax(x0, v128.load(acc + k)));
        v128.store(acc + k, vmax(x1, v128.load(acc + k, 16)), 16);
      }
      for (; k < bytes; k += 8) {
        const x = smax(load<i64>(r0 + k), load<i64>(r1 + k));
        store<i64>(acc + k, smax(x, load<i64>(acc + k)));
      }
    }
    for (; i < rows; i++) {
      const row = first + <usize>i * rsb;
      let k: usize = 0;
      for (; k < vecBytes; k += 32) {
        v128.store(acc + k, vmax(v128.load(row + k), v128.load(acc + k)));
        v128.store(acc + k, vmax(v128.load(row + k, 16), v128.load(acc + k, 16)), 16);
      }
      for (; k < bytes; k += 8) {
        store<i64>(acc + k, smax(load<i64>(row + k), load<i64>(acc + k)));
      }
    }
  }
}

/** Column-major or transposed (`rs == 1`): every column is a contiguous run
 * reduced with four vector accumulators, so the compares overlap. */
export function maxColumns(base: usize, rows: i32, cols: i32, cs: i32, out: usize): void {
  const csb = <usize>cs << 3;
  const bytes = <usize>rows << 3;
  const vecBytes = bytes & ~(<usize>63);
  for (let j = 0; j < cols; j++) {
    const col = base + <usize>j * csb;
    let m0 = i64x2.splat(LOWEST);
    let m1 = m0;
    let m2 = m0;
    let m3 = m0;
    let k: usize = 0;
    for (; k < vecBytes; k += 64) {
      const p = col + k;
      m0 = vmax(v128.load(p), m0);
      m1 = vmax(v128.load(p, 16), m1);
      m2 = vmax(v128.load(p, 32), m2);
      m3 = vmax(v128.load(p, 48), m3);
    }
    const v = vmax(vmax(m0, m1), vmax(m2, m3));
    let m = smax(i64x2.extract_lane(v, 0), i64x2.extract_lane(v, 1));
    for (; k < bytes; k += 8) m = smax(load<i64>(col + k), m);
    store<i64>(out + (<usize>j << 3), m);
  }
}

/** Any other strides: blocks of columns, each walked row by row so that
 * small column strides still read nearby memory. */
export function maxStrided(base: usize, rows: i32, cols: i32, rs: i32, cs: i32, out: usize): void {
  const rsb = <usize>rs << 3;
  const csb = <usize>cs << 3;
  for (let j0 = 0; j0 < cols; j0 += ROW_BLOCK) {
    const n = min(ROW_BLOCK, cols - j0);
    const acc = out + (<usize>j0 << 3);
    const first = base + <usize>j0 * csb;
    for (let k = 0; k < n; k++) store<i64>(acc + (<usize>k << 3), LOWEST);
    for (let i = 0; i < rows; i++) {
      let p = first + <usize>i * rsb;
      for (let k = 0; k < n; k++) {
        const q = acc + (<usize>k << 3);
        store<i64>(q, smax(load<i64>(p), load<i64>(q)));
        p += csb;
      }
    }
  }
}
