// The Rust addon (crates/node), found the napi-rs way: the prebuilt binary
// of this platform's package (`ndreduce-linux-x64-gnu`, an optional
// dependency npm installs only where it fits), then a local build (`npm run
// build:native` writes `native/ndreduce.<platform>.node`), and otherwise
// nothing: the callers then run the js fallback after one warning. Its types
// are the `.d.ts` napi-rs generates from the Rust signatures (copied next to
// `dist/src` by `npm run build:ts`, so the published types resolve). Its op
// parameters are typed by the op table itself (scripts/build-native.js puts
// the import in the `.d.ts` header); test/spec.test.ts checks that the
// addon's own `reductions()` list is the table's.
import * as fs from 'node:fs';
import * as path from 'node:path';

export type Addon = typeof import('../../native/index');

export type Extras = import('../../native/index').Extras;
export type CancelTokenLike = { cancel(): void };

/** The package root: `dist/src/addon/native.js` lives three levels below it. */
const ROOT = path.join(__dirname, '..', '..', '..');

/** napi-rs's platform name (`linux-x64-gnu`, `darwin-arm64`,
 * `win32-x64-msvc`), the suffix of the package and of the local build. */
export function platformName(): string {
  const { platform, arch } = process;
  if (platform === 'linux') return `${platform}-${arch}-${isMusl() ? 'musl' : 'gnu'}`;
  if (platform === 'win32') return `${platform}-${arch}-msvc`;
  return `${platform}-${arch}`;
}

function isMusl(): boolean {
  // The file check is what napi-rs's own loader tries first: reading the
  // process report can be slow where network interfaces are many.
  try {
    return fs.readFileSync('/usr/bin/ldd', 'utf8').includes('musl');
  } catch {
    const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
    return !header?.glibcVersionRuntime;
  }
}

/** The command that builds the addon from a clone of the repository. */
const BUILD_COMMAND = 'npm run build:native';

function isMissing(error: unknown, what: string): boolean {
  const e = error as NodeJS.ErrnoException;
  return e?.code === 'MODULE_NOT_FOUND' && e.message.includes(what);
}

function load(): Addon {
  const override = process.env.NDREDUCE_ADDON_PATH;
  if (override) return require(override) as Addon;
  const name = platformName();
  const pkg = `ndreduce-${name}`;
  const local = path.join(ROOT, 'native', `ndreduce.${name}.node`);
  try {
    return require(pkg) as Addon;
  } catch (error) {
    // Present but broken (a wrong libc, a truncated file) is worth its own
    // message; absent is the usual case on a platform without a prebuilt.
    if (!isMissing(error, pkg)) throw error;
  }
  if (fs.existsSync(local)) return require(local) as Addon;
  throw new Error(
    `no native addon for ${name}: neither the package ${pkg} nor a local build (native/ndreduce.${name}.node) is installed; ` +
      `reinstall without --omit=optional, or build it from a clone with \`${BUILD_COMMAND}\` (needs cargo)`,
  );
}

let loaded: { addon?: Addon; error?: Error } | undefined;

/** The addon, or the reason it could not be loaded. Tests may point
 * `NDREDUCE_ADDON_PATH` at a missing file to exercise the fallback. */
export function loadNative(): { addon?: Addon; error?: Error } {
  if (!loaded) {
    try {
      loaded = { addon: load() };
    } catch (error) {
      loaded = { error: error as Error };
    }
  }
  return loaded;
}

/** The addon, or undefined (with one process warning) when it is missing;
 * the js backend then runs instead. */
export function addon(): Addon | undefined {
  const { addon: found, error } = loadNative();
  if (!found) warnNoAddon(error, 'the js backend');
  return found;
}

let warned = false;

/** One warning per process that the addon is missing, whichever path
 * notices first; `fallback` names what runs instead. */
function warnNoAddon(error: Error | undefined, fallback: string): void {
  if (warned) return;
  warned = true;
  process.emitWarning(`the native addon could not be loaded (${error?.message.split('\n')[0]}); using ${fallback} instead`, {
    code: 'NDREDUCE_NO_ADDON',
    type: 'NdreduceWarning',
  });
}
