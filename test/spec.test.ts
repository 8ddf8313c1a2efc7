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

const native = addon();

test('the addon lists exactly the op table names, the dtypes and the error codes', () => {
  assert.ok(native, 'the addon is built');
  const sorted = (xs: readonly string[]) => [...xs].sort();
  assert.deepEqual(sorted(native.reductions()), sorted(OP_NAMES));
  assert.deepEqual(native.dtypes(), DTYPES.filter((d) => d.name !== 'uint8c').map((d) => d.name));
  // Every code the core raises is one of ours; the others only TypeScript detects.
  const ours = new Set<string>(Object.values(CODES));
  for (const code of native.errorCodes()) assert.ok(ours.has(code), `${code} is missing from CODES`);
  const tsOnly = Object.values(CODES).filter((c) => !native.errorCodes().includes(c));
  assert.deepEqual(sorted(tsOnly), sorted([CODES.UNKNOWN_OPTION, CODES.DETACHED, CODES.FREED, CODES.UNAVAILABLE, CODES.STORE]));
});

test('the addon takes every name it lists, and refuses others naming them', () => {
  assert.ok(native);
  const data = new Float64Array([1, 2, 3, 4]);
  const layout = pack({ threads: 0, shape: [2, 2], strides: [2, 1], axes: [0] }, 0);
  for (const op of OP_NAMES) assert.doesNotThrow(() => native.reduce(data, layout, op, 'auto'), op);
  assert.throws(
    () => native.reduce(data, layout, 'bogus' as never, 'auto'),
    (e: Error & { code?: string }) => e.code === CODES.BAD_OPTION && OP_NAMES.every((op) => e.message.includes(`"${op}"`)),
  );
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
  assert.equal(Object.keys(OPS).length, REDUCTIONS.length);
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
  { name: 'max', values: { axis: 0, keepdims: false, threads: 1, ignoreNaN: true, where: new Uint8Array([1, 1, 1, 0, 1, 1]) }, call: (o) => api.max(x, o) },
  { name: 'maxAsync', values: { axis: 0, threads: 1, signal: new AbortController().signal, where: [true, true, true] }, call: (o) => api.maxAsync(x, o) },
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
    // An unknown key from the prototype is the same mistake as an own one
    // (a known key inherited is read like an own one).
    const inherited = Object.assign(Object.create({ get axsi() { return 0; } }), e.values);
    await assert.rejects(
      async () => e.call(inherited),
      (err: Error & { code?: string }) => err.code === CODES.UNKNOWN_OPTION && /unknown option 'axsi'/.test(err.message),
      `${e.name}: inherited`,
    );
  }
});

/** A Zarr v3 array of `x` in one uncompressed chunk, written by hand (no
 * Python needed): the metadata and the chunk's little-endian bytes. */
const zarrDir = path.join(dir, 'x.zarr');
fs.mkdirSync(path.join(zarrDir, 'c', '0'), { recursive: true });
fs.writeFileSync(path.join(zarrDir, 'zarr.json'), JSON.stringify({
  zarr_format: 3, node_type: 'array', shape: [2, 3], data_type: 'float64',
  chunk_grid: { name: 'regular', configuration: { chunk_shape: [2, 3] } },
  chunk_key_encoding: { name: 'default', configuration: { separator: '/' } },
  fill_value: 0, codecs: [{ name: 'bytes', configuration: { endian: 'little' } }], attributes: {},
}));
fs.writeFileSync(path.join(zarrDir, 'c', '0', '0'), new Uint8Array(x.data.buffer));
const moved = path.join(dir, 'moved.npy');

