// A Zarr source, opened: a directory, a URL, `{ store, path }` for an array
// inside a group, or an array zarrita opened already. Chunks are read
// through zarrita (stores, chunk keys, fill values, sharding and codecs);
// a chunk that fails to load is an error naming its key.
import * as os from 'node:os';

import { JOB_THREADS } from '../addon/load';
import { abortError, CODES, ndError } from '../spec/errors';
import { bracket, describe, MAX_NDIM } from '../validate/read';
import { loadFileStore, loadZarrita } from './load';
import type { ZarrArrayLike } from './load';
import type { ChunkData } from './grid';
import { nodeFetch } from './http';
import { fileStoreRoot, nativeReader, readMeta } from './native';
import type { ArrayMeta, NativeRead } from './native';
import { checkRanges, shardIndexOf } from './ranges';

/** Where a Zarr array is: a directory or http(s) URL of the array itself,
 * `{ store, path }` for an array inside a group, or an opened zarrita array. */
export type ZarrSource = string | URL | { store: string | URL; path: string } | ZarrArrayLike;

/** The dtypes a typed array holds (zarrita's names, NumPy's). */
const DTYPES = ['int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64', 'float32', 'float64'];

const isUrl = (s: string) => /^https?:\/\//i.test(s);

/** Chunks in flight by default where a store's reads wait on I/O. */
export const DEFAULT_CONCURRENCY = 8;

export interface Opened {
  array: ZarrArrayLike;
  /** The chunk's key, for error messages. */
  keyOf(coords: number[]): string;
  /** A string naming the source in a shard descriptor, or undefined for an opened array. */
  where: { store: string; path: string } | undefined;
  /** The addon's decoder of this array's chunks, where it carries the codecs. */
  native: NativeRead | undefined;
  /** Chunks in flight unless the caller says. For a directory whose
   * chunks the addon reads and decodes on its job threads: one per thread
   * that can run, and one more for the reduction; each further chunk only
   * pushed a decoded one out of the cache before it was reduced (README,
   * "Chunks in flight for a directory"). Other stores wait on a network or
   * on zarrita: `DEFAULT_CONCURRENCY`. */
  concurrency: number;
}

function isArrayLike(x: unknown): x is ZarrArrayLike {
  const a = x as ZarrArrayLike;
  return typeof x === 'object' && x !== null && typeof a.getChunk === 'function' && Array.isArray(a.shape) && Array.isArray(a.chunks) && typeof a.dtype === 'string';
}

