// The command line's own argument reader: each command declares its flags,
// and the reader knows only those. Node's parseArgs took `--ddof -1` for
// two flags, could not suggest a flag for a typo, and its messages were
// its own; here a value flag takes the next word whatever it looks like,
// an unknown flag names the closest known one, and every message speaks
// of flags.
import { editDistance } from '../validate/suggest';
import { UsageError } from './usage';

export interface Flag {
  /** `--name`, without the dashes. */
  name: string;
  /** A one-letter alias (`-h`). */
  short?: string;
  /** What the flag's value is called in the help (`N`, `FILE.npy`);
   * absent for a switch. */
  value?: string;
  help: string;
}

interface Parsed {
  values: Map<string, string | true>;
  positionals: string[];
}

/** The known flag closest to `name`, when it is close enough to be a typo
 * (or one is the other's prefix, as `--axes` and `--axis` nearly are). */
function closestFlag(name: string, flags: readonly Flag[]): string | undefined {
  let best: string | undefined;
  let bestScore = Infinity;
  for (const f of flags) {
    const d = editDistance(name, f.name);
    const score = f.name.startsWith(name) || name.startsWith(f.name) ? Math.min(d, 1) : d;
    if (score < bestScore) {
      bestScore = score;
      best = f.name;
    }
  }
  return best !== undefined && bestScore <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

/** Reads `argv` against `flags`: `--name value`, `--name=value`, `-h`,
 * switches, and positionals (also everything after `--`). A repeated flag
 * keeps its last value. */
export function parseFlags(argv: readonly string[], flags: readonly Flag[]): Parsed {
  const values = new Map<string, string | true>();
  const positionals: string[] = [];
  const byName = new Map(flags.map((f) => [f.name, f]));
  const byShort = new Map(flags.filter((f) => f.short).map((f) => [f.short as string, f]));
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i];
    if (word === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    // A lone dash, and negative numbers, are values, not flags.
    if (!word.startsWith('-') || word === '-' || /^-\d/.test(word)) {
      positionals.push(word);
      continue;
    }
    const long = word.startsWith('--');
    const eq = word.indexOf('=');
    const key = long ? word.slice(2, eq < 0 ? undefined : eq) : word.slice(1, eq < 0 ? undefined : eq);
    const flag = long ? byName.get(key) : byShort.get(key);
    if (!flag) {
      const near = long ? closestFlag(key, flags) : undefined;
      throw new UsageError(`unknown option ${long ? '--' : '-'}${key}${near ? `; did you mean --${near}?` : ''}`);
    }
    if (flag.value === undefined) {
      if (eq >= 0) throw new UsageError(`--${flag.name} takes no value, got "${word.slice(eq + 1)}"`);
      values.set(flag.name, true);
      continue;
    }
    if (eq >= 0) {
      values.set(flag.name, word.slice(eq + 1));
      continue;
    }
    if (i + 1 >= argv.length) throw new UsageError(`--${flag.name} needs a value (${flag.value})`);
    values.set(flag.name, argv[++i]);
  }
  return { values, positionals };
}

/** The help lines of `flags`, aligned. */
export function flagHelp(flags: readonly Flag[]): string {
  const heads = flags.map((f) => `--${f.name}${f.value ? ` ${f.value}` : ''}${f.short ? `, -${f.short}` : ''}`);
  const width = Math.max(...heads.map((h) => h.length)) + 2;
  return flags
    .map((f, k) => {
      const [first, ...rest] = f.help.split('\n');
      return [`  ${heads[k].padEnd(width)}${first}`, ...rest.map((line) => `  ${' '.repeat(width)}${line}`)].join('\n');
    })
    .join('\n');
}
