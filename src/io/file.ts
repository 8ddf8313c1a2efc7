// .npy files of any size, reduced without loading them: the header is read
// here (npy.ts, the one parser), the options by the one validator, and
// the data by the addon on the libuv pool, a window at a time
// (crates/core/src/stream.rs), so memory stays at the output plus 512 KiB
// per thread.
import * as fs from 'node:fs';

import { addon } from '../addon/load';
import type { Addon, CancelTokenLike } from '../addon/load';
import { pack } from '../addon/wire';
import { emptyWithInitial, finish } from '../run/result';
import { compute } from '../run/sync';
import { DTYPES } from '../spec/dtypes';
import type { Dtype, NumericArray } from '../spec/dtypes';
import { abortError, CODES, ndError } from '../spec/errors';
import { OP_NAMES, parseOpName } from '../spec/ops';
import type { OpName } from '../spec/ops';
import type { AsyncReduceOptions, ExpectedOf, OpResult } from '../spec/types';
import { callOf, fileView } from '../validate/call';
import { entryOf, readExpect, readOptions, REDUCE_KEYS } from '../validate/options';
import { describe } from '../validate/read';
import { readView } from '../validate/view';
import { contiguousStrides, loadNpy, npyHeaderEnd, parseNpyHeader } from './npy';
import type { NpyHeader } from './npy';

type FileDtype = Parameters<Addon['reduceFileAsync']>[2];

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
  /** The typed array class the file must hold (its result types follow it);
   * a file of another dtype is a TypeError (ERR_NDREDUCE_BAD_NPY). */
  expect?: { readonly prototype: NumericArray; readonly BYTES_PER_ELEMENT: number };
}

/** The reductions `reduceFile` takes: every one, and the `nan` twins. */
export const FILE_REDUCTIONS: readonly OpName[] = OP_NAMES;

/** reduceFile's options: the async reductions', and its own. */
const FILE_ENTRY = entryOf(REDUCE_KEYS, ['onProgress', 'windowBytes', 'expect']);

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
export async function reduceFile<N extends OpName, const O extends ReduceFileOptions = {}>(path: string, op: N, options?: O & ReduceFileOptions): Promise<OpResult<N, ExpectedOf<O>, O>>;
export async function reduceFile(path: string, op: string, options?: ReduceFileOptions): Promise<unknown> {
  if (typeof path !== 'string') throw ndError(TypeError, CODES.BAD_OPTION, `path must be a string, got ${describe(path)}`);
  const name = parseOpName(op);
  if (!name) throw ndError(TypeError, CODES.BAD_OPTION, `op must be one of ${FILE_REDUCTIONS.join(', ')}, got ${describe(op)}`);
  const { reduction, skipNaN } = name;
  // Read and checked once, before the file is opened; the axes and the
  // result are checked against the header's shape below.
  const o = readOptions(options, reduction, FILE_ENTRY);
  const { onProgress, windowBytes } = o.extra as { onProgress?: unknown; windowBytes?: unknown };
  if (onProgress !== undefined && typeof onProgress !== 'function') {
    throw ndError(TypeError, CODES.BAD_OPTION, `options.onProgress must be a function, got ${describe(onProgress)}`);
  }
  if (windowBytes !== undefined && (typeof windowBytes !== 'number' || !Number.isSafeInteger(windowBytes) || windowBytes < 2)) {
    throw ndError(RangeError, CODES.BAD_OPTION, `options.windowBytes must be an integer of at least 2, got ${describe(windowBytes)}`);
  }
  const expect = readExpect(o.extra.expect);
  const header = await readNpyHeader(path);
  const dtype = DTYPES.find((d) => d.ctor === (header.ctor as unknown)) as Dtype;
  if (expect !== undefined && expect !== dtype.ctor) {
    throw ndError(TypeError, CODES.BAD_NPY, `${path} holds ${header.descr} (read as ${dtype.ctor.name}), not the ${expect.name} options.expect names`);
  }
  const c = callOf(reduction, fileView(dtype, header.shape), o, 'reduceFile', skipNaN);
  const { signal } = c;
  if (signal?.aborted) throw abortError(signal.reason);
  const empty = emptyWithInitial(c);
  if (empty) return finish(c, empty);
  const report = onProgress as ((progress: FileProgress) => void) | undefined;
  const native = addon();
  if (!native) {
    // Without the addon: the whole file in memory, as loadNpy.
    const x = loadNpy(path);
    const whole = callOf(reduction, readView(x, 'reduceFile', [0, Infinity], false), o, 'reduceFile', skipNaN);
    report?.({ bytesDone: header.byteLength, bytesTotal: header.byteLength });
    return finish(whole, compute(whole));
  }
  const layout = pack({ ...c, strides: contiguousStrides(header.shape, header.fortran) }, 0);
  const token = new native.CancelToken();
  const progress = new native.FileProgress();
  const task = native.reduceFileAsync(path, header.dataStart, dtype.name as FileDtype, layout, c.op, token, progress, c.extras, windowBytes as number | undefined);
  if (!exitHooked) {
    exitHooked = true;
    process.on('exit', () => live.forEach((t) => t.cancel()));
  }
  live.add(token);
  const total = header.byteLength;
  let reported = 0;
  const tell = (done: number) => {
    if (!report || done <= reported) return;
    reported = done;
    report({ bytesDone: done, bytesTotal: total });
  };
  const timer = report ? setInterval(() => tell(progress.bytesDone()), POLL_MS) : undefined;
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
    tell(total);
    return finish(c, raw);
  } finally {
    if (timer) clearInterval(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
    const forget = () => live.delete(token);
    task.then(forget, forget);
  }
}
