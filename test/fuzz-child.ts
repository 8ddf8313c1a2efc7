// Child process of fuzz.test.ts: fast-check over the two readers of bytes
// from outside, run here so that a crash or a runaway allocation fails the
// test, not the runner. Every input must be accepted with the honest
// result, or refused with a coded error; nothing else (an uncoded error, a
// wrong result) passes. `partial` mutates honest Partial bytes; `npy`
// writes generated and mutated headers to files that NumPy reads too.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import fc from 'fast-check';

import { Partial } from '../src/merge/partial';
import { PARTIAL_OPS } from '../src/merge/partial-spec';
import type { PartialOp } from '../src/merge/partial-spec';
import { parseNpy } from '../src/io/npy';
import type { NpyArray } from '../src/io/npy';
import { hasCode } from '../src/spec/errors';

const SEED = Number(process.env.NDREDUCE_FUZZ_SEED ?? 20260603);
const RUNS = Number(process.env.NDREDUCE_FUZZ_RUNS ?? 400);

/** Runs `f`: its value, or the coded error it threw (any other error fails). */
function outcome<T>(f: () => T, where: () => string): { ok: true; value: T } | { ok: false; code: string } {
  try {
    return { ok: true, value: f() };
  } catch (e) {
    if (!hasCode(e)) throw new Error(`uncoded ${(e as Error)?.constructor?.name}: ${(e as Error)?.message} for ${where()}`);
    return { ok: false, code: e.code };
  }
}

/** Equal results: elementwise by value (a bigint sum read as uint64 equals
 * its int64 twin), NaN equal to NaN, -0 distinct from 0. */
function same(a: unknown, b: unknown): boolean {
  if (ArrayBuffer.isView(a) && ArrayBuffer.isView(b)) {
    const x = Array.from(a as unknown as ArrayLike<unknown>);
    const y = Array.from(b as unknown as ArrayLike<unknown>);
    return x.length === y.length && x.every((v, k) => same(v, y[k]));
  }
  if (typeof a === 'bigint' || typeof b === 'bigint') return String(a) === String(b);
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return Object.is(a, b);
}

// ---- Partial bytes ---------------------------------------------------------

const CTORS = [Float64Array, Int32Array, BigInt64Array, Uint8Array] as const;

const honestCase = fc.record({
  op: fc.constantFrom(...PARTIAL_OPS),
  ctor: fc.constantFrom(...CTORS),
  rowShape: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 2 }),
  axisKind: fc.constantFrom('all', 'first', 'firstAndLast'),
  start: fc.integer({ min: 0, max: 5 }),
  ddof: fc.constantFrom(0, 1),
  cuts: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 3 }),
  values: fc.array(fc.integer({ min: -50, max: 50 }), { minLength: 64, maxLength: 64 }),
});

type Honest = { op: PartialOp; options: { axis: null | number | number[]; start: number; ddof?: number }; chunks: { data: ArrayBufferView; shape: number[] }[] };

type Of<A> = A extends fc.Arbitrary<infer T> ? T : never;

function build(c: Of<typeof honestCase>): Honest {
  const ndim = c.rowShape.length + 1;
  const axis = c.axisKind === 'all' ? null : c.axisKind === 'first' ? 0 : [0, ndim - 1];
  const inner = c.rowShape.reduce((a, b) => a * b, 1);
  let k = 0;
  const chunks = c.cuts.map((rows) => {
    const n = rows * inner;
    const raw = Array.from({ length: n }, () => c.values[k++ % c.values.length]);
    const data = c.ctor === BigInt64Array ? BigInt64Array.from(raw, BigInt) : c.ctor === Uint8Array ? Uint8Array.from(raw, (v) => v + 50) : new (c.ctor as Float64ArrayConstructor)(raw);
    return { data, shape: [rows, ...c.rowShape] };
  });
  const takesDdof = c.op === 'var' || c.op === 'std';
  return { op: c.op, options: { axis, start: c.start, ...(takesDdof ? { ddof: c.ddof } : {}) }, chunks };
}

