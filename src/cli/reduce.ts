// `ndreduce max data.npy --axis 0` and its siblings: one reduction of a .npy
// file, printed or saved as .npy. Only the public API is used, so every
// reduction that src/index.ts exports becomes a command by itself.
import { parseArgs } from 'node:util';

import * as api from '../index';
import { OP_NAMES } from '../spec/ops';
import type { Axis, NumericArray } from '../index';
import { shouldStream, streamFile } from './stream';
import { UsageError } from './usage';
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

const usage = (op: string) => `Usage: ndreduce ${op} FILE.npy [options]

The ${op} of a .npy array (any integer or float dtype, C or Fortran order).

  --axis A          an axis (negative counts from the end), a list "0,2",
                    or "none" for every axis (the default, as in NumPy)
  --keepdims        keep the reduced axes, as length 1, in the result's shape
  --ignore-nan      skip NaN (as the nan* reductions do)
  --threads N       threads for this call
  --ddof N          delta degrees of freedom (var and std; default 0)
  --dtype T         float64 or int64: integer sum, prod as doubles or exact
  --out FILE.npy    write the result as .npy instead of printing it; min
                    and max together (minmax) write shape [2, ...]: the
                    minimums, then the maximums
`;

function parseAxis(text: string): Axis {
  if (text === 'none') return null;
  const parts = text.split(',').map((p) => p.trim());
  const axes = parts.map((p) => {
    if (!/^-?\d+$/.test(p)) throw new UsageError(`--axis must be an integer, a list like 0,1, or none, got "${text}"`);
    return Number(p);
  });
  return parts.length === 1 && !text.includes(',') ? axes[0] : axes;
}

/** `--axis -1` as `--axis=-1`: parseArgs takes a value that starts with a
 * dash for another option otherwise. */
function joinNegative(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if ((argv[i] === '--axis' || argv[i] === '--threads') && /^-\d/.test(argv[i + 1] ?? '')) out.push(`${argv[i]}=${argv[++i]}`);
    else out.push(argv[i]);
  }
  return out;
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
  let parsed;
  try {
    parsed = parseArgs({
      args: joinNegative(argv),
      allowPositionals: true,
      options: {
        axis: { type: 'string' },
        'ignore-nan': { type: 'boolean', default: false },
        threads: { type: 'string' },
        ddof: { type: 'string' },
        dtype: { type: 'string' },
        keepdims: { type: 'boolean', default: false },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values: v, positionals } = parsed;
  if (v.help) {
    process.stdout.write(usage(op));
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(`expected one .npy file, got ${positionals.length}\n\n${usage(op)}`);
  const options: Options = {};
  if (v.axis !== undefined) options.axis = parseAxis(v.axis);
  if (v['ignore-nan']) options.ignoreNaN = true;
  if (v.threads !== undefined) {
    if (!/^\d+$/.test(v.threads)) throw new UsageError(`--threads must be a positive integer, got "${v.threads}"`);
    options.threads = Number(v.threads);
  }
  if (v.ddof !== undefined) {
    if (!/^\d+$/.test(v.ddof)) throw new UsageError(`--ddof must be a non-negative integer, got "${v.ddof}"`);
    options.ddof = Number(v.ddof);
  }
  if (v.dtype !== undefined) {
    if (v.dtype !== 'float64' && v.dtype !== 'int64') throw new UsageError(`--dtype must be float64 or int64, got "${v.dtype}"`);
    options.dtype = v.dtype;
  }
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
    if (shouldStream(file, op)) {
      const ndim = (await api.readNpyHeader(file)).shape.length;
      ({ result, shape } = await streamFile(file, op, every(ndim)));
      result = unshape(result);
    } else {
      const x = api.loadNpy(file);
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
    // Bad input and unreadable files are the user's to fix: no stack trace.
    if (error instanceof TypeError || error instanceof RangeError || (error as NodeJS.ErrnoException)?.syscall !== undefined) {
      process.stderr.write(`ndreduce ${op}: ${(error as Error).message}\n`);
      return 1;
    }
    throw error;
  }
}

/** One command per reduction the library exports. */
export const REDUCE_COMMANDS: Record<string, Command> = Object.fromEntries(
  OP_NAMES.map((op) => {
    const fn = (api as unknown as Record<string, Reduce>)[op];
    return [op, { summary: `the ${op} of a .npy file along --axis (printed, or --out FILE.npy)`, run: (argv: string[]) => run(op, fn, argv) }];
  }),
);
