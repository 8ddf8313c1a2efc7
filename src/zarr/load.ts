// zarrita is an optional peer dependency, imported on first use: it is an
// ES module only (our CommonJS entry can reach it only through `import()`),
// and most users reduce arrays in memory and should not pay for its codecs.
// A missing zarrita is a coded error that says what to install.
import { CODES, ndError } from '../spec/errors';
import type { ChunkData } from './grid';

/** The part of a zarrita `Array` that is read here: what an opened array
 * (zarrita 0.4 and later) has. */
export interface ZarrArrayLike {
  readonly shape: readonly number[];
  /** The (inner, for a sharded array) chunk shape. */
  readonly chunks: readonly number[];
  readonly dtype: string;
  readonly path?: string;
  getChunk(coords: number[], options?: { signal?: AbortSignal }): Promise<ChunkData>;
}

interface Zarrita {
  open(location: unknown, options: { kind: 'array' }): Promise<ZarrArrayLike>;
  root(store: unknown): { resolve(path: string): unknown };
  /** `fetch`: what FetchStore calls instead of the global fetch (zarrita 0.4.x's ignores it). */
  FetchStore: new (url: string, options?: { fetch?: (request: Request) => Promise<unknown> }) => unknown;
}
interface Storage {
  default: new (root: string) => unknown;
}

// `import()` kept as is in the CommonJS output (module node16), so that
// Node loads the ES modules; a Function would hide it from bundlers too,
// which is not wanted.
let zarrita: Promise<Zarrita> | undefined;
let storage: Promise<Storage> | undefined;

const missing = (name: string, cause: unknown) =>
  ndError(Error, CODES.UNAVAILABLE, `reading Zarr needs the optional peer dependency ${name}: npm install zarrita (it brings @zarrita/storage)`, cause);

export function loadZarrita(): Promise<Zarrita> {
  zarrita ??= (import('zarrita') as unknown as Promise<Zarrita>).catch((e) => {
    zarrita = undefined;
    throw missing('zarrita', e);
  });
  return zarrita;
}

export function loadFileStore(): Promise<Storage> {
  storage ??= (import('@zarrita/storage/fs') as unknown as Promise<Storage>).catch((e) => {
    storage = undefined;
    throw missing('@zarrita/storage', e);
  });
  return storage;
}
