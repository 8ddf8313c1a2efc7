// reduceFile: .npy files streamed through the engine a window at a time.
// Every op x axis choice x C/F order against the in-memory result, abort,
// progress, bad and shrinking files, and a bounded-memory run in a child.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { FILE_REDUCTIONS, reduceFile } from '../src/io/file';
import { reduce } from '../src/run/sync';
import { loadNpy, saveNpy } from '../src/io/npy';
import { headerBytes } from '../src/io/npy-header';
import type { NpyTypedArray } from '../src/io/npy-header';
import type { Reduction } from '../src/spec/types';
import type { ReduceFileOptions } from '../src/io/file';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ndreduce-file-'));
process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
let files = 0;
const tmp = (name: string) => path.join(dir, `${files++}-${name}`);

/** Writes `data` with `shape` in C or Fortran order (the same logical array). */
function write(data: NpyTypedArray, shape: number[], fortran: boolean): string {
  const p = tmp(fortran ? 'f.npy' : 'c.npy');
  if (!fortran) {
    saveNpy(p, { data, shape });
    return p;
  }
  // Reorder the C-order values into Fortran order, then describe them so.
  const n = data.length;
  const copy = new (data.constructor as new (n: number) => NpyTypedArray)(n);
  const cStrides = shape.map((_, k) => shape.slice(k + 1).reduce((a, b) => a * b, 1));
  const fStrides = shape.map((_, k) => shape.slice(0, k).reduce((a, b) => a * b, 1));
  for (let i = 0; i < n; i++) {
    let f = 0;
    for (let k = 0; k < shape.length; k++) f += (Math.floor(i / cStrides[k]) % shape[k]) * fStrides[k];
    (copy as unknown as unknown[])[f] = (data as unknown as unknown[])[i];
  }
  saveNpy(p, { data: copy, shape, strides: fStrides });
  return p;
}

function inMemory(p: string, op: string, options: object): unknown {
  const nan = op.startsWith('nan');
  return reduce((nan ? op.slice(3) : op) as Reduction, loadNpy(p), options, op, nan);
}

/** Equal, floats within 1e-9 relative (sums merge in another order). */
function close(a: unknown, b: unknown, where: string): void {
  if (typeof a === 'number' && typeof b === 'number') {
    if (Number.isNaN(a) && Number.isNaN(b)) return;
    assert.ok(Math.abs(a - b) <= 1e-9 * (1 + Math.abs(b)), `${where}: ${a} vs ${b}`);
  } else if (a instanceof Float64Array || a instanceof Float32Array) {
    assert.equal(a.constructor, (b as object).constructor, where);
    const bb = b as Float64Array;
    assert.equal(a.length, bb.length, where);
    a.forEach((x, k) => close(x, bb[k], `${where}[${k}]`));
  } else if (a !== null && typeof a === 'object' && !ArrayBuffer.isView(a)) {
    const bb = b as Record<string, unknown>;
    for (const key of Object.keys(a)) close((a as Record<string, unknown>)[key], bb[key], `${where}.${key}`);
  } else {
    assert.deepEqual(a, b, where);
  }
}

const shape = [3, 4, 5];
const n = 60;
const arrays: [string, NpyTypedArray][] = [
  // Ties, negatives and NaN (floats); int16 for exact integer results.
  ['float64', Float64Array.from({ length: n }, (_, i) => (i % 13 === 4 ? NaN : ((i * 7919) % 17) * 0.25 - 2))],
  ['int16', Int16Array.from({ length: n }, (_, i) => ((i * 7919) % 11) - 5)],
  ['uint8', Uint8Array.from({ length: n }, (_, i) => (i * 31) % 7)],
];
const AXES = [0, 1, 2, -1, [0, 2], [1, 2], [0, 1], null];

