// The `fetch` that zarrita's FetchStore is given for http(s) stores: Node's
// own http client, reading a body straight into one buffer of the length
// the server announces. The global fetch (undici) moved a local store's
// chunks at about 600 MB/s on this project's 2-core machine, Node's http
// at about 950 MB/s, which a reduction over HTTP is bound by (`npm run
// bench -- --zarr 2G`). Only what FetchStore reads of a response is
// provided: the status, its text, the headers' get, ok and arrayBuffer.
import * as http from 'node:http';
import * as https from 'node:https';

export interface BodyResponse {
  status: number;
  statusText: string;
  ok: boolean;
  headers: { get(name: string): string | null };
  arrayBuffer(): Promise<ArrayBuffer>;
}

/** Redirects followed, as fetch's `redirect: 'follow'` (which allows 20). */
const MAX_REDIRECTS = 20;

// Keep-alive: a reduction asks for many chunks of one server.
const agents = { 'http:': new http.Agent({ keepAlive: true }), 'https:': new https.Agent({ keepAlive: true }) };

/** A fetch for FetchStore: `request` is the Request it builds (a URL, a
 * method, a Range header, a signal). */
export function nodeFetch(request: Request): Promise<BodyResponse> {
  const headers: Record<string, string> = {};
  request.headers.forEach((v, k) => (headers[k] = v));
  return get(new URL(request.url), request.method, headers, request.signal, 0);
}

function get(url: URL, method: string, headers: Record<string, string>, signal: AbortSignal, hops: number): Promise<BodyResponse> {
  const client = url.protocol === 'https:' ? https : url.protocol === 'http:' ? http : undefined;
  if (!client) return Promise.reject(new TypeError(`cannot fetch ${url.protocol} URLs (http or https only)`));
  return new Promise((resolve, reject) => {
    const req = client.request(url, { method, headers, signal, agent: agents[url.protocol as 'http:'] }, (res) => {
      const status = res.statusCode ?? 0;
      const location = res.headers.location;
      if (status >= 300 && status < 400 && location && hops < MAX_REDIRECTS) {
        res.resume();
        const to = new URL(location, url);
        return resolve(get(to, status === 303 ? 'GET' : method, headers, signal, hops + 1));
      }
      const announced = Number(res.headers['content-length']);
      // One buffer of the announced length, else the parts joined at the end.
      const whole = Number.isSafeInteger(announced) && announced >= 0 ? new Uint8Array(announced) : undefined;
      const parts: Buffer[] = [];
      let at = 0;
      res.on('data', (part: Buffer) => {
        if (whole && at + part.length <= whole.length) whole.set(part, at);
        else parts.push(part);
        at += part.length;
      });
      res.on('error', reject);
      res.on('end', () => {
        const body = whole && at === whole.length && parts.length === 0 ? whole : joined(whole, parts, at);
        resolve({
          status,
          statusText: res.statusMessage ?? '',
          ok: status >= 200 && status < 300,
          headers: { get: (name) => header(res.headers[name.toLowerCase()]) },
          arrayBuffer: () => Promise.resolve(body.buffer.byteLength === body.length ? (body.buffer as ArrayBuffer) : body.slice().buffer),
        });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** A body whose length differed from the announced one: what arrived, in order. */
function joined(whole: Uint8Array | undefined, parts: Buffer[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let at = 0;
  if (whole) {
    const kept = Math.min(whole.length, total - parts.reduce((a, p) => a + p.length, 0));
    out.set(whole.subarray(0, kept));
    at = kept;
  }
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function header(v: string | string[] | undefined): string | null {
  return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
}
