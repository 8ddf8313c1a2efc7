// What every `ndreduce` command shares: its shape and its usage error.

/** A bad command line: printed without a stack trace, exit code 2. */
export class UsageError extends Error {}

export interface Command {
  summary: string;
  run(argv: string[]): Promise<number>;
}
