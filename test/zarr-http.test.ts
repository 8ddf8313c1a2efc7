// reduceZarr over HTTP: a Zarr directory served by a node http server on
// 127.0.0.1 gives the results of the directory itself; chunk requests run
// concurrently; an abort cancels the fetches in flight; a 404 chunk is a
// missing chunk (fill_value, Zarr's rule) and a 500 an error naming the key;
// a server that ignores Range serves sharded arrays all the same.
// Over https (a self-signed certificate in test/helpers), a certificate Node
// does not trust is an error, and one it trusts gives the same results.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';

import { CODES, reduceZarr } from '../src/index';
import { CODEC_WRITE } from './helpers/zarr-codecs-fixtures';
import { python, skipZarr, WRITE } from './helpers/zarr-fixtures';

interface Server {
  url: string;
  close(): Promise<void>;
  /** Requests being answered now, and the most at once. */
  stats: { inFlight: number; peak: number; aborted: number };
  /** Per request path: answer with this status, hold (never answer),
   * answer slowly (chunks 30 ms late), cut the body short, announce a
   * body of 100 GB (and send 10 bytes), send 10 bytes of a body and then
   * nothing (the connection kept open), ignore Range headers (as Python's
   * http.server), answer a range one byte short, or send every body in
   * a content encoding. */
  rules: Map<string, Rule>;
}

type Rule = number | 'hold' | 'slow' | 'cut' | 'huge' | 'stall' | 'norange' | 'shortrange' | 'gzip' | 'compress';

/** A self-signed certificate for 127.0.0.1 (and its key), for the https
 * server below; made once with openssl, valid for a century. */
const TLS_DIR = path.join(__dirname, '..', '..', 'test', 'helpers');
const TLS = { key: path.join(TLS_DIR, 'tls-key.pem'), cert: path.join(TLS_DIR, 'tls-cert.pem') };

/** What a child node process prints after `reduceZarr(url, op, options)`
 * with `env` added: the result as JSON, or the error's code and message.
 * Node reads NDREDUCE_HTTP_IDLE_MS and NODE_EXTRA_CA_CERTS when it loads. */
function reduceInChild(url: string, op: string, options: object, env: Record<string, string>): Promise<string> {
  const api = JSON.stringify(path.join(__dirname, '..', 'src', 'index.js'));
  const script = `require(${api}).reduceZarr(${JSON.stringify(url)}, ${JSON.stringify(op)}, ${JSON.stringify(options)}).then((r) => console.log(JSON.stringify(Array.from(r))), (e) => console.log(e.code, e.message))`;
  return new Promise((resolve, reject) =>
    execFile(process.execPath, ['-e', script], { env: { ...process.env, ...env }, timeout: 30_000 }, (e, stdout) => (e ? reject(e) : resolve(stdout))),
  );
}

