// Zarr arrays written by Python's zarr for the native decoders' tests:
// one per codec the core carries (and per blosc shuffle and inner
// compressor), and a few it does not carry, which zarrita decodes.
export const CODEC_WRITE = String.raw`
import os, sys, warnings
import numpy as np, zarr, numcodecs
from zarr.codecs import BloscCodec, BytesCodec, Crc32cCodec, GzipCodec, ZstdCodec
warnings.simplefilter('ignore')
root = sys.argv[1]
rng = np.random.default_rng(11)
def data(shape, dtype):
    d = np.dtype(dtype)
    if d.kind == 'f': return np.round(rng.normal(0, 50, shape), 1).astype(d)
    return rng.integers(-500 if d.kind == 'i' else 0, 500, shape).astype(d)
def v2(name, dtype, compressor, filters=None, shape=(40, 30), chunks=(16, 16)):
    a = zarr.create_array(store=os.path.join(root, name), shape=shape, chunks=chunks, dtype=dtype, zarr_format=2,
                          compressors=compressor, filters=filters, fill_value=0)
    a[...] = data(shape, dtype)
def v3(name, dtype, codecs, shape=(40, 30), chunks=(16, 16), endian='little'):
    a = zarr.create_array(store=os.path.join(root, name), shape=shape, chunks=chunks, dtype=dtype, zarr_format=3,
                          compressors=codecs, fill_value=0, serializer=BytesCodec(endian=endian))
    a[...] = data(shape, dtype)
v3('zstd', 'float64', ZstdCodec(level=1))
v3('gzip', 'int32', GzipCodec(level=1), endian='big')
v2('blosc-lz4-shuffle', '<f8', numcodecs.Blosc('lz4', 5, numcodecs.Blosc.SHUFFLE))
v3('blosc-zstd-bitshuffle', 'float64', BloscCodec(cname='zstd', clevel=3, shuffle='bitshuffle'))
v3('blosc-zlib-bitshuffle-i2', 'int16', BloscCodec(cname='zlib', clevel=3, shuffle='bitshuffle'))
v2('blosc-lz4hc-noshuffle', '>i4', numcodecs.Blosc('lz4hc', 5, numcodecs.Blosc.NOSHUFFLE))
v2('blosc-lz4-big', '<f8', numcodecs.Blosc('lz4', 5, numcodecs.Blosc.SHUFFLE, blocksize=4096), shape=(300, 200), chunks=(160, 150))
v2('lz4', '<f4', numcodecs.LZ4(1))
v2('zlib', '<u2', numcodecs.Zlib(3))
# Not carried by the core: a filter, a checksum, blosc's own blosclz.
v2('fallback-delta', '<i8', numcodecs.Zstd(1), filters=[numcodecs.Delta('<i8')])
v3('fallback-crc32c', 'float32', [ZstdCodec(level=1), Crc32cCodec()])
v2('fallback-blosclz', '<f8', numcodecs.Blosc('blosclz', 5, numcodecs.Blosc.SHUFFLE))
print('ok')
`;

/** Each fixture and whether the core decodes its chain (blosclz: the
 * chain is carried, but each frame falls back to zarrita). */
export const CODEC_FIXTURES: { name: string; native: boolean }[] = [
  { name: 'zstd', native: true },
  { name: 'gzip', native: true },
  { name: 'blosc-lz4-shuffle', native: true },
  { name: 'blosc-zstd-bitshuffle', native: true },
  { name: 'blosc-zlib-bitshuffle-i2', native: true },
  { name: 'blosc-lz4hc-noshuffle', native: true },
  { name: 'blosc-lz4-big', native: true },
  { name: 'lz4', native: true },
  { name: 'zlib', native: true },
  { name: 'fallback-delta', native: false },
  { name: 'fallback-crc32c', native: false },
  { name: 'fallback-blosclz', native: true },
];
