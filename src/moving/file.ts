// moveFile: a moving-window reduction of a .npy file of any size into a
// float64 .npy file of the same shape and order, streamed with bounded
// memory. The header is read by the one parser (io/npy.ts) through the
// reductions' file pieces (io/file.ts); each block is computed by the
// async moving functions on shared memory (no copy), so `signal` and
// `threads` act as they do there.
//
// A Fortran-order file is the C-order array of the reversed shape, so
// both orders stream the same way: the file is (P, N, Q) in C order, N
// the window's axis. Whole (N, Q) slabs go in one block when they fit;
// otherwise a slab streams along N a block of rows at a time, and each
// block starts with the previous block's last `window - 1` rows (the
// carry), whose outputs were already written.
import * as fs from 'node:fs';
import * as path from 'node:path';

import type { FileProgress } from '../io/file';
import { abortable, openRegular, readHeader } from '../io/file';
import type { OpenFile } from '../io/file';
import { headerBytes } from '../io/npy-header';
import { abortError, CODES, ndError } from '../spec/errors';
import { readOptions } from '../validate/options';
import { describe, integer } from '../validate/read';
import { moveEntry, readWindow } from './call';
import { moveAsync } from './run';
import { MOVING, MOVING_NAMES } from './spec';
import type { MovingName } from './spec';

export interface MoveFileOptions {
  /** The axis the window slides along, negative from the end; default -1. */
  axis?: number;
  /** Fewer non-NaN values than this in a window give NaN; default `window`. */
  minCount?: number;
  /** moveVar and moveStd: the divisor is `n - ddof`; default 0. */
  ddof?: number;
  threads?: number;
  signal?: AbortSignal;
  /** Called after each block (bytes of input data done, of all), and once at the end. */
  onProgress?: (progress: FileProgress) => void;
  /** Bytes of input a block holds, besides the carried rows; default 64 MiB. */
  blockBytes?: number;
}

const DEFAULT_BLOCK = 64 << 20;

/** Largest single read or write: the OS may do less, and at most 2 GiB. */
const IO_MAX = 1 << 30;

const changed = (file: string, what: string) => ndError(Error, CODES.BAD_NPY, `npy: ${file} changed while moveFile read it (${what})`);

/** Fills `into` from `at`, or fails: the header promised these bytes. */
async function readFully(f: OpenFile, name: string, into: Uint8Array, at: number, signal: AbortSignal | undefined): Promise<void> {
  let done = 0;
  while (done < into.length) {
    if (signal?.aborted) throw abortError(signal.reason);
    const { bytesRead } = await abortable(f.handle.read(into, done, Math.min(into.length - done, IO_MAX), at + done), signal);
    if (bytesRead === 0) throw changed(name, `it ends at byte ${at + done}, before the ${f.size} bytes it had`);
    done += bytesRead;
  }
}

async function writeFully(h: fs.promises.FileHandle, bytes: Uint8Array, at: number): Promise<void> {
  for (let done = 0; done < bytes.length; ) {
    const { bytesWritten } = await h.write(bytes, done, Math.min(bytes.length - done, IO_MAX), at + done);
    done += bytesWritten;
  }
}

/** A promise whose rejection is handled even while nobody awaits it yet. */
function observed<T>(p: Promise<T>): Promise<T> {
  p.catch(() => {});
  return p;
}

/** One block: `rows` fresh rows of `Q` elements starting at element
 * `readAt` of the file's data (that is also where its output goes), after
 * `kept` rows carried from the previous block; `shape` is the array the
 * kernel sees ([k, N, Q] for whole slabs, [kept + rows, Q] along N). */
interface Block {
  readAt: number;
  kept: number;
  rows: number;
  shape: number[];
  freshBytes(item: number): number;
}

const blockBytesOf = (b: Block, N: number, Q: number, item: number) =>
  (b.shape.length === 3 ? b.shape[0] * N * Q : (b.kept + b.rows) * Q) * item;

/** The blocks of a C-order (P, N, Q) file, window `w` along N: whole
 * slabs when one fits in `blockBytes`, else rows of one slab carrying the
 * last `w - 1` rows (only rows of the same slab: a slab's first block
 * starts fresh). */