function resultOf(h: Honest, options = h.options, op = h.op): ReturnType<typeof outcome> {
  return outcome(() => {
    const p = new Partial(op, options);
    for (const chunk of h.chunks) p.push(chunk);
    return p.result();
  }, () => 'the honest partial');
}

function reseal(json: string, body: Uint8Array): Uint8Array {
  const text = new TextEncoder().encode(json);
  const at = Math.ceil((16 + text.length) / 8) * 8;
  const out = new Uint8Array(at + body.length);
  out.set(new TextEncoder().encode('NDRPART2'));
  new DataView(out.buffer).setUint32(8, text.length, true);
  out.set(text, 16);
  out.set(body, at);
  new DataView(out.buffer).setUint32(12, zlib.crc32(out.subarray(16)) >>> 0, true);
  return out;
}

const KEYS = ['op', 'axis', 'ddof', 'start', 'cursor', 'spans', 'dtype', 'ndim', 'axes', 'keptShape', 'rows', 'fields', '__proto__', 'extra'];
// Values a liar would try, beside arbitrary JSON.
const LIES = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(-5, -1.5, -1, 0, 1, 2, 3, 1e300, 2 ** 53, 'int64', 'float64', 'uint8c', 'max', 'argmax', 'var', null, [], [0], [1], [0, 0], [[0, 1]], [['__proto__', 'float64', 8]]),
);

const mutation = fc.oneof(
  fc.constant({ kind: 'none' as const }),
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('key' as const), key: fc.constantFrom(...KEYS), value: LIES, drop: fc.boolean() }),
);

function fuzzPartial(): void {
  fc.assert(
    fc.property(honestCase, mutation, (c, m) => {
      const h = build(c);
      const honest = resultOf(h);
      const p = new Partial(h.op, h.options);
      for (const chunk of h.chunks) p.push(chunk);
      const bytes = p.toBytes();
      let input = bytes;
      let options = h.options;
      let op = h.op;
      if (m.kind === 'flip') {
        input = bytes.slice();
        input[m.at % bytes.length] ^= 1 << m.bit;
      } else if (m.kind === 'cut') {
        input = bytes.subarray(0, m.at % bytes.length);
      } else if (m.kind === 'key') {
        const len = new DataView(bytes.buffer).getUint32(8, true);
        const head = JSON.parse(new TextDecoder().decode(bytes.subarray(16, 16 + len)));
        const body = bytes.subarray(Math.ceil((16 + len) / 8) * 8);
        let json: string;
        if (m.drop) {
          delete head[m.key];
          json = JSON.stringify(head);
        } else if (m.key === '__proto__') {
          json = JSON.stringify(head).replace('{', `{"__proto__":${JSON.stringify(m.value)},`);
        } else {
          head[m.key] = m.value;
          json = JSON.stringify(head);
        }
        input = reseal(json, body);
        // The honest result for what the bytes now claim: the same chunks
        // under the claimed op, axis and ddof (start and cursor say where
        // later pushes go; the values held were reduced from the true start).
        op = head.op;
        options = { axis: head.axis, start: h.options.start, ...(head.ddof !== 0 && head.ddof !== undefined ? { ddof: head.ddof } : {}) };
      }
      const where = () => `${JSON.stringify(c)} ${JSON.stringify(m)}`;
      const got = outcome(() => Partial.fromBytes(input), where);
      if (m.kind === 'flip' || m.kind === 'cut') assert.equal(got.ok, false, `a changed byte was accepted: ${where()}`);
      if (!got.ok) return;
      const value = outcome(() => got.value.result(), where);
      // Another op or dtype of the same state layout (argmin for argmax,
      // uint32 for int32 sums) reads the same values another way: a lie
      // no reader can see, like a changed value (the checksum catches
      // accidents, not liars). Such bytes must still give a result or a
      // coded error, which outcome() asserted.
      if (m.kind === 'key' && !m.drop && (m.key === 'op' || m.key === 'dtype')) return;
      const expected = m.kind === 'none' ? honest : resultOf(h, options, op);
      if (!value.ok || !expected.ok) {
        assert.ok(!value.ok && !expected.ok, `accepted with ${value.ok ? 'a result' : 'an error'} where the honest partial gives ${expected.ok ? 'a result' : 'an error'}: ${where()}`);
        return;
      }
      assert.ok(same(value.value, expected.value), `accepted with ${String(value.value)} where the honest result is ${String(expected.value)}: ${where()}`);
    }),
    { seed: SEED, numRuns: RUNS },
  );
}

