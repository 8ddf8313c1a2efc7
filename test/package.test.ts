// The package's promises that can be read from the repository: no script
// runs at install, one npm package per napi target that fits its platform,
// published files limited to JavaScript, types and the .wasm, and the loader
// finding a local build. The install itself is scripts/pack-test.sh.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import * as ts from 'typescript';

import { platformName } from '../src/addon/load';

const ROOT = path.join(__dirname, '..', '..');
const read = (file: string) => JSON.parse(fs.readFileSync(path.join(ROOT, file), 'utf8'));
const pkg = read('package.json');

test('nothing runs when a user installs the package', () => {
  for (const hook of ['preinstall', 'install', 'postinstall', 'prepare']) assert.equal(pkg.scripts[hook], undefined, hook);
  assert.deepEqual(pkg.dependencies ?? {}, {}, 'the CLI and the library need no runtime dependency');
  assert.ok(pkg.devDependencies['@napi-rs/cli']);
  assert.equal(pkg.optionalDependencies, undefined, 'napi prepublish writes them at publish time');
});

test('one npm package per napi target, with os, cpu and libc', () => {
  const dirs = fs.readdirSync(path.join(ROOT, 'npm')).sort();
  // napi's own names (darwin-arm64, linux-x64-gnu, win32-x64-msvc) for the
  // configured triples.
  const expected: Record<string, { os: string; cpu: string; libc?: string }> = {
    'x86_64-unknown-linux-gnu': { os: 'linux', cpu: 'x64', libc: 'glibc' },
    'x86_64-unknown-linux-musl': { os: 'linux', cpu: 'x64', libc: 'musl' },
    'aarch64-unknown-linux-gnu': { os: 'linux', cpu: 'arm64', libc: 'glibc' },
    'aarch64-unknown-linux-musl': { os: 'linux', cpu: 'arm64', libc: 'musl' },
    'x86_64-apple-darwin': { os: 'darwin', cpu: 'x64' },
    'aarch64-apple-darwin': { os: 'darwin', cpu: 'arm64' },
    'x86_64-pc-windows-msvc': { os: 'win32', cpu: 'x64' },
    'aarch64-pc-windows-msvc': { os: 'win32', cpu: 'arm64' },
  };
  const abi = (t: { os: string; libc?: string }) => (t.libc === 'glibc' ? '-gnu' : t.libc === 'musl' ? '-musl' : t.os === 'win32' ? '-msvc' : '');
  const nameOf = (t: { os: string; cpu: string; libc?: string }) => `${t.os}-${t.cpu}${abi(t)}`;
  assert.deepEqual([...pkg.napi.targets].sort(), Object.keys(expected).sort());
  assert.deepEqual(dirs, Object.values(expected).map(nameOf).sort());
  for (const t of Object.values(expected)) {
    const name = nameOf(t);
    const sub = read(`npm/${name}/package.json`);
    assert.equal(sub.name, `ndreduce-${name}`);
    assert.equal(sub.version, pkg.version, `${name}: napi version keeps the versions together`);
    assert.deepEqual(sub.os, [t.os]);
    assert.deepEqual(sub.cpu, [t.cpu]);
    assert.deepEqual(sub.libc, t.libc ? [t.libc] : undefined);
    assert.equal(sub.main, `ndreduce.${name}.node`);
    assert.deepEqual(sub.files, [sub.main]);
    assert.equal(sub.license, 'MIT');
  }
});

