// .npy files of any size, reduced without loading them: the header is read
// here (src/npy.ts, the one parser), the options by the one validator, and
// the data by the addon on the libuv pool, a window at a time
// (crates/core/src/stream.rs), so memory stays at the output plus 512 KiB
// per thread.
import * as fs from 'node:fs';

import { addon } from './addon';
import type { CancelTokenLike, Extras, Op } from './addon';
import type { NumericArray } from './dtypes';
import { abortError, CODES, ndError } from './errors';
import { contiguousStrides, loadNpy, npyHeaderEnd, parseNpyHeader } from './npy';
import type { NpyHeader } from './npy';
import { emptyWithInitial, finish } from './result';
import type { AsyncReduceOptions, Reduction } from './types';
import { describe, layoutOf, readCall, REDUCTIONS } from './validate';
import { compute } from './engine';

/** What `onProgress` receives: bytes of array data reduced so far, of all. */
export interface FileProgress {
  bytesDone: number;
  bytesTotal: number;
}

export interface ReduceFileOptions extends AsyncReduceOptions {
  /** Called as the reduction advances (about every 50 ms), with increasing
   * `bytesDone`, and once at the end with `bytesDone === bytesTotal`. */
  onProgress?: (progress: FileProgress) => void;
  /** Bytes of file each thread holds in memory at once; default 512 KiB. */
  windowBytes?: number;
}

/** The addon's file entry (crates/node/src/stream.rs). */
interface FileAddon {
  reduceFileAsync(
    path: string,
    dataOffset: number,
    dtype: string,
    layout: Float64Array,
    op: Op,
    token: CancelTokenLike,
    progress: { bytesDone(): number },
    extras?: Extras,
    window?: number,
  ): Promise<NumericArray>;
  FileProgress: new () => { bytesDone(): number };
  CancelToken: new () => CancelTokenLike;
}

/** The reductions `reduceFile` takes: the library's, and their `nan` kin. */
export const FILE_REDUCTIONS: readonly string[] = [
  ...REDUCTIONS,
  'nanmin', 'nanmax', 'nanminmax', 'nansum', 'nanprod', 'nanmean', 'nanvar', 'nanstd', 'nanargmin', 'nanargmax',
].filter((name) => !name.startsWith('nan') || REDUCTIONS.includes(name.slice(3) as Reduction));

const DTYPE_OF = new Map<unknown, string>([
  [Int8Array, 'int8'], [Uint8Array, 'uint8'], [Int16Array, 'int16'], [Uint16Array, 'uint16'], [Int32Array, 'int32'],
  [Uint32Array, 'uint32'], [BigInt64Array, 'int64'], [BigUint64Array, 'uint64'], [Float32Array, 'float32'], [Float64Array, 'float64'],
]);

const POLL_MS = 50;

/** Reads the header of the .npy file at `path`; the same checks and errors
 * as `loadNpy` (truncated data, lying header, unsupported dtype). */