/** The entries beyond the reductions of issue 16's list, each with every key it takes. */
const MORE_ENTRIES: typeof ENTRIES = [
  { name: 'Partial.result', values: { shared: true }, call: (o) => new api.Partial('max', { axis: 0 }).push(x).result(o) },
  {
    name: 'reduceZarr',
    values: { axis: 0, keepdims: false, ddof: 0, ignoreNaN: false, threads: 1, signal: new AbortController().signal, region: [[0, 2], null], concurrency: 2, onProgress: () => {} },
    call: (o) => api.reduceZarr(zarrDir, 'var', o),
  },
  { name: 'median', values: { axis: 0, keepdims: false, threads: 1, backend: 'js' }, call: (o) => api.median(x, o) },
  { name: 'quantileAsync', values: { axis: 1, keepdims: true, threads: 1, signal: new AbortController().signal, method: 'nearest' }, call: (o) => api.quantileAsync(x, 0.5, o) },
  { name: 'moveStd', values: { axis: 1, minCount: 1, ddof: 1, threads: 1, backend: 'js' }, call: (o) => api.moveStd(x, 2, o) },
  { name: 'moveMeanAsync', values: { axis: 0, minCount: 1, threads: 1, signal: new AbortController().signal }, call: (o) => api.moveMeanAsync(x, 2, o) },
  { name: 'loadNpy', values: { shared: true, expect: Float64Array }, call: (o) => api.loadNpy(file, o) },
  { name: 'resultShape', values: { axis: 0, keepdims: true }, call: (o) => api.resultShape(x, o) },
  { name: 'planShards of Zarr', values: { axis: 0, parts: 2, region: null }, call: (o) => api.planShards(zarrDir, o) },
  { name: 'planShards of .npy', values: { axis: 0, parts: 2, slab: 1 }, call: (o) => api.planShards(file, o) },
  {
    name: 'reduceShard',
    values: { ddof: 1, threads: 1, signal: new AbortController().signal, concurrency: 1 },
    call: async (o) => api.reduceShard((await api.planShards(zarrDir, { axis: 0, parts: 1 }))[0], 'var', o),
  },
  { name: 'moveFile', values: { axis: 1, minCount: 1, threads: 1, onProgress: () => {}, blockBytes: 64 }, call: (o) => api.moveFile(file, moved, 'moveMean', 2, o) },
];

test('Partial.result, reduceZarr, shards, .npy, resultShape, the quantile and the moving functions read each option once and refuse an unknown key', async () => {
  for (const e of MORE_ENTRIES) {
    const { options, reads } = counted(e.values);
    const result = await e.call(options);
    assert.ok(result !== undefined, e.name);
    for (const [key, n] of Object.entries(reads)) assert.equal(n, 1, `${e.name}: options.${key} read ${n} times`);
    await assert.rejects(
      async () => e.call({ ...e.values, axsi: 0 }),
      (err: Error & { code?: string }) => err.code === CODES.UNKNOWN_OPTION && /unknown option 'axsi'/.test(err.message),
      e.name,
    );
  }
});

/** Names from NumPy, pandas, SciPy, PyTorch and the array API, the key of
 * ours they mean (null: none yet), and the gist of the note the hint adds. */
const FOREIGN_NAMES: [name: string, ours: string | null, note: RegExp][] = [
  ['axes', 'axis', /^$/],
  ['dim', 'axis', /PyTorch's dim/],
  ['keepDims', 'keepdims', /^$/],
  ['keep_dims', 'keepdims', /^$/],
  ['keepdim', 'keepdims', /^$/],
  ['ignore_nan', 'ignoreNaN', /^$/],
  ['skipna', 'ignoreNaN', /pandas' skipna; here NaN propagates unless ignoreNaN is true/],
  ['nan_policy', 'ignoreNaN', /SciPy's nan_policy: 'omit' is ignoreNaN: true/],
  ['correction', 'ddof', /the array API's correction/],
  ['unbiased', 'ddof', /unbiased: true is ddof: 1/],
  ['where', null, /a where mask is taken by the reductions of arrays in memory/],
];

test('names people bring from NumPy, pandas and SciPy point to ours, on every entry that takes it', async () => {
  let pointed = 0;
  for (const e of ENTRIES) {
    for (const [name, ours, note] of FOREIGN_NAMES) {
      // The reductions of arrays in memory take `where` (test/where.test.ts).
      if (name === 'where' && 'where' in e.values) continue;
      const where = `${e.name}: ${name}`;
      await assert.rejects(async () => e.call({ ...e.values, [name]: 1 }), (err: Error & { code?: string }) => {
        assert.equal(err.code, CODES.UNKNOWN_OPTION, where);
        const m = /^unknown option '([^']*)': (.*) \(options: ([^)]*)\)$/.exec(err.message);
        assert.ok(m, `${where}: ${err.message}`);
        const [, key, hint, list] = m;
        assert.equal(key, name, where);
        const known = list.split(', ');
        if (ours === null) {
          assert.match(hint, note, where);
        } else if (known.includes(ours)) {
          // The note, when there is one, follows in parentheses.
          const [, suggested, rest] = /^did you mean '([^']*)'\?(?: \((.*)\))?$/.exec(hint) ?? [];
          assert.equal(suggested, ours, `${where}: ${hint}`);
          assert.match(rest ?? '', note, `${where}: ${hint}`);
          pointed++;
        } else {
          // An entry without our key gets the closest one it has, never ours.
          const [, suggested] = /^did you mean '([^']*)'\?$/.exec(hint) ?? [];
          assert.ok(known.includes(suggested), `${where}: ${hint}`);
        }
        return true;
      });
    }
  }
  assert.ok(pointed >= ENTRIES.length * 4, `${pointed} hints pointed to our key`);
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
