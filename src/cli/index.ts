#!/usr/bin/env node
// `ndreduce <command>`: the command line installed with the package. It
// needs nothing but the library itself. The benchmark is a development
// tool of the repository (`npm run bench`), not part of the package; its
// dispatcher (bench/cli.ts) reuses `runCli` with its own commands added.
import { MOVE_COMMANDS } from './move';
import { REDUCE_COMMANDS } from './reduce';
import { UsageError } from './usage';
import type { Command } from './usage';

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
  const commands: Record<string, Command> = { ...extra, ...REDUCE_COMMANDS, ...MOVE_COMMANDS };
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage(commands));
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    process.stdout.write(`${(require('../../../package.json') as { version: string }).version}\n`);
    return 0;
  }
  // Own keys only: `constructor` or `__proto__` is no command.
  const command = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!command) {
    const hint = Object.hasOwn(NOT_SHIPPED, name) ? NOT_SHIPPED[name] : undefined;
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

/** A reader that stops reading (`ndreduce max f.npy | head -c1`) is no
 * error of ours: the command ends quietly with exit code 0, as it would
 * have after its output. Other write errors are reported, once, without
 * a stack trace. */
function quietOnClosedOutput(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE' && stream === process.stdout) {
        try {
          process.stderr.write(`ndreduce: writing the output: ${error.message}\n`);
        } catch {
          // stderr is gone too.
        }
        process.exit(1);
      }
      process.exit(process.exitCode ?? 0);
    });
  }
}

/** Runs `argv` and sets the process's exit code. */
export function main(argv: string[], extra?: Record<string, Command>): void {
  quietOnClosedOutput();
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