export async function readNpyHeader(path: string): Promise<NpyHeader & { fileSize: number }> {
  const handle = await fs.promises.open(path, 'r');
  try {
    const fileSize = (await handle.stat()).size;
    const read = async (n: number) => {
      const bytes = new Uint8Array(Math.min(n, fileSize));
      let done = 0;
      while (done < bytes.length) {
        const { bytesRead } = await handle.read(bytes, done, bytes.length - done, done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
      return bytes.subarray(0, done);
    };
    const first = await read(12);
    const end = npyHeaderEnd(first);
    const header = parseNpyHeader(end === undefined ? first : await read(end), fileSize);
    return { ...header, fileSize };
  } finally {
    await handle.close();
  }
}

const live = new Set<CancelTokenLike>();
let exitHooked = false;

/** Reduces the array of the .npy file at `path` (any size, C or Fortran
 * order) with `op` (`'max'`, `'nansum'`, ... see `FILE_REDUCTIONS`) and the
 * options of the in-memory reductions (`axis`, `keepdims`, `ddof`, `dtype`,
 * `threads`, ...) plus `signal`, `onProgress` and `windowBytes`. Results equal
 * those of the in-memory functions on `loadNpy(path)` (float sums, means and
 * variances within rounding: chunks merge in another order). */
export async function reduceFile(path: string, op: string, options?: ReduceFileOptions): Promise<unknown> {
  if (typeof path !== 'string') throw ndError(TypeError, CODES.BAD_OPTION, `path must be a string, got ${describe(path)}`);
  if (typeof op !== 'string' || !FILE_REDUCTIONS.includes(op)) {
    throw ndError(TypeError, CODES.BAD_OPTION, `op must be one of ${FILE_REDUCTIONS.join(', ')}, got ${describe(op)}`);
  }
  const ignoreNaN = op.startsWith('nan');
  const reduction = (ignoreNaN ? op.slice(3) : op) as Reduction;
  let onProgress: ReduceFileOptions['onProgress'];
  let windowBytes: number | undefined;
  let rest: object | undefined = options;
  if (options !== undefined && options !== null && typeof options === 'object') {
    ({ onProgress, windowBytes, ...rest } = options);
    if (onProgress !== undefined && typeof onProgress !== 'function') {
      throw ndError(TypeError, CODES.BAD_OPTION, `options.onProgress must be a function, got ${describe(onProgress)}`);
    }
    if (windowBytes !== undefined && (typeof windowBytes !== 'number' || !Number.isSafeInteger(windowBytes) || windowBytes < 2)) {
      throw ndError(RangeError, CODES.BAD_OPTION, `options.windowBytes must be an integer of at least 2, got ${describe(windowBytes)}`);
    }
  }
  const header = await readNpyHeader(path);
  // The validator reads a view; a one-element broadcast of the file's shape
  // lets it check the options, axes and result exactly as for memory.
  const probe = {
    data: new header.ctor(new ArrayBuffer(header.ctor.BYTES_PER_ELEMENT), 0, 1),
    shape: header.shape,
    strides: header.shape.map(() => 0),
  };
  const c = readCall(reduction, probe, rest, 'reduceFile', ignoreNaN, true);
  const { signal } = c;
  if (signal?.aborted) throw abortError(signal.reason);
  const empty = emptyWithInitial(c);
  if (empty) return finish(c, empty);
  const native = addon() as unknown as Partial<FileAddon> | undefined;
  if (typeof native?.reduceFileAsync !== 'function' || !native.FileProgress || !native.CancelToken) {
    // Without the addon (or an old one): the whole file in memory, as loadNpy.
    const { signal: _signal, ...sync } = (rest ?? {}) as AsyncReduceOptions;
    const x = loadNpy(path);
    const whole = readCall(reduction, x, sync, 'reduceFile', ignoreNaN);
    onProgress?.({ bytesDone: header.byteLength, bytesTotal: header.byteLength });
    return finish(whole, compute(whole));
  }
  const layout = layoutOf(c, 0);
  const nd = header.shape.length;
  contiguousStrides(header.shape, header.fortran).forEach((s, k) => (layout[3 + nd + k] = s));
  const token = new native.CancelToken();
  const progress = new native.FileProgress();
  const dtype = DTYPE_OF.get(header.ctor) as string;
  const task = native.reduceFileAsync(path, header.dataStart, dtype, layout, c.op, token, progress, c.extras, windowBytes);
  if (!exitHooked) {
    exitHooked = true;
    process.on('exit', () => live.forEach((t) => t.cancel()));
  }
  live.add(token);
  const total = header.byteLength;
  let reported = 0;
  const report = (done: number) => {
    if (!onProgress || done <= reported) return;
    reported = done;
    onProgress({ bytesDone: done, bytesTotal: total });
  };
  const timer = onProgress ? setInterval(() => report(progress.bytesDone()), POLL_MS) : undefined;
  let onAbort: (() => void) | undefined;
  try {
    const raw = await new Promise<NumericArray>((resolve, reject) => {
      if (signal) {
        onAbort = () => {
          token.cancel();
          reject(abortError(signal.reason));
        };
        signal.addEventListener('abort', onAbort, { once: true });
      }
      task.then(resolve, (e) => reject(signal?.aborted ? abortError(signal.reason) : e));
    });
    report(total);
    return finish(c, raw);
  } finally {
    if (timer) clearInterval(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
    const forget = () => live.delete(token);
    task.then(forget, forget);
  }
}
