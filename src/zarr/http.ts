// The `fetch` that zarrita's FetchStore is given for http(s) stores: Node's
// own http client, reading a body straight into one buffer of the length
// the server announces. The global fetch (undici) moved a local store's
// chunks at about 600 MB/s on this project's 2-core machine, Node's http
// at about 950 MB/s, which a reduction over HTTP is bound by (`npm run
// bench -- --zarr 2G`). Only what FetchStore reads of a response is
// provided: the status, its text, the headers' get, ok and arrayBuffer.
// A range request gets exactly its range or an error (`ranged`).
import { constants } from 'node:buffer';
import * as http from 'node:http';
import * as https from 'node:https';
import * as zlib from 'node:zlib';

import { describe } from '../validate/read';

export interface BodyResponse {
  status: number;
  statusText: string;
  ok: boolean;
  headers: { get(name: string): string | null };
  arrayBuffer(): Promise<ArrayBuffer>;
}

/** Redirects followed, as fetch's `redirect: 'follow'` (which allows 20). */
const MAX_REDIRECTS = 20;

/** A request whose connection carries nothing for this long fails, as
 * fetch's (undici's) headers and body timeouts of 300 s do: without it a
 * server that accepts and never answers held a reduction forever. Set
 * NDREDUCE_HTTP_IDLE_MS (read once, at load) for another limit. */
const IDLE_MS = idleMs(process.env.NDREDUCE_HTTP_IDLE_MS);

function idleMs(raw: string | undefined): number {
  const ms = Number(raw);
  return raw && Number.isSafeInteger(ms) && ms > 0 ? ms : 300_000;
}

/** A body longer than a buffer can hold is an error, whatever it announced. */
const MAX_BODY = constants.MAX_LENGTH;
/** Announced lengths up to this get their buffer before the bytes come; a
 * server that announces more is not trusted with an allocation of that
 * size (a hostile 100 GB announcement threw where nothing caught it, and
 * ended the process): its body is gathered as it arrives. */
const PREALLOCATE = 256 << 20;

/** The content encodings Node decodes. */
const DECODERS = new Map<string, () => zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress>([
  ['gzip', zlib.createGunzip],
  ['x-gzip', zlib.createGunzip],
  ['deflate', zlib.createInflate],
  ['br', zlib.createBrotliDecompress],
]);

// Keep-alive: a reduction asks for many chunks of one server.
const agents = { 'http:': new http.Agent({ keepAlive: true }), 'https:': new https.Agent({ keepAlive: true }) };

/** A response and its body as read: a view of the buffer `take` gave,
 * where it gave one. */
interface Response extends BodyResponse {
  bytes: Uint8Array;
}

/** A fetch for FetchStore: `request` is the Request it builds (a URL, a
 * method, a Range header, a signal). */
export function nodeFetch(request: Request): Promise<BodyResponse> {
  const headers: Record<string, string> = {};
  request.headers.forEach((v, k) => (headers[k] = v));
  return get(new URL(request.url), request.method, headers, request.signal, 0);
}

/** Bytes of bodies a reader keeps for the next ones (16 chunks of 16 MB). */
const KEPT_BYTES = 256 << 20;

/** A reader of whole bodies (a store's unsharded chunks, for the addon to
 * decode) into buffers kept from body to body: a reduction's chunks are
 * about one size, and a fresh 16 MB buffer per chunk cost its page faults
 * and a collection every few chunks. The buffers are SharedArrayBuffers,
 * which the addon's job copies from itself (not the JavaScript thread).
 * Resolves to undefined for a 404 (a
 * missing chunk, as FetchStore reads it); `body` is valid until `release`. */
export function bodyReader(): (url: URL, signal: AbortSignal) => Promise<{ body: Uint8Array; release(): void } | undefined> {
  const kept: Buffer[] = [];
  return async (url, signal) => {
    let held: Buffer | undefined;
    const take = (n: number) => {
      const k = kept.findIndex((b) => b.length >= n && b.length <= 2 * n + 65536);
      held = k >= 0 ? kept.splice(k, 1)[0] : Buffer.from(new SharedArrayBuffer(n));
      return held;
    };
    // Once (a second call keeps nothing); at most a reduction's chunks in
    // flight come back, and no more than KEPT_BYTES in all.
    const release = () => {
      if (held && kept.length < 16 && kept.reduce((n, b) => n + b.length, held.length) <= KEPT_BYTES) kept.push(held);
      held = undefined;
    };
    const res = await get(url, 'GET', {}, signal, 0, take);
    if (res.status === 200) return { body: res.bytes, release };
    release();
    if (res.status === 404) return undefined;
    throw new Error(`Unexpected response status ${res.status} ${res.statusText}`);
  };
}

