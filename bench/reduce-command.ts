// `ndreduce max data.npy --axis 0` and its siblings (min, sum, argmin,
// argmax, minmax): one reduction of a .npy file, printed or saved as .npy.
import { parseArgs } from 'node:util';

import { loadNpy, saveNpy } from '../src/npy';
import { argmax, argmin, max, min, minmax, resultShape, sum } from '../src/index';
import type { Axis, NumericArray, Reduction } from '../src/index';
import { dtypeOf, sumCtorOf } from '../src/dtypes';
import { REDUCTIONS } from '../src/validate-nd';
import { UsageError } from './options';

const usage = (op: Reduction) => `Usage: ndreduce ${op} FILE.npy [options]

The ${op} of a .npy array (any integer or float dtype, C or Fortran order).

  --axis A          an axis (negative counts from the end), a list "0,2",
                    or "none" for every axis (default 0)
  --ignore-nan      skip NaN (nanmin/nanmax; not for sum)
  --threads N       threads for this call
  --out FILE.npy    write the result as .npy instead of printing it; minmax
                    writes shape [2, ...] (the minimums, then the maximums)
`;

const FUNCTIONS: Record<Reduction, (x: never, o: never) => unknown> = { min, max, sum, argmin, argmax, minmax } as never;

function parseAxis(text: string): Axis {
  if (text === 'none') return null;
  const parts = text.split(',').map((p) => p.trim());
  const axes = parts.map((p) => {
    if (!/^-?\d+$/.test(p)) throw new UsageError(`--axis must be an integer, a list like 0,1, or none, got "${text}"`);
    return Number(p);
  });
  return parts.length === 1 && !text.includes(',') ? axes[0] : axes;
}

type Scalar = number | bigint;

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

/** A result as nested lists, NumPy-style (`[[1, 2], [3, 4]]`). */
function format(values: ArrayLike<Scalar>, shape: readonly number[]): string {
  const one = (v: Scalar) => String(v);
  if (shape.length === 0) return one(values[0]);
  const walk = (dim: number, start: number): string => {
    const step = shape.slice(dim + 1).reduce((a, b) => a * b, 1);
    const items = Array.from({ length: shape[dim] }, (_, k) =>
      dim === shape.length - 1 ? one(values[start + k]) : walk(dim + 1, start + k * step),
    );
    return `[${items.join(', ')}]`;
  };
  return walk(0, 0);
}

async function run(op: Reduction, argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: joinNegative(argv),
      allowPositionals: true,
      options: {
        axis: { type: 'string' },
        'ignore-nan': { type: 'boolean', default: false },
        threads: { type: 'string' },
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
  const options: { axis?: Axis; ignoreNaN?: boolean; threads?: number } = {};
  if (v.axis !== undefined) options.axis = parseAxis(v.axis);
  if (v['ignore-nan']) options.ignoreNaN = true;
  if (v.threads !== undefined) {
    if (!/^\d+$/.test(v.threads)) throw new UsageError(`--threads must be a positive integer, got "${v.threads}"`);
    options.threads = Number(v.threads);
  }
  try {
    const x = loadNpy(positionals[0]);
    const result = FUNCTIONS[op](x as never, options as never);
    const shape = resultShape(x, options);
    const scalar = options.axis === null;
    if (v.out !== undefined) {
      if (op === 'minmax') {
        const { min: lo, max: hi } = result as { min: NumericArray | Scalar; max: NumericArray | Scalar };
        const both = scalar ? [lo as Scalar, hi as Scalar] : [...Array.from(lo as ArrayLike<Scalar>), ...Array.from(hi as ArrayLike<Scalar>)];
        const data = new (resultCtor(op, x.data))(both.length) as unknown as { [i: number]: Scalar };
        both.forEach((b, i) => (data[i] = b));
        saveNpy(v.out, { data: data as unknown as NumericArray, shape: [2, ...shape] });
      } else {
        const data = scalar ? singleton(op, x.data, result as Scalar) : (result as NumericArray);
        saveNpy(v.out, { data, shape });
      }
      return 0;
    }
    if (op === 'minmax') {
      const { min: lo, max: hi } = result as { min: unknown; max: unknown };
      const show = (r: unknown) => (scalar ? String(r) : format(r as ArrayLike<Scalar>, shape));
      process.stdout.write(`min: ${show(lo)}\nmax: ${show(hi)}\n`);
    } else {
      process.stdout.write(`${scalar ? String(result) : format(result as ArrayLike<Scalar>, shape)}\n`);
    }
    return 0;
  } catch (error) {
    // Bad input and unreadable files are the user's to fix: no stack trace.
    if (error instanceof TypeError || error instanceof RangeError || (error as NodeJS.ErrnoException)?.syscall !== undefined) {
      process.stderr.write(`ndreduce ${op}: ${(error as Error).message}\n`);
      return 1;
    }
    throw error;
  }
}

/** A scalar result as the one-element typed array `saveNpy` writes as 0-d. */
function singleton(op: Reduction, input: NumericArray, value: Scalar): NumericArray {
  const out = new (resultCtor(op, input))(1) as unknown as { [i: number]: Scalar };
  out[0] = value;
  return out as unknown as NumericArray;
}

/** The typed array class `op` returns for `input` (one place: src/dtypes). */
function resultCtor(op: Reduction, input: NumericArray): new (n: number) => NumericArray {
  if (op === 'argmin' || op === 'argmax') return Float64Array;
  if (op === 'sum') return sumCtorOf(dtypeOf(input)!);
  return input.constructor as new (n: number) => NumericArray;
}

/** One dispatcher entry per reduction. */
export const REDUCE_COMMANDS = Object.fromEntries(
  REDUCTIONS.map((op) => [op, { summary: `the ${op} of a .npy file along --axis (printed, or --out FILE.npy)`, run: (argv: string[]) => run(op, argv) }]),
);
