// Values at the edges, against NumPy: a NaN `initial` (np.max(x,
// initial=np.nan) is NaN; np.nanmax ignores it), and `|b1` .npy files
// whose bytes are not 0 or 1 (NumPy reads any non-zero byte as True) in
// loadNpy, parseNpy, reduceFile and the CLI. Skipped, with a message,
// without NumPy.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import * as api from '../src/index';

const PYTHON = process.env.PYTHON ?? 'python3';
const hasNumpy = spawnSync(PYTHON, ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0;
const skip = !hasNumpy && 'python3 with numpy is not installed';
const CLI = path.join(__dirname, '..', 'src', 'cli', 'index.js');

/** Runs `code` in python3 with numpy as np and returns what it prints as JSON. */
function numpy(code: string, ...args: string[]): unknown {
  const r = spawnSync(PYTHON, ['-c', `import json, sys, warnings\nimport numpy as np\nwarnings.simplefilter('ignore')\n${code}`, ...args], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

const text = (v: unknown): string => (typeof v === 'number' ? (Number.isNaN(v) ? 'nan' : String(v)) : String(v));

test('initial: NaN propagates through max and min and is ignored by nanmax and nanmin, as NumPy', { skip }, async () => {
  const rows = [
    [1, 5, 3, 4],
    [NaN, 2, NaN, 0],
    [NaN, NaN, NaN, NaN],
  ];
  const ops = ['max', 'min', 'nanmax', 'nanmin'] as const;
  const want = numpy(
    `a = np.array(json.loads(sys.argv[1]), dtype=float)
out = {}
for op in ${JSON.stringify(ops)}:
    f = getattr(np, op)
    out[op] = {'all': [repr(float(f(r, initial=np.nan))) for r in a], 'axis1': [repr(float(v)) for v in f(a, axis=1, initial=np.nan)],
               'axis0': [repr(float(v)) for v in f(a, axis=0, initial=np.nan)], 'finite': [repr(float(v)) for v in f(a, axis=0, initial=-1.0 if 'max' in op else 9.0)]}
print(json.dumps(out))`,
    JSON.stringify(rows),
  ) as Record<string, Record<string, string[]>>;
  const flat = Float64Array.from(rows.flat());
  const x = { data: flat, shape: [3, 4] };
  const f32 = { data: Float32Array.from(flat), shape: [3, 4] };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ndreduce-edge-'));
  try {
    const file = path.join(dir, 'x.npy');
    api.saveNpy(file, x);
    for (const op of ops) {
      const w = want[op];
      const fn = api[op];
      const asyncFn = api[`${op}Async`];
      const same = (got: ArrayLike<number> | number, expected: string[], how: string) =>
        assert.deepEqual(Array.from(typeof got === 'number' ? [got] : got, text), expected.map((s) => text(Number(s))), `${op} ${how}`);
      rows.forEach((r, k) => same(fn(Float64Array.from(r), { initial: NaN }), [w.all[k]], `row ${k}`));
      same(fn(x, { axis: 1, initial: NaN }), w.axis1, 'axis 1');
      same(fn(x, { axis: 0, initial: NaN }), w.axis0, 'axis 0');
      same(fn(f32, { axis: 0, initial: NaN }), w.axis0, 'float32 axis 0');
      same(fn(x, { axis: 0, initial: NaN, backend: 'js' }), w.axis0, 'js backend');
      same(await asyncFn(x, { axis: 0, initial: NaN }), w.axis0, 'async');
      same((await api.reduceFile(file, op, { axis: 0, initial: NaN })) as Float64Array, w.axis0, 'reduceFile');
      same(fn(x, { axis: 0, initial: op.includes('max') ? -1 : 9 }), w.finite, 'finite initial');
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('|b1 .npy bytes other than 0 and 1 read as NumPy reads them (True), in memory, from files and on the CLI', { skip }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ndreduce-b1-'));
  try {
    const file = path.join(dir, 'b.npy');
    // NumPy writes the file; its data bytes are then set to 7, 0, 2 and 0, 5, 0.
    const want = numpy(
      `f = sys.argv[1]
np.save(f, np.zeros((2, 3), dtype=bool))
raw = bytearray(open(f, 'rb').read())
raw[-6:] = bytes([7, 0, 2, 0, 5, 0])
open(f, 'wb').write(bytes(raw))
a = np.load(f)
print(json.dumps({'data': a.astype(int).ravel().tolist(), 'sum': int(a.sum()), 'max': int(a.max()), 'sum0': a.sum(axis=0).tolist(),
                  'max1': a.max(axis=1).astype(int).tolist(), 'mean': float(a.mean()), 'count': int(np.count_nonzero(a))}))`,
      file,
    ) as { data: number[]; sum: number; max: number; sum0: number[]; max1: number[]; mean: number; count: number };
    const x = api.loadNpy(file);
    assert.deepEqual(Array.from(x.data as Uint8Array), want.data);
    assert.deepEqual(Array.from(api.parseNpy(fs.readFileSync(file)).data as Uint8Array), want.data);
    assert.equal(Number(api.sum(x)), want.sum);
    assert.equal(Number(api.max(x)), want.max);
    assert.equal(Number(await api.reduceFile(file, 'sum')), want.sum);
    assert.equal(Number(await api.reduceFile(file, 'max')), want.max);
    assert.deepEqual(Array.from((await api.reduceFile(file, 'sum', { axis: 0 })) as BigUint64Array, Number), want.sum0);
    assert.deepEqual(Array.from((await api.reduceFile(file, 'max', { axis: 1, windowBytes: 2 })) as Uint8Array), want.max1);
    assert.equal(await api.reduceFile(file, 'mean'), want.mean);
    assert.equal(Number(await api.reduceFile(file, 'countNonzero')), want.count);
    // The CLI, both loading the file and streaming it.
    for (const threshold of [undefined, '0']) {
      const env = { ...process.env, ...(threshold === undefined ? {} : { NDREDUCE_STREAM_THRESHOLD: threshold }) };
      const r = spawnSync(process.execPath, [CLI, 'sum', file], { encoding: 'utf8', env, timeout: 60_000 });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout.trim(), String(want.sum), `CLI sum (stream threshold ${threshold})`);
      const m = spawnSync(process.execPath, [CLI, 'max', file], { encoding: 'utf8', env, timeout: 60_000 });
      assert.equal(m.stdout.trim(), String(want.max), `CLI max (stream threshold ${threshold})`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the sign of a zero max or min follows one rule on every layout and path (+0 is the max of equal zeros, -0 the min)', { skip }, async () => {
  // NumPy has no rule: np.max([0.0, -0.0]) is -0.0 and np.max of its
  // reverse 0.0, and long arrays mix; it is the oracle for the values
  // and for lanes whose zeros all have one sign.
  const [R, C] = [40, 25];
  const data = new Float64Array(R * C);
  let s = 12345;
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    // Zeros of both signs, of one sign in some lanes, and the odd non-zero.
    const r = s % 10;
    data[i] = r < 4 ? 0 : r < 8 ? -0 : r === 8 ? -1 : 1;
  }
  for (let j = 0; j < C; j += 5) for (let i = 0; i < R; i++) if (data[i * C + j] === 0) data[i * C + j] = j % 10 ? -0 : 0;
  for (let j = 0; j < C; j++) if (data[j] === 1) data[j] = 0;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ndreduce-zero-'));
  try {
    const file = path.join(dir, 'z.npy');
    api.saveNpy(file, { data, shape: [R, C] });
    const want = numpy(
      `a = np.load(sys.argv[1])
out = {}
for op in ('max', 'min', 'nanmax', 'nanmin'):
    f = getattr(np, op)
    out[op] = [[[float(v), bool(np.signbit(v))] for v in f(a, axis=ax)] for ax in (0, 1)]
print(json.dumps(out))`,
      file,
    ) as Record<string, [number, boolean][][]>;
    const layouts = [
      { name: 'C', x: { data, shape: [R, C] }, swap: false },
      { name: 'reversed', x: { data, shape: [R, C], strides: [-C, -1], offset: R * C - 1 }, swap: false, reversed: true },
      { name: 'transposed', x: { data, shape: [C, R], strides: [1, C] }, swap: true },
    ];
    for (const op of ['max', 'min', 'nanmax', 'nanmin'] as const) {
      const isMax = op.endsWith('max');
      for (const axis of [0, 1]) {
        // The lanes of the C array along `axis`, and the rule's answer.
        const lanes = Array.from({ length: axis === 0 ? C : R }, (_, k) => Array.from({ length: axis === 0 ? R : C }, (_, i) => (axis === 0 ? data[i * C + k] : data[k * C + i])));
        const rule = lanes.map((lane) => {
          const best = isMax ? Math.max(...lane) : Math.min(...lane);
          return best === 0 ? (lane.some((v) => v === 0 && (isMax ? !Object.is(v, -0) : Object.is(v, -0))) ? (isMax ? 0 : -0) : isMax ? -0 : 0) : best;
        });
        want[op][axis].forEach(([v, neg], k) => {
          assert.ok(rule[k] === v, `${op} axis ${axis} lane ${k}: NumPy's value ${v}, the rule's ${rule[k]}`);
          const oneSign = lanes[k].filter((x) => x === 0).every((x, _i, zs) => Object.is(x, -0) === Object.is(zs[0], -0));
          if (rule[k] === 0 && oneSign) assert.equal(Object.is(rule[k], -0), neg, `${op} axis ${axis} lane ${k}: NumPy's sign of one-sign zeros`);
        });
        const results: [string, ArrayLike<number>][] = [];
        for (const l of layouts) {
          const ax = l.swap ? 1 - axis : axis;
          const fix = (r: ArrayLike<number>) => (l.reversed ? Array.from(r).reverse() : Array.from(r));
          results.push([`${l.name}`, fix(api[op](l.x, { axis: ax }) as Float64Array)]);
          results.push([`${l.name} threads 4`, fix(api[op](l.x, { axis: ax, threads: 4 }) as Float64Array)]);
          results.push([`${l.name} js`, fix(api[op](l.x, { axis: ax, backend: 'js' }) as Float64Array)]);
          results.push([`${l.name} minmax`, fix(((op.startsWith('nan') ? api.nanminmax : api.minmax)(l.x, { axis: ax }) as { min: Float64Array; max: Float64Array })[isMax ? 'max' : 'min'])]);
        }
        results.push(['reduceFile', (await api.reduceFile(file, op, { axis, windowBytes: 64 })) as Float64Array]);
        if (axis === 0 && !op.startsWith('nan')) {
          const p = new api.Partial(op, { axis: 0 });
          for (let r = 0; r < R; r += 3) p.push({ data: data.subarray(r * C, Math.min(R, r + 3) * C), shape: [Math.min(3, R - r), C] });
          results.push(['Partial', p.result() as Float64Array]);
        }
        for (const [how, got] of results) {
          assert.deepEqual(Array.from(got, (v) => (Object.is(v, -0) ? '-0' : String(v))), rule.map((v) => (Object.is(v, -0) ? '-0' : String(v))), `${op} axis ${axis} ${how}`);
        }
      }
    }
    // The whole array, contiguous and reversed: one sign.
    const rev = { data, shape: [R * C], strides: [-1], offset: R * C - 1 };
    assert.ok(Object.is(api.max(data), api.max(rev)) && Object.is(api.min(data), api.min(rev)));
    assert.ok(Object.is(api.max(Float64Array.of(0, -0)), 0) && Object.is(api.max({ data: Float64Array.of(0, -0), shape: [2], strides: [-1], offset: 1 }), 0));
    assert.ok(Object.is(api.min(Float64Array.of(0, -0)), -0) && Object.is(api.min({ data: Float64Array.of(0, -0), shape: [2], strides: [-1], offset: 1 }), -0));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
