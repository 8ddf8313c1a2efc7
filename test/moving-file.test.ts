// moveFile and the move-* commands: the file's result equals the in-memory
// one (C and Fortran order, several ops, axes, windows and block sizes,
// so that slabs are batched or streamed with carried rows); an aborted,
// failing or short-file call leaves nothing under the output name.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import * as api from '../src/index';
import { loadNpy, saveNpy } from '../src/io/npy';
import { contiguousStrides } from '../src/io/npy-header';
import type { NpyArray } from '../src/io/npy';

const CLI = path.join(__dirname, '..', 'src', 'cli', 'index.js');

function scratch(): { dir: string; at: (name: string) => string; done: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ndreduce-move-file-'));
  return { dir, at: (name) => path.join(dir, name), done: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Element `i` (C order over `shape`) of a file's array, whatever its order. */
function cOrder(a: NpyArray): Float64Array {
  const out = new Float64Array(a.data.length);
  const idx = new Array<number>(a.shape.length).fill(0);
  for (let i = 0; i < out.length; i++) {
    let at = a.offset;
    for (let k = 0; k < idx.length; k++) at += idx[k] * a.strides[k];
    out[i] = Number(a.data[at]);
    for (let k = idx.length - 1; k >= 0; k--) {
      if (++idx[k] < a.shape[k]) break;
      idx[k] = 0;
    }
  }
  return out;
}

const same = (got: Float64Array, want: Float64Array, what: string) => {
  assert.equal(got.length, want.length, what);
  for (let i = 0; i < got.length; i++) {
    const ok = Object.is(got[i], want[i]) || Math.abs(got[i] - want[i]) <= 1e-12 * Math.max(1, Math.abs(want[i]));
    if (!ok) assert.fail(`${what}: element ${i} is ${got[i]}, in memory ${want[i]}`);
  }
};

function values(n: number, seed: number): Float64Array {
  const out = new Float64Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    out[i] = (s % 2001) / 100 - 10;
    if (s % 29 === 0) out[i] = NaN;
  }
  return out;
}

test('moveFile equals the in-memory result on C- and Fortran-order files', async () => {
  const s = scratch();
  try {
    const shape = [5, 37, 6];
    const data = values(5 * 37 * 6, 7);
    const files = {
      c: { data, shape },
      f: { data, shape, strides: contiguousStrides(shape, true) },
      i16: { data: Int16Array.from(data.subarray(0, 480), (v) => (Number.isNaN(v) ? 0 : Math.round(v))), shape: [12, 40] },
    };
    for (const [name, arr] of Object.entries(files)) {
      const file = s.at(`${name}.npy`);
      saveNpy(file, arr);
      const x = loadNpy(file);
      for (const op of ['moveMean', 'moveStd', 'moveMax', 'moveArgmin', 'moveMedian', 'moveRank'] as const) {
        for (let axis = 0; axis < x.shape.length; axis++) {
          const n = x.shape[axis];
          for (const window of [1, 3, n]) {
            // 200 bytes: streamed along the axis with carried rows; 1 MiB: whole slabs.
            for (const blockBytes of [200, 1 << 20]) {
              const out = s.at('out.npy');
              const minCount = Math.min(2, window);
              const shapeBack = await api.moveFile(file, out, op, window, { axis, blockBytes, minCount });
              assert.deepEqual(shapeBack, x.shape);
              const got = loadNpy(out);
              assert.equal(got.dtype, '<f8');
              assert.deepEqual(got.shape, x.shape);
              assert.deepEqual(got.strides, contiguousStrides(x.shape, name === 'f'), 'the input order is kept');
              const want = (api[op] as (x: unknown, w: number, o: object) => { data: Float64Array })(x, window, { axis, minCount }).data;
              same(cOrder(got), want, `${name} ${op} axis ${axis} window ${window} block ${blockBytes}`);
            }
          }
        }
      }
    }
    assert.deepEqual(fs.readdirSync(s.dir).filter((f) => f.endsWith('.tmp')), []);
  } finally {
    s.done();
  }
});

test('an aborted, failing or short-file moveFile leaves no output file', async () => {
  const s = scratch();
  try {
    const file = s.at('x.npy');
    saveNpy(file, { data: values(4000, 3), shape: [400, 10] });
    const out = s.at('out.npy');
    const leftovers = () => fs.readdirSync(s.dir).filter((f) => f !== 'x.npy');

    // Aborted after its first block.
    const controller = new AbortController();
    let calls = 0;
    await assert.rejects(
      api.moveFile(file, out, 'moveMean', 5, { axis: 0, blockBytes: 800, signal: controller.signal, onProgress: () => (++calls === 1 ? controller.abort() : undefined) }),
      { name: 'AbortError' },
    );
    assert.equal(calls, 1);
    assert.deepEqual(leftovers(), []);

    // An onProgress that throws.
    await assert.rejects(api.moveFile(file, out, 'moveMax', 5, { axis: 0, blockBytes: 800, onProgress: () => { throw new Error('stop'); } }), /stop/);
    assert.deepEqual(leftovers(), []);

    // A file cut short while it is read: a clean coded error.
    const copy = s.at('y.npy');
    fs.copyFileSync(file, copy);
    await assert.rejects(
      api.moveFile(copy, out, 'moveSum', 5, { axis: 0, blockBytes: 800, onProgress: () => fs.truncateSync(copy, 1000) }),
      (e: Error & { code?: string }) => e.code === 'ERR_NDREDUCE_BAD_NPY' && /changed while moveFile read it/.test(e.message),
    );
    fs.rmSync(copy);
    assert.deepEqual(leftovers(), []);

    // A file shorter than its header says, before any work.
    fs.writeFileSync(copy, fs.readFileSync(file).subarray(0, 3000));
    await assert.rejects(api.moveFile(copy, out, 'moveMean', 5), (e: Error & { code?: string }) => e instanceof RangeError && e.code === 'ERR_NDREDUCE_BAD_NPY' && /truncated/.test(e.message));
    fs.rmSync(copy);

    // Bad options and windows: coded errors, no output.
    await assert.rejects(api.moveFile(file, out, 'moveMean', 401, { axis: 0 }), { code: 'ERR_NDREDUCE_BAD_OPTION' });
    await assert.rejects(api.moveFile(file, out, 'moveMean', 3, { ddof: 1 } as never), { code: 'ERR_NDREDUCE_UNKNOWN_OPTION' });
    await assert.rejects(api.moveFile(file, out, 'moveMeans' as never, 3), { code: 'ERR_NDREDUCE_BAD_OPTION' });
    await assert.rejects(api.moveFile(file, out, 'moveMean', 3, { blockBytes: 0 }), { code: 'ERR_NDREDUCE_BAD_OPTION' });
    assert.deepEqual(leftovers(), []);

    // An output that names a directory: refused before a temporary file is
    // made (for "dir/", it went to the directory above, then the rename failed).
    const sub = s.at('sub');
    fs.mkdirSync(sub);
    for (const o of [sub, `${sub}${path.sep}`]) {
      await assert.rejects(api.moveFile(file, o, 'moveMean', 3), (e: Error & { code?: string }) => e instanceof TypeError && e.code === 'ERR_NDREDUCE_BAD_OPTION' && /directory/.test(e.message), o);
    }
    assert.deepEqual(fs.readdirSync(sub), []);
    assert.deepEqual(leftovers(), ['sub']);
    assert.deepEqual(fs.readdirSync(path.dirname(s.dir)).filter((f) => f.startsWith(`.${path.basename(s.dir)}`)), []);
  } finally {
    s.done();
  }
});

test('ndreduce move-mean IN OUT --window N: the file, its --help, its usage errors', () => {
  const s = scratch();
  try {
    const file = s.at('x.npy');
    const x = { data: values(300, 5), shape: [30, 10] };
    saveNpy(file, x);
    const out = s.at('out.npy');
    const run = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
    let r = run(['move-mean', file, out, '--window', '4', '--axis', '0', '--min-count', '2']);
    assert.equal(r.status, 0, r.stderr);
    same(cOrder(loadNpy(out)), api.moveMean(x, 4, { axis: 0, minCount: 2 }).data, 'move-mean');
    r = run(['move-std', file, out, '--window', '3', '--ddof', '1']);
    assert.equal(r.status, 0, r.stderr);
    same(cOrder(loadNpy(out)), api.moveStd(x, 3, { ddof: 1 }).data, 'move-std');
    r = run(['move-max', '--help']);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /Usage: ndreduce move-max IN\.npy OUT\.npy --window N/);
    assert.doesNotMatch(r.stdout, /--ddof/);
    r = run(['move-mean', file, out]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--window is required/);
    r = run(['move-mean', file, out, '--window', '31', '--axis', '0']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /window 31 is longer than axis 0/);
    assert.match(run(['--help']).stdout, /move-median/);
  } finally {
    s.done();
  }
});
