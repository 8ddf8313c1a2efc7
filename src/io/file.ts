// .npy files of any size, reduced without loading them: the header is read
// here (npy.ts, the one parser), the options by the one validator, and
// the data by the addon on the libuv pool, a window at a time
// (crates/core/src/stream.rs), so memory stays at the output plus 512 KiB
// per thread.
import * as fs from 'node:fs';

import { addon } from '../addon/load';
import type { Addon, CancelTokenLike } from '../addon/load';
import { pack } from '../addon/wire';
import { reduceFileBy } from '../merge/file-by';
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
import { parseNpy } from './npy';
import { contiguousStrides, npyHeaderEnd, parseNpyHeader } from './npy-header';
import type { NpyHeader } from './npy-header';

type FileDtype = Parameters<Addon['reduceFileAsync']>[3];

/** What `onProgress` receives: bytes of array data reduced so far, of all. */
export interface FileProgress {
  bytesDone: number;
  bytesTotal: number;
}

export interface ReduceFileOptions extends Omit<AsyncReduceOptions, 'where'> {
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

/** Open flags: never wait in open(2) (a FIFO's open waits for a writer;
 * O_NONBLOCK ends that, and a regular file reads as ever), and never make
 * a terminal the controlling one. Windows has neither flag. */
const OPEN_FLAGS = fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0) | (fs.constants.O_NOCTTY ?? 0);

/** Bytes of header read at most: NumPy refuses headers over 10,000 bytes;
 * the parser says why a longer claim is refused. */
const HEADER_READ_LIMIT = 1 << 20;

