// The wasm backend: AssemblyScript kernels (assembly/index.ts) compiled with
// SIMD to wasm/ndreduce.wasm by `npm run build:wasm`, loaded from the package
// directory on first use.
//
// WebAssembly reads only its own linear memory, so input that lives anywhere
// else is copied in for each call (the addressed span, or the elements
// packed row by row when the span is mostly gaps). `wasmAlloc`/`wasmCopy`
// return arrays that live in the module memory, and `max` reads those in
// place. Linear memory is 32-bit: at most 4 GiB for everything at once.
//
// Strategies: `serial` is the article's column-by-column loop; `auto`,
// `mutex` and `lockfree` all run the layout-following SIMD kernels on the
// calling thread (wasm here is single-threaded).
import * as fs from 'node:fs';
import * as path from 'node:path';

import { bufferOf, byteOffsetOf } from '../../spec/dtypes';
import { CODES, ndError } from '../../spec/errors';
import type { Int64Array2D } from '../../spec/types';
import { readView } from '../../validate/view';
import type { Call } from '../../validate/call';
import { denseSpan, gather, LITTLE_ENDIAN, wordsOf } from './kernels';
import { plan } from './plan';

// @types/node 20 does not declare the WebAssembly global (it lives in the
// DOM lib); this module-local declaration covers what is used here.
declare namespace WebAssembly {
  class Memory {
    readonly buffer: ArrayBuffer;
    grow(pages: number): number;
  }
  class Module {
    constructor(bytes: Uint8Array);
  }
  class Instance {
    constructor(module: Module, imports: object);
    readonly exports: Record<string, unknown>;
  }
}

const WASM_PATH = path.join(__dirname, '..', '..', '..', '..', 'wasm', 'ndreduce.wasm');

/** The most bytes a 32-bit WebAssembly memory can hold: 65536 pages of 64 KiB. */
const WASM_MEMORY_LIMIT = 2 ** 32;
const PAGE = 65536;
const ALIGN = 16;

interface Exports {
  readonly memory: WebAssembly.Memory;
  heapBase(): number;
  maxSerial(base: number, rows: number, cols: number, rs: number, cs: number, out: number): void;
  maxRows(base: number, rows: number, cols: number, rs: number, out: number): void;
  maxColumns(base: number, rows: number, cols: number, cs: number, out: number): void;
  maxStrided(base: number, rows: number, cols: number, rs: number, cs: number, out: number): void;
}

/** A range of linear memory: `[start, start + size)`, 16-byte aligned. */
interface Block {
  start: number;
  size: number;
  free: boolean;
}

const GiB = (bytes: number) => `${(bytes / 2 ** 30).toFixed(2)} GiB`;

/** First-fit allocator over the module memory. Blocks never move, so an
 * address stays valid while memory grows; only JS views of it go stale. The
 * module itself has no allocator: its kernels only read and write where
 * they are told. Memory, once grown, is kept for later calls. */
class Heap {
  private readonly blocks: Block[] = [];
  private top: number;
  /** Memory from here up has never been handed out: still zero as grown. */
  private untouched: number;

  constructor(
    private readonly memory: WebAssembly.Memory,
    base: number,
  ) {
    this.top = Math.ceil(base / ALIGN) * ALIGN;
    this.untouched = this.top;
  }

  /** Bytes in blocks not yet freed. */
  inUse(): number {
    return this.blocks.reduce((s, b) => s + (b.free ? 0 : b.size), 0);
  }

  /** A block of at least `bytes` bytes; `zeroed` clears what an earlier
   * block may have left there (memory never handed out is still zero). */
  alloc(bytes: number, what: string, zeroed = false): Block {
    const block = this.place(bytes, what);
    const end = Math.min(block.start + block.size, this.untouched);
    if (zeroed && end > block.start) new Uint8Array(this.memory.buffer, block.start, end - block.start).fill(0);
    this.untouched = Math.max(this.untouched, block.start + block.size);
    return block;
  }

