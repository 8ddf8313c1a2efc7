// .npy reading and writing: round-trips for every dtype and order, files
// NumPy itself wrote and reads back, and the malformed files it must refuse.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { encodeNpy, parseNpy, loadNpy, saveNpy } from '../src/io/npy';
import type { NpyArray, NpyInput } from '../src/io/npy';
import type { NpyTypedArray } from '../src/io/npy-header';
import { max } from '../src/index';
import { referenceMax } from './oracle';

type Ctor = { new (n: number): NpyTypedArray; BYTES_PER_ELEMENT: number; name: string };

// Each dtype with values that exercise its extremes.
const DTYPES: [string, Ctor, (i: number) => number | bigint][] = [
  ['|i1', Int8Array, (i) => ((i * 37) % 256) - 128],
  ['|u1', Uint8Array, (i) => (i * 37) % 256],
  ['<i2', Int16Array, (i) => ((i * 4099) % 65536) - 32768],
  ['<u2', Uint16Array, (i) => (i * 4099) % 65536],
  ['<i4', Int32Array, (i) => (i % 2 ? -1 : 1) * ((i * 2654435761) % 2 ** 31)],
  ['<u4', Uint32Array, (i) => (i * 2654435761) % 2 ** 32],
  ['<i8', BigInt64Array, (i) => (i % 3 === 0 ? -(2n ** 63n) + BigInt(i) : 2n ** 63n - 1n - BigInt(i * i))],
  ['<u8', BigUint64Array, (i) => 2n ** 64n - 1n - BigInt(i) * 1234567890123n],
  ['<f4', Float32Array, (i) => (i % 5 === 0 ? -0 : Math.fround(i / 7 - 3))],
  ['<f8', Float64Array, (i) => (i % 4 === 0 ? Number.NaN : i % 4 === 1 ? -Infinity : i * 1e300 - 1e-300)],
];

function filled(ctor: Ctor, n: number, f: (i: number) => number | bigint): NpyTypedArray {
  const a = new ctor(n) as unknown as { [i: number]: number | bigint };
  for (let i = 0; i < n; i++) a[i] = f(i);
  return a as unknown as NpyTypedArray;
}

/** The elements of an N-d view in C order, whatever its strides. */
function logical(x: NpyInput): (number | bigint)[] {
  const shape = x.shape ?? [x.data.length];
  const strides = x.strides ?? shape.map((_, k) => shape.slice(k + 1).reduce((a, b) => a * b, 1));
  const n = shape.reduce((a, b) => a * b, 1);
  const out: (number | bigint)[] = [];
  for (let flat = 0; flat < n; flat++) {
    let rest = flat;
    let at = x.offset ?? 0;
    for (let k = shape.length - 1; k >= 0; k--) {
      at += (rest % shape[k]) * strides[k];
      rest = Math.floor(rest / shape[k]);
    }
    out.push((x.data as unknown as { [i: number]: number | bigint })[at]);
  }
  return out;
}

/** Views of one buffer in the layouts a caller may hand `encodeNpy`. */
function layouts(ctor: Ctor, f: (i: number) => number | bigint): [string, NpyInput][] {
  const data = filled(ctor, 3 * 4 * 5 + 7, f);
  return [
    ['1-d', { data: data.subarray(0, 11) }],
    ['0-d', { data: data.subarray(3, 4), shape: [] }],
    ['empty', { data: data.subarray(0, 0), shape: [0, 4] }],
    ['C 3x4x5', { data: data.subarray(0, 60), shape: [3, 4, 5] }],
    ['C 3x4x5 offset 7', { data, shape: [3, 4, 5], offset: 7 }],
    ['F 3x4x5', { data, shape: [3, 4, 5], strides: [1, 3, 12] }],
    ['F 2-d offset 7', { data, shape: [6, 10], strides: [1, 6], offset: 7 }],
    ['strided and reversed', { data, shape: [4, 3], strides: [-2, 15], offset: 6 }],
    ['transposed 3-d', { data, shape: [5, 3, 4], strides: [1, 20, 5] }],
  ];
}

