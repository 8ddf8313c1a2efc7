#!/usr/bin/env node
// `ndreduce <command>`: the command line installed with the package. It
// needs nothing but the library itself. The benchmark is a development
// tool of the repository (`npm run bench`), not part of the package; its
// dispatcher (bench/cli.ts) reuses `runCli` with its own commands added.
import { REDUCE_COMMANDS } from './reduce';
import { UsageError } from './usage';
import type { Command } from './usage';

export { UsageError };
export type { Command };

const NOT_SHIPPED: Record<string, string> = {
  bench: 'the benchmark is a development tool: in a clone of the repository, run `npm install && npm run bench`',
  'bench-dtypes': 'the benchmark is a development tool: in a clone of the repository, run `npm run bench:dtypes`',
};

function usage(commands: Record<string, Command>): string {
  const names = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(12)} ${c.summary}`);
  return `Usage: ndreduce <command> [options]\n\nCommands:\n${names.join('\n')}\n\nndreduce <command> --help for its options.\n`;
}

/** Runs one command line; resolves to the exit code. */
async function runCli(argv: string[], extra: Record<string, Command> = {}): Promise<number> {
  const commands = { ...extra, ...REDUCE_COMMANDS };
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage(commands));
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    process.stdout.write(`${(require('../../../package.json') as { version: string }).version}\n`);
    return 0;
  }
  const command = commands[name];
  if (!command) {
    const hint = NOT_SHIPPED[name];
    process.stderr.write(hint ? `ndreduce ${name}: ${hint}\n` : `ndreduce: unknown command "${name}"\n\n${usage(commands)}`);
    return 2;
  }
  try {
    return await command.run(rest);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`ndreduce ${name}: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}

/** Runs `argv` and sets the process's exit code. */
export function main(argv: string[], extra?: Record<string, Command>): void {
  runCli(argv, extra).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`${(error as Error)?.stack ?? String(error)}\n`);
      process.exitCode = 1;
    },
  );
}

if (require.main === module) main(process.argv.slice(2));