function planBlocks(P: number, N: number, Q: number, w: number, item: number, blockBytes: number): Block[] {
  const blocks: Block[] = [];
  const slab = N * Q;
  if (slab * item <= blockBytes) {
    const per = Math.max(1, Math.floor(blockBytes / (slab * item)));
    for (let p = 0; p < P; p += per) {
      const k = Math.min(per, P - p);
      blocks.push({ readAt: p * slab, kept: 0, rows: k * N, shape: [k, N, Q], freshBytes: (i) => k * slab * i });
    }
    return blocks;
  }
  const B = Math.max(w, Math.floor(blockBytes / (Q * item)));
  for (let p = 0; p < P; p++) {
    for (let n0 = 0; n0 < N; n0 += B) {
      const rows = Math.min(B, N - n0);
      const kept = Math.min(w - 1, n0);
      blocks.push({ readAt: (p * N + n0) * Q, kept, rows, shape: [kept + rows, Q], freshBytes: (i) => rows * Q * i });
    }
  }
  return blocks;
}

/** Computes `op` (`'moveMean'`, ... see MOVING_NAMES) with `window` along
 * `options.axis` of the array in the .npy file `input` (any dtype,
 * C or Fortran order, any size) and writes the float64 result, of the same
 * shape and order, to the .npy file `output`. Memory stays at about two
 * blocks (`blockBytes`, plus `window - 1` carried rows) whatever the file's
 * size. The result goes to a temporary file next to `output`, renamed to it
 * when complete: a failed or aborted call leaves nothing under `output`.
 * Resolves to the shape. */
