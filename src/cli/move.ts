// `ndreduce move-mean in.npy out.npy --window 100 [--axis 0]` and the other
// move-* commands: moveFile from the command line, with the streaming
// reductions' progress bar and Ctrl-C as a clean abort (no output left).
import * as api from '../index';
import { MOVING } from '../moving/spec';
import type { MovingName } from '../moving/spec';
import { flagHelp, parseFlags } from './args';
import type { Flag } from './args';
import { progressBar } from './stream';
import { reportUserError, UsageError } from './usage';
import type { Command } from './usage';

/** `moveMean` → `move-mean`. */
const commandOf = (op: string) => op.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

function flagsOf(op: MovingName): Flag[] {
  const flags: Flag[] = [
    { name: 'window', value: 'N', help: 'the window length (required): 1 to the axis length' },
    { name: 'axis', value: 'A', help: 'the axis the window slides along (default -1, the last)' },
    { name: 'min-count', value: 'N', help: 'fewer non-NaN values in a window give NaN (default: the window)' },
  ];
  if (MOVING[op].ddof) flags.push({ name: 'ddof', value: 'N', help: 'the divisor is n - ddof (default 0)' });
  flags.push({ name: 'threads', value: 'N', help: 'threads for this call' }, { name: 'help', short: 'h', help: 'this text' });
  return flags;
}

const usage = (op: MovingName) => `Usage: ndreduce ${commandOf(op)} IN.npy OUT.npy --window N [options]

${op} of the array in IN.npy (any integer or float dtype, C or Fortran
order, any size: it streams with bounded memory), written to OUT.npy as
float64 of the same shape and order. OUT.npy appears only when complete.

${flagHelp(flagsOf(op))}
`;

const FLAG_OF: Record<string, string> = { axis: '--axis', minCount: '--min-count', ddof: '--ddof', threads: '--threads' };

function integerFlag(text: string | undefined, flag: string, signed = false): number | undefined {
  if (text === undefined) return undefined;
  if (!(signed ? /^-?\d+$/ : /^\d+$/).test(text)) throw new UsageError(`--${flag} must be ${signed ? 'an' : 'a non-negative'} integer, got "${text}"`);
  return Number(text);
}

async function run(op: MovingName, argv: string[]): Promise<number> {
  const name = commandOf(op);
  const { values, positionals } = parseFlags(argv, flagsOf(op));
  const text = (flag: string) => values.get(flag) as string | undefined;
  if (values.has('help')) {
    process.stdout.write(usage(op));
    return 0;
  }
  if (positionals.length !== 2) throw new UsageError(`expected an input and an output .npy file, got ${positionals.length} file names\n\n${usage(op)}`);
  const window = integerFlag(text('window'), 'window');
  if (window === undefined) throw new UsageError(`--window is required\n\n${usage(op)}`);
  const options: api.MoveFileOptions = {};
  const axis = integerFlag(text('axis'), 'axis', true);
  if (axis !== undefined) options.axis = axis;
  const minCount = integerFlag(text('min-count'), 'min-count');
  if (minCount !== undefined) options.minCount = minCount;
  const threads = integerFlag(text('threads'), 'threads');
  if (threads !== undefined) options.threads = threads;
  const ddof = text('ddof');
  if (ddof !== undefined) {
    if (!/^-?\d+(\.\d+)?$/.test(ddof)) throw new UsageError(`--ddof must be a number, got "${ddof}"`);
    options.ddof = Number(ddof);
  }
  const bar = progressBar();
  try {
    await api.moveFile(positionals[0], positionals[1], op, window, { ...options, signal: bar.signal, ...(bar.onProgress ? { onProgress: bar.onProgress } : {}) });
    return 0;
  } catch (error) {
    if ((error as Error)?.name === 'AbortError') {
      process.stderr.write(`ndreduce ${name}: interrupted (no output written)\n`);
      return 130;
    }
    const exit = reportUserError(name, error, FLAG_OF);
    if (exit === undefined) throw error;
    return exit;
  } finally {
    bar.done();
  }
}

/** One command per moving reduction: move-sum, move-mean, ... move-rank. */
export const MOVE_COMMANDS: Record<string, Command> = Object.fromEntries(
  (Object.keys(MOVING) as MovingName[]).map((op) => [commandOf(op), { summary: `${op} of a .npy file into a .npy file (--window N, streamed)`, run: (argv: string[]) => run(op, argv) }]),
);
