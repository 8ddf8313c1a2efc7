// A .npy file read as a grid of slabs: whole rows of a C-order file (or
// whole columns of a Fortran-order one), each slab a byte range of the
// file, so that a shard is a byte range a worker reads by itself.
import * as fs from 'node:fs';

import { contiguousStrides } from '../io/npy-header';
import { abortError, CODES, ndError } from '../spec/errors';
import type { ChunkData } from './grid';

export interface NpyLayout {
  file: string;
  descr: string;
  fortran: boolean;
  shape: number[];
  dataStart: number;
  /** The slab axis: 0 for C order, the last for Fortran order. */
  split: number;
  /** Elements along `split` per slab. */
  slab: number;
}

const CTORS: Record<string, new (b: ArrayBuffer, at: number, n: number) => ChunkData['data']> = {
  i1: Int8Array, i2: Int16Array, i4: Int32Array, i8: BigInt64Array, u1: Uint8Array, u2: Uint16Array,
  u4: Uint32Array, u8: BigUint64Array, f4: Float32Array, f8: Float64Array,
} as never;

export function ctorOf(descr: string): (new (b: ArrayBuffer, at: number, n: number) => ChunkData['data']) & { BYTES_PER_ELEMENT: number } {
  const ctor = CTORS[descr.slice(1)];
  if (!ctor || descr[0] === '>') throw ndError(TypeError, CODES.BAD_NPY, `npy: dtype '${descr}' cannot be split into shards (integers and floats, little-endian)`);
  return ctor as never;
}

/** The chunk shape of the slab grid: the whole array but along `split`. */
export const slabChunks = (l: NpyLayout) => l.shape.map((n, k) => (k === l.split ? l.slab : Math.max(n, 1)));

/** Bytes of one element-step along `split` (a row, or a column). */
export function stepBytes(l: NpyLayout): number {
  const per = ctorOf(l.descr).BYTES_PER_ELEMENT;
  return l.shape.reduce((n, d, k) => (k === l.split ? n : n * d), per);
}

/** Slab `index` of the file, read and laid out as a chunk. */
export async function readSlab(l: NpyLayout, index: number, signal: AbortSignal): Promise<ChunkData> {
  const ctor = ctorOf(l.descr);
  const from = index * l.slab;
  const n = Math.min(l.slab, l.shape[l.split] - from);
  const step = stepBytes(l);
  const bytes = new ArrayBuffer(n * step);
  const handle = await fs.promises.open(l.file, 'r');
  try {
    let done = 0;
    while (done < bytes.byteLength) {
      if (signal.aborted) throw abortError(signal.reason);
      const { bytesRead } = await handle.read(new Uint8Array(bytes, done), 0, bytes.byteLength - done, l.dataStart + from * step + done);
      if (bytesRead === 0) throw ndError(RangeError, CODES.BAD_NPY, `npy: ${l.file} ends inside slab ${index}`);
      done += bytesRead;
    }
  } finally {
    await handle.close();
  }
  const shape = l.shape.map((d, k) => (k === l.split ? n : d));
  return { data: new ctor(bytes, 0, bytes.byteLength / ctor.BYTES_PER_ELEMENT), shape, stride: contiguousStrides(shape, l.fortran) };
}
