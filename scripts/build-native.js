// `npm run build:native [-- --target <triple> ...]`: the addon for this
// platform (or the given target) as napi-rs builds release binaries:
// `native/ndreduce.<platform>.node`, stripped, plus the generated
// `native/index.d.ts`. Other arguments go to `napi build`.
//
// `--if-stale` (what `npm test` and `npm run bench` use) builds only when
// no binary is there or older than a file under crates/ or Cargo.lock:
// napi rebuilds the binding crate on every call, about 1.5 minutes here.
//
// `--no-test-hooks` leaves out `_panicInKernel` and `readFloor` (cargo
// feature `test-hooks` of crates/node), which only the tests and the
// benchmark call; without it they are built in. CI builds the published
// binaries with them for now (.github/workflows/ci.yml says why).
//
// Stripping: napi's `--strip` passes `-C link-arg=-s`, which the linker
// rustc uses on Linux ignores (the binary kept its 1.1 MB symbol table),
// so the release profile's `strip` is set too, through cargo's environment
// (`CARGO_PROFILE_RELEASE_STRIP`), which works for cross targets as well.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
let args = process.argv.slice(2);

if (args.includes('--if-stale')) {
  args = args.filter((a) => a !== '--if-stale');
  const dir = path.join(root, 'native');
  const binaries = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => /^ndreduce\..+\.node$/.test(f)) : [];
  const built = Math.max(0, ...binaries.map((f) => fs.statSync(path.join(dir, f)).mtimeMs));
  const newest = (p) => {
    const s = fs.statSync(p);
    if (!s.isDirectory()) return s.mtimeMs;
    return Math.max(0, ...fs.readdirSync(p).map((e) => newest(path.join(p, e))));
  };
  if (built && built >= Math.max(newest(path.join(root, 'crates')), newest(path.join(root, 'Cargo.lock')))) process.exit(0);
}

const hooks = !args.includes('--no-test-hooks');
args = args.filter((a) => a !== '--no-test-hooks');

const napi = path.join(root, 'node_modules', '@napi-rs', 'cli', 'dist', 'cli.js');
const r = spawnSync(
  process.execPath,
  [
    napi, 'build', '--platform', '--release', '--strip', '--no-js',
    '--manifest-path', 'crates/node/Cargo.toml', '--package-json-path', 'package.json',
    '--output-dir', 'native', '--dts', 'index.d.ts',
    ...(hooks ? ['--features', 'test-hooks'] : []),
    ...args,
  ],
  { cwd: root, env: { CARGO_PROFILE_RELEASE_STRIP: 'symbols', ...process.env }, stdio: 'inherit' },
);
process.exit(r.status ?? 1);