function serve(root: string, tls = false): Promise<Server> {
  const stats = { inFlight: 0, peak: 0, aborted: 0 };
  const rules = new Map<string, Rule>();
  const handler: http.RequestListener = (req, res) => {
    let rel = decodeURIComponent((req.url ?? '/').split('?')[0]);
    // /moved/...: a redirect to the path without it, as a store behind a
    // moved address answers.
    if (rel.startsWith('/moved/')) {
      res.writeHead(301, { location: rel.slice('/moved'.length) }).end();
      return;
    }
    // /chunked/...: bodies without a length, sent in pieces.
    const chunked = rel.startsWith('/chunked/');
    if (chunked) rel = rel.slice('/chunked'.length);
    stats.inFlight++;
    stats.peak = Math.max(stats.peak, stats.inFlight);
    let done = false;
    res.on('close', () => {
      stats.inFlight--;
      if (!done) stats.aborted++;
    });
    const answer = () => {
      const rule = rules.get(rel) ?? rules.get('*');
      if (typeof rule === 'number') {
        done = true;
        res.writeHead(rule).end();
        return;
      }
      const file = path.join(root, rel);
      if (!file.startsWith(root) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
        done = true;
        res.writeHead(404).end();
        return;
      }
      const body = fs.readFileSync(file);
      done = true;
      // Ranges, as a sharded array's index and inner chunks are read.
      const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
      if (range && rule !== 'norange') {
        const [from, to] = range[1] === '' ? [body.length - Number(range[2]), body.length - 1] : [Number(range[1]), range[2] === '' ? body.length - 1 : Number(range[2])];
        const part = body.subarray(from, rule === 'shortrange' ? to : to + 1);
        res.writeHead(206, { 'content-length': part.length, 'content-range': `bytes ${from}-${to}/${body.length}` }).end(part);
        return;
      }
      if (rule === 'gzip' || rule === 'compress') {
        // Every body encoded, metadata too, as S3 serves objects stored
        // with a Content-Encoding ('compress': one Node does not decode).
        res.writeHead(200, { 'content-encoding': rule }).end(rule === 'gzip' ? zlib.gzipSync(body) : body);
        return;
      }
      if (chunked) {
        res.writeHead(200);
        for (let at = 0; at < body.length; at += 1000) res.write(body.subarray(at, at + 1000));
        res.end();
        return;
      }
      res.writeHead(200, { 'content-length': body.length }).end(body);
    };
    const rule = rules.get(rel) ?? rules.get('*');
    if (rule === 'hold') return;
    if (rule === 'stall') {
      res.writeHead(200, { 'content-length': 1000 });
      res.write(Buffer.alloc(10));
      return;
    }
    if (rule === 'cut' || rule === 'huge') {
      // A connection lost mid-body: the length promised, then a few bytes.
      done = true;
      res.writeHead(200, { 'content-length': rule === 'cut' ? 1000 : 1e11 });
      res.write(Buffer.alloc(10));
      setTimeout(() => res.socket?.destroy(), 20);
      return;
    }
    if (rule === 'slow' && !rel.endsWith('.json') && !rel.endsWith('.zarray') && !rel.endsWith('.zattrs')) setTimeout(answer, 30);
    else answer();
  };
  const server = tls ? https.createServer({ key: fs.readFileSync(TLS.key), cert: fs.readFileSync(TLS.cert) }, handler) : http.createServer(handler);
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      resolve({ url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`, stats, rules, close: () => new Promise((r) => (server.closeAllConnections(), server.close(() => r()))) });
    }),
  );
}

test('reduceZarr over HTTP: same results, concurrent requests, abort, 404 and 500', { skip: skipZarr }, async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ndreduce-zhttp-'));
  const server = await serve(root);
  try {
    python(WRITE, [root]);
    for (const name of ['v2-f8-gzip', 'v3-f8-sharded-blosc', 'v2-i4-F-zstd-be', 'v3-i2-sharded-start']) {
      for (const [op, axis] of [['max', 0], ['argmin', 1], ['sum', null], ['mean', [0, 1]]] as const) {
        const local = await reduceZarr(path.join(root, name), op, { axis });
        assert.deepEqual(await reduceZarr(`${server.url}/${name}`, op, { axis }), local, `${name} ${op}`);
      }
    }
    // Chunks fetched here and decoded by the addon; a blosc frame it lacks
    // the compressor of (blosclz) fetched again through zarrita and decoded
    // by its codecs, as a chain the addon lacks (a delta filter) is.
    python(CODEC_WRITE, [root]);
    for (const name of ['zlib', 'fallback-blosclz', 'fallback-delta']) {
      assert.deepEqual(await reduceZarr(`${server.url}/${name}`, 'sum', { axis: 0 }), await reduceZarr(path.join(root, name), 'sum', { axis: 0 }), name);
    }
    // An array named by { store, path }: its chunks' URLs carry the path.
    assert.deepEqual(await reduceZarr({ store: server.url, path: 'v2-u2-blosc' }, 'argmax', { axis: 0 }), await reduceZarr(path.join(root, 'v2-u2-blosc'), 'argmax', { axis: 0 }), '{ store, path }');
    // Redirects are followed, and bodies without a length are read whole.
    for (const via of ['moved', 'chunked']) {
      const local = await reduceZarr(path.join(root, 'v2-f8-gzip'), 'sum', { axis: 0 });
      assert.deepEqual(await reduceZarr(`${server.url}/${via}/v2-f8-gzip`, 'sum', { axis: 0 }), local, via);
    }
    // A server that ignores Range (Python's http.server) answers a shard's
    // reads with the whole file: the ranges are cut from it. A range
    // answered short is an error; zarrita took it for the shard's index.
    server.rules.set('*', 'norange');
    for (const name of ['v3-f8-sharded-blosc', 'v3-i2-sharded-start']) {
      assert.deepEqual(await reduceZarr(`${server.url}/${name}`, 'max', { axis: 0 }), await reduceZarr(path.join(root, name), 'max', { axis: 0 }), name);
    }
    // Bodies in gzip are decoded (fetch did it); an encoding Node lacks is an error.
    server.rules.set('*', 'gzip');
    assert.deepEqual(await reduceZarr(`${server.url}/v2-f8-gzip`, 'argmax', { axis: 1 }), await reduceZarr(path.join(root, 'v2-f8-gzip'), 'argmax', { axis: 1 }), 'gzip');
    server.rules.set('*', 'compress');
    await assert.rejects(reduceZarr(`${server.url}/v2-f8-gzip`, 'sum'), (e: Error & { code?: string }) => e.code === CODES.STORE && e.message.includes('content-encoding "compress"'));
    server.rules.set('*', 'shortrange');
    await assert.rejects(reduceZarr(`${server.url}/v3-f8-sharded-blosc`, 'sum'), (e: Error & { code?: string }) => e.code === CODES.STORE && /answered the range .* with \d+ bytes/.test(e.message));
    server.rules.clear();
    // Concurrency: slow chunk answers overlap up to `concurrency`.
    server.rules.set('*', 'slow');
    server.stats.peak = 0;
    await reduceZarr(`${server.url}/v2-u2-blosc`, 'max', { concurrency: 4 });
    assert.ok(server.stats.peak >= 3 && server.stats.peak <= 4, `peak ${server.stats.peak} requests at once`);
    server.rules.clear();
    // A 404 chunk reads as fill_value: the same as a chunk missing on disk.
    const name = 'v2-u2-blosc';
    fs.renameSync(path.join(root, name, '1.1'), path.join(root, name, '1.1.bak'));
    const missing = await reduceZarr(path.join(root, name), 'sum', { axis: 0 });
    assert.deepEqual(await reduceZarr(`${server.url}/${name}`, 'sum', { axis: 0 }), missing);
    fs.renameSync(path.join(root, name, '1.1.bak'), path.join(root, name, '1.1'));
    // A 500 is an error that names the chunk's key.
    server.rules.set(`/${name}/1.1`, 500);
    await assert.rejects(reduceZarr(`${server.url}/${name}`, 'sum'), (e: Error & { code?: string }) => e.code === CODES.STORE && e.message.includes('1.1'));
    // So is a body cut short, and one whose announced length no buffer
    // holds (nothing is allocated for it).
    for (const rule of ['cut', 'huge'] as const) {
      server.rules.set(`/${name}/1.1`, rule);
      await assert.rejects(reduceZarr(`${server.url}/${name}`, 'sum'), (e: Error & { code?: string }) => e.code === CODES.STORE && e.message.includes('1.1'), rule);
    }
    server.rules.clear();
    // Abort: chunk requests held by the server are cancelled (it sees them closed).
    for (const k of ['0.0', '0.1', '1.0', '1.1', '2.0', '2.1']) server.rules.set(`/${name}/${k}`, 'hold');
    const ac = new AbortController();
    const before = server.stats.aborted;
    const pending = reduceZarr(`${server.url}/${name}`, 'max', { signal: ac.signal, concurrency: 3 });
    for (let i = 0; i < 200 && server.stats.inFlight < 3; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(server.stats.inFlight, 3, 'three chunk requests in flight');
    ac.abort();
    await assert.rejects(pending, (e: Error) => e.name === 'AbortError');
    for (let i = 0; i < 200 && server.stats.inFlight > 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(server.stats.inFlight, 0, 'no request left open');
    assert.equal(server.stats.aborted - before, 3, 'the three fetches in flight were cancelled');
    // A server that never answers, or stops halfway through a body, fails
    // the request after NDREDUCE_HTTP_IDLE_MS of silence (300 s unless set):
    // in a child process, which reads the variable when it loads.
    for (const rule of ['hold', 'stall'] as const) {
      server.rules.clear();
      server.rules.set(`/${name}/1.1`, rule);
      const out = await reduceInChild(`${server.url}/${name}`, 'sum', { axis: 0 }, { NDREDUCE_HTTP_IDLE_MS: '1000' });
      assert.match(out, new RegExp(`^${CODES.STORE} .*1\\.1.*no data from 127\\.0\\.0\\.1`), rule);
    }
    server.rules.clear();
  } finally {
    await server.close();
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('reduceZarr over https: a certificate Node does not trust is an error; trusted (NODE_EXTRA_CA_CERTS), the same results', { skip: skipZarr }, async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ndreduce-zhttps-'));
  const server = await serve(root, true);
  try {
    python(WRITE, [root]);
    const name = 'v3-f8-sharded-blosc';
    const url = `${server.url}/${name}`;
    await assert.rejects(reduceZarr(url, 'sum'), (e: Error & { code?: string }) => e.code === CODES.STORE && /self[- ]signed/i.test(e.message));
    // Node reads NODE_EXTRA_CA_CERTS when it starts: a child process.
    const out = await reduceInChild(url, 'argmin', { axis: 1 }, { NODE_EXTRA_CA_CERTS: TLS.cert });
    const local = await reduceZarr(path.join(root, name), 'argmin', { axis: 1 });
    assert.deepEqual(JSON.parse(out), Array.from(local as ArrayLike<number>));
  } finally {
    await server.close();
    fs.rmSync(root, { recursive: true, force: true });
  }
});
