// `ndreduce max data.npy --axis 0` and its siblings: one reduction of a .npy
// file, printed or saved as .npy. Only the public API is used, so every
// reduction that src/index.ts exports becomes a command by itself.
import * as fs from 'node:fs';

import * as api from '../index';
import { OP_NAMES, parseOpName, spec, takes } from '../spec/ops';
import type { Axis, NpyArray, NumericArray } from '../index';
import { flagHelp, parseFlags } from './args';
import type { Flag } from './args';
import { shouldStream, streamFile } from './stream';
import { reportUserError, UsageError } from './usage';
import type { Command } from './usage';

type Scalar = number | bigint;
interface Options {
  axis?: Axis;
  keepdims?: boolean;
  ignoreNaN?: boolean;
  threads?: number;
  ddof?: number;
  dtype?: 'float64' | 'int64';
}
type Reduce = (x: unknown, options: Options) => unknown;

/** The flags `op` takes: the common ones, and those of its table row. */
function flagsOf(op: string): Flag[] {
  const { reduction, skipNaN } = parseOpName(op) as NonNullable<ReturnType<typeof parseOpName>>;
  const flags: Flag[] = [
    { name: 'axis', value: 'A', help: 'an axis (negative counts from the end), a list "0,2",\nor "none" for every axis (the default, as in NumPy)' },
    { name: 'keepdims', help: "keep the reduced axes, as length 1, in the result's shape" },
  ];
  if (takes(reduction, 'ignoreNaN') && !skipNaN) flags.push({ name: 'ignore-nan', help: `skip NaN (as nan${reduction} does)` });
  flags.push({ name: 'threads', value: 'N', help: 'threads for this call' });
  if (takes(reduction, 'ddof')) flags.push({ name: 'ddof', value: 'N', help: 'delta degrees of freedom (default 0)' });
  if (takes(reduction, 'dtype')) flags.push({ name: 'dtype', value: 'T', help: 'float64 or int64: an integer result as doubles, or exact' });
  flags.push(
    {
      name: 'out',
      value: 'FILE.npy',
      help: `write the result as .npy instead of printing it${spec(reduction).family === 'minmax' ? ';\nshape [2, ...]: the minimums, then the maximums' : ''}`,
    },
    { name: 'help', short: 'h', help: 'this text' },
  );
  return flags;
}

const usage = (op: string) => `Usage: ndreduce ${op} FILE.npy [options]

The ${op} of a .npy array (any integer or float dtype, C or Fortran order).
FILE may be - (or a pipe such as /dev/stdin): the array is then read whole
into memory. FILE may also be a Zarr array (a directory, or an http(s) URL),
read chunk by chunk (needs the optional peer zarrita).

${flagHelp(flagsOf(op))}
`;

/** The command line's names for the library's option paths. */
const FLAG_OF: Record<string, string> = {
  axis: '--axis',
  keepdims: '--keepdims',
  ignoreNaN: '--ignore-nan',
  threads: '--threads',
  ddof: '--ddof',
  dtype: '--dtype',
};

/** A library message as the command line's user reads it: `options.axis`
 * is `--axis` here. */

/** Every byte of a stream, for input that cannot be read by position. */
async function readAll(stream: NodeJS.ReadableStream): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
  // A fresh, unpooled buffer: aligned for every dtype, so parseNpy views it.
  const bytes = Buffer.allocUnsafeSlow(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.length;
  }
  return bytes;
}

/** The array of `file`: a regular file by loadNpy; `-`, a pipe, a socket
 * or a device read whole as a stream (no position to read from). */
async function loadInput(file: string): Promise<NpyArray> {
  // Standard input is read as the stream it is: a socket cannot be
  // opened again by its /dev path (ENXIO).
  if (file === '-' || file === '/dev/stdin' || file === '/dev/fd/0') return api.parseNpy(await readAll(process.stdin));
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    return api.loadNpy(file); // which says why not
  }
  if (stat.isFile() || stat.isDirectory()) return api.loadNpy(file);
  return api.parseNpy(await readAll(fs.createReadStream(file)));
}

