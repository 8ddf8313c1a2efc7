// Byte ranges of the stores reduceZarr opens, checked. zarrita reads a
// shard's index as the last bytes of its file and believes it: it skips
// the index's crc32c, reads an index_location of "start" from the end all
// the same, and its FileSystemStore zero-fills whatever a read did not
// return. A shard file cut short then gave a max of made-up values with no
// error, and an index at the start an allocation of a gigabyte for a chunk
// of 512 bytes.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Where an array's shards keep their index, and whether a crc32c follows it. */
export interface ShardIndex {
  atStart: boolean;
  crc: boolean;
}

type Range = { offset: number; length: number } | { suffixLength: number };
type Options = { signal?: AbortSignal };
type GetRange = (key: string, range: Range, options?: Options) => Promise<Uint8Array | undefined>;

/** The shard index layout in a v3 array's metadata (its zarr.json), or
 * undefined for an array without shards. */
export function shardIndexOf(meta: unknown): ShardIndex | undefined {
  const codecs = (meta as { codecs?: unknown } | undefined)?.codecs;
  if (!Array.isArray(codecs)) return undefined;
  const shard = codecs.find((c) => (c as { name?: unknown })?.name === 'sharding_indexed') as { configuration?: { index_location?: unknown; index_codecs?: unknown } } | undefined;
  if (!shard) return undefined;
  const config = shard.configuration ?? {};
  const last = Array.isArray(config.index_codecs) ? (config.index_codecs.at(-1) as { name?: unknown } | undefined) : undefined;
  return { atStart: config.index_location === 'start', crc: last?.name === 'crc32c' };
}

/** Makes `store.getRange` read what zarrita asks for and check it: for a
 * directory store (`root`), every range read here, whole or an error; a
 * shard's index (zarrita asks for it, and only for it, as a suffix) from
 * where the array keeps it, its crc32c verified. zarrita binds getRange
 * when it opens the array, before the array's metadata can say where the
 * index is: that comes later, through the function returned. */
export function checkRanges(store: { getRange?: GetRange }, root: string | undefined): (index: ShardIndex | undefined) => void {
  let index: ShardIndex | undefined;
  const set = (i: ShardIndex | undefined) => void (index = i);
  if (typeof store.getRange !== 'function') return set;
  const read: GetRange = root === undefined ? store.getRange.bind(store) : (key, range, options) => readRange(root, key, range, options);
  store.getRange = async (key, range, options) => {
    if (!index || !('suffixLength' in range)) return read(key, range, options);
    const bytes = await read(key, index.atStart ? { offset: 0, length: range.suffixLength } : range, options);
    if (bytes && index.crc && (bytes.length < 4 || crc32c(bytes.subarray(0, bytes.length - 4)) !== new DataView(bytes.buffer, bytes.byteOffset + bytes.length - 4, 4).getUint32(0, true))) {
      throw new Error(`the index of shard ${key} does not match its crc32c checksum (a file cut short or changed?)`);
    }
    return bytes;
  };
  return set;
}

/** The file of `key` in the directory store at `root`; an error for a key
 * that leads out of it (metadata checked in source.ts makes none, this
 * keeps it so for any that comes). */
export function fileOf(root: string, key: string): string {
  // zarrita's keys start with '/', which its own store strips.
  const file = path.join(root, key.replace(/^\//, ''));
  const rel = path.relative(root, file);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) throw new Error(`the key ${JSON.stringify(key)} leads out of the store ${root}`);
  return file;
}

/** Bytes `range` of the file for `key` under `root`, every one of them;
 * undefined when there is no such file (a missing shard). */
async function readRange(root: string, key: string, range: Range, options: Options = {}): Promise<Uint8Array | undefined> {
  options.signal?.throwIfAborted();
  const file = fileOf(root, key);
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(file, 'r');
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') return undefined;
    throw e;
  }
  try {
    const size = (await handle.stat()).size;
    const [offset, length] = 'suffixLength' in range ? [size - range.suffixLength, range.suffixLength] : [range.offset, range.length];
    if (!(Number.isSafeInteger(offset) && Number.isSafeInteger(length) && offset >= 0 && length >= 0 && offset + length <= size)) {
      throw new Error(`shard ${key} holds ${size} bytes; its index asks for ${length} bytes from byte ${offset} (a file cut short or changed?)`);
    }
    const bytes = Buffer.allocUnsafeSlow(length);
    for (let at = 0; at < length; ) {
      const { bytesRead } = await handle.read(bytes, at, length - at, offset + at);
      if (bytesRead === 0) throw new Error(`shard ${key} ended at byte ${offset + at} while it was read (it changed under the read)`);
      at += bytesRead;
    }
    options.signal?.throwIfAborted();
    return bytes;
  } finally {
    await handle.close();
  }
}

/** CRC-32C (Castagnoli) of `bytes`, as the Zarr v3 crc32c codec stores it. */
function crc32c(bytes: Uint8Array): number {
  let c = ~0;
  for (const b of bytes) c = TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

const TABLE = Int32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
  return c;
});