// ---- .npy headers, against NumPy --------------------------------------------

const DESCRS = ['<i1', '|i1', '|u1', '|b1', '<i2', '<u2', '<i4', '=i4', '<u4', '<i8', '<u8', '<f4', '<f8', '>i4', '>f8', '<c16', '|O', '<f2', '<U3'];

const headerCase = fc.record({
  descr: fc.constantFrom(...DESCRS),
  fortran: fc.boolean(),
  shape: fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 }),
  major: fc.constantFrom(1, 2, 3),
  order: fc.constantFrom([0, 1, 2], [2, 1, 0], [1, 0, 2]),
  quote: fc.constantFrom("'", '"'),
  space: fc.constantFrom('', ' ', '  ', '\t'),
  trailingComma: fc.boolean(),
  long: fc.boolean(),
  pad: fc.integer({ min: 0, max: 80 }),
  extraData: fc.oneof({ arbitrary: fc.integer({ min: 0, max: 8 }), weight: 3 }, { arbitrary: fc.integer({ min: -8, max: -1 }), weight: 1 }),
  edits: fc.oneof({ arbitrary: fc.constant([]), weight: 2 }, { arbitrary: fc.array(fc.record({ at: fc.nat(), op: fc.constantFrom('insert', 'delete', 'replace'), ch: fc.constantFrom(...'{}()[],:\'" \t\n\\0123456789-LTrueFalsNonedscrhap_\u00a0\u00e9x'.split('')) }), { minLength: 1, maxLength: 3 }), weight: 3 }),
  // Most cases tell the header's length; some are a few bytes off, some claim far more.
  delta: fc.oneof({ arbitrary: fc.constant(0), weight: 6 }, { arbitrary: fc.integer({ min: -3, max: 3 }), weight: 1 }),
  claim: fc.oneof({ arbitrary: fc.constant(null), weight: 12 }, { arbitrary: fc.constantFrom(10_001, 65_535, 600_000_000, 2 ** 32 - 1), weight: 1 }),
});

/** The file bytes of a header case, and its data bytes. */
function npyFile(h: Of<typeof headerCase>, seed: number): Uint8Array {
  const q = h.quote;
  const sp = h.space;
  const dims = h.shape.map((d) => `${d}${h.long ? 'L' : ''}`);
  const shape = dims.length === 1 ? `(${dims[0]},)` : `(${dims.join(`,${sp}`)})`;
  const items = [`${q}descr${q}:${sp}${q}${h.descr}${q}`, `${q}fortran_order${q}:${sp}${h.fortran ? 'True' : 'False'}`, `${q}shape${q}:${sp}${shape}`];
  let text = `{${h.order.map((k) => items[k]).join(`,${sp}`)}${h.trailingComma ? ',' : ''}}${' '.repeat(h.pad)}\n`;
  for (const e of h.edits) {
    const at = e.at % (text.length + 1);
    text = e.op === 'insert' ? text.slice(0, at) + e.ch + text.slice(at) : e.op === 'delete' ? text.slice(0, at) + text.slice(at + 1) : text.slice(0, at) + e.ch + text.slice(at + 1);
  }
  const headerBytes = h.major === 3 ? new TextEncoder().encode(text) : Uint8Array.from(text, (c) => c.charCodeAt(0) & 0xff);
  const size = Number(/\d+/.exec(h.descr)?.[0] ?? 1);
  const count = h.shape.reduce((a, b) => a * b, 1);
  const dataLength = Math.max(0, count * size + h.extraData);
  const prefix = h.major === 1 ? 10 : 12;
  const out = new Uint8Array(prefix + headerBytes.length + dataLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, h.major, 0]);
  const claim = h.claim ?? Math.max(0, headerBytes.length + h.delta);
  const dv = new DataView(out.buffer);
  if (h.major === 1) dv.setUint16(8, Math.min(claim, 0xffff), true);
  else dv.setUint32(8, claim, true);
  out.set(headerBytes, prefix);
  for (let i = prefix + headerBytes.length, x = seed; i < out.length; i++) out[i] = x = (x * 1103515245 + 12345) & 0xff;
  return out;
}