/** `promise`, or an AbortError as soon as `signal` aborts; `late` then
 * disposes of what the promise still brings (a handle to close). */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined, late?: (value: T) => unknown): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) {
    promise.then(late, () => {});
    return Promise.reject(abortError(signal.reason));
  }
  return new Promise<T>((resolve, reject) => {
    let over = false;
    const onAbort = () => {
      over = true;
      reject(abortError(signal.reason));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        if (over) late?.(value);
        else resolve(value);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/** An open .npy file: one descriptor, checked to be a regular file
 * before any read, from which both the header and the data are read. */
export interface OpenFile {
  handle: fs.promises.FileHandle;
  size: number;
}

export async function openRegular(path: string, signal: AbortSignal | undefined): Promise<OpenFile> {
  if (signal?.aborted) throw abortError(signal.reason);
  const handle = await abortable(fs.promises.open(path, OPEN_FLAGS), signal, (h) => h.close().catch(() => {}));
  try {
    const stat = await abortable(handle.stat(), signal);
    if (!stat.isFile()) {
      const kind = stat.isFIFO() ? 'a FIFO' : stat.isDirectory() ? 'a directory' : stat.isSocket() ? 'a socket' : 'a device';
      throw ndError(TypeError, CODES.BAD_NPY, `npy: ${path} is ${kind}, not a regular file (reduceFile reads a file by position; for a pipe, read it into memory and use parseNpy)`);
    }
    return { handle, size: stat.size };
  } catch (e) {
    await handle.close().catch(() => {});
    throw e;
  }
}

/** Reads up to `n` bytes from `at` of the open file, stopping early at its
 * end; `signal` is looked at between reads. */
export async function readAt(file: OpenFile, at: number, n: number, signal: AbortSignal | undefined): Promise<Uint8Array> {
  const bytes = new Uint8Array(Math.max(0, Math.min(n, file.size - at)));
  let done = 0;
  while (done < bytes.length) {
    if (signal?.aborted) throw abortError(signal.reason);
    const { bytesRead } = await abortable(file.handle.read(bytes, done, Math.min(bytes.length - done, 1 << 30), at + done), signal);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return bytes.subarray(0, done);
}

export async function readHeader(file: OpenFile, signal: AbortSignal | undefined): Promise<NpyHeader> {
  const first = await readAt(file, 0, 12, signal);
  const end = npyHeaderEnd(first);
  const bytes = end === undefined || end > HEADER_READ_LIMIT ? first : await readAt(file, 0, end, signal);
  return parseNpyHeader(bytes, file.size);
}

/** Reads the header of the .npy file at `path`; the same checks and errors
 * as `loadNpy` (truncated data, lying header, unsupported dtype), and a
 * coded error for what is not a regular file. */
export async function readNpyHeader(path: string): Promise<NpyHeader & { fileSize: number }> {
  if (typeof path !== 'string') throw ndError(TypeError, CODES.BAD_OPTION, `path must be a string, got ${describe(path)}`);
  const file = await openRegular(path, undefined);
  try {
    return { ...(await readHeader(file, undefined)), fileSize: file.size };
  } finally {
    await file.handle.close();
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
  // Read and checked once, before the file is opened; the axes and the
  // result are checked against the header's shape below.
  const o = readOptions(options, name.reduction, FILE_ENTRY);
  const { onProgress, windowBytes } = o.extra as { onProgress?: unknown; windowBytes?: unknown };
  if (onProgress !== undefined && typeof onProgress !== 'function') {
    throw ndError(TypeError, CODES.BAD_OPTION, `options.onProgress must be a function, got ${describe(onProgress)}`);
  }
  if (windowBytes !== undefined && (typeof windowBytes !== 'number' || !Number.isSafeInteger(windowBytes) || windowBytes < 2)) {
    throw ndError(RangeError, CODES.BAD_OPTION, `options.windowBytes must be an integer of at least 2, got ${describe(windowBytes)}`);
  }
  const expect = readExpect(o.extra.expect);
  const file = await openRegular(path, o.signal);
  // Closed as soon as the addon holds its own copy of the descriptor, or
  // when the call ends, whichever comes first.
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    file.handle.close().catch(() => {});
  };
  try {
    return await reduceOpen(file, path, { ...name, op }, o, onProgress as ((progress: FileProgress) => void) | undefined, windowBytes as number | undefined, close, expect);
  } finally {
    close();
  }
}

async function reduceOpen(
  file: OpenFile,
  path: string,
  name: NonNullable<ReturnType<typeof parseOpName>> & { op: string },
  o: ReturnType<typeof readOptions>,
  report: ((progress: FileProgress) => void) | undefined,
  windowBytes: number | undefined,
  close: () => void,
  expect: ReturnType<typeof readExpect>,
): Promise<unknown> {
  const { reduction, skipNaN } = name;
  const header = await readHeader(file, o.signal);
  const dtype = DTYPES.find((d) => d.ctor === (header.ctor as unknown)) as Dtype;
  if (expect !== undefined && expect !== dtype.ctor) {
    throw ndError(TypeError, CODES.BAD_NPY, `${path} holds ${header.descr} (read as ${dtype.ctor.name}), not the ${expect.name} options.expect names`);
  }
  const c = callOf(reduction, fileView(dtype, header.shape), o, 'reduceFile', skipNaN);
  const { signal } = c;
  if (signal?.aborted) throw abortError(signal.reason);
  if (c.grouping) return reduceFileBy(c, name.op, skipNaN, o, header, (at, n) => readAt(file, at, n, signal), report, windowBytes);
  const empty = emptyWithInitial(c);
  if (empty) return finish(c, empty);
  const native = addon();
  if (!native) {
    // Without the addon: the whole file in memory, read from the same
    // descriptor, as loadNpy would.
    const x = parseNpy(await readAt(file, 0, header.dataStart + header.byteLength, signal));
    const whole = callOf(reduction, readView(x, [0, Infinity], false), o, 'reduceFile', skipNaN);
    const result = finish(whole, compute(whole));
    report?.({ bytesDone: header.byteLength, bytesTotal: header.byteLength });
    return result;
  }
  const layout = pack({ ...c, strides: contiguousStrides(header.shape, header.fortran) }, 0);
  const token = new native.CancelToken();
  const progress = new native.FileProgress();
  const task = native.reduceFileAsync(file.handle.fd, path, header.dataStart, (header.descr.endsWith('b1') ? 'bool' : dtype.name) as FileDtype, layout, c.op, token, progress, c.extras, windowBytes);
  close();
  if (!exitHooked) {
    exitHooked = true;
    process.on('exit', () => live.forEach((t) => t.cancel()));
  }
  live.add(token);
  const forget = () => live.delete(token);
  task.then(forget, forget);
  const total = header.byteLength;
  let reported = 0;
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  try {
    const raw = await new Promise<NumericArray>((resolve, reject) => {
      // The caller's onProgress runs from a timer: what it throws rejects
      // this call (and stops the work) instead of escaping as an uncaught
      // exception.
      const tell = (done: number) => {
        if (!report || done <= reported) return;
        reported = done;
        try {
          report({ bytesDone: done, bytesTotal: total });
        } catch (e) {
          token.cancel();
          reject(e);
        }
      };
      if (report) timer = setInterval(() => tell(progress.bytesDone()), POLL_MS);
      if (signal) {
        onAbort = () => {
          token.cancel();
          reject(abortError(signal.reason));
        };
        signal.addEventListener('abort', onAbort, { once: true });
      }
      task.then(
        (out) => {
          tell(total);
          resolve(out);
        },
        (e) => reject(signal?.aborted ? abortError(signal.reason) : e),
      );
    });
    return finish(c, raw);
  } finally {
    if (timer) clearInterval(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  }
}
