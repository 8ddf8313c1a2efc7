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

/** The platforms with a prebuilt package: package.json's `napi.targets` as
 * napi-rs names them (a test compares the two lists). */
export const PREBUILT_PLATFORMS: readonly string[] = [
  'linux-x64-gnu',
  'linux-x64-musl',
  'linux-arm64-gnu',
  'linux-arm64-musl',
  'darwin-x64',
  'darwin-arm64',
  'win32-x64-msvc',
  'win32-arm64-msvc',
];

/** How much slower the js backend is than the addon, measured on a
 * 4M-element float64 and int32 array (an extreme, a sum, the moments and
 * an arg reduction along each axis; 2-core development VM): the median and the range. */
const JS_SLOWDOWN = 'about 15 times slower (6 to 100 times, by reduction and dtype)';

const ENV = 'NDREDUCE_ADDON_PATH';

function isMissing(error: unknown, what: string): boolean {
  const e = error as NodeJS.ErrnoException;
  return e?.code === 'MODULE_NOT_FOUND' && e.message.includes(what);
}

/** Why no addon was loaded: each case says what is true and what to do. */
class AddonMissing extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AddonMissing';
  }
}

const firstLine = (error: unknown) => String((error as Error)?.message ?? error).split('\n')[0];

/** `require(file)`, or an AddonMissing that says which candidate failed and why. */
function requireAddon(file: string, what: string): Addon {
  try {
    return require(file) as Addon;
  } catch (error) {
    throw new AddonMissing(`${what} failed to load: ${firstLine(error)}`, { cause: error });
  }
}

function load(): Addon {
  const override = process.env[ENV];
  if (override) return requireAddon(override, `${ENV}=${override}`);
  const name = platformName();
  const pkg = `ndreduce-${name}`;
  const localName = `native/ndreduce.${name}.node`;
  const local = path.join(ROOT, 'native', `ndreduce.${name}.node`);
  const prebuilt = PREBUILT_PLATFORMS.includes(name);
  if (prebuilt) {
    try {
      return require(pkg) as Addon;
    } catch (error) {
      // Present but broken (a wrong libc, a truncated file, an ABI
      // mismatch): the loader's own error is the useful part.
      if (!isMissing(error, pkg)) throw new AddonMissing(`the package ${pkg} is installed but failed to load: ${firstLine(error)}`, { cause: error });
    }
  }
  if (fs.existsSync(local)) return requireAddon(local, `the local build ${localName}`);
  if (!prebuilt) {
    throw new AddonMissing(
      `this platform (${name}) has no prebuilt binary; build one from a clone of the repository with \`${BUILD_COMMAND}\` (needs cargo) ` +
        `and set ${ENV} to the .node file it writes`,
    );
  }
  throw new AddonMissing(
    `no native addon for ${name}: the package ${pkg} is not installed (an install with --omit=optional or --no-optional, ` +
      `or a lockfile made on another platform, leaves it out) and there is no local build (${localName}); ` +
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

/** The addon's job threads (crates/core/src/jobs.rs), which run every
 * asynchronous call: as many as `UV_THREADPOOL_SIZE` would give libuv's
 * pool (default 4), read as crates/node/src/task.rs reads it. */
const poolSize = process.env.UV_THREADPOOL_SIZE?.trim() ?? '';
export const JOB_THREADS = /^\+?\d{1,15}$/.test(poolSize) ? Math.min(1024, Math.max(1, Number(poolSize))) : 4;

/** The addon, or undefined (with one process warning) when it is missing;
 * the js backend then runs instead. */
export function addon(): Addon | undefined {
  const { addon: found, error } = loadNative();
  if (!found) warnNoAddon(error, 'its JavaScript engine (the js backend)');
  return found;
}

let warned = false;

/** One warning per process that the addon is missing, whichever path
 * notices first; `fallback` names what runs instead. Node's
 * `--disable-warning=NDREDUCE_NO_ADDON` turns it off, and so does
 * `NDREDUCE_NO_ADDON_WARNING=1` (for Node before 20.11, which lacks the flag). */
function warnNoAddon(error: Error | undefined, fallback: string): void {
  if (warned) return;
  warned = true;
  if (process.env.NDREDUCE_NO_ADDON_WARNING === '1') return;
  const why = error instanceof AddonMissing ? error.message : `the native addon could not be loaded: ${firstLine(error)}`;
  process.emitWarning(`${why}. ndreduce runs on ${fallback} instead, ${JS_SLOWDOWN}, with the same answers (silence this with --disable-warning=NDREDUCE_NO_ADDON)`, {
    code: 'NDREDUCE_NO_ADDON',
    type: 'NdreduceWarning',
  });
}
