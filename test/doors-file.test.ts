// reduceFile opens a path once: a FIFO, a path swapped after the header
// was read, an abort at any wait and a throwing onProgress all settle the
// promise and leave nothing that keeps the process alive. Every case runs
// in a child process with a timeout: a hang fails the test, not the run.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { reduceFile, saveNpy, sum } from '../src/index';
import { headerBytes } from '../src/io/npy-header';

const INDEX = path.join(__dirname, '..', 'src', 'index.js');
const posix = process.platform !== 'win32';

/** Runs `body` (the text of an async function of `nd`, the package, and
 * `args`) in a fresh Node; its return value comes back as JSON. */
function child(body: string, args: unknown, timeout = 30_000) {
  const script = `
    const nd = require(${JSON.stringify(INDEX)});
    const args = ${JSON.stringify(args)};
    (async () => { ${body} })().then(
      (out) => { process.stdout.write(JSON.stringify(out === undefined ? null : out)); },
      (e) => { process.stdout.write(JSON.stringify({ thrown: { name: e?.name, code: e?.code, message: String(e?.message) } })); },
    );`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout });
  assert.equal(r.error, undefined, `child did not end within ${timeout} ms: ${r.stderr}`);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as { thrown?: { name: string; code: string; message: string } } & Record<string, unknown>;
}

function withDir(body: (dir: string) => void): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ndreduce-doors-'));
  try {
    body(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function mkfifo(at: string): void {
  const r = spawnSync('mkfifo', [at]);
  assert.equal(r.status, 0, `mkfifo: ${r.stderr}`);
}

test('reduceFile and readNpyHeader refuse a FIFO with a coded error, and the process exits', { skip: !posix }, () => {
  withDir((dir) => {
    const fifo = path.join(dir, 'pipe.npy');
    mkfifo(fifo);
    for (const call of ['nd.reduceFile(args.fifo, "sum")', 'nd.readNpyHeader(args.fifo)']) {
      const out = child(`return await ${call};`, { fifo });
      assert.equal(out.thrown?.code, 'ERR_NDREDUCE_BAD_NPY', JSON.stringify(out));
      assert.match(out.thrown!.message, /FIFO, not a regular file/);
    }
  });
});

test('a directory and a device are refused the same way', { skip: !posix }, () => {
  withDir((dir) => {
    for (const target of [dir, '/dev/null']) {
      const out = child('return await nd.reduceFile(args.target, "max");', { target });
      assert.equal(out.thrown?.code, 'ERR_NDREDUCE_BAD_NPY', `${target}: ${JSON.stringify(out)}`);
      assert.match(out.thrown!.message, /not a regular file/);
    }
  });
});

test('the path swapped for a FIFO after the open is not reopened: the opened file is reduced', { skip: !posix }, () => {
  withDir((dir) => {
    const file = path.join(dir, 'a.npy');
    const x = { data: Float64Array.from({ length: 3000 }, (_, i) => (i * 37) % 101), shape: [1000, 3] };
    saveNpy(file, x);
    const fifo = path.join(dir, 'fifo');
    mkfifo(fifo);
    // Every open of the path is followed at once by the swap, so both the
    // header and the data must come from the first descriptor.
    const out = child(
      `
      const fs = require('node:fs');
      const open = fs.promises.open;
      fs.promises.open = async (...a) => {
        const h = await open(...a);
        fs.renameSync(args.fifo, args.file);
        fs.promises.open = open;
        return h;
      };
      return Array.from(await nd.reduceFile(args.file, 'sum', { axis: 0, windowBytes: 64 }));`,
      { file, fifo },
    );
    assert.equal(fs.statSync(file).isFIFO(), true, 'the path was swapped');
    assert.deepEqual(out, Array.from(sum(x, { axis: 0 }) as Float64Array));
  });
});

test('an abort before or during the open rejects with AbortError, and the process exits', () => {
  withDir((dir) => {
    const file = path.join(dir, 'a.npy');
    saveNpy(file, { data: new Int32Array(10), shape: [10] });
    const out = child(
      `
      const before = await nd.reduceFile(args.file, 'sum', { signal: AbortSignal.abort() }).catch((e) => e.name);
      const c = new AbortController();
      const during = nd.reduceFile(args.file, 'sum', { signal: c.signal }).catch((e) => e.name);
      c.abort();
      return [before, await during];`,
      { file },
    );
    assert.deepEqual(out, ['AbortError', 'AbortError']);
  });
});

test('a throwing onProgress rejects the promise instead of killing the process', () => {
  withDir((dir) => {
    // A sparse 256 MiB float64 file: long enough to outlast a few progress
    // ticks with small windows, cheap to make.
    const file = path.join(dir, 'big.npy');
    const n = 2 ** 25;
    const head = headerBytes('<f8', false, [n]);
    fs.writeFileSync(file, head);
    fs.truncateSync(file, head.length + n * 8);
    const out = child(
      `
      let calls = 0;
      const e = await nd.reduceFile(args.file, 'sum', { threads: 1, windowBytes: 4096, onProgress() { calls++; throw new Error('from onProgress'); } }).then(() => 'resolved', (e) => e.message);
      return { e, calls };`,
      { file },
    );
    assert.deepEqual(out, { e: 'from onProgress', calls: 1 });
  });
});

test('reduceFile still equals the in-memory reduction', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ndreduce-doors-'));
  try {
    const file = path.join(dir, 'a.npy');
    const x = { data: Int16Array.from({ length: 600 }, (_, i) => ((i * 7919) % 1000) - 500), shape: [20, 30] };
    saveNpy(file, x);
    for (const axis of [0, 1, null]) {
      assert.deepEqual(await reduceFile(file, 'sum', { axis, windowBytes: 100 }), sum(x, { axis }));
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
