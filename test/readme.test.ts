// The README's ```ts blocks, run as they are written: a line ending in
// `// → VALUE` must evaluate to VALUE, one ending in `// throws NAME:
// MESSAGE` must throw it. `Float64Array [1, 2]` in a VALUE means
// `Float64Array.from([1, 2])`; text after two spaces is commentary.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';

import { sameResult } from './nd-cases';

const README = path.join(__dirname, '..', '..', 'README.md');

interface Check {
  line: number;
  source: string;
}

/** The block with every checked line rewritten into a call of the checks. */
export function instrument(block: string, firstLine: number): { code: string; checks: Check[] } {
  const checks: Check[] = [];
  const lines = block.split('\n').map((text, k) => {
    const m = /^(\s*)(.*?);?\s*\/\/ (→|throws) (.*?)(\s{2,}.*)?$/.exec(text);
    if (!m) return text;
    const [, indent, expr, kind, expected] = m;
    const line = firstLine + k;
    checks.push({ line, source: text.trim() });
    if (kind === 'throws') {
      const [, name, message] = /^(\w+): (.*)$/.exec(expected) ?? [];
      if (!name) throw new Error(`README line ${line}: "throws" needs NAME: MESSAGE`);
      return `${indent}await __throws(async () => (${expr}), ${JSON.stringify(name)}, ${JSON.stringify(message)}, ${line});`;
    }
    const value = expected.replace(/\b(\w+Array) \[([^\]]*)\]/g, '$1.from([$2])');
    return `${indent}await __check(async () => (${expr}), () => (${value}), ${line});`;
  });
  return { code: lines.join('\n'), checks };
}

const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor as new (...args: string[]) => (...a: unknown[]) => Promise<void>;

/** Transpiles and runs an instrumented block with `ndreduce` mapped to this checkout. */
export async function runBlock(code: string): Promise<void> {
  const js = ts.transpileModule(code, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
  }).outputText;
  const local = (id: string) => (id === 'ndreduce' ? require('../src/index') : require(id));
  const check = async (actual: () => Promise<unknown>, expected: () => unknown, line: number) =>
    sameResult(await actual(), expected(), `README line ${line}`);
  const throws = async (f: () => Promise<unknown>, name: string, message: string, line: number) =>
    assert.rejects(f, (e: Error) => {
      assert.equal(e.name, name, `README line ${line}: ${e.message}`);
      assert.equal(e.message, message, `README line ${line}`);
      return true;
    });
  await new AsyncFunction('require', 'exports', 'module', '__check', '__throws', js)(local, {}, { exports: {} }, check, throws);
}

const readme = fs.readFileSync(README, 'utf8');
const blocks = [...readme.matchAll(/^```ts\n([\s\S]*?)^```/gm)].map((m) => ({
  body: m[1],
  line: readme.slice(0, m.index).split('\n').length + 1,
}));

test('the README has checked examples', () => {
  assert.ok(blocks.length >= 6, `${blocks.length} blocks`);
  for (const b of blocks) assert.ok(instrument(b.body, b.line).checks.length > 0, `block at line ${b.line} checks nothing`);
});

for (const b of blocks) {
  test(`README example at line ${b.line}`, async () => {
    await runBlock(instrument(b.body, b.line).code);
  });
}

test('the harness catches a wrong value and a missing throw', async () => {
  await assert.rejects(runBlock(instrument("import { max } from 'ndreduce';\nmax({ data: new Int8Array([1, 2]), shape: [2] }, { axis: null }); // → 3", 1).code), /README line 2/);
  await assert.rejects(runBlock(instrument('1 + 1; // throws RangeError: no', 1).code));
});

// ---- Types: every block compiles under `strict`, with no cast, and each
// line whose comment names a typed array class (`// → Int32Array [4, 9]`,
// `{ min: Float64Array [..], max: .. }`, `{ data: Float64Array [..], shape:
// [..] }`) is assigned to a variable of that type, as a user would write it.

/** The type a comment's value names, or undefined when it names only values. */
export function namedType(value: string): string | undefined {
  const v = value.trim();
  const typed = /^(\w+Array) \[[^\]]*\]$/.exec(v);
  if (typed) return typed[1];
  if (/^\[[-\d., ]*\]$/.test(v)) return 'readonly number[]';
  const object = /^\{ (.*) \}$/.exec(v);
  if (!object) return undefined;
  // Split at top-level commas: values hold brackets but no braces.
  const fields: string[] = [];
  let depth = 0;
  let start = 0;
  const body = object[1];
  for (let i = 0; i < body.length; i++) {
    if (body[i] === '[') depth++;
    else if (body[i] === ']') depth--;
    else if (body[i] === ',' && depth === 0) {
      fields.push(body.slice(start, i));
      start = i + 1;
    }
  }
  fields.push(body.slice(start));
  const types = fields.map((f) => {
    const m = /^\s*(\w+): (.*)$/.exec(f);
    const t = m && namedType(m[2]);
    return m && t ? `${m[1]}: ${t}` : undefined;
  });
  return types.every((t) => t !== undefined) ? `{ ${types.join('; ')} }` : undefined;
}

