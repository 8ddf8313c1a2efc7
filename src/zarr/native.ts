// Chunks decoded by the addon (crates/core/src/codec) on its job threads,
// for the codec chains it carries: [transpose] → bytes (either endianness)
// → at most one of gzip, zlib, zstd, lz4 or blosc, in Zarr v3 (also inside
// a shard) and the same as v2 order/dtype/compressor. zarrita still finds
// the chunk's bytes (stores, keys, shard indexes) and says what a missing
// chunk holds; any other chain, and a blosc frame whose inner compressor
// the core lacks (blosclz, snappy), is decoded by zarrita's codecs. The
// unsharded chunks of a directory store are read by the addon itself, on
// its job threads, and those of an http(s) store fetched here into buffers
// reused from chunk to chunk; every chunk is decoded into a buffer reused
// from chunk to chunk.
import { addon } from '../addon/load';
import { CODES, ndError } from '../spec/errors';
import type { ChunkData } from './grid';
import { loadFileStore } from './load';
import type { ZarrArrayLike } from './load';
import { bodyReader } from './http';
import { fileOf } from './ranges';

type Codec = 'raw' | 'gzip' | 'zlib' | 'zstd' | 'lz4' | 'blosc';

/** Compressor names, v3 and numcodecs' (v2, and v3 files zarr-python
 * writes with numcodecs' codecs), to the core's. */
const COMPRESSORS: Record<string, Codec> = {
  gzip: 'gzip', zlib: 'zlib', zstd: 'zstd', blosc: 'blosc', lz4: 'lz4',
  'numcodecs.gzip': 'gzip', 'numcodecs.zlib': 'zlib', 'numcodecs.zstd': 'zstd', 'numcodecs.blosc': 'blosc', 'numcodecs.lz4': 'lz4',
};

const ITEMSIZE: Record<string, number> = { int8: 1, uint8: 1, int16: 2, uint16: 2, int32: 4, uint32: 4, int64: 8, uint64: 8, float32: 4, float64: 8 };

interface Context {
  kind: 'regular' | 'sharded';
  chunkShape: number[];
  fillValue: unknown;
  TypedArray: new (...args: unknown[]) => ArrayLike<unknown> & { fill(v: unknown): unknown };
  getStrides(shape: number[]): number[];
  getChunkBytes(coords: number[], options: { signal?: AbortSignal }): Promise<Uint8Array | undefined>;
  codec: { decode(bytes: Uint8Array): Promise<ChunkData> };
}

interface Meta { codecs?: { name: string; configuration?: Record<string, unknown> }[] }
interface MetaV2 { order?: string; filters?: unknown[] | null; compressor?: { id: string } | null; dtype?: string }

interface Chain { codec: Codec; swap: boolean }

/** The chain of a v3 codec list, or undefined where the core lacks a step. */
function chainV3(codecs: Meta['codecs']): Chain | undefined {
  if (!Array.isArray(codecs)) return undefined;
  const shard = codecs.find((c) => c.name === 'sharding_indexed');
  if (shard) return codecs.length === 1 ? chainV3(shard.configuration?.codecs as Meta['codecs']) : undefined;
  let i = 0;
  if (codecs[i]?.name === 'transpose') i++;
  const bytes = codecs[i++];
  if (bytes?.name !== 'bytes') return undefined;
  const swap = bytes.configuration?.endian === 'big';
  if (i === codecs.length) return { codec: 'raw', swap };
  const codec = COMPRESSORS[codecs[i++]?.name];
  return codec && i === codecs.length ? { codec, swap } : undefined;
}

function chainV2(m: MetaV2): Chain | undefined {
  if (m.filters && m.filters.length > 0) return undefined;
  if (typeof m.dtype !== 'string' || !/^[<>|][iuf][1248]$/.test(m.dtype)) return undefined;
  if (!m.compressor) return { codec: 'raw', swap: m.dtype[0] === '>' };
  const codec = COMPRESSORS[m.compressor.id];
  return codec && { codec, swap: m.dtype[0] === '>' };
}

async function readJson(store: { get(key: string): Promise<Uint8Array | undefined> }, key: string): Promise<unknown> {
  const bytes = await store.get(key);
  return bytes && JSON.parse(new TextDecoder().decode(bytes));
}

/** An opened array's metadata document as its store holds it: zarr.json
 * (v3) or .zarray (v2); undefined where it cannot be read here. */
export interface ArrayMeta {
  v3?: Meta;
  v2?: MetaV2;
}

export async function readMeta(array: ZarrArrayLike): Promise<ArrayMeta | undefined> {
  const store = (array as unknown as { store?: { get?: unknown } }).store;
  if (typeof store?.get !== 'function') return undefined;
  const get = store as { get(key: string): Promise<Uint8Array | undefined> };
  const base = !array.path || array.path === '/' ? '' : array.path.replace(/\/$/, '');
  try {
    const v3 = (await readJson(get, `${base}/zarr.json`)) as Meta | undefined;
    return v3 ? { v3 } : { v2: (await readJson(get, `${base}/.zarray`)) as MetaV2 | undefined };
  } catch {
    return undefined;
  }
}

export type NativeRead = (coords: number[], signal: AbortSignal, keyOf: (c: number[]) => string) => Promise<ChunkData>;

/** `read`, and whether it reads a directory's chunk files on the job
 * threads that decode them (`local`): no wait on a network to hide. */
export interface NativeReader {
  read: NativeRead;
  local: boolean;
}

/** A reader that decodes `array`'s chunks natively, or undefined where
 * zarrita's codecs must (no addon, a chain the core lacks, a zarrita
 * whose internals differ from what is read here). `meta`: `readMeta`'s;
 * `url`: the store's, when it is an http(s) store made here. */
