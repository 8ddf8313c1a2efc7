// .npy files made to hurt the reader: headers that claim gigabytes, nest
// without end or are megabytes of spaces, and valid arrays followed by
// gigabytes of other bytes. Files are sparse, so they cost no disk; each
// is opened in a child process (npy-child.ts) with a timeout, so that an
// abort or a runaway allocation fails its test, not the runner.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { encodeNpy, parseNpy } from '../src/io/npy';

const CHILD = path.join(__dirname, 'npy-child.js');
const CLI = path.join(__dirname, '..', 'src', 'cli', 'index.js');

/** Magic, version and a length field claiming `claim` header bytes. */
function preamble(major: 1 | 2, claim: number): Uint8Array {
  const out = new Uint8Array(major === 1 ? 10 : 12);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]);
  const dv = new DataView(out.buffer);
  if (major === 1) dv.setUint16(8, claim, true);
  else dv.setUint32(8, claim, true);
  return out;
}

/** A sparse file: `head`, then zeros up to `size` bytes. */
function sparse(dir: string, name: string, head: Uint8Array, size: number): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, head);
  fs.truncateSync(file, size);
  return file;
}

function inChild(file: string, readers: string[] = []): Record<string, { code?: string; message?: string; bytes?: number; shape?: number[] }> & { maxRssBytes: number } {
  const r = spawnSync(process.execPath, [CHILD, file, ...readers], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.signal, null, `the child was killed (${r.signal}): ${r.stderr}`);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

function withDir(body: (dir: string) => void): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ndreduce-hostile-'));
  try {
    body(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const RSS_SLACK = 256 * 2 ** 20;

test('a header claiming 600 MB or 3 GiB is refused before it is read, by every reader and the CLI', () => {
  withDir((dir) => {
    for (const claim of [600_000_000, 3 * 2 ** 30]) {
      const file = sparse(dir, `claim-${claim}.npy`, preamble(2, claim), 12 + claim + 64);
      const got = inChild(file);
      for (const reader of ['loadNpy', 'readNpyHeader', 'reduceFile'] as const) {
        assert.equal(got[reader].code, 'ERR_NDREDUCE_BAD_NPY', `${reader} ${claim}: ${got[reader].message}`);
        assert.match(got[reader].message!, new RegExp(`header claims ${claim} bytes; headers over 10000 bytes are refused`), reader);
      }
      assert.ok(got.maxRssBytes < RSS_SLACK, `peak RSS ${got.maxRssBytes} for a ${claim}-byte claim`);
      const cli = spawnSync(process.execPath, [CLI, 'max', file], { encoding: 'utf8', timeout: 60_000 });
      assert.equal(cli.signal, null, cli.stderr);
      assert.equal(cli.status, 1, cli.stderr);
      assert.match(cli.stderr, /headers over 10000 bytes are refused/);
      assert.doesNotMatch(cli.stderr, /\n\s+at /, 'no stack trace');
    }
  });
});

test('loadNpy of 3 values followed by 2 GiB reads only the 24 bytes the shape needs', () => {
  withDir((dir) => {
    const head = encodeNpy({ data: new Float64Array([1.5, -2, 4]) });
    const file = sparse(dir, 'trailing.npy', head, head.length + 2 ** 31);
    const got = inChild(file);
    assert.deepEqual(got.loadNpy, { bytes: 24, shape: [3] });
    assert.ok(got.maxRssBytes < RSS_SLACK, `peak RSS ${got.maxRssBytes}`);
    assert.deepEqual(got.reduceFile, {});
  });
});

test('headers at NumPy\'s limit: 10,000 bytes are read, 10,001 refused; nesting and spaces cost nothing', () => {
  const dict = "{'descr': '<i2', 'fortran_order': False, 'shape': (2,), }";
  const data = new Uint8Array(new Int16Array([3, -4]).buffer);
  const make = (major: 1 | 2, text: string) => {
    const t = new TextEncoder().encode(text);
    const p = preamble(major, t.length);
    const out = new Uint8Array(p.length + t.length + data.length);
    out.set(p);
    out.set(t, p.length);
    out.set(data, p.length + t.length);
    return out;
  };
  for (const major of [1, 2] as const) {
    const at = parseNpy(make(major, dict.padEnd(9_999, ' ') + '\n'));
    assert.deepEqual(Array.from(at.data as Int16Array), [3, -4]);
    assert.throws(() => parseNpy(make(major, dict.padEnd(10_000, ' ') + '\n')), { code: 'ERR_NDREDUCE_BAD_NPY', message: /claims 10001 bytes/ });
  }
  // 40 MB of spaces: refused from the length field, nothing decoded.
  const spaces = preamble(2, 40_000_000);
  assert.throws(() => parseNpy(spaces), { name: 'RangeError', code: 'ERR_NDREDUCE_BAD_NPY', message: /claims 40000000 bytes/ });
  // Nesting within the limit: a coded error, not a stack overflow.
  const nested = `{'descr': ${'['.repeat(4_900)}, 'fortran_order': False, 'shape': (2,)}\n`;
  assert.throws(() => parseNpy(make(2, nested)), { name: 'TypeError', code: 'ERR_NDREDUCE_BAD_NPY', message: /nested deeper than 32/ });
  // Python's meaning, as NumPy reads it: (2) is the int 2, not a tuple; a
  // Python 2 long (2L) only in versions 1.0 and 2.0 (found by fuzz.test.ts).
  assert.throws(() => parseNpy(make(1, dict.replace('(2,)', '(2)') + '\n')), { code: 'ERR_NDREDUCE_BAD_NPY', message: /shape must be a tuple/ });
  assert.deepEqual(parseNpy(make(2, dict.replace('(2,)', '(2L,)') + '\n')).shape, [2]);
  const v3 = make(2, dict.replace('(2,)', '(2L,)') + '\n');
  v3[6] = 3;
  assert.throws(() => parseNpy(v3), { code: 'ERR_NDREDUCE_BAD_NPY', message: /unexpected character/ });
  // Python's whitespace only: U+00A0 (a latin1 byte) is a syntax error there too.
  assert.throws(() => parseNpy(make(1, dict.replace(': False', ':\u00a0False') + '\n')), { code: 'ERR_NDREDUCE_BAD_NPY', message: /unexpected character/ });
});

test('loadNpy refuses a directory, a pipe or a device with a coded error', () => {
  withDir((dir) => {
    const fifo = path.join(dir, 'fifo.npy');
    // A FIFO without a writer: opening it must not wait for one.
    const made = process.platform !== 'win32' && spawnSync('mkfifo', [fifo]).status === 0;
    for (const p of [dir, '/dev/zero', '/dev/null', ...(made ? [fifo] : [])]) {
      if (!fs.existsSync(p)) continue;
      const got = inChild(p, ['loadNpy']);
      assert.equal(got.loadNpy.code, 'ERR_NDREDUCE_BAD_NPY', `${p}: ${got.loadNpy.message}`);
      assert.match(got.loadNpy.message!, /not a regular file/);
    }
  });
});