const PY = `
import sys, json, numpy as np
out = []
for f in sys.argv[1:]:
    try:
        a = np.load(f, allow_pickle=False)
        out.append({'ok': True, 'kind': a.dtype.kind, 'size': a.dtype.itemsize, 'shape': list(a.shape), 'hex': np.ascontiguousarray(a.astype(np.uint8) if a.dtype.kind == 'b' else a).tobytes().hex() if a.dtype.byteorder != '>' else ''})
    except Exception as e:
        out.append({'ok': False, 'error': type(e).__name__})
print(json.dumps(out))
`;

/** Our array's elements in C order, as the hex of their bytes. */
function cOrderHex(x: NpyArray): string {
  const size = x.data.BYTES_PER_ELEMENT;
  const bytes = new Uint8Array(x.data.buffer, x.data.byteOffset, x.data.byteLength);
  const count = x.shape.reduce((a, b) => a * b, 1);
  const idx = new Array<number>(x.shape.length).fill(0);
  let hex = '';
  for (let n = 0; n < count; n++) {
    const at = x.offset + idx.reduce((a, i, k) => a + i * x.strides[k], 0);
    for (let b = 0; b < size; b++) hex += bytes[at * size + b].toString(16).padStart(2, '0');
    for (let k = x.shape.length - 1; k >= 0 && ++idx[k] === x.shape[k]; k--) idx[k] = 0;
  }
  return hex;
}

function fuzzNpy(): void {
  const cases = fc.sample(headerCase, { seed: SEED, numRuns: Number(process.env.NDREDUCE_FUZZ_RUNS ?? 300) });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ndreduce-fuzz-'));
  try {
    const files = cases.map((h, k) => {
      const file = path.join(dir, `${k}.npy`);
      fs.writeFileSync(file, npyFile(h, k));
      return file;
    });
    const numpy = spawnSync('python3', ['-c', PY, ...files], { encoding: 'utf8', maxBuffer: 1 << 26 });
    assert.equal(numpy.status, 0, numpy.stderr);
    const theirs = JSON.parse(numpy.stdout) as { ok: boolean; kind?: string; size?: number; shape?: number[]; hex?: string }[];
    let accepted = 0;
    files.forEach((file, k) => {
      const where = () => `${JSON.stringify(cases[k])}`;
      const ours = outcome(() => parseNpy(new Uint8Array(fs.readFileSync(file))), where);
      if (!ours.ok) return;
      accepted++;
      const t = theirs[k];
      assert.ok(t.ok, `we read what NumPy refuses (${JSON.stringify(t)}): ${where()}`);
      assert.deepEqual(ours.value.shape, t.shape, where());
      assert.equal(ours.value.data.BYTES_PER_ELEMENT, t.size, where());
      assert.equal(cOrderHex(ours.value), t.hex, where());
    });
    process.stdout.write(JSON.stringify({ cases: cases.length, accepted }));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const mode = process.argv[2];
if (mode === 'partial') {
  fuzzPartial();
  process.stdout.write(JSON.stringify({ runs: RUNS }));
} else if (mode === 'npy') fuzzNpy();
else throw new Error('usage: fuzz-child partial|npy');