export async function nativeReader(array: ZarrArrayLike, meta: ArrayMeta | undefined, url?: string): Promise<NativeReader | undefined> {
  const native = addon();
  if (!native || !meta) return undefined;
  const sym = Object.getOwnPropertySymbols(array).find((s) => s.description === 'zarrita.context');
  const ctx = sym ? (array as unknown as Record<symbol, Context | undefined>)[sym] : undefined;
  const store = (array as unknown as { store?: unknown }).store;
  if (!ctx || typeof ctx.getChunkBytes !== 'function') return undefined;
  const chain = meta.v3 ? chainV3(meta.v3.codecs) : meta.v2 && chainV2(meta.v2);
  const itemsize = ITEMSIZE[array.dtype];
  if (!chain || !itemsize) return undefined;
  const { codec, swap } = chain;
  const shape = ctx.chunkShape;
  const size = shape.reduce((a, b) => a * b, 1);
  const stride = ctx.getStrides(shape);
  const Ctor = ctx.TypedArray;
  const missing = () => {
    const data = new Ctor(size);
    data.fill(ctx.fillValue);
    return { data, shape, stride };
  };
  const failed = (coords: number[], keyOf: (c: number[]) => string, cause: unknown): Error =>
    ndError(Error, CODES.CODEC, `Zarr chunk ${keyOf(coords)} could not be decoded: ${(cause as Error)?.message}`, cause);
  // zarrita's codecs, for a frame the core lacks a compressor of.
  const fallback = async (bytes: Uint8Array | undefined, coords: number[], keyOf: (c: number[]) => string): Promise<ChunkData> => {
    if (!bytes) return missing();
    const chunk = await ctx.codec.decode(bytes);
    if ((chunk.data as ArrayLike<unknown>).length === size) return chunk;
    throw failed(coords, keyOf, new Error(`zarrita's codecs decoded ${(chunk.data as ArrayLike<unknown>).length} elements, expected ${size}`));
  };
  // Chunks are decoded into shared buffers reused from chunk to chunk: at
  // most `concurrency` exist, each handed back by the pipeline once its
  // chunk's partial is made.
  const free: Uint8Array[] = [];
  const take = () => free.pop() ?? new Uint8Array(new SharedArrayBuffer(size * itemsize));
  const decoded = (buf: Uint8Array): ChunkData => ({ data: new Ctor(buf.buffer, 0, size), shape, stride, release: () => free.push(buf) });
  const unsupported = (cause: unknown) => (cause as { code?: string })?.code === CODES.CODEC_UNSUPPORTED;
  // A chunk's compressed bytes into a buffer of the pool. `done` runs once
  // the addon no longer reads them (its job copies shared bytes, so they
  // are held until the decode settles; any others it copies before
  // decodeChunkAsync returns); `again` gives the bytes to zarrita's codecs
  // for a frame whose compressor the addon lacks.
  const fromBytes = async (bytes: Uint8Array, coords: number[], keyOf: (c: number[]) => string, again: () => Promise<Uint8Array | undefined>, done = () => {}): Promise<ChunkData> => {
    const buf = take();
    try {
      await native.decodeChunkAsync(bytes, codec, buf, swap ? itemsize : 0);
      done();
    } catch (cause) {
      done();
      free.push(buf);
      if (unsupported(cause)) return fallback(await again(), coords, keyOf);
      throw failed(coords, keyOf, cause);
    }
    return decoded(buf);
  };
  const root = ctx.kind === 'regular' ? await fileStoreRoot(store) : undefined;
  if (root !== undefined) {
    // A directory's chunk files are read by the job thread that decodes them.
    const read: NativeRead = async (coords, signal, keyOf) => {
      const buf = take();
      let found: boolean;
      try {
        found = await native.decodeFileAsync(fileOf(root, keyOf(coords)), codec, buf, swap ? itemsize : 0);
      } catch (cause) {
        free.push(buf);
        if (unsupported(cause)) return fallback(await ctx.getChunkBytes(coords, { signal }), coords, keyOf);
        if ((cause as { code?: string })?.code === CODES.CODEC) throw failed(coords, keyOf, cause);
        throw cause;
      }
      if (found) return decoded(buf);
      free.push(buf);
      return missing();
    };
    return { read, local: true };
  }
  if (url !== undefined && ctx.kind === 'regular') {
    // An http(s) store's chunks are fetched here, each into a shared
    // buffer kept for the next, which the addon's job copies (not this
    // thread). The URL is the chunk's key under the store's, as zarrita's
    // FetchStore makes it (the query string kept).
    const body = bodyReader();
    const base = new URL(url);
    if (!base.pathname.endsWith('/')) base.pathname += '/';
    const read: NativeRead = async (coords, signal, keyOf) => {
      const at = new URL(keyOf(coords), base);
      at.search = base.search;
      const got = await body(at, signal);
      if (!got) return missing();
      return fromBytes(got.body, coords, keyOf, () => ctx.getChunkBytes(coords, { signal }), got.release);
    };
    return { read, local: false };
  }
  const read: NativeRead = async (coords, signal, keyOf) => {
    const bytes = await ctx.getChunkBytes(coords, { signal });
    return bytes ? fromBytes(bytes, coords, keyOf, async () => bytes) : missing();
  };
  return { read, local: false };
}

/** The directory of a zarrita `FileSystemStore` (whose key `k` is the
 * file `path.join(root, k)`), or undefined for any other store. */
export async function fileStoreRoot(store: unknown): Promise<string | undefined> {
  try {
    const { default: FileSystemStore } = await loadFileStore();
    const root = store instanceof FileSystemStore ? (store as { root?: unknown }).root : undefined;
    return typeof root === 'string' ? root : undefined;
  } catch {
    return undefined;
  }
}
