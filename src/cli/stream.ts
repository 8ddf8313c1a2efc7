// Big files on the command line: above a size threshold a reduction streams
// through reduceFile (bounded memory) instead of loadNpy, with a progress
// bar (throughput and ETA) on a terminal only, and Ctrl-C aborting cleanly.
import * as fs from 'node:fs';

import * as api from '../index';
import type { OpName } from '../spec/ops';
import { keptShapeOf } from '../validate/call';

/** Files above this many bytes stream; NDREDUCE_STREAM_THRESHOLD (bytes)
 * overrides it (0: every file). */
const STREAM_THRESHOLD = 512 * 2 ** 20;

/** Whether `path` is big enough to stream and `op` can be streamed. */
export function shouldStream(path: string, op: string): boolean {
  const env = process.env.NDREDUCE_STREAM_THRESHOLD;
  const threshold = env !== undefined && /^\d+$/.test(env) ? Number(env) : STREAM_THRESHOLD;
  if (!(api.FILE_REDUCTIONS as readonly string[]).includes(op)) return false;
  try {
    return fs.statSync(path).size > threshold;
  } catch {
    return false; // loadNpy reports the problem
  }
}

const seconds = (s: number) => (s >= 60 ? `${Math.floor(s / 60)}:${String(Math.round(s % 60)).padStart(2, '0')}` : `${s.toFixed(0)}s`);

/** A progress bar on stderr when it is a terminal (throughput and ETA),
 * and SIGINT as an abort of `signal`'s controller, until `done()`: for
 * every command that streams a file. */
export function progressBar(): { onProgress?: (p: api.FileProgress) => void; signal: AbortSignal; done: () => void } {
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  const tty = process.stderr.isTTY === true;
  const t0 = performance.now();
  const onProgress = ({ bytesDone, bytesTotal }: api.FileProgress) => {
    const s = (performance.now() - t0) / 1000;
    const rate = bytesDone / Math.max(s, 1e-3);
    const width = 30;
    const filled = Math.round((width * bytesDone) / Math.max(bytesTotal, 1));
    const eta = rate > 0 ? (bytesTotal - bytesDone) / rate : 0;
    process.stderr.write(
      `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${((100 * bytesDone) / Math.max(bytesTotal, 1)).toFixed(0).padStart(3)}%  ${(bytesDone / 1e9).toFixed(2)}/${(bytesTotal / 1e9).toFixed(2)} GB  ${(rate / 1e9).toFixed(2)} GB/s  ETA ${seconds(eta)}  `,
    );
  };
  const done = () => {
    process.removeListener('SIGINT', onSigint);
    if (tty) process.stderr.write('\r\x1b[K');
  };
  return { ...(tty ? { onProgress } : {}), signal: controller.signal, done };
}

/** reduceFile with a progress bar on a TTY and SIGINT as abort; also the
 * result's shape (the in-memory `resultShape` of the file's array). */
export async function streamFile(path: string, op: string, options: object): Promise<{ result: unknown; shape: number[] }> {
  const header = await api.readNpyHeader(path);
  const shape = keptShapeOf(header.shape, options);
  const bar = progressBar();
  try {
    const result = await api.reduceFile(path, op as OpName, { ...options, signal: bar.signal, ...(bar.onProgress ? { onProgress: bar.onProgress } : {}) });
    return { result, shape };
  } finally {
    bar.done();
  }
}