for (const [name, data] of arrays) {
  for (const fortran of [false, true]) {
    test(`reduceFile equals the in-memory result: ${name}, ${fortran ? 'Fortran' : 'C'} order, every op and axis`, async () => {
      const p = write(data, shape, fortran);
      for (const op of FILE_REDUCTIONS) {
        for (const axis of AXES) {
          // Windows of 2 elements to the whole file: chunks of single
          // elements, of sub-slabs and of many slabs.
          for (const windowBytes of [2 * data.BYTES_PER_ELEMENT, 14 * data.BYTES_PER_ELEMENT, 1 << 20]) {
            const where = `${op} axis ${JSON.stringify(axis)} window ${windowBytes}`;
            let expected: unknown;
            let failure: unknown;
            try {
              expected = inMemory(p, op, { axis });
            } catch (e) {
              failure = e;
            }
            const got = reduceFile(p, op, { axis, windowBytes });
            if (failure) {
              await assert.rejects(got, (e: Error & { code?: string }) => e.code === (failure as { code?: string }).code, where);
            } else {
              close(await got, expected, where);
            }
          }
        }
      }
    });
  }
}

test('reduceFile takes the in-memory options (keepdims, ddof, dtype, threads)', async () => {
  const data = Float64Array.from({ length: 24 }, (_, i) => i * 1.5);
  const p = write(data, [4, 6], true);
  const table: ReduceFileOptions[] = [{ axis: 1, keepdims: true }, { axis: 0, threads: 1 }];
  for (const options of table) {
    close(await reduceFile(p, 'max', options), inMemory(p, 'max', options), JSON.stringify(options));
  }
  close(await reduceFile(p, 'std', { axis: 0, ddof: 1 }), inMemory(p, 'std', { axis: 0, ddof: 1 }), 'ddof');
  const ints = write(Int32Array.from({ length: 24 }, (_, i) => i - 7), [4, 6], false);
  close(await reduceFile(ints, 'sum', { axis: null, dtype: 'float64' }), inMemory(ints, 'sum', { axis: null, dtype: 'float64' }), 'dtype');
  await assert.rejects(reduceFile(p, 'max', { axes: 0 } as object), { code: 'ERR_NDREDUCE_UNKNOWN_OPTION' });
  await assert.rejects(reduceFile(p, 'maximum' as never), { code: 'ERR_NDREDUCE_BAD_OPTION' });
  await assert.rejects(reduceFile(p, 'max', { axis: 2 }), { code: 'ERR_NDREDUCE_BAD_OPTION' });
});

/** A float64 file of `mb` MiB, shape [mb * 128, 1024], written in pieces. */
function bigFile(mb: number): { p: string; bytes: number; header: number } {
  const p = tmp('big.npy');
  const fd = fs.openSync(p, 'w');
  const head = headerBytes('<f8', false, [mb * 128, 1024]);
  fs.writeSync(fd, head);
  const piece = Float64Array.from({ length: 128 * 1024 }, (_, i) => (i % 1000) - 500);
  for (let k = 0; k < mb; k++) fs.writeSync(fd, piece);
  fs.closeSync(fd);
  return { p, bytes: mb << 20, header: head.length };
}

test('progress events increase and end at the total; abort stops mid-file', async () => {
  const { p, bytes } = bigFile(32);
  const events: { bytesDone: number; bytesTotal: number }[] = [];
  const result = await reduceFile(p, 'max', { axis: null, windowBytes: 1 << 16, threads: 1, onProgress: (e) => events.push(e) });
  assert.equal(result, 499);
  assert.ok(events.length >= 1);
  for (let k = 1; k < events.length; k++) assert.ok(events[k].bytesDone > events[k - 1].bytesDone);
  assert.deepEqual(events.at(-1), { bytesDone: bytes, bytesTotal: bytes });

  const controller = new AbortController();
  let seen = 0;
  const pending = reduceFile(p, 'var', {
    axis: null,
    // Windows of two elements: millions of chunks, seconds of work, so the
    // first event (after 50 ms) comes long before the end.
    windowBytes: 16,
    threads: 1,
    signal: controller.signal,
    onProgress: (e) => {
      seen = e.bytesDone;
      controller.abort();
    },
  });
  await assert.rejects(pending, { name: 'AbortError', code: 'ABORT_ERR' });
  assert.ok(seen < bytes, 'aborted before the end');
  const aborted = new AbortController();
  aborted.abort();
  await assert.rejects(reduceFile(p, 'max', { signal: aborted.signal }), { name: 'AbortError' });
});

