// The edges between the op table (src/spec/ops.ts) and everything that must
// agree with it: the addon's op list, its error codes and messages, and the
// options reader every public entry goes through.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import * as A from 'apache-arrow';

import { addon } from '../src/addon/load';
import { pack } from '../src/addon/wire';
import * as api from '../src/index';
import { DTYPES } from '../src/spec/dtypes';
import { CODES } from '../src/spec/errors';
import { OP_NAMES, OPS, REDUCTIONS, spec } from '../src/spec/ops';

const ROOT = path.join(__dirname, '..', '..');
const native = addon();

test('the addon takes exactly the op table names', () => {
  assert.ok(native, 'the addon is built');
  const data = new Float64Array([1, 2, 3, 4]);
  const layout = pack({ threads: 0, shape: [2, 2], strides: [2, 1], axes: [0] }, 0);
  for (const op of OP_NAMES) assert.doesNotThrow(() => native.reduce(data, layout, op, 'auto'), op);
  // Its refusal lists what it takes.
  const refusal = (() => {
    try {
      native.reduce(data, layout, 'bogus' as never, 'auto');
    } catch (e) {
      return e as Error & { code: string };
    }
  })();
  assert.equal(refusal?.code, CODES.BAD_OPTION);
  const listed = [...(refusal?.message.match(/expected one of (.*)\)/)?.[1].matchAll(/"(\w+)"/g) ?? [])].map((m) => m[1]);
  assert.deepEqual([...listed].sort(), [...OP_NAMES].sort());
});

test('every error code the core raises is one of CODES', () => {
  const rust = fs.readFileSync(path.join(ROOT, 'crates', 'core', 'src', 'error.rs'), 'utf8');
  const raised = new Set([...rust.matchAll(/"(ERR_NDREDUCE_[A-Z_]+|ABORT_ERR)"/g)].map((m) => m[1]));
  assert.ok(raised.size >= 10, `read ${raised.size} codes from error.rs`);
  const ours = new Set<string>(Object.values(CODES));
  for (const code of raised) assert.ok(ours.has(code), `${code} (crates/core/src/error.rs) is missing from CODES`);
});

test('an empty axis gives the same error from the validator and from the addon', () => {
  assert.ok(native);
  const empty = { data: new Float64Array(0), shape: [0, 3] };
  const layout = pack({ threads: 0, shape: [0, 3], strides: [3, 1], axes: [0] }, 0);
  for (const r of REDUCTIONS) {
    const name = spec(r).noIdentity;
    const fn = (api as unknown as Record<string, (x: unknown, o: unknown) => unknown>)[r];
    if (name === null) {
      assert.doesNotThrow(() => fn(empty, { axis: 0 }), r);
      continue;
    }
    let ours: (Error & { code?: string }) | undefined;
    let theirs: (Error & { code?: string }) | undefined;
    try {
      fn(empty, { axis: 0 });
    } catch (e) {
      ours = e as Error;
    }
    try {
      native.reduce(empty.data, layout, r, 'auto');
    } catch (e) {
      theirs = e as Error;
    }
    assert.equal(ours?.code, CODES.ZERO_SIZE, r);
    assert.equal(theirs?.code, CODES.ZERO_SIZE, r);
    assert.equal(ours?.message, theirs?.message, r);
  }
});

test('every public name of the table is a function, with an async twin', () => {
  for (const name of OP_NAMES) {
    const table = api as unknown as Record<string, unknown>;
    assert.equal(typeof table[name], 'function', name);
    assert.equal(typeof table[`${name}Async`], 'function', `${name}Async`);
  }
  // The Rust side knows the dtypes the table does (uint8c reads as uint8).
  assert.deepEqual(
    DTYPES.filter((d) => d.name !== 'uint8c').map((d) => d.name),
    ['int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64', 'float32', 'float64'],
  );
  assert.ok(Object.keys(OPS).length === REDUCTIONS.length);
});

/** An options object whose getters count their reads. */
function counted(values: Record<string, unknown>): { options: object; reads: Record<string, number> } {
  const reads: Record<string, number> = {};
  const options = {};
  for (const [key, value] of Object.entries(values)) {
    reads[key] = 0;
    Object.defineProperty(options, key, {
      enumerable: true,
      get() {
        reads[key]++;
        return value;
      },
    });
  }
  return { options, reads };
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ndreduce-spec-'));
const file = path.join(dir, 'x.npy');
api.saveNpy(file, { data: new Float64Array([1, 2, 3, 4, 5, 6]), shape: [2, 3] });
const x = { data: new Float64Array([1, 2, 3, 4, 5, 6]), shape: [2, 3] };
const table = A.tableFromArrays({ a: new Float64Array([1, 2, 3]) });

/** Each entry with options of every key it takes; `call` runs it. */
const ENTRIES: { name: string; values: Record<string, unknown>; call: (options: object) => unknown }[] = [
  { name: 'max', values: { axis: 0, keepdims: false, threads: 1, ignoreNaN: true }, call: (o) => api.max(x, o) },
  { name: 'maxAsync', values: { axis: 0, threads: 1, signal: new AbortController().signal }, call: (o) => api.maxAsync(x, o) },
  { name: 'reduceFile', values: { axis: 0, threads: 1, onProgress: () => {}, windowBytes: 64 }, call: (o) => api.reduceFile(file, 'max', o) },
  { name: 'new Partial', values: { axis: 0, ddof: 1, start: 0 }, call: (o) => new api.Partial('var', o) },
  { name: 'reduceChunks', values: { axis: 0, ddof: 1, signal: new AbortController().signal }, call: (o) => api.reduceChunks([x], 'var', o) },
  { name: 'reduceColumns', values: { ddof: 1, ignoreNaN: true }, call: (o) => api.reduceColumns(table, 'var', o) },
];

test('every entry reads each option once and refuses an unknown key', async () => {
  for (const e of ENTRIES) {
    const { options, reads } = counted(e.values);
    await e.call(options);
    for (const [key, n] of Object.entries(reads)) assert.equal(n, 1, `${e.name}: options.${key} read ${n} times`);
    const typo = { ...e.values, axsi: 0 };
    await assert.rejects(
      async () => e.call(typo),
      (err: Error & { code?: string }) => err.code === CODES.UNKNOWN_OPTION && /unknown option 'axsi'/.test(err.message),
      e.name,
    );
  }
});

test('Partial.push reads a chunk once', () => {
  const reads: Record<string, number> = { data: 0, shape: 0 };
  const chunk = {
    get data() {
      reads.data++;
      return x.data;
    },
    get shape() {
      reads.shape++;
      return x.shape;
    },
  };
  new api.Partial('std', { axis: 0 }).push(chunk);
  assert.deepEqual(reads, { data: 1, shape: 1 });
});

test.after(() => fs.rmSync(dir, { recursive: true, force: true }));
