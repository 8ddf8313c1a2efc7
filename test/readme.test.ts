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