  private place(bytes: number, what: string): Block {
    const size = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
    for (let k = 0; k < this.blocks.length; k++) {
      const b = this.blocks[k];
      if (!b.free || b.size < size) continue;
      if (b.size > size) this.blocks.splice(k + 1, 0, { start: b.start + size, size: b.size - size, free: true });
      b.size = size;
      b.free = false;
      return b;
    }
    // Nothing free fits: extend a free block at the end, or start a new one.
    const last = this.blocks[this.blocks.length - 1];
    const start = last?.free ? last.start : this.top;
    const end = start + size;
    if (end > WASM_MEMORY_LIMIT) {
      throw ndError(
        RangeError,
        CODES.TOO_LARGE,
        `the wasm backend needs ${bytes} bytes (${GiB(bytes)}) of WebAssembly memory for ${what}, ` +
          `but a 32-bit WebAssembly memory holds at most 4 GiB (${WASM_MEMORY_LIMIT} bytes) and ${this.inUse()} bytes are in use`,
      );
    }
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      try {
        this.memory.grow(Math.ceil((end - have) / PAGE));
      } catch (cause) {
        throw ndError(
          RangeError,
          CODES.TOO_LARGE,
          `the wasm backend could not grow WebAssembly memory to ${end} bytes (${GiB(end)}) for ${what} ` +
            `(${bytes} bytes): ${(cause as Error)?.message}`,
          cause,
        );
      }
    }
    if (last?.free) {
      last.size = size;
      last.free = false;
      this.top = end;
      return last;
    }
    const block = { start, size, free: false };
    this.blocks.push(block);
    this.top = end;
    return block;
  }

  /** Whether bytes `[start, end)` lie inside one block in use: only such
   * memory is read in place (a view of freed memory is copied like any
   * other input, and reads what the caller's view reads). */
  live(start: number, end: number): boolean {
    return this.blocks.some((b) => !b.free && b.start <= start && end <= b.start + b.size);
  }

  free(block: Block): void {
    const k = this.blocks.indexOf(block);
    if (k < 0 || block.free) return;
    block.free = true;
    const next = this.blocks[k + 1];
    if (next?.free) {
      block.size += next.size;
      this.blocks.splice(k + 1, 1);
    }
    const prev = this.blocks[k - 1];
    if (prev?.free) {
      prev.size += block.size;
      this.blocks.splice(k, 1);
    }
  }
}

let loaded: { api: Exports; heap: Heap } | undefined;

function wasm(): { api: Exports; heap: Heap } {
  if (!loaded) {
    if (!LITTLE_ENDIAN) throw ndError(Error, CODES.UNAVAILABLE, 'ndreduce: the wasm backend needs a little-endian platform');
    let bytes: Buffer;
    try {
      bytes = fs.readFileSync(WASM_PATH);
    } catch (cause) {
      throw ndError(Error, CODES.UNAVAILABLE, `ndreduce: the wasm backend's module ${WASM_PATH} is missing; run \`npm run build:wasm\``, cause);
    }
    // Synchronous compile: `max` is synchronous, and the module is tiny.
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {});
    const api = instance.exports as unknown as Exports;
    loaded = { api, heap: new Heap(api.memory, api.heapBase()) };
  }
  return loaded;
}

/** A 2-D int64 array that lives in the wasm module's memory: `max(x, {
 * backend: 'wasm' })` reads it without a copy. `data` is a fresh view each
 * time memory has grown (an older view of it reads as empty), so read
 * `x.data` again after other wasm calls rather than keeping it. Call
 * `free()` when done; the memory is then reused. */
export class WasmInt64Array2D implements Int64Array2D {
  readonly shape: [number, number];
  readonly strides: [number, number];
  readonly offset: number;
  #block: Block | undefined;
  readonly #length: number;
  #view: BigInt64Array | undefined;

  /** @internal */
  constructor(block: Block, length: number, shape: [number, number], strides: [number, number], offset: number) {
    this.#block = block;
    this.#length = length;
    this.shape = shape;
    this.strides = strides;
    this.offset = offset;
  }

