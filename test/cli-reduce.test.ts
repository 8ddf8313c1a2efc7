// `ndreduce <op> FILE.npy`: the CLI spawned on temporary .npy files,
// printed and --out results against the library's own answers.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { argmax, loadNpy, max, min, minmax, saveNpy, sum } from '../src/index';

const CLI = path.join(__dirname, '..', 'bench', 'cli.js');
const cli = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });

function withFiles(body: (dir: string) => void): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ndreduce-cli-'));
  try {
    body(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const cube = () => ({ data: Int16Array.from({ length: 24 }, (_, i) => ((i * 7) % 24) - 9), shape: [2, 3, 4] });

test('printed results follow the result shape', () => {
  withFiles((dir) => {
    const file = path.join(dir, 'cube.npy');
    const x = cube();
    saveNpy(file, x);
    const rows = (a: ArrayLike<number | bigint>, n: number) =>
      Array.from({ length: a.length / n }, (_, r) => `[${Array.from(a).slice(r * n, r * n + n).join(', ')}]`);
    const m = max(x, { axis: 0 });
    let r = cli(['max', file, '--axis', '0']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `[${rows(m, 4).join(', ')}]\n`);
    r = cli(['sum', file, '--axis', '0,2']);
    assert.equal(r.stdout, `[${Array.from(sum(x, { axis: [0, 2] })).join(', ')}]\n`);
    r = cli(['argmax', file, '--axis', '-1']);
    assert.equal(r.stdout, `[${rows(argmax(x, { axis: -1 }), 3).join(', ')}]\n`);
    r = cli(['minmax', file, '--axis', 'none']);
    const all = minmax(x, { axis: null });
    assert.equal(r.stdout, `min: ${all.min}\nmax: ${all.max}\n`);
    r = cli(['min', file, '--axis', 'none', '--threads', '2']);
    assert.equal(r.stdout, `${min(x, { axis: null })}\n`);
  });
});

test('--out writes the result as .npy, with the result shape', () => {
  withFiles((dir) => {
    const file = path.join(dir, 'f.npy');
    const x = { data: new Float64Array([1.5, NaN, 3, -1, 8, 2]), shape: [3, 2], strides: [1, 3] };
    saveNpy(file, x);
    const out = path.join(dir, 'out.npy');
    assert.equal(cli(['max', file, '--axis', '1', '--ignore-nan', '--out', out]).status, 0);
    const back = loadNpy(out);
    assert.deepEqual(back.shape, [3]);
    assert.deepEqual(Array.from(back.data as Float64Array), [1.5, 8, 3]);
    assert.equal(cli(['minmax', file, '--axis', '0', '--out', out]).status, 0);
    const mm = loadNpy(out);
    assert.deepEqual(mm.shape, [2, 2]);
    assert.ok(Number.isNaN((mm.data as Float64Array)[0]), 'NaN propagates without --ignore-nan');
    assert.equal(cli(['sum', path.join(dir, 'f.npy'), '--axis', 'none', '--out', out]).status, 0);
    assert.deepEqual(loadNpy(out).shape, []);
    const i8 = path.join(dir, 'i8.npy');
    saveNpy(i8, { data: Int8Array.from([127, 127, -128]), shape: [3] });
    assert.equal(cli(['sum', i8, '--axis', 'none', '--out', out]).status, 0);
    assert.deepEqual(loadNpy(out).data, BigInt64Array.from([126n]), 'int8 sums as int64');
  });
});

test('usage errors exit 2, bad reductions exit 1 with the library message', () => {
  withFiles((dir) => {
    const file = path.join(dir, 'cube.npy');
    saveNpy(file, cube());
    let r = cli(['max']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /expected one .npy file, got 0/);
    r = cli(['max', file, '--axis', 'rows']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--axis must be an integer, a list like 0,1, or none, got "rows"/);
    r = cli(['max', file, '--axis', '3']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /ndreduce max: --axis 3 is out of range for a 3-D array/);
    r = cli(['prod', file, '--ignore-nan']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /ndreduce prod: unknown option --ignore-nan/);
    r = cli(['sum', file, '--dtype', 'int32']);
    assert.equal(r.status, 2);
    r = cli(['min', path.join(dir, 'missing.npy')]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^ndreduce min: ENOENT/);
    r = cli(['argmin', '--help']);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /Usage: ndreduce argmin FILE.npy/);
  });
});

test('the new reductions, --keepdims and --dtype', () => {
  withFiles((dir) => {
    const file = path.join(dir, 'i.npy');
    saveNpy(file, { data: Int32Array.from([1, 2, 3, 4, 5, 6]), shape: [2, 3] });
    const out = (args: string[]) => {
      const r = cli(args);
      assert.equal(r.status, 0, r.stderr);
      return r.stdout;
    };
    assert.equal(out(['mean', file]), '3.5\n');
    assert.equal(out(['var', file, '--axis', '1', '--ddof', '1']), '[1, 1]\n');
    assert.equal(out(['sum', file, '--axis', '0', '--keepdims']), '[[5, 7, 9]]\n');
    assert.equal(out(['sum', file, '--keepdims']), '[[21]]\n');
    assert.equal(out(['prod', file, '--dtype', 'float64']), '720\n');
    assert.equal(out(['countNonzero', file, '--axis', '0']), '[2, 2, 2]\n');
    assert.equal(out(['ptp', file, '--axis', '-1']), '[2, 2]\n');
    assert.equal(out(['std', file]), `${Math.sqrt(35 / 12)}\n`);
    assert.equal(out(['all', file]), '1\n');
  });
});

test('a 0-d file (a NumPy scalar) prints its element, in memory and streamed, and refuses --axis', () => {
  withFiles((dir) => {
    const file = path.join(dir, 'scalar.npy');
    saveNpy(file, { data: Float64Array.of(-4.25), shape: [] });
    const int = path.join(dir, 'int.npy');
    saveNpy(int, { data: Int32Array.of(-9), shape: [] });
    const rows: [args: string[], stdout: string][] = [
      [['max', file], '-4.25\n'],
      [['argmax', file], '0\n'],
      [['mean', int], '-9\n'],
      [['sum', int], '-9\n'],
      [['any', int], '1\n'],
      [['minmax', file], 'min: -4.25\nmax: -4.25\n'],
      [['max', file, '--keepdims'], '-4.25\n'],
      [['max', file, '--axis', 'none'], '-4.25\n'],
    ];
    for (const threshold of [undefined, '0']) {
      const env = { ...process.env, ...(threshold === undefined ? {} : { NDREDUCE_STREAM_THRESHOLD: threshold }) };
      for (const [args, stdout] of rows) {
        const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env });
        assert.equal(r.status, 0, `${args.join(' ')} (threshold ${threshold}): ${r.stderr}`);
        assert.equal(r.stdout, stdout, `${args.join(' ')} (threshold ${threshold})`);
      }
    }
    const r = cli(['max', file, '--axis', '0']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /axis 0 is out of bounds for array of dimension 0/);
    const out = path.join(dir, 'out.npy');
    assert.equal(cli(['sum', int, '--out', out]).status, 0);
    const back = loadNpy(out);
    assert.deepEqual([back.shape, Array.from(back.data as BigInt64Array)], [[], [-9n]], 'a 0-d result file');
  });
});
