#!/usr/bin/env node
// `ndreduce <command>`: a small dispatcher, so commands can be added next
// to `bench` without touching it.
import { benchCommand } from './run';
import { REDUCE_COMMANDS } from './reduce-command';
import { dtypesCommand } from './dtypes-command';
import { UsageError } from './options';

interface Command {
  summary: string;
  run(argv: string[]): Promise<number>;
}

const COMMANDS: Record<string, Command> = {
  bench: { summary: 'time every implementation of the column max against the memory floor', run: benchCommand },
  'bench-dtypes': { summary: 'the general engine on float64, int32 and an Arrow table, with NumPy and the floor', run: dtypesCommand },
  ...REDUCE_COMMANDS,
};

function usage(): string {
  const names = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return `Usage: ndreduce <command> [options]\n\nCommands:\n${names.join('\n')}\n\nndreduce <command> --help for its options.\n`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`ndreduce: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  try {
    return await command.run(rest);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`ndreduce ${name}: ${(error as Error).message}\n`);
      return 2;
    }
    throw error;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`${(error as Error)?.stack ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