for (const [descr, ctor, f] of DTYPES) {
  test(`round-trip ${descr} (${ctor.name}) in every layout`, () => {
    for (const [name, x] of layouts(ctor, f)) {
      const bytes = encodeNpy(x);
      const headerEnd = bytes[6] === 1 ? 10 + (bytes[8] | (bytes[9] << 8)) : 0;
      assert.equal(bytes[6], 1, `${name}: version 1.0`);
      assert.equal(headerEnd % 64, 0, `${name}: data starts on a 64-byte boundary`);
      const back = parseNpy(bytes);
      assert.equal(back.dtype, descr, name);
      assert.ok(back.data instanceof ctor, `${name}: ${back.data.constructor.name}`);
      assert.deepEqual(back.shape, x.shape ?? [x.data.length], name);
      assert.deepEqual(logical(back), logical(x), name);
    }
  });
}

test('Fortran-order input is written as Fortran order and read back as strides, without a copy', () => {
  const data = BigInt64Array.from({ length: 12 }, (_, i) => BigInt(i));
  const bytes = encodeNpy({ data, shape: [3, 4], strides: [1, 3] });
  assert.match(new TextDecoder().decode(bytes.subarray(10, 80)), /'fortran_order': True/);
  const back = parseNpy(bytes);
  assert.deepEqual(back.strides, [1, 3]);
  assert.equal(back.data.buffer, bytes.buffer, 'a view of the file bytes');
  assert.deepEqual(back.data, data, 'memory order kept');
});

test('misaligned file bytes are copied into an aligned buffer', () => {
  const src = encodeNpy({ data: Float64Array.from([1.5, -2, 3e300]), shape: [3] });
  const padded = new Uint8Array(src.length + 3);
  padded.set(src, 3);
  const back = parseNpy(padded.subarray(3));
  assert.notEqual(back.data.buffer, padded.buffer);
  assert.deepEqual(Array.from(back.data as Float64Array), [1.5, -2, 3e300]);
  const aligned = parseNpy(src);
  assert.equal(aligned.data.buffer, src.buffer);
});

test('no header over NumPy\'s 10,000 bytes is written or read', () => {
  // 2,500 axes of length 1 need about 7,500 bytes; 4,000 about 12,000.
  const fits = encodeNpy({ data: new Int8Array([-5]), shape: new Array(2_500).fill(1) });
  assert.deepEqual(parseNpy(fits).shape.length, 2_500);
  assert.throws(() => encodeNpy({ data: new Int8Array([-5]), shape: new Array(4_000).fill(1) }), {
    name: 'RangeError',
    code: 'ERR_NDREDUCE_BAD_NPY',
    message: /4000 axes needs a header of \d+ bytes; NumPy and loadNpy read at most 10000/,
  });
  const dims = new Array(4_000).fill('1').join(', ');
  for (const major of [2, 3]) {
    assert.throws(() => parseNpy(file(`{'descr': '|i1', 'fortran_order': False, 'shape': (${dims}), }\n`, new Uint8Array([1]), major)), {
      name: 'RangeError',
      code: 'ERR_NDREDUCE_BAD_NPY',
      message: /the header claims \d+ bytes; headers over 10000 bytes are refused/,
    });
  }
});

/** A file with a hand-written header, for versions and malformed headers. */
function file(header: string, data: Uint8Array = new Uint8Array(0), major = 1): Uint8Array {
  const text = new TextEncoder().encode(header);
  const prefix = major === 1 ? 10 : 12;
  const out = new Uint8Array(prefix + text.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]);
  const dv = new DataView(out.buffer);
  if (major === 1) dv.setUint16(8, text.length, true);
  else dv.setUint32(8, text.length, true);
  out.set(text, prefix);
  out.set(data, prefix + text.length);
  return out;
}

const i8x2 = new Uint8Array(new BigInt64Array([7n, -9n]).buffer);

test('versions 2.0 and 3.0 (UTF-8 header) are read', () => {
  for (const major of [2, 3]) {
    const back = parseNpy(file("{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }    \n", i8x2, major));
    assert.deepEqual(Array.from(back.data as BigInt64Array), [7n, -9n]);
  }
  // Python 2 files spell shapes with longs; double quotes are legal Python too.
  const old = parseNpy(file('{"descr": "<i8", "fortran_order": False, "shape": (1L, 2L)}\n', i8x2));
  assert.deepEqual(old.shape, [1, 2]);
  assert.deepEqual(old.strides, [2, 1]);
});