/** Reads `source` (checked before any I/O) and opens the array. */
export async function openZarr(source: unknown): Promise<Opened> {
  let where: Opened['where'];
  let array: ZarrArrayLike;
  let meta: ArrayMeta | undefined;
  if (isArrayLike(source)) {
    // An array zarrita opened from a directory is opened again from that
    // directory here, so that its shards are read as below; any other
    // store is the caller's (a custom fetch, say), read as it is.
    const root = await fileStoreRoot((source as { store?: unknown }).store);
    if (root !== undefined && typeof source.path === 'string') ({ array, meta } = await openAt({ store: root, path: source.path.replace(/^\//, '') }));
    else {
      array = source;
      meta = await readMeta(array);
      // zarrita 0.7 reads a shard's index from the end of its file,
      // wherever the metadata puts it.
      if (shardIndexOf(meta?.v3)?.atStart) {
        throw ndError(TypeError, CODES.BAD_ARRAY, `this opened zarrita array keeps its shard index at the start of each shard (index_location "start"), which zarrita reads as if it were at the end; give reduceZarr the array's directory or URL instead`);
      }
    }
  } else {
    if (typeof source === 'string' || source instanceof URL) where = { store: String(source), path: '' };
    else if (typeof source === 'object' && source !== null && (typeof (source as { store?: unknown }).store === 'string' || (source as { store?: unknown }).store instanceof URL) && typeof (source as { path?: unknown }).path === 'string') {
      where = { store: String((source as { store: unknown }).store), path: (source as { path: string }).path };
    } else {
      throw ndError(TypeError, CODES.BAD_ARRAY, `a Zarr source must be a directory path, an http(s) URL, { store, path } or an opened zarrita array, got ${describe(source)}`);
    }
    ({ array, meta } = await openAt(where));
  }
  if (!DTYPES.includes(array.dtype)) {
    throw ndError(TypeError, CODES.BAD_ARRAY, `Zarr dtype ${array.dtype} is not one ndreduce reduces (${DTYPES.join(', ')})`);
  }
  // The store's metadata, as zarrita read it, without checks of its own: a
  // negative length or a chunk of 0 gave a nonsense error deep in a merge.
  const { shape, chunks } = array;
  const fine = Array.isArray(shape) && Array.isArray(chunks) && shape.length === chunks.length && shape.every((n) => Number.isSafeInteger(n) && n >= 0) && chunks.every((n) => Number.isSafeInteger(n) && n >= 1);
  if (!fine) throw ndError(RangeError, CODES.BAD_ARRAY, `a Zarr array needs lengths of 0 or more and chunk lengths of 1 or more, one per axis: shape ${listed(shape)}, chunks ${listed(chunks)}`);
  checkMeta(meta, array.dtype);
  const reader = await nativeReader(array, meta, where && isUrl(where.store) ? where.store : undefined);
  const concurrency = reader?.local ? Math.min(JOB_THREADS, os.availableParallelism()) + 1 : DEFAULT_CONCURRENCY;
  return { array, keyOf: keyEncoder(array), where, native: reader?.read, concurrency };
}

/** The array at `where`, through a store made here: it reads shard
 * indexes as the array keeps them and checks what it reads (ranges.ts). */
async function openAt(where: { store: string; path: string }): Promise<{ array: ZarrArrayLike; meta: ArrayMeta | undefined }> {
  const zarr = await loadZarrita();
  const url = isUrl(where.store);
  const store = url ? new zarr.FetchStore(where.store, { fetch: nodeFetch }) : new (await loadFileStore()).default(where.store);
  const loc = where.path ? zarr.root(store).resolve(where.path) : zarr.root(store);
  const shardIndex = checkRanges(store as Parameters<typeof checkRanges>[0], url ? undefined : where.store);
  let array: ZarrArrayLike;
  try {
    array = await zarr.open(loc, { kind: 'array' });
  } catch (cause) {
    throw ndError(Error, CODES.STORE, `no Zarr array at ${where.store}${where.path ? ` path ${where.path}` : ''}: ${(cause as Error)?.message}`, cause);
  }
  const meta = await readMeta(array);
  shardIndex(shardIndexOf(meta?.v3));
  return { array, meta };
}

/** What zarr-python refuses in an array's metadata and zarrita takes: a
 * v2 order other than C or F (read as C order: a max of the wrong
 * elements), a chunk key separator other than "/" and ".", a fill_value
 * that is no number of the dtype (read as NaN), and one zarrita misreads. */
function checkMeta(meta: ArrayMeta | undefined, dtype: string): void {
  const doc = meta?.v3 ?? meta?.v2;
  if (!doc) return;
  const name = meta?.v3 ? 'zarr.json' : '.zarray';
  const order = meta?.v2?.order;
  if (meta?.v2 && order !== 'C' && order !== 'F') throw ndError(TypeError, CODES.BAD_ARRAY, `Zarr metadata (${name}): order ${describe(order)} is neither "C" nor "F"`);
  // A chunk's key is its coordinates joined by the separator: any other
  // separator than the specs' two made keys such as c/../../etc/x, and a
  // directory store read files outside itself as chunks.
  const encoding = (doc as { chunk_key_encoding?: { name?: unknown; configuration?: { separator?: unknown } } }).chunk_key_encoding;
  const separator = meta?.v3 ? encoding?.configuration?.separator : (doc as { dimension_separator?: unknown }).dimension_separator;
  if (meta?.v3 && encoding !== undefined && encoding?.name !== 'default' && encoding?.name !== 'v2') throw ndError(TypeError, CODES.BAD_ARRAY, `Zarr metadata (${name}): chunk_key_encoding ${describe(encoding?.name)} is neither "default" nor "v2"`);
  if (separator !== undefined && separator !== null && separator !== '/' && separator !== '.') throw ndError(TypeError, CODES.BAD_ARRAY, `Zarr metadata (${name}): the chunk key separator ${describe(separator)} is neither "/" nor "."`);
  const fill = (doc as { fill_value?: unknown }).fill_value;
  const float = dtype.startsWith('float');
  const number = typeof fill === 'number' && (float || Number.isInteger(fill));
  const named = float && typeof fill === 'string' && ['NaN', 'Infinity', '-Infinity'].includes(fill);
  if (float && typeof fill === 'string' && /^0x[0-9a-f]+$/i.test(fill)) {
    // v3 allows a float's bits in hex; zarrita 0.7 reads them as an integer.
    throw ndError(TypeError, CODES.BAD_ARRAY, `Zarr metadata (${name}): fill_value ${describe(fill)} gives a float's bits in hex, which zarrita reads as the integer ${Number(fill)}; write the value as a number (or "NaN", "Infinity", "-Infinity")`);
  }
  if (!(fill === null || fill === undefined || number || named)) {
    throw ndError(TypeError, CODES.BAD_ARRAY, `Zarr metadata (${name}): fill_value ${describe(fill)} is not a value of dtype ${dtype}`);
  }
}

const listed = (v: unknown) => (Array.isArray(v) && v.length <= MAX_NDIM ? bracket(v) : describe(v));

/** zarrita keeps its chunk key encoder in a context under a symbol; the
 * coordinates stand in where it is not found. */
function keyEncoder(array: ZarrArrayLike): (coords: number[]) => string {
  const sym = Object.getOwnPropertySymbols(array).find((s) => s.description === 'zarrita.context');
  const ctx = sym ? (array as unknown as Record<symbol, { encodeChunkKey?: (c: number[]) => string }>)[sym] : undefined;
  const base = array.path && array.path !== '/' ? array.path.replace(/^\//, '') + '/' : '';
  return typeof ctx?.encodeChunkKey === 'function' ? (c) => base + ctx.encodeChunkKey!(c) : (c) => `chunk [${c.join(', ')}]`;
}

/** Chunk `coords`, decoded (fill_value where the store has no such key). */
export async function readChunk(opened: Opened, coords: number[], signal: AbortSignal): Promise<ChunkData> {
  try {
    return await (opened.native ? opened.native(coords, signal, opened.keyOf) : opened.array.getChunk(coords, { signal }));
  } catch (cause) {
    if (signal.aborted) throw abortError(signal.reason);
    if ((cause as { code?: string })?.code === CODES.CODEC) throw cause;
    throw ndError(Error, CODES.STORE, `Zarr chunk ${opened.keyOf(coords)} could not be read: ${(cause as Error)?.message}`, cause);
  }
}