test('bad files get loadNpy errors before any work; a shrinking file is an error', async () => {
  const good = write(Float64Array.from({ length: 12 }, (_, i) => i), [3, 4], false);
  const bytes = fs.readFileSync(good);
  const cases: [string, Buffer][] = [
    ['truncated', bytes.subarray(0, bytes.length - 8)],
    ['lying header', Buffer.from(bytes.toString('latin1').replace('(3, 4)', '(9, 4)'), 'latin1')],
    ['unsupported dtype', Buffer.from(bytes.toString('latin1').replace("'<f8'", "'<c8'"), 'latin1')],
    ['not npy', Buffer.from('hello world, not a numpy file')],
    ['empty', Buffer.alloc(0)],
  ];
  for (const [name, content] of cases) {
    const p = tmp(`${name.replace(/ /g, '-')}.npy`);
    fs.writeFileSync(p, content);
    let expected: Error & { code?: string } = new Error('loadNpy accepted it');
    try {
      loadNpy(p);
    } catch (e) {
      expected = e as Error & { code?: string };
    }
    assert.equal(expected.code, 'ERR_NDREDUCE_BAD_NPY', name);
    await assert.rejects(reduceFile(p, 'max'), (e: Error & { code?: string }) => {
      assert.equal(e.constructor, expected.constructor, name);
      assert.equal(e.code, expected.code, name);
      assert.equal(e.message, expected.message, name);
      return true;
    });
  }
  await assert.rejects(reduceFile(path.join(dir, 'missing.npy'), 'max'), { code: 'ENOENT' });

  // Cut the data off after the first progress event: the next read is short.
  const { p, header } = bigFile(64);
  let cut = false;
  const pending = reduceFile(p, 'std', {
    axis: null,
    windowBytes: 16,
    threads: 1,
    onProgress: () => {
      if (!cut) fs.truncateSync(p, header);
      cut = true;
    },
  });
  await assert.rejects(pending, (e: Error & { code?: string }) => {
    assert.equal(e.code, 'ERR_NDREDUCE_BAD_NPY');
    assert.match(e.message, /shrank while being read/);
    return true;
  });
});

test('peak memory stays bounded: a 1 GiB file reduced in a child process under 256 MB RSS', () => {
  const { p, bytes } = bigFile(1024);
  for (const axis of ['0', 'null']) {
    const child = spawnSync(process.execPath, [path.join(__dirname, 'file-child.js'), p, 'max', axis], { encoding: 'utf8' });
    assert.equal(child.status, 0, child.stderr);
    const { maxRssBytes, done } = JSON.parse(child.stdout) as { maxRssBytes: number; done: number };
    assert.equal(done, bytes);
    assert.ok(maxRssBytes < 256 * 2 ** 20, `axis ${axis}: peak RSS ${(maxRssBytes / 2 ** 20).toFixed(1)} MiB`);
  }
  fs.rmSync(p);
});

test('the event loop keeps turning while a file is reduced', async () => {
  const { monitorEventLoopDelay } = await import('node:perf_hooks');
  const { p } = bigFile(128);
  await reduceFile(p, 'max'); // warm the page cache and the addon
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  const tick = setInterval(() => {}, 1);
  let events = 0;
  // One thread reading and reducing, so that it leaves a core to the event
  // loop on a 2-core machine and the loop's delays stay those of the
  // machine (README, "Big files", measures the default threads as well).
  for (const axis of [0, null]) await reduceFile(p, 'std', { axis, threads: 1, onProgress: () => events++ });
  clearInterval(tick);
  h.disable();
  assert.ok(events >= 2);
  assert.ok(h.max < 100e6, `worst event-loop delay ${(h.max / 1e6).toFixed(1)} ms`);
  fs.rmSync(p);
});