test('a boolean array reads as Uint8Array', () => {
  const back = parseNpy(file("{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }\n", new Uint8Array([1, 0, 1])));
  assert.ok(back.data instanceof Uint8Array);
  assert.deepEqual(Array.from(back.data), [1, 0, 1]);
});

test('malformed files are refused with an error naming the problem', () => {
  const h = (descr: string, shape = '(2,)', fortran = 'False') => `{'descr': ${descr}, 'fortran_order': ${fortran}, 'shape': ${shape}, }\n`;
  const cases: [string, Uint8Array, typeof TypeError | typeof RangeError, RegExp][] = [
    ['not npy', new TextEncoder().encode('PK\x03\x04 this is a zip file'), TypeError, /magic string/],
    ['too short', new Uint8Array([0x93, 0x4e, 0x55]), TypeError, /magic/],
    ['version 4.0', file(h("'<i8'"), i8x2, 4), RangeError, /version 4\.0/],
    ['header past the end', file(h("'<i8'")).subarray(0, 40), RangeError, /header claims \d+ bytes/],
    ['not a dict', file("['<i8', False, (2,)]\n", i8x2), TypeError, /not a dict/],
    ['syntax', file("{'descr': '<i8' 'fortran_order': False}\n", i8x2), TypeError, /malformed header: expected ","/],
    ['unterminated', file("{'descr': '<i8\n", i8x2), TypeError, /unterminated string/],
    ['missing key', file("{'descr': '<i8', 'shape': (2,)}\n", i8x2), TypeError, /keys must be descr, fortran_order and shape, got descr, shape/],
    ['extra key', file("{'descr': '<i8', 'fortran_order': False, 'shape': (2,), 'x': 1}\n", i8x2), TypeError, /got descr, fortran_order, shape, x/],
    ['trailing junk', file(h("'<i8'") + 'junk', i8x2), TypeError, /trailing characters/],
    ['big-endian', file(h("'>i8'"), i8x2), TypeError, /big-endian dtype '>i8'/],
    ['complex', file(h("'<c16'"), i8x2), TypeError, /unsupported dtype '<c16'/],
    ['object', file(h("'|O'"), i8x2), TypeError, /unsupported dtype '\|O'/],
    ['structured', file(h("[('a', '<i4'), ('b', '<i4')]"), i8x2), TypeError, /structured/],
    ['shape not a tuple', file(h("'<i8'", '[2]'), i8x2), TypeError, /shape must be a tuple/],
    ['negative dimension', file(h("'<i8'", '(-2,)'), i8x2), RangeError, /shape\[0\] is -2/],
    ['non-integer dimension', file(h("'<i8'", "('2',)"), i8x2), TypeError, /shape\[0\] is not an integer/],
    ['fortran_order not bool', file(h("'<i8'", '(2,)', '0'), i8x2), TypeError, /fortran_order must be True or False/],
    ['truncated data', file(h("'<i8'", '(3,)'), i8x2), RangeError, /truncated: shape \(3\) of '<i8' needs 24 bytes, the file has 16/],
    ['huge shape', file(h("'<i8'", '(4294967296, 4294967296)'), i8x2), RangeError, /more than 2\^53 - 1 elements/],
  ];
  for (const [name, bytes, kind, message] of cases) {
    assert.throws(() => parseNpy(bytes), (e: Error) => {
      assert.ok(e instanceof kind, `${name}: ${e.constructor.name}: ${e.message}`);
      assert.match(e.message, message, name);
      return true;
    });
  }
});

