#!/usr/bin/env bash
# The package as a user gets it: pack the main package and this platform's
# binary package (linux-x64-gnu, the one target these machines build),
# install both tarballs into a fresh project with no cargo on PATH, and use
# them from there: ESM, CommonJS, tsc (skipLibCheck false, module nodenext
# and commonjs), the CLI, and the js fallback without the binary package.
#
# Needs a built tree (`npm run build`, as `npm ci` does through `prepare`).
# Prints the tarball sizes, the install time and the installed size.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
target=linux-x64-gnu
version=$(node -p 'require("./package.json").version')
binary=native/ndreduce.$target.node

fail() { echo "pack-test: FAIL: $*" >&2; exit 1; }
[ -f "$binary" ] || fail "$binary is missing: run npm run build:native first"
[ -f dist/esm/index.mjs ] && [ -f dist/native/index.d.ts ] || fail "dist is not built: run npm run build:ts first"

work=$(mktemp -d "${TMPDIR:-/tmp}/ndreduce-pack-XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/tarballs" "$work/stage" "$work/app"

# 1. The platform package: napi's layout (npm/<target>/) with the binary
#    moved in by `napi artifacts`, as the release workflow does.
cp -r npm/$target "$work/stage/$target"
cp "$binary" "$work/stage/$target/"
(cd "$work/stage/$target" && npm pack --silent --pack-destination "$work/tarballs" >/dev/null)

# 2. The main package as `npm publish` would send it: the files npm packs
#    from here, with the optionalDependencies that `napi prepublish` writes
#    into package.json just before publishing (one per target of
#    napi.targets, read by napi's own config reader).
npm pack --dry-run --json --ignore-scripts 2>/dev/null |
  node -e 'for (const f of JSON.parse(require("fs").readFileSync(0, "utf8"))[0].files) console.log(f.path)' >"$work/files.txt"
while read -r f; do mkdir -p "$work/stage/main/$(dirname "$f")" && cp "$f" "$work/stage/main/$f"; done <"$work/files.txt"
node --input-type=module -e '
  import { readNapiConfig } from "@napi-rs/cli";
  import fs from "node:fs";
  const [src, dst] = process.argv.slice(1);
  const { targets, packageName } = await readNapiConfig(src);
  const pkg = JSON.parse(fs.readFileSync(src, "utf8"));
  pkg.optionalDependencies = Object.fromEntries(targets.map((t) => [`${packageName}-${t.platformArchABI}`, pkg.version]));
  fs.writeFileSync(dst, JSON.stringify(pkg, null, 2) + "\n");
' "$repo/package.json" "$work/stage/main/package.json"
(cd "$work/stage/main" && npm pack --silent --ignore-scripts --pack-destination "$work/tarballs" >/dev/null)

main_tgz=$work/tarballs/ndreduce-$version.tgz
bin_tgz=$work/tarballs/ndreduce-$target-$version.tgz
# What the tarball holds: JavaScript, types, the .wasm, LICENSE, README and
# package.json; nothing of bench/, test/, the Rust sources or a .node.
tar -tzf "$main_tgz" | sed 's|^package/||' | sort >"$work/contents.txt"
bad=$(grep -vE '^(dist/src/.*\.(js|d\.ts)|dist/esm/index\.(mjs|d\.mts)|dist/native/index\.d\.ts|wasm/[^/]*\.wasm|LICENSE|README\.md|package\.json)$' "$work/contents.txt" || true)
[ -z "$bad" ] || fail "unexpected files in the tarball: $bad"
# A compiled file without its source is a leftover of an older build.
stale=$(sed -n 's|^dist/\(src/.*\)\.js$|\1|p' "$work/contents.txt" | while read -r m; do [ -f "$m.ts" ] || echo "dist/$m.js"; done)
[ -z "$stale" ] || fail "dist holds files without a source (rebuild dist from scratch): $stale"

size() { node -e 'const fs=require("fs");const b=fs.statSync(process.argv[1]).size;console.log((b/1024).toFixed(1)+" kB")' "$1"; }
unpacked() { tar -tvzf "$1" | awk '{s+=$3} END {printf "%.1f kB\n", s/1024}'; }
echo "pack-test: ndreduce-$version.tgz: $(size "$main_tgz") packed, $(unpacked "$main_tgz") unpacked, $(wc -l <"$work/contents.txt") files"
echo "pack-test: ndreduce-$target-$version.tgz: $(size "$bin_tgz") packed, $(unpacked "$bin_tgz") unpacked"

# 3. Install into a fresh project, with a PATH that has node and npm but no
#    cargo, offline: nothing may be fetched or compiled. The other
#    targets' packages are optional and not in the cache: npm skips them.
nodedir=$(dirname "$(command -v node)")
mkdir -p "$work/bin"
for tool in node npm npx; do ln -s "$nodedir/$tool" "$work/bin/$tool"; done
clean_path="$work/bin:/usr/bin:/bin"
if PATH=$clean_path command -v cargo >/dev/null; then fail "cargo is still on the clean PATH ($(PATH=$clean_path command -v cargo))"; fi
cd "$work/app"
echo '{ "name": "app", "version": "1.0.0", "private": true, "type": "commonjs" }' >package.json
start=$(date +%s.%N)
PATH=$clean_path npm install --offline --no-audit --no-fund --loglevel=warn "$main_tgz" "$bin_tgz" >"$work/install.log" 2>&1 ||
  { cat "$work/install.log"; fail "npm install of the tarballs failed"; }
seconds=$(node -e 'console.log((Number(process.argv[2]) - Number(process.argv[1])).toFixed(1))' "$start" "$(date +%s.%N)")
cat "$work/install.log"
! grep -q EBADENGINE "$work/install.log" || fail "EBADENGINE during the install"
node -e 'process.exit(Number(process.argv[1]) < 30 ? 0 : 1)' "$seconds" || fail "the install took ${seconds}s (limit 30s)"
echo "pack-test: installed both tarballs in ${seconds}s; du -sh node_modules/ndreduce: $(du -sh node_modules/ndreduce | cut -f1), node_modules/ndreduce-$target: $(du -sh node_modules/ndreduce-$target | cut -f1)"
[ ! -e node_modules/ndreduce/native ] && [ ! -e node_modules/ndreduce/target ] || fail "the install built something"
file node_modules/ndreduce-$target/ndreduce.$target.node | grep -q ', stripped' || fail "the binary is not stripped"

# 4. Use it. Each script fails on a wrong answer or a warning (a warning
#    here would mean the addon was not found).
cat >esm.mjs <<'EOF'
import assert from 'node:assert/strict';
import ndreduce, { max, sum, argmax, loadNpy, saveNpy, resultShape } from 'ndreduce';
import * as ns from 'ndreduce';
process.on('warning', (w) => { console.error(`unexpected warning: ${w.message}`); process.exit(1); });
const x = { data: new Float64Array([1, 5, 3, 4, 2, 6]), shape: [2, 3] };
assert.deepEqual(max(x, { axis: 0 }), new Float64Array([4, 5, 6]));
assert.equal(max(x), 6, 'every axis by default, as NumPy');
assert.equal(sum(x, { axis: null }), 21);
assert.deepEqual(argmax(x, { axis: 1 }), new Float64Array([1, 2]));
assert.deepEqual(resultShape(x, { axis: 1 }), [2]);
assert.equal(typeof loadNpy, 'function');
assert.equal(typeof saveNpy, 'function');
assert.equal(ndreduce.max, max, 'the ESM entry and the CommonJS one share one module');
const { createRequire } = await import('node:module');
const cjs = createRequire(import.meta.url)('ndreduce');
assert.deepEqual(Object.keys(ns).sort(), Object.keys(cjs).sort(), 'every export is named in ESM, default included');
assert.equal(ndreduce, cjs, 'the default import is the CommonJS exports object itself');
assert.equal(ndreduce.default, ndreduce);
console.log('esm ok');
EOF
cat >cjs.cjs <<'EOF'
const assert = require('node:assert/strict');
const { max, minmax, sumAsync } = require('ndreduce');
assert.equal(require('ndreduce').default.max, max, 'require(...).default is the module itself');
process.on('warning', (w) => { console.error(`unexpected warning: ${w.message}`); process.exit(1); });
const x = { data: new BigInt64Array([1n, 5n, 3n, 4n, 2n, 6n]), shape: [2, 3] };
assert.deepEqual(max(x, { axis: 1 }), new BigInt64Array([5n, 6n]));
assert.deepEqual(minmax(x, { axis: null }), { min: 1n, max: 6n });
assert.equal(require('ndreduce/package.json').name, 'ndreduce');
assert.throws(() => require('ndreduce/dist/src/reduce'), { code: 'ERR_PACKAGE_PATH_NOT_EXPORTED' });
sumAsync(x, { axis: null }).then((s) => { assert.equal(s, 21n); console.log('cjs ok'); });
// The optional peers are not installed here: the subpath loads, and says
// what to install when used; reduceZarr rejects the same way.
const flow = require('ndreduce/bullmq');
assert.throws(() => flow.createReductionWorker('q', { connection: {} }), { code: 'ERR_NDREDUCE_UNAVAILABLE' });
require('ndreduce').reduceZarr('x.zarr', 'max').catch((e) => { assert.equal(e.code, 'ERR_NDREDUCE_UNAVAILABLE'); console.log('optional peers ok'); });
EOF
node esm.mjs
node cjs.cjs

# tsc, as strict as users set it, under both module settings: the
# repository's typescript and @types/node (a symlink, nothing installed).
tsc="node $repo/node_modules/typescript/bin/tsc"
mkdir -p node_modules/@types && ln -s "$repo/node_modules/@types/node" node_modules/@types/node
cat >use.ts <<'EOF'
import { max, sum, maxAsync, loadNpy } from 'ndreduce';
import type { NdArrayLike, Axis } from 'ndreduce';
const x = { data: new BigInt64Array([1n, 5n, 3n, 4n, 2n, 6n]), shape: [2, 3] };
const m: BigInt64Array = max(x, { axis: 0 });
const top: bigint = max(x);
const s: bigint = sum({ data: new Int32Array([1, 2]), shape: [2] }, { axis: null });
const axis: Axis = [0, 1];
const view: NdArrayLike = loadNpy('f.npy');
void maxAsync(x, { axis: 0 }).then((r: BigInt64Array) => r.length);
export { m, top, s, axis, view };
EOF
for module in nodenext commonjs; do
  resolution=$([ $module = nodenext ] && echo nodenext || echo node10)
  cat >tsconfig.$module.json <<EOF
{ "compilerOptions": { "module": "$module", "moduleResolution": "$resolution", "target": "es2022", "strict": true,
  "skipLibCheck": false, "noEmit": true, "types": ["node"] }, "files": ["use.ts"] }
EOF
  $tsc -p tsconfig.$module.json || fail "tsc with module $module"
  echo "tsc ok: module $module, skipLibCheck false"
done
cp use.ts use.mts
sed 's/"use.ts"/"use.mts"/' tsconfig.nodenext.json >tsconfig.mts.json
$tsc -p tsconfig.mts.json || fail "tsc on an ES module (use.mts)"
echo "tsc ok: an ES module (.mts) under nodenext"

# A default import, as users write it, compiled (emitted) and run: from
# CommonJS TypeScript in this "type": "commonjs" project, under module
# nodenext and commonjs, with and without esModuleInterop (TypeScript
# compiles it to require('ndreduce').default either way), and from an ES
# module (.mts) under nodenext.
cat >default.ts <<'EOF'
import ndreduce from 'ndreduce';
import { max } from 'ndreduce';
const x = { data: new Float64Array([1, 5, 3, 4, 2, 6]), shape: [2, 3] };
const top: number = ndreduce.max(x);
const cols: Float64Array = ndreduce.max(x, { axis: 0 });
if (top !== 6 || String(cols) !== '4,5,6') throw new Error(`default import: max gave ${top} and ${cols}`);
if (ndreduce.max !== max) throw new Error('the default import and the named one differ');
console.log('default import ok');
EOF
cp default.ts default.mts
for form in default.ts:nodenext:nodenext:true default.ts:nodenext:nodenext:false default.ts:commonjs:node10:true default.ts:commonjs:node10:false default.mts:nodenext:nodenext:true; do
  IFS=: read -r file module resolution interop <<<"$form"
  what="$file, module $module, esModuleInterop $interop"
  cat >tsconfig.default.json <<EOF
{ "compilerOptions": { "module": "$module", "moduleResolution": "$resolution", "esModuleInterop": $interop, "target": "es2022",
  "strict": true, "skipLibCheck": false, "types": ["node"], "outDir": "out-default" }, "files": ["$file"] }
EOF
  rm -rf out-default
  $tsc -p tsconfig.default.json || fail "tsc of a default import ($what)"
  emitted=out-default/$([ "$file" = default.mts ] && echo default.mjs || echo default.js)
  got=$(node "$emitted") || fail "a default import ($what) compiled but failed at run time"
  [ "$got" = "default import ok" ] || fail "a default import ($what) printed '$got'"
  echo "default import ok: $what"
done

# The CLI, through npx, from the installed bin.
node -e '
  const { saveNpy } = require("ndreduce");
  saveNpy("f.npy", { data: new Int16Array([3, -1, 7, 2, 9, 0]), shape: [2, 3] });
'
PATH=$clean_path npx --offline ndreduce --help | grep -q '^Usage: ndreduce <command>' || fail "npx ndreduce --help"
got=$(PATH=$clean_path npx --offline ndreduce max f.npy --axis 0)
[ "$got" = "[3, 9, 7]" ] || fail "npx ndreduce max f.npy --axis 0 printed '$got'"
echo "cli ok: npx ndreduce --help; npx ndreduce max f.npy --axis 0 -> $got"

# The fallback: without the binary package the same calls answer, after
# one warning that names the platform and the command that builds it.
rm -rf "node_modules/ndreduce-$target"
node -e '
  const { max, sum } = require("ndreduce");
  const x = { data: new Float64Array([1, 5, 3, 4, 2, 6]), shape: [2, 3] };
  if (String(max(x, { axis: 0 })) !== "4,5,6" || sum(x, { axis: null }) !== 21) process.exit(1);
  max(x, { axis: 1 });
' 2>"$work/fallback.txt" || { cat "$work/fallback.txt"; fail "the js fallback gave a wrong answer"; }
cat "$work/fallback.txt"
[ "$(grep -c 'NdreduceWarning' "$work/fallback.txt")" = 1 ] || fail "expected exactly one warning"
grep -q "no native addon for $target" "$work/fallback.txt" && grep -q 'npm run build:native' "$work/fallback.txt" ||
  fail "the warning should name $target and npm run build:native"
got=$(PATH=$clean_path npx --offline ndreduce max f.npy --axis 0 2>/dev/null)
[ "$got" = "[3, 9, 7]" ] || fail "the CLI on the fallback printed '$got'"
echo "fallback ok: one warning, same answers"
echo "pack-test: passed"