function get(url: URL, method: string, headers: Record<string, string>, signal: AbortSignal, hops: number, take?: (n: number) => Buffer): Promise<Response> {
  const client = url.protocol === 'https:' ? https : url.protocol === 'http:' ? http : undefined;
  if (!client) return Promise.reject(new TypeError(`cannot fetch ${url.protocol} URLs (http or https only)`));
  const asked = rangeOf(headers.range);
  return new Promise((resolve, reject) => {
    const req = client.request(url, { method, headers, signal, agent: agents[url.protocol as 'http:'] }, (res) => {
      const status = res.statusCode ?? 0;
      const location = res.headers.location;
      if (status >= 300 && status < 400 && location && hops < MAX_REDIRECTS) {
        res.resume();
        const to = new URL(location, url);
        return resolve(get(to, status === 303 ? 'GET' : method, headers, signal, hops + 1, take));
      }
      res.on('error', reject);
      // An encoded body (an object stored with Content-Encoding: gzip is
      // served so whatever the request accepts, as S3 does) is decoded
      // here, as fetch did; its announced length is not the body's. A
      // range of an encoded body is a piece of the encoded bytes.
      const encoding = String(res.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
      const decoder = DECODERS.get(encoding);
      if (decoder === undefined && encoding !== 'identity') return res.destroy(new Error(`${url.href}: a body in content-encoding ${describe(encoding)}, which is not one of ${[...DECODERS.keys()].join(', ')}`));
      if (decoder && asked) return res.destroy(new Error(`${url.href}: a range of a body in content-encoding ${encoding} cannot be decoded`));
      const body$ = decoder && method !== 'HEAD' ? res.pipe(decoder()).on('error', (e) => (reject(e), res.destroy())) : res;
      // Node's parser holds a body to its announced length (more bytes
      // are an error, fewer an abort), so one buffer of that length takes
      // it whole; a HEAD's length is not a body's.
      const announced = Number(res.headers['content-length']);
      const known = body$ === res && method !== 'HEAD' && Number.isSafeInteger(announced) && announced >= 0;
      if (known && announced > MAX_BODY) return res.destroy(new RangeError(`a body of ${announced} bytes (content-length) is longer than the ${MAX_BODY} bytes a buffer holds`));
      const whole = known && announced <= PREALLOCATE ? (take?.(announced) ?? Buffer.allocUnsafeSlow(announced)) : undefined;
      const parts: Buffer[] = [];
      let at = 0;
      body$.on('data', (part: Buffer) => {
        if (at + part.length > (whole?.length ?? MAX_BODY)) return res.destroy(new RangeError(`the body is longer than ${whole ? `its content-length ${announced}` : `the ${MAX_BODY} bytes a buffer holds`}`));
        if (whole) whole.set(part, at);
        else parts.push(part);
        at += part.length;
      });
      body$.on('end', () => {
        let body: Uint8Array = whole ? whole.subarray(0, at) : Buffer.concat(parts);
        let answered = status;
        if (asked && method !== 'HEAD' && (status === 200 || status === 206)) {
          const part = ranged(body, status === 200, asked, header(res.headers['content-range']));
          if (typeof part === 'string') return reject(new RangeError(`${url.href}: ${part}`));
          [body, answered] = [part, 206];
        }
        resolve({
          status: answered,
          statusText: res.statusMessage ?? '',
          ok: answered >= 200 && answered < 300,
          headers: { get: (name) => (answered !== status && name.toLowerCase() === 'content-length' ? String(body.length) : header(res.headers[name.toLowerCase()])) },
          bytes: body,
          // A part of a larger buffer (Buffer.concat's pool) is copied out.
          arrayBuffer: () => Promise.resolve(body.byteLength === body.buffer.byteLength ? (body.buffer as ArrayBuffer) : new Uint8Array(body).buffer),
        });
      });
    });
    req.setTimeout(IDLE_MS, () => req.destroy(new Error(`no data from ${url.host} for ${IDLE_MS / 1000} s (NDREDUCE_HTTP_IDLE_MS)`)));
    req.on('error', reject);
    req.end();
  });
}

/** The byte range a Range header asks for (the forms zarrita sends: from
 * and to, or the last `suffix` bytes), or undefined. */
function rangeOf(value: string | undefined): { from: number; to: number } | { suffix: number } | undefined {
  const m = /^bytes=(\d*)-(\d*)$/.exec(value ?? '');
  if (!m || m[2] === '') return undefined;
  return m[1] === '' ? { suffix: Number(m[2]) } : { from: Number(m[1]), to: Number(m[2]) };
}

/** The bytes a range request asked for, from a server's answer: a 200
 * is the whole resource (a server that ignores Range, as Python's
 * http.server), cut here; a 206 must hold the range itself. A message
 * where neither gives every byte asked for: zarrita would take a short or
 * misplaced range as a shard's index or chunk. */
function ranged(body: Uint8Array, whole: boolean, asked: NonNullable<ReturnType<typeof rangeOf>>, contentRange: string | null): Uint8Array | string {
  const length = 'suffix' in asked ? asked.suffix : asked.to - asked.from + 1;
  if (whole) {
    const from = 'suffix' in asked ? body.length - asked.suffix : asked.from;
    if (from < 0 || from + length > body.length) return `the resource holds ${body.length} bytes, fewer than the range ${describeRange(asked)} needs (a file cut short?)`;
    return body.subarray(from, from + length);
  }
  const start = /^bytes (\d+)-/.exec(contentRange ?? '');
  if (body.length !== length || ('from' in asked && start && Number(start[1]) !== asked.from)) {
    return `the server answered the range ${describeRange(asked)} with ${body.length} bytes${contentRange ? ` (${contentRange})` : ''}, not the ${length} asked for (a file cut short?)`;
  }
  return body;
}

const describeRange = (r: NonNullable<ReturnType<typeof rangeOf>>) => ('suffix' in r ? `of the last ${r.suffix} bytes` : `of bytes ${r.from}-${r.to}`);

function header(v: string | string[] | undefined): string | null {
  return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
}