test('encodeNpy refuses what it cannot describe', () => {
  const data = new Int32Array(6);
  assert.throws(() => encodeNpy({ data: [1, 2] as unknown as Int32Array }), TypeError);
  assert.throws(() => encodeNpy({ data, shape: [2, 4] }), { name: 'TypeError', code: 'ERR_NDREDUCE_BAD_ARRAY', message: 'x.shape [2, 4] needs 8 elements; x.data has 6' });
  assert.throws(() => encodeNpy({ data, shape: [2, 2] }), { name: 'TypeError', code: 'ERR_NDREDUCE_BAD_ARRAY', message: 'x.shape [2, 2] needs 4 elements; x.data has 6' });
  assert.throws(() => encodeNpy({ data, shape: [2, 4], strides: [4, 1] }), { code: 'ERR_NDREDUCE_OUT_OF_BOUNDS', message: /reaches element 7, past the end of data \(length 6\)/ });
  assert.throws(() => encodeNpy({ data, shape: [2, 3], strides: [1] }), { code: 'ERR_NDREDUCE_BAD_ARRAY', message: /x.strides must have 2 entries/ });
  assert.throws(() => encodeNpy({ data, shape: [2, -3] }), { name: 'RangeError', code: 'ERR_NDREDUCE_NEGATIVE' });
  assert.throws(() => encodeNpy({ data, shape: [3], strides: [-1] }), { code: 'ERR_NDREDUCE_OUT_OF_BOUNDS', message: /reaches element -2, before the start/ });
});

