// The native decoders of Zarr chunks (crates/core/src/codec, used by
// src/zarr/native.ts): every chunk of arrays written by Python's zarr
// decodes to what zarrita's codecs give, reduceZarr equals NumPy, chains
// the core lacks fall back to zarrita, and corrupt chunks are clean
// errors naming the chunk (checked in a child process).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { CODES, reduceZarr } from '../src/index';
import { addon } from '../src/addon/load';
import { openZarr, readChunk } from '../src/zarr/source';
import { CODEC_FIXTURES, CODEC_WRITE } from './helpers/zarr-codecs-fixtures';
import { python, REFERENCE, skipZarr } from './helpers/zarr-fixtures';

const CHILD = path.join(__dirname, 'helpers', 'zarr-codecs-child.js');

let dir: string | undefined;
function fixtures(): string {
  if (dir) return dir;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ndreduce-codecs-'));
  python(CODEC_WRITE, [dir]);
  return dir;
}
process.on('exit', () => dir && fs.rmSync(dir, { recursive: true, force: true }));

function* coordsOf(shape: readonly number[], chunks: readonly number[]): Generator<number[]> {
  const n = shape.map((s, k) => Math.ceil(s / chunks[k]));
  const c = n.map(() => 0);
  for (;;) {
    yield [...c];
    let k = c.length - 1;
    while (k >= 0 && ++c[k] === n[k]) c[k--] = 0;
    if (k < 0) return;
  }
}

test('native decoding: every chunk equals zarrita\'s decoding, for each codec and the fallbacks', { skip: skipZarr || !addon() }, async () => {
  const root = fixtures();
  for (const { name, native } of CODEC_FIXTURES) {
    const opened = await openZarr(path.join(root, name));
    assert.equal(opened.native !== undefined, native, `${name}: native path`);
    const a = opened.array;
    for (const c of coordsOf(a.shape, a.chunks)) {
      const ours = await readChunk(opened, c, new AbortController().signal);
      const theirs = await a.getChunk(c);
      assert.deepEqual(ours.shape, theirs.shape, `${name} ${c}`);
      assert.deepEqual(ours.stride, theirs.stride, `${name} ${c}`);
      assert.deepEqual(ours.data, theirs.data, `${name} chunk ${c}`);
    }
  }
});

test('native decoding: reduceZarr equals NumPy for each codec', { skip: skipZarr }, async () => {
  const root = fixtures();
  const jobs = CODEC_FIXTURES.flatMap(({ name }) => [
    { name, op: 'max', axis: 0, ddof: 0 },
    { name, op: 'sum', axis: null, ddof: 0 },
    { name, op: 'argmin', axis: 1, ddof: 0 },
  ]);
  const refs = JSON.parse(python(REFERENCE, [root], JSON.stringify(jobs))) as { value: string[] }[];
  for (const [i, j] of jobs.entries()) {
    const got = await reduceZarr(path.join(root, j.name), j.op as 'max', { axis: j.axis, concurrency: 3 });
    const flat = ArrayBuffer.isView(got) ? Array.from(got as unknown as ArrayLike<number | bigint>) : [got];
    const want = refs[i].value;
    assert.equal(flat.length, want.length, `${j.name} ${j.op}`);
    flat.forEach((v, k) => {
      if (typeof v === 'bigint') assert.equal(v, BigInt(want[k]), `${j.name} ${j.op} [${k}]`);
      else assert.ok(Math.abs(Number(v) - Number(want[k])) <= 1e-9 * Math.max(1, Math.abs(Number(want[k]))), `${j.name} ${j.op} [${k}]: ${v} vs ${want[k]}`);
    });
  }
});

test('native decoding: corrupt and truncated chunks are errors naming the chunk, in a child process', { skip: skipZarr || !addon() }, () => {
  const root = fixtures();
  const cases: [string, string, (b: Buffer) => Buffer][] = [
    ['zstd', 'c/1/0', (b) => b.subarray(0, b.length >> 1)],
    ['gzip', 'c/0/1', (b) => Buffer.from(b.map((x, i) => (i > 20 ? x ^ 0x5a : x)))],
    ['blosc-lz4-shuffle', '1.1', (b) => b.subarray(0, 40)],
    ['blosc-zstd-bitshuffle', 'c/2/1', () => Buffer.alloc(64, 0xff)],
    ['lz4', '0.1', (b) => Buffer.concat([Buffer.from([0xff, 0xff, 0xff, 0x7f]), b.subarray(4)])],
    ['zlib', '2.0', () => Buffer.alloc(0)],
  ];
  for (const [name, key, spoil] of cases) {
    const copy = fs.mkdtempSync(path.join(root, `bad-${name}-`));
    fs.cpSync(path.join(root, name), copy, { recursive: true });
    const file = path.join(copy, ...key.split('/'));
    fs.writeFileSync(file, spoil(fs.readFileSync(file)));
    const r = spawnSync(process.execPath, [CHILD, copy], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, `${name}: child exited ${r.status} ${r.signal ?? ''}: ${r.stderr}`);
    const out = JSON.parse(r.stdout) as { code?: string; message?: string };
    assert.equal(out.code, CODES.CODEC, `${name}: ${out.message}`);
    assert.ok(out.message?.includes(key), `${name}: the message names ${key}: ${out.message}`);
  }
});