/** A block as a strict module: imports on top, the rest in an async
 * function, each typed check assigned to a variable of its named type. */
export function typedBlock(block: string): { code: string; typed: number } {
  const imports: string[] = [];
  const body: string[] = [];
  let typed = 0;
  block.split('\n').forEach((text, k) => {
    if (/^import /.test(text)) return imports.push(text);
    const m = /^(\s*)(.*?);?\s*\/\/ → (.*?)(\s{2,}.*)?$/.exec(text);
    const type = m && namedType(m[3]);
    // A line that shows an error may be a compile error too (an unknown
    // option is one, by design): only what it throws is checked, above.
    if (/\/\/ throws /.test(text)) body.push('// @ts-ignore', text);
    else if (m && type) {
      typed++;
      body.push(`${m[1]}const __checked${k}: ${type} = ${m[2]}; void __checked${k};`);
    } else body.push(text);
  });
  return { code: `${imports.join('\n')}\nexport async function readmeBlock(): Promise<void> {\n${body.join('\n')}\n}\n`, typed };
}

/** Casts and `any` in a block's code (comments and strings left out; an
 * imported function named `any` is not a type). */
export function casts(block: string): string[] {
  return block
    .split('\n')
    .filter((line) => !/^import /.test(line))
    .map((line) => line.replace(/\/\/.*$/, '').replace(/'[^']*'|"[^"]*"|`[^`]*`/g, "''"))
    .filter((code) => /\bas\s+[\w{[(]/.test(code) || /:\s*any\b|<any>|\bas\s+any\b/.test(code));
}

/** Type errors of the blocks, compiled together against the built declarations. */
export function typeErrors(sources: { name: string; code: string }[]): string[] {
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2022.d.ts'],
    module: ts.ModuleKind.Node16,
    moduleResolution: ts.ModuleResolutionKind.Node16,
    types: ['node'],
    esModuleInterop: true,
    skipLibCheck: true,
    baseUrl: path.join(__dirname, '..', '..'),
    paths: { ndreduce: [path.join(__dirname, '..', 'src', 'index.d.ts')] },
  };
  const host = ts.createCompilerHost(options);
  const files = new Map(sources.map((s) => [path.join(__dirname, '..', '..', 'readme-blocks', s.name), s.code]));
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (file, lang, ...rest) => (files.has(file) ? ts.createSourceFile(file, files.get(file)!, lang) : getSourceFile(file, lang, ...rest));
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (file) => files.has(file) || fileExists(file);
  const program = ts.createProgram([...files.keys()], options, host);
  return ts
    .getPreEmitDiagnostics(program)
    .map((d) => `${d.file ? path.basename(d.file.fileName) + ':' + (d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1) + ': ' : ''}${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
}

test('every README block compiles under strict with no cast, its named result types included', () => {
  const sources = blocks.map((b) => ({ name: `line${b.line}.ts`, code: typedBlock(b.body).code }));
  assert.ok(blocks.reduce((n, b) => n + typedBlock(b.body).typed, 0) >= 20, 'the typed checks cover the README');
  for (const b of blocks) assert.deepEqual(casts(b.body), [], `README block at line ${b.line} casts`);
  assert.deepEqual(typeErrors(sources), []);
});

test('the type harness catches a wrong named type and a cast', () => {
  const wrong = typedBlock("import { max } from 'ndreduce';\nmax(new Int8Array([1, 2]), { axis: 0 }); // → Float64Array [2]");
  assert.equal(wrong.typed, 1);
  assert.match(typeErrors([{ name: 'wrong.ts', code: wrong.code }]).join('\n'), /Int8Array.* is not assignable to type 'Float64Array/);
  assert.deepEqual(casts("const y = x as Float64Array;\nconst z: any = 1;\nany([1]); // as said"), ['const y = x as Float64Array;', 'const z: any = 1;']);
  assert.equal(namedType('{ price: 4.25, qty: 7 }'), undefined, 'values name no type');
  assert.equal(namedType('{ min: Float64Array [1, 2], max: Float64Array [3, 4] }'), '{ min: Float64Array; max: Float64Array }');
});