test('the package surface: exports map, bin, files, license', () => {
  assert.deepEqual(pkg.exports['.'], {
    import: { types: './dist/esm/index.d.mts', default: './dist/esm/index.mjs' },
    require: { types: './dist/src/index.d.ts', default: './dist/src/index.js' },
  });
  assert.equal(pkg.exports['./package.json'], './package.json');
  assert.equal(pkg.bin.ndreduce, 'dist/src/cli/index.js');
  assert.match(fs.readFileSync(path.join(ROOT, 'src', 'cli', 'index.ts'), 'utf8'), /^#!\/usr\/bin\/env node\r?\n/);
  for (const f of pkg.files) assert.doesNotMatch(f, /bench|test|crates|Cargo|\.node$|native\/\*/, f);
  assert.equal(pkg.license, 'MIT');
  assert.match(fs.readFileSync(path.join(ROOT, 'LICENSE'), 'utf8'), /^MIT License/);
  assert.ok(pkg.repository?.url && pkg.keywords?.length);
  assert.match(fs.readFileSync(path.join(ROOT, '.gitignore'), 'utf8'), /^\*\.tgz\r?$/m);
});

test('the ES module entry names every CommonJS export', async () => {
  const esm = path.join(ROOT, 'dist', 'esm', 'index.mjs');
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', `
    const ns = await import(${JSON.stringify(esm)});
    const cjs = (await import('node:module')).createRequire(import.meta.url)(${JSON.stringify(path.join(ROOT, 'dist', 'src', 'index.js'))});
    const a = Object.keys(ns).sort().join(), b = Object.keys(cjs).sort().join();
    if (a !== b || ns.default !== cjs || cjs.default !== cjs || ns.max !== cjs.max) { console.error(a + '\\n' + b); process.exit(1); }
  `], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
});

test('the loader finds the local build, and names platform and command when there is none', () => {
  assert.match(platformName(), /^[a-z0-9]+-[a-z0-9]+(-(gnu|musl|msvc))?$/);
  const local = path.join(ROOT, 'native', `ndreduce.${platformName()}.node`);
  const script = `
    const { loadNative } = require(${JSON.stringify(path.join(ROOT, 'dist', 'src', 'addon', 'load.js'))});
    const r = loadNative();
    console.log(JSON.stringify({ addon: !!r.addon, error: r.error && r.error.message }));`;
  const env = { ...process.env };
  delete env.NDREDUCE_ADDON_PATH;
  const found = JSON.parse(spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env }).stdout);
  if (fs.existsSync(local)) assert.equal(found.addon, true, found.error);
  else assert.match(found.error, /no native addon for/);
  // A copy of the loader where neither the package nor a local build exists.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ndreduce-loader-'));
  try {
    fs.mkdirSync(path.join(dir, 'dist', 'src', 'addon'), { recursive: true });
    fs.copyFileSync(path.join(ROOT, 'dist', 'src', 'addon', 'load.js'), path.join(dir, 'dist', 'src', 'addon', 'load.js'));
    const r = spawnSync(process.execPath, ['-e', script.replace(JSON.stringify(path.join(ROOT, 'dist', 'src', 'addon', 'load.js')), JSON.stringify(path.join(dir, 'dist', 'src', 'addon', 'load.js')))], { encoding: 'utf8', env, cwd: dir });
    const missing = JSON.parse(r.stdout);
    assert.equal(missing.addon, false);
    assert.ok(missing.error.includes(`no native addon for ${platformName()}`), missing.error);
    assert.ok(missing.error.includes(`ndreduce-${platformName()}`), missing.error);
    assert.ok(missing.error.includes('npm run build:native'), missing.error);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a default import works from CommonJS TypeScript (module nodenext and commonjs, with and without esModuleInterop), from an ES module and from require', () => {
  // A "type": "commonjs" project whose node_modules/ndreduce is this
  // checkout. scripts/pack-test.sh does the same with the packed tarball
  // and skipLibCheck false, which costs half a minute here.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ndreduce-default-'));
  try {
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'commonjs' }));
    fs.mkdirSync(path.join(dir, 'node_modules', '@types'), { recursive: true });
    fs.symlinkSync(ROOT, path.join(dir, 'node_modules', 'ndreduce'), 'dir');
    fs.symlinkSync(path.join(ROOT, 'node_modules', '@types', 'node'), path.join(dir, 'node_modules', '@types', 'node'), 'dir');
    const source = [
      "import ndreduce from 'ndreduce';",
      "import { max } from 'ndreduce';",
      'const x = { data: new Float64Array([1, 5, 3, 4, 2, 6]), shape: [2, 3] };',
      'const top: number = ndreduce.max(x);',
      'const cols: Float64Array = ndreduce.max(x, { axis: 0 });',
      'console.log(JSON.stringify([top, Array.from(cols), ndreduce.max === max, ndreduce.default === ndreduce]));',
    ].join('\n');
    fs.writeFileSync(path.join(dir, 'main.ts'), source);
    fs.writeFileSync(path.join(dir, 'main.mts'), source);
    const forms: [file: string, module: ts.ModuleKind, resolution: ts.ModuleResolutionKind, esModuleInterop: boolean][] = [
      ['main.ts', ts.ModuleKind.NodeNext, ts.ModuleResolutionKind.NodeNext, true],
      ['main.ts', ts.ModuleKind.NodeNext, ts.ModuleResolutionKind.NodeNext, false],
      ['main.ts', ts.ModuleKind.CommonJS, ts.ModuleResolutionKind.Node10, true],
      ['main.ts', ts.ModuleKind.CommonJS, ts.ModuleResolutionKind.Node10, false],
      ['main.mts', ts.ModuleKind.NodeNext, ts.ModuleResolutionKind.NodeNext, true],
    ];
    const expected = JSON.stringify([6, [4, 5, 6], true, true]);
    for (const [file, module, moduleResolution, esModuleInterop] of forms) {
      const what = `${file}, module ${ts.ModuleKind[module]}, esModuleInterop ${esModuleInterop}`;
      const outDir = path.join(dir, `out-${ts.ModuleKind[module]}-${esModuleInterop}-${file}`);
      const options: ts.CompilerOptions = { module, moduleResolution, esModuleInterop, target: ts.ScriptTarget.ES2022, strict: true, skipLibCheck: true, types: ['node'], outDir };
      const program = ts.createProgram([path.join(dir, file)], options);
      const emitted = program.emit();
      const diagnostics = [...ts.getPreEmitDiagnostics(program), ...emitted.diagnostics].map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      assert.deepEqual(diagnostics, [], what);
      const run = spawnSync(process.execPath, [path.join(outDir, file.replace(/ts$/, 'js'))], { encoding: 'utf8', cwd: dir });
      assert.equal(run.status, 0, `${what}: ${run.stderr}`);
      assert.equal(run.stdout.trim(), expected, what);
    }
    const cjs = spawnSync(process.execPath, ['-e', "const m = require('ndreduce'); console.log(m.default === m && m.default.max === m.max)"], { encoding: 'utf8', cwd: dir });
    assert.equal(cjs.stdout.trim(), 'true', cjs.stderr);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