test('native decoding: the addon refuses hostile bytes with a code, and names what it does not carry', { skip: !addon() }, async () => {
  const native = addon()!;
  const shared = (n: number) => new Uint8Array(new SharedArrayBuffer(n));
  const code = (c: string) => (e: Error & { code?: string }) => e.code === c;
  await assert.rejects(native.decodeChunkAsync(new Uint8Array([1, 2, 3]), 'zstd', shared(64), 0), code(CODES.CODEC));
  // A raw chunk of another length than its output.
  await assert.rejects(native.decodeChunkAsync(new Uint8Array(8), 'raw', shared(16), 0), code(CODES.CODEC));
  // A blosc header naming blosclz (compressor code 0, shuffle on).
  const blosclz = new Uint8Array(32);
  blosclz.set([2, 1, 0x01, 8]);
  new DataView(blosclz.buffer).setUint32(4, 64, true);
  new DataView(blosclz.buffer).setUint32(8, 64, true);
  await assert.rejects(native.decodeChunkAsync(blosclz, 'blosc', shared(64), 0), code(CODES.CODEC_UNSUPPORTED));
  assert.throws(() => native.decodeChunkAsync(new Uint8Array(1), 'brotli' as 'zstd', shared(1), 0), code(CODES.BAD_OPTION));
  // Into a shared buffer the caller reuses; one not shared, or not bytes,
  // is refused before any work.
  const out = shared(4);
  await native.decodeChunkAsync(new Uint8Array([1, 2, 3, 4]), 'raw', out, 2);
  assert.deepEqual(Array.from(out), [2, 1, 4, 3]);
  assert.throws(() => native.decodeChunkAsync(new Uint8Array(4), 'raw', new Uint8Array(4), 0), code(CODES.NOT_SHARED));
  assert.throws(() => native.decodeChunkAsync(new Uint8Array(4), 'raw', new Float64Array(new SharedArrayBuffer(8)) as unknown as Uint8Array, 0), code(CODES.BAD_ARRAY));
  // Shared bytes (an HTTP body's buffer) are copied by the job; any other
  // bytes before the call returns, so changing them at once changes nothing.
  const held = shared(4);
  held.set([5, 6, 7, 8]);
  await native.decodeChunkAsync(held, 'raw', out, 0);
  assert.deepEqual(Array.from(out), [5, 6, 7, 8]);
  const plain = new Uint8Array([9, 10, 11, 12]);
  const decoding = native.decodeChunkAsync(plain, 'raw', out, 0);
  plain.fill(0);
  await decoding;
  assert.deepEqual(Array.from(out), [9, 10, 11, 12]);
  // Bytes that share memory with the output, or are not bytes, are refused.
  const both = new SharedArrayBuffer(8);
  assert.throws(() => native.decodeChunkAsync(new Uint8Array(both, 0, 4), 'raw', new Uint8Array(both, 2, 4), 0), code(CODES.BAD_ARRAY));
  assert.throws(() => native.decodeChunkAsync(new Int16Array(new SharedArrayBuffer(8)) as unknown as Uint8Array, 'raw', out, 0), code(CODES.BAD_ARRAY));
  assert.throws(() => native.decodeChunkAsync(new Int16Array(4) as unknown as Uint8Array, 'raw', out, 0), code(CODES.BAD_ARRAY));
});

test('native decoding: decodeFileAsync reads a chunk file into a shared buffer, and refuses what it must', { skip: !addon() }, async () => {
  const native = addon()!;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ndreduce-chunkfile-'));
  try {
    const file = path.join(tmp, '0');
    const bytes = Uint8Array.from({ length: 64 }, (_, i) => i);
    fs.writeFileSync(file, bytes);
    const out = new Uint8Array(new SharedArrayBuffer(64)).fill(255);
    assert.equal(await native.decodeFileAsync(file, 'raw', out, 0), true);
    assert.deepEqual(Array.from(out), Array.from(bytes));
    // Big-endian 8-byte elements are reversed in place.
    assert.equal(await native.decodeFileAsync(file, 'raw', out, 8), true);
    assert.deepEqual(Array.from(out.subarray(0, 8)), [7, 6, 5, 4, 3, 2, 1, 0]);
    // No file: a missing chunk, and the buffer is left alone.
    out.fill(9);
    assert.equal(await native.decodeFileAsync(path.join(tmp, 'absent'), 'zstd', out, 0), false);
    assert.ok(out.every((b) => b === 9));
    const code = (c: string) => (e: Error & { code?: string }) => e.code === c;
    // A file of another length than the chunk, garbage, a directory.
    await assert.rejects(native.decodeFileAsync(file, 'raw', new Uint8Array(new SharedArrayBuffer(65)), 0), code(CODES.CODEC));
    await assert.rejects(native.decodeFileAsync(file, 'zstd', out, 0), code(CODES.CODEC));
    await assert.rejects(native.decodeFileAsync(tmp, 'raw', out, 0), (e: Error) => /EISDIR|directory/i.test(e.message));
    // The output must be shared memory (a thread writes it after the call
    // returns) and bytes; the codec one the core knows.
    assert.throws(() => native.decodeFileAsync(file, 'raw', new Uint8Array(64), 0), code(CODES.NOT_SHARED));
    assert.throws(() => native.decodeFileAsync(file, 'raw', new Float64Array(new SharedArrayBuffer(64)) as unknown as Uint8Array, 0), code(CODES.BAD_ARRAY));
    assert.throws(() => native.decodeFileAsync(file, 'brotli' as 'zstd', out, 0), code(CODES.BAD_OPTION));
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
