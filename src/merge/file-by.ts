// reduceFile with `by` (src/io/file.ts): labels along axis 0 of a C-order
// file stream through a grouped Partial, a block of whole rows at a time, so
// memory stays at the result plus one block. Any other grouped call (by
// along another axis, a Fortran-order or bool file, options a Partial does
// not take) reads the whole file and makes the one-shot call.
import { parseNpy } from '../io/npy';
import type { NpyHeader } from '../io/npy-header';
import { finish } from '../run/result';
import { compute } from '../run/sync';
import type { NumericArray } from '../spec/dtypes';
import { CODES, ndError } from '../spec/errors';
import { callOf } from '../validate/call';
import type { Call } from '../validate/call';
import type { Options } from '../validate/options';
import { readView } from '../validate/view';
import { Partial } from './partial';
import { PARTIAL_OPS } from './partial-spec';
import type { PartialOp } from './partial-spec';

/** Bytes of rows read at once when `windowBytes` is not given. */
const BLOCK_BYTES = 1 << 22;

type ReadAt = (at: number, n: number) => Promise<Uint8Array>;

/** A grouped call `c` (checked against the header) of the open file. */
export async function reduceFileBy(
  c: Call,
  op: string,
  skipNaN: boolean,
  o: Options,
  header: NpyHeader,
  readAt: ReadAt,
  report: ((progress: { bytesDone: number; bytesTotal: number }) => void) | undefined,
  windowBytes: number | undefined,
): Promise<unknown> {
  const total = header.byteLength;
  const g = c.grouping!;
  const streams =
    g.axis === 0 && !header.fortran && !header.descr.endsWith('b1') && total > 0 && PARTIAL_OPS.includes(op as PartialOp) &&
    !o.keepdims && o.out === undefined && o.initial === undefined && !o.floatResult && !o.exactInt && !o.ignoreNaN && o.backend === 'native';
  if (!streams) {
    const x = parseNpy(await readAt(0, header.dataStart + total));
    const whole = callOf(c.reduction, readView(x, [0, Infinity], false), o, 'reduceFile', skipNaN);
    const result = finish(whole, compute(whole));
    report?.({ bytesDone: total, bytesTotal: total });
    return result;
  }
  const [rows, ...rest] = header.shape;
  const rowBytes = total / rows;
  const per = Math.max(1, Math.floor((windowBytes ?? BLOCK_BYTES) / rowBytes));
  // The labels as read once by the validator, handed on as values.
  const p = new Partial(op as PartialOp, { axis: 0, by: g.labels, groups: g.groups, ...(o.ddof !== 0 ? { ddof: o.ddof } : {}), ...(o.threads > 0 ? { threads: o.threads } : {}) });
  for (let from = 0; from < rows; from += per) {
    const n = Math.min(per, rows - from);
    const bytes = await readAt(header.dataStart + from * rowBytes, n * rowBytes);
    if (bytes.length !== n * rowBytes) throw ndError(RangeError, CODES.BAD_NPY, `npy: data is truncated: rows [${from}, ${from + n}) need ${n * rowBytes} bytes, ${bytes.length} were read (the file shrank while being read)`);
    const data = new header.ctor(bytes.buffer, bytes.byteOffset, bytes.length / header.ctor.BYTES_PER_ELEMENT) as NumericArray;
    p.push({ data, shape: [n, ...rest] });
    report?.({ bytesDone: (from + n) * rowBytes, bytesTotal: total });
  }
  return p.result();
}