/** A Zarr array: an http(s) URL, or a directory with Zarr metadata. */
function isZarr(file: string): boolean {
  if (/^https?:\/\//i.test(file)) return true;
  return fs.existsSync(`${file}/zarr.json`) || fs.existsSync(`${file}/.zarray`);
}

function parseAxis(text: string): Axis {
  if (text === 'none') return null;
  const parts = text.split(',').map((p) => p.trim());
  const axes = parts.map((p) => {
    if (!/^-?\d+$/.test(p)) throw new UsageError(`--axis must be an integer, a list like 0,1, or none, got "${text}"`);
    return Number(p);
  });
  return parts.length === 1 && !text.includes(',') ? axes[0] : axes;
}

/** A result as nested lists, NumPy-style (`[[1, 2], [3, 4]]`); a 0-d result
 * as its one value. */
function format(values: ArrayLike<Scalar>, shape: readonly number[]): string {
  if (shape.length === 0) return String(values[0]);
  const walk = (dim: number, start: number): string => {
    const step = shape.slice(dim + 1).reduce((a, b) => a * b, 1);
    const items = Array.from({ length: shape[dim] }, (_, k) =>
      dim === shape.length - 1 ? String(values[start + k]) : walk(dim + 1, start + k * step),
    );
    return `[${items.join(', ')}]`;
  };
  return walk(0, 0);
}

/** `{ min, max }` results (minmax and its kin). */
function isPair(r: unknown): r is { min: NumericArray; max: NumericArray } {
  return typeof r === 'object' && r !== null && 'min' in r && 'max' in r;
}

/** A `keepdims` result's values (`{ data, shape }`, or a pair of them);
 * the shape comes from `resultShape`. */
function unshape(r: unknown): unknown {
  if (isPair(r)) return { min: unshape(r.min), max: unshape(r.max) };
  return typeof r === 'object' && r !== null && 'data' in r ? (r as { data: unknown }).data : r;
}

/** Two results of one typed array class, one after the other. */
function stack(a: NumericArray, b: NumericArray): NumericArray {
  const out = new (a.constructor as new (n: number) => NumericArray)(a.length + b.length);
  (out as unknown as { set(x: NumericArray, at?: number): void }).set(a);
  (out as unknown as { set(x: NumericArray, at?: number): void }).set(b, a.length);
  return out;
}

async function run(op: string, fn: Reduce, argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, flagsOf(op));
  const text = (name: string) => values.get(name) as string | undefined;
  if (values.has('help')) {
    process.stdout.write(usage(op));
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(`expected one .npy file, got ${positionals.length}\n\n${usage(op)}`);
  const options: Options = {};
  const axis = text('axis');
  if (axis !== undefined) options.axis = parseAxis(axis);
  if (values.has('ignore-nan')) options.ignoreNaN = true;
  const threads = text('threads');
  if (threads !== undefined) {
    if (!/^\d+$/.test(threads)) throw new UsageError(`--threads must be a positive integer, got "${threads}"`);
    options.threads = Number(threads);
  }
  const ddof = text('ddof');
  if (ddof !== undefined) {
    // Any number the library takes (NumPy allows a negative ddof too).
    if (!/^-?\d+(\.\d+)?$/.test(ddof)) throw new UsageError(`--ddof must be a number, got "${ddof}"`);
    options.ddof = Number(ddof);
  }
  const dtype = text('dtype');
  if (dtype !== undefined) {
    if (dtype !== 'float64' && dtype !== 'int64') throw new UsageError(`--dtype must be float64 or int64, got "${dtype}"`);
    options.dtype = dtype;
  }
  const v = { keepdims: values.has('keepdims'), out: text('out') };
  if (v.keepdims) options.keepdims = true;
  try {
    const file = positionals[0];
    // Every axis is listed rather than `null`: the same numbers, as a
    // one-element typed array of the result's class rather than a scalar,
    // which prints as the scalar and saves as a 0-d .npy. A 0-d file has
    // no axis to list: `keepdims` gives the same one-element array.
    const every = (ndim: number): Options => {
      if (options.axis !== null && options.axis !== undefined) return options;
      return ndim === 0 ? { ...options, axis: null, keepdims: true } : { ...options, axis: [...Array(ndim).keys()] };
    };
    let result: unknown;
    let shape: number[];
    if (isZarr(file)) {
      // Reduced with keepdims, whose shape says ndim and which axes went.
      const wanted = options.axis === undefined ? null : options.axis;
      const r = (await api.reduceZarr(file, op as api.OpName, { ...options, axis: wanted, keepdims: true } as never)) as unknown;
      const first = (isPair(r) ? r.min : r) as unknown as { shape: number[] };
      const ndim = first.shape.length;
      const axes = wanted === null ? [...Array(ndim).keys()] : (Array.isArray(wanted) ? wanted : [wanted]).map((a) => (a < 0 ? a + ndim : a));
      shape = v.keepdims ? first.shape : first.shape.filter((_, k) => !axes.includes(k));
      result = unshape(r);
    } else if (shouldStream(file, op)) {
      const ndim = (await api.readNpyHeader(file)).shape.length;
      ({ result, shape } = await streamFile(file, op, every(ndim)));
      result = unshape(result);
    } else {
      const x = await loadInput(file);
      result = unshape(fn(x, every(x.shape.length)));
      shape = api.resultShape(x, every(x.shape.length));
    }
    if (v.out !== undefined) {
      if (isPair(result)) api.saveNpy(v.out, { data: stack(result.min, result.max), shape: [2, ...shape] });
      else api.saveNpy(v.out, { data: result as NumericArray, shape });
      return 0;
    }
    if (isPair(result)) process.stdout.write(`min: ${format(result.min, shape)}\nmax: ${format(result.max, shape)}\n`);
    else process.stdout.write(`${format(result as ArrayLike<Scalar>, shape)}\n`);
    return 0;
  } catch (error) {
    if ((error as Error)?.name === 'AbortError') {
      process.stderr.write(`ndreduce ${op}: interrupted\n`);
      return 130;
    }
    const exit = reportUserError(op, error, FLAG_OF);
    if (exit === undefined) throw error;
    return exit;
  }
}

/** One command per reduction the library exports. */
export const REDUCE_COMMANDS: Record<string, Command> = Object.fromEntries(
  OP_NAMES.map((op) => {
    const fn = (api as unknown as Record<string, Reduce>)[op];
    return [op, { summary: `the ${op} of a .npy file along --axis (printed, or --out FILE.npy)`, run: (argv: string[]) => run(op, fn, argv) }];
  }),
);
