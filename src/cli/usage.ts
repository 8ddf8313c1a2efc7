// What every `ndreduce` command shares: its shape and its usage error.

/** A bad command line: printed without a stack trace, exit code 2. */
export class UsageError extends Error {}

export interface Command {
  summary: string;
  run(argv: string[]): Promise<number>;
}

/** `message` with the options it names (`options.minCount`) written as the
 * command's flags (`--min-count`), where `flags` has one. */
function inFlags(message: string, flags: Record<string, string>): string {
  return message.replace(/\boptions\.(\w+)/g, (whole, key: string) => (Object.hasOwn(flags, key) ? flags[key] : whole));
}

/** For an error that is the user's to fix, prints it for command `name`
 * without a stack trace and returns exit code 1; any other (a bug) gives
 * undefined, and the caller rethrows it. The user's: every error ndreduce
 * raises on purpose (an ERR_NDREDUCE_ code: bad input, a store or chunk
 * that does not read or decode; not ERR_NDREDUCE_PANIC, a bug of ours),
 * the argument checks' TypeError and RangeError, and system errors
 * (ENOENT, EACCES: they name a syscall). */
export function reportUserError(name: string, error: unknown, flags: Record<string, string>): number | undefined {
  const code = (error as { code?: unknown })?.code;
  const mine = typeof code === 'string' && code.startsWith('ERR_NDREDUCE_') && code !== 'ERR_NDREDUCE_PANIC';
  if (!(mine || error instanceof TypeError || error instanceof RangeError || (error as NodeJS.ErrnoException)?.syscall !== undefined)) return undefined;
  process.stderr.write(`ndreduce ${name}: ${inFlags((error as Error).message, flags)}\n`);
  return 1;
}