export async function moveFile(input: string, output: string, op: MovingName, window: number, options?: MoveFileOptions): Promise<number[]> {
  if (typeof input !== 'string') throw ndError(TypeError, CODES.BAD_OPTION, `input must be a path string, got ${describe(input)}`);
  if (typeof output !== 'string') throw ndError(TypeError, CODES.BAD_OPTION, `output must be a path string, got ${describe(output)}`);
  if (!MOVING_NAMES.includes(op)) throw ndError(TypeError, CODES.BAD_OPTION, `op must be one of ${MOVING_NAMES.join(', ')}, got ${describe(op)}`);
  // Every option read once, here, before any file is opened.
  const o = readOptions(options, null, moveEntry(op, true, ['onProgress', 'blockBytes']));
  const { onProgress, blockBytes: rawBlock, minCount: rawMinCount } = o.extra as { onProgress?: unknown; blockBytes?: unknown; minCount?: unknown };
  if (onProgress !== undefined && typeof onProgress !== 'function') {
    throw ndError(TypeError, CODES.BAD_OPTION, `options.onProgress must be a function, got ${describe(onProgress)}`);
  }
  const blockBytes = rawBlock === undefined ? DEFAULT_BLOCK : integer(rawBlock, 'options.blockBytes', 1, CODES.BAD_OPTION);
  // The window rules need the file's shape; their type checks come first.
  if (typeof window !== 'number') integer(window, 'window', 1, CODES.BAD_OPTION);
  if (o.axis === null || (o.axis !== undefined && typeof o.axis !== 'number')) readWindow(op, [], o.axis, window, undefined);
  const { signal } = o;
  const report = onProgress as ((p: FileProgress) => void) | undefined;

  // The result is written next to `output` and renamed to it: a directory
  // there would take the temporary file into its parent (for "out/", the
  // directory above) and then refuse the rename.
  if (/[\\/]$/.test(output) || (await fs.promises.stat(output).catch(() => undefined))?.isDirectory()) {
    throw ndError(TypeError, CODES.BAD_OPTION, `output must name a file, got the directory ${describe(output)}`);
  }
  const src = await openRegular(input, signal);
  try {
    const before = await src.handle.stat();
    const header = await readHeader(src, signal);
    const { shape, fortran } = header;
    const { axis, window: w, minCount } = readWindow(op, shape, o.axis, window, rawMinCount);
    const nd = shape.length;
    // The file as a C-order (P, N, Q) array, N along the window.
    const cShape = fortran ? [...shape].reverse() : shape;
    const cAxis = fortran ? nd - 1 - axis : axis;
    const P = cShape.slice(0, cAxis).reduce((a, b) => a * b, 1);
    const N = cShape[cAxis];
    const Q = cShape.slice(cAxis + 1).reduce((a, b) => a * b, 1);
    const item = header.ctor.BYTES_PER_ELEMENT;
    const bools = header.descr.endsWith('b1');
    const head = headerBytes('<f8', fortran, shape);

    const dir = path.dirname(output);
    const temp = path.join(dir, `.${path.basename(output)}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
    const dst = await fs.promises.open(temp, 'wx');
    let renamed = false;
    try {
      await writeFully(dst, head, 0);
      const total = header.byteLength;
      let done = 0;
      const blocks = header.count > 0 ? planBlocks(P, N, Q, w, item, blockBytes) : [];
      const size = blocks.reduce((m, b) => Math.max(m, blockBytesOf(b, N, Q, item)), 0);
      // Two input buffers: the next block is read (its carried rows copied
      // from this one) while this one is computed, and a block's output is
      // written while the next is computed. Two output buffers, which the
      // addon writes in place: a fresh result per block was a page fault
      // per 4 KiB of output, every block.
      const bufs = [0, 1].map(() => new Uint8Array(new SharedArrayBuffer(size)));
      const outs = [0, 1].map(() => new Float64Array(new SharedArrayBuffer((size / item) * 8)));
      const compute = async (k: number, bytes: Uint8Array, axisOf: number, blockShape: number[]): Promise<Float64Array> => {
        if (bools) for (let i = 0; i < bytes.length; i++) bytes[i] = bytes[i] === 0 ? 0 : 1;
        const data = new header.ctor(bytes.buffer, bytes.byteOffset, bytes.length / item);
        const r = await moveAsync(op, { data, shape: blockShape }, w, {
          axis: axisOf,
          minCount,
          threads: o.threads || undefined,
          signal,
          out: outs[k % 2].subarray(0, data.length),
          ...(MOVING[op].ddof ? { ddof: o.ddof } : {}),
        });
        return (r as { data: Float64Array }).data;
      };
      const inputOf = (k: number) => bufs[k % 2].subarray(0, blockBytesOf(blocks[k], N, Q, item));
      const read = (k: number, prev: Uint8Array | undefined) => {
        const b = blocks[k];
        const bytes = inputOf(k);
        const keptBytes = b.kept * Q * item;
        if (keptBytes > 0 && prev) bytes.set(prev.subarray(prev.length - keptBytes));
        return observed(readFully(src, input, bytes.subarray(keptBytes), header.dataStart + b.readAt * item, signal));
      };
      let reading = blocks.length ? read(0, undefined) : undefined;
      let writing: Promise<void> | undefined;
      try {
        for (let k = 0; k < blocks.length; k++) {
          const b = blocks[k];
          await reading;
          reading = undefined;
          const bytes = inputOf(k);
          const computing = observed(compute(k, bytes, b.shape.length === 3 ? 1 : 0, b.shape));
          if (k + 1 < blocks.length) reading = read(k + 1, bytes);
          const out = (await computing).subarray(b.kept * Q);
          await writing;
          writing = observed(writeFully(dst, new Uint8Array(out.buffer, out.byteOffset, out.byteLength), head.length + b.readAt * 8));
          done += b.freshBytes(item);
          report?.({ bytesDone: done, bytesTotal: total });
        }
        await writing;
      } finally {
        // Nothing of ours is left in flight on a handle about to close.
        await Promise.allSettled([reading, writing]);
      }
      const after = await src.handle.stat();
      if (after.size !== before.size || after.mtimeMs !== before.mtimeMs) {
        throw changed(input, `size ${before.size} → ${after.size} bytes, modified at ${new Date(after.mtimeMs).toISOString()}`);
      }
      if (signal?.aborted) throw abortError(signal.reason);
      await dst.close();
      await fs.promises.rename(temp, output);
      renamed = true;
      if (done < total || total === 0) report?.({ bytesDone: total, bytesTotal: total });
      return [...shape];
    } finally {
      if (!renamed) {
        await dst.close().catch(() => {});
        await fs.promises.unlink(temp).catch(() => {});
      }
    }
  } finally {
    await src.handle.close().catch(() => {});
  }
}