  get data(): BigInt64Array {
    if (!this.#block) throw ndError(Error, CODES.FREED, 'this wasm array was freed; it cannot be read any more');
    const buffer = wasm().api.memory.buffer;
    if (!this.#view || this.#view.buffer !== buffer) this.#view = new BigInt64Array(buffer, this.#block.start, this.#length);
    return this.#view;
  }

  /** Gives the memory back to the module; `data` throws afterwards. */
  free(): void {
    if (this.#block) wasm().heap.free(this.#block);
    this.#block = undefined;
    this.#view = undefined;
  }
}

function dimension(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw ndError(TypeError, CODES.NOT_INTEGER, `${name} must be a safe integer, got ${String(value)}`);
  }
  if (value < 0) throw ndError(RangeError, CODES.NEGATIVE, `${name} must be at least 0, got ${value}`);
  return value;
}

/** A zero-filled `rows x cols` row-major int64 array inside the wasm memory. */
export function wasmAlloc(rows: number, cols: number): WasmInt64Array2D {
  dimension(rows, 'rows');
  dimension(cols, 'cols');
  const n = rows * cols;
  const { heap } = wasm();
  const block = heap.alloc(n * 8, `a ${rows} x ${cols} int64 array`, true);
  return new WasmInt64Array2D(block, n, [rows, cols], [cols, 1], 0);
}

/** Copies the elements a view reads into the wasm memory: the addressed span
 * when the view is dense enough, else its elements packed row by row. */
function copyIn(
  data: BigInt64Array,
  rows: number,
  cols: number,
  rs: number,
  cs: number,
  offset: number,
  what: string,
): { block: Block; length: number; offset: number; rs: number; cs: number } {
  const { heap, api } = wasm();
  const n = rows * cols;
  if (n === 0) return { block: heap.alloc(0, what), length: 0, offset: 0, rs, cs };
  const r = (rows - 1) * rs;
  const c = (cols - 1) * cs;
  const first = offset + Math.min(r, 0) + Math.min(c, 0);
  const last = offset + Math.max(r, 0) + Math.max(c, 0);
  const spanLength = last - first + 1;
  if (denseSpan(spanLength, n)) {
    const block = heap.alloc(spanLength * 8, what);
    new BigInt64Array(api.memory.buffer, block.start, spanLength).set(new BigInt64Array(bufferOf(data), byteOffsetOf(data) + first * 8, spanLength));
    return { block, length: spanLength, offset: offset - first, rs, cs };
  }
  const block = heap.alloc(n * 8, what);
  gather(wordsOf(data), rows, cols, rs, cs, offset, new Int32Array(api.memory.buffer, block.start, 2 * n));
  return { block, length: n, offset: 0, rs: cols, cs: 1 };
}

/** A copy of `x` (a 2-D BigInt64Array view) inside the wasm memory, so that
 * repeated `max` calls with the wasm backend skip the copy. Layout and
 * strides are kept when the view is dense; a sparse view is packed row-major. */
export function wasmCopy(x: Int64Array2D): WasmInt64Array2D {
  const v = readView(x);
  if (v.dtype.name !== 'int64' || v.shape.length !== 2) {
    throw ndError(TypeError, CODES.BAD_ARRAY, `wasmCopy takes a 2-D BigInt64Array, got a ${v.shape.length}-D ${v.dtype.ctor.name}`);
  }
  const [rows, cols] = v.shape;
  const c = copyIn(v.data as BigInt64Array, rows, cols, v.strides[0], v.strides[1], v.offset, `a copy of a ${rows} x ${cols} int64 array`);
  return new WasmInt64Array2D(c.block, c.length, [rows, cols], [c.rs, c.cs], c.offset);
}

/** Kernel arguments are i32. */
const I32 = 2 ** 31 - 1;

/** The article's max of a checked 2-D int64 view along one axis. */
export function wasmMax(call: Call): BigInt64Array {
  const p = plan(call.shape, call.strides, call.offset, call.axes[0]);
  if (p.cols === 0) return new BigInt64Array(0);
  const data = call.data as BigInt64Array;
  const { api, heap } = wasm();
  const blocks: Block[] = [];
  try {
    // A zero stride repeats one element: the max over repeated rows is one
    // row's, and repeated columns are computed once and copied. What is left
    // lies in the (at most 4 GiB) copy, so every count fits 32 bits.
    const rows = p.rs === 0 ? 1 : p.rows;
    const cols = p.cs === 0 ? 1 : p.cols;
    let rs = rows === 1 ? 0 : p.rs;
    let cs = cols === 1 ? 0 : p.cs;
    let address: number;
    const start = byteOffsetOf(data) + p.base * 8;
    const end = start + ((rows - 1) * rs + (cols - 1) * cs + 1) * 8;
    if (bufferOf(data) === api.memory.buffer && heap.live(start, end)) {
      // Taken before any allocation below grows memory and detaches the view.
      address = start;
    } else {
      const c = copyIn(data, rows, cols, rs, cs, p.base, `a copy of the input (${rows * cols} elements)`);
      blocks.push(c.block);
      address = c.block.start + c.offset * 8;
      rs = c.rs;
      cs = c.cs;
    }
    if ([rows, cols, rs, cs].some((v) => v > I32)) {
      throw ndError(RangeError, CODES.TOO_LARGE, `the wasm kernels take 32-bit counts; this view needs rows ${rows}, cols ${cols}, strides ${rs}, ${cs}`);
    }
    const out = heap.alloc(cols * 8, `the result (${cols} int64)`);
    blocks.push(out);
    if (call.schedule === 'serial') api.maxSerial(address, rows, cols, rs, cs, out.start);
    else if (cs === 1) api.maxRows(address, rows, cols, rs, out.start);
    else if (rs === 1) api.maxColumns(address, rows, cols, cs, out.start);
    else api.maxStrided(address, rows, cols, rs, cs, out.start);
    const computed = new BigInt64Array(api.memory.buffer, out.start, cols);
    const result = cols === p.cols ? computed.slice() : new BigInt64Array(p.cols).fill(computed[0]);
    if (p.flip) result.reverse();
    return result;
  } finally {
    for (const b of blocks) heap.free(b);
  }
}