test('saveNpy and loadNpy through a file; a loaded int64 matrix goes straight into max()', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ndreduce-npy-'));
  try {
    const data = BigInt64Array.from({ length: 6 * 7 }, (_, i) => BigInt((i * 7919) % 101) - 50n);
    for (const [name, x] of [
      ['C', { data, shape: [6, 7] }],
      ['F', { data, shape: [6, 7], strides: [1, 6] }],
    ] as const) {
      const f = path.join(dir, `${name}.npy`);
      saveNpy(f, x);
      const back = loadNpy(f) as NpyArray<BigInt64Array>;
      assert.deepEqual(logical(back), logical(x), name);
      assert.deepEqual(max(back, { axis: 0 }), referenceMax(x as never, 0), name);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// ---- NumPy itself --------------------------------------------------------

const numpy = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' });
const noNumpy = numpy.status === 0 ? false : `NumPy is not importable from python3 (${(numpy.stderr || numpy.error?.message || '').trim().split('\n').pop()}); pip install numpy`;
if (noNumpy) console.log(`# skipped NumPy interop tests: ${noNumpy}`);

function python(script: string, args: string[]): string {
  const r = spawnSync('python3', ['-c', script, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

// Values go through JSON as strings so int64 and NaN/-0 survive exactly.
const PY_DUMP = `
import sys, json, numpy as np
def s(v):
    if isinstance(v, float) or isinstance(v, np.floating):
        return repr(float(v))
    return str(int(v))
out = []
for f in sys.argv[1:]:
    a = np.load(f)
    out.append({'dtype': a.dtype.str, 'shape': list(a.shape), 'fortran': bool(a.flags.f_contiguous and not a.flags.c_contiguous),
                'values': [s(v) for v in a.reshape(-1, order='C').tolist()]})
print(json.dumps(out))
`;

function asText(v: number | bigint): string {
  if (typeof v === 'bigint') return String(v);
  if (Number.isNaN(v)) return 'nan';
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  if (Object.is(v, -0)) return '-0.0';
  return String(v);
}

function pyFloat(text: string): number {
  return text === 'nan' ? NaN : text === 'inf' ? Infinity : text === '-inf' ? -Infinity : Number(text);
}

test('NumPy reads the files we write', { skip: noNumpy }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ndreduce-npy-'));
  try {
    const files: { file: string; descr: string; x: NpyInput; fortran: boolean }[] = [];
    for (const [descr, ctor, f] of DTYPES) {
      for (const [name, x] of layouts(ctor, f)) {
        const file = path.join(dir, `${descr.slice(1)}-${files.length}.npy`);
        saveNpy(file, x);
        files.push({ file, descr, x, fortran: name.startsWith('F') });
      }
    }
    const got = JSON.parse(python(PY_DUMP, files.map((f) => f.file))) as { dtype: string; shape: number[]; fortran: boolean; values: string[] }[];
    files.forEach(({ descr, x, fortran }, k) => {
      const g = got[k];
      const name = `${descr} file ${k}`;
      assert.equal(g.dtype, descr, name);
      assert.deepEqual(g.shape, x.shape ?? [x.data.length], name);
      if (g.values.length > 1) assert.equal(g.fortran, fortran, `${name} fortran_order`);
      const ours = logical(x);
      if (descr[1] === 'f') {
        // Python prints floats in shortest repr; compare as numbers (NaN == NaN, -0 vs 0 by sign).
        assert.deepEqual(g.values.map(pyFloat), ours.map(Number), name);
      } else {
        assert.deepEqual(g.values, ours.map(asText), name);
      }
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('we read the files NumPy writes (C and Fortran order, every dtype)', { skip: noNumpy }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ndreduce-npy-'));
  try {
    const script = `
import sys, json, numpy as np
d = sys.argv[1]
rng = np.random.default_rng(7)
meta = []
for dt in ['i1', 'u1', 'i2', 'u2', 'i4', 'u4', 'i8', 'u8', 'f4', 'f8', 'b1']:
    info = np.iinfo(dt) if dt[0] in 'iu' else None
    if dt == 'b1':
        a = rng.integers(0, 2, size=(3, 4, 5)).astype(bool)
    elif info is not None:
        a = rng.integers(info.min, info.max, size=(3, 4, 5), dtype=dt, endpoint=True)
    else:
        a = (rng.standard_normal((3, 4, 5)) * 1e6).astype(dt)
    for order, b in (('C', np.ascontiguousarray(a)), ('F', np.asfortranarray(a))):
        f = f'{d}/{dt}-{order}.npy'
        np.save(f, b)
        meta.append({'file': f, 'order': order, 'dtype': b.dtype.str,
                     'values': [repr(float(v)) if dt[0] == 'f' else str(int(v)) for v in a.reshape(-1).tolist()]})
# NumPy >= 1.x writes 2.0 itself only for huge headers; force it to prove we read what it writes.
np.lib.format.write_array(open(f'{d}/v2.npy', 'wb'), np.arange(6, dtype='<i8').reshape(2, 3), version=(2, 0))
np.lib.format.write_array(open(f'{d}/v3.npy', 'wb'), np.arange(6, dtype='<i8').reshape(2, 3), version=(3, 0))
print(json.dumps(meta))
`;
    const meta = JSON.parse(python(script, [dir])) as { file: string; order: string; dtype: string; values: string[] }[];
    assert.equal(meta.length, 22);
    for (const m of meta) {
      const a = loadNpy(m.file);
      assert.equal(a.dtype, m.dtype, m.file);
      assert.deepEqual(a.shape, [3, 4, 5], m.file);
      assert.deepEqual(a.strides, m.order === 'F' ? [1, 3, 12] : [20, 5, 1], m.file);
      const ours = logical(a);
      if (m.dtype[1] === 'f') assert.deepEqual(ours.map(Number), m.values.map(pyFloat), m.file);
      else assert.deepEqual(ours.map(asText), m.values, m.file);
    }
    for (const v of ['v2', 'v3']) {
      const bytes = fs.readFileSync(path.join(dir, `${v}.npy`));
      assert.equal(bytes[6], Number(v[1]), `${v} really is that version`);
      const a = loadNpy(path.join(dir, `${v}.npy`));
      assert.deepEqual(a.shape, [2, 3]);
      assert.deepEqual(Array.from(a.data as BigInt64Array), [0n, 1n, 2n, 3n, 4n, 5n]);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a 0-d array (a NumPy scalar) is written with shape () and read back as shape [] that every reduction takes', () => {
  for (const x of [{ data: Float64Array.of(2.5), shape: [] }, { data: BigInt64Array.of(5n, -3n), shape: [], offset: 1 }]) {
    const bytes = encodeNpy(x);
    assert.match(new TextDecoder().decode(bytes.subarray(10, 80)), /'shape': \(\), /);
    const back = parseNpy(bytes);
    assert.deepEqual(back.shape, []);
    assert.equal(back.data.length, 1);
    assert.deepEqual(logical(back), logical(x));
    assert.equal(max(back), logical(x)[0]);
  }
});
