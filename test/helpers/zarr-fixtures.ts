// Zarr arrays written by Python's zarr (v2 and v3, C and F order, several
// dtypes, gzip/zstd/blosc, missing chunks, partial edge chunks, sharding
// with the index at the end or the start of a shard, big-endian), and
// NumPy's reductions of each array as zarr-python loads it: the oracle of
// the Zarr tests. Without zarr the tests skip, except in CI (`CI` set, as
// .ci/run does), where a missing oracle is a failure.
import { spawnSync } from 'node:child_process';

export const PYTHON = process.env.PYTHON ?? 'python3';
const probe = spawnSync(PYTHON, ['-c', 'import zarr, numpy, numcodecs'], { encoding: 'utf8' });
export const noZarr: string | false = probe.status === 0 ? false : `python3 cannot import zarr (${(probe.stderr || probe.error?.message || '').trim().split('\n').pop()}); pip install zarr`;
/** Skip without the oracle, except in CI. */
export const skipZarr: string | false = noZarr && !process.env.CI ? noZarr : false;

/** Writes the fixtures under argv[1]; argv[2] is a JSON list of reference jobs. */
export const WRITE = String.raw`
import json, os, shutil, sys, warnings
import numpy as np, zarr, numcodecs
from zarr.codecs import BloscCodec, BytesCodec, GzipCodec, ShardingCodec, ZstdCodec
warnings.simplefilter('ignore')
root = sys.argv[1]
rng = np.random.default_rng(7)
def data(shape, dtype, nan=False):
    d = np.dtype(dtype)
    if d.kind == 'f':
        a = rng.normal(0, 100, shape).astype(d)
        if nan: a.flat[::7] = np.nan
        return a
    info = np.iinfo(d)
    lo, hi = max(info.min, -1000), min(info.max, 1000)
    return rng.integers(lo, hi, shape, endpoint=True).astype(d)
def v2(name, shape, chunks, dtype, order='C', compressor=None, fill=0, nan=False, drop=()):
    p = os.path.join(root, name)
    a = zarr.create_array(store=p, shape=shape, chunks=chunks, dtype=dtype, zarr_format=2, order=order,
                          compressors=compressor, fill_value=fill)
    a[...] = data(shape, dtype, nan)
    for key in drop: os.remove(os.path.join(p, key))
def v3(name, shape, chunks, dtype, codec=None, fill=0, nan=False, drop=(), shards=None, endian='little', index='end'):
    p = os.path.join(root, name)
    if index == 'start':
        # The shard index before the chunks: zarr-python writes it when
        # asked, through the sharding codec itself.
        inner = [BytesCodec(endian=endian)] + ([codec] if codec else [])
        a = zarr.create_array(store=p, shape=shape, chunks=shards, dtype=dtype, zarr_format=3, compressors=None, fill_value=fill,
                              serializer=ShardingCodec(chunk_shape=chunks, codecs=inner, index_location='start'))
    else:
        a = zarr.create_array(store=p, shape=shape, chunks=chunks, shards=shards, dtype=dtype, zarr_format=3,
                              compressors=codec, fill_value=fill, serializer=BytesCodec(endian=endian))
    a[...] = data(shape, dtype, nan)
    for key in drop: os.remove(os.path.join(p, *key.split('/')))
v2('v2-f8-gzip', (7, 9), (3, 4), '<f8', compressor=numcodecs.GZip(1), fill=np.nan, nan=True, drop=['1.1', '2.2'])
v2('v2-i4-F-zstd-be', (6, 5, 4), (4, 2, 3), '>i4', order='F', compressor=numcodecs.Zstd(1), fill=-3, drop=['1.2.1'])
v2('v2-u2-blosc', (10, 7), (4, 4), '<u2', compressor=numcodecs.Blosc('lz4', 5, numcodecs.Blosc.SHUFFLE), fill=7, drop=['0.1'])
v2('v2-i1-raw', (8, 3), (3, 2), '|i1', fill=0)
v2('v2-f4-F-gzip', (5, 6), (2, 4), '<f4', order='F', compressor=numcodecs.GZip(5), nan=True)
v3('v3-f4-zstd', (9, 8), (4, 3), 'float32', codec=ZstdCodec(level=1), nan=True, drop=['c/1/1'])
v3('v3-i8-gzip-be', (6, 7, 5), (4, 4, 2), 'int64', codec=GzipCodec(level=1), fill=11, drop=['c/0/1/2'], endian='big')
v3('v3-f8-sharded-blosc', (12, 10), (4, 3), 'float64', codec=BloscCodec(cname='lz4', clevel=5, shuffle='shuffle'), shards=(8, 6), drop=['c/1/0'])
v3('v3-i2-sharded-start', (9, 7), (2, 3), 'int16', fill=-5, shards=(4, 6), drop=['c/1/1'], index='start')
v3('v3-u1-blosc-zstd', (5, 6), (2, 3), 'uint8', codec=BloscCodec(cname='zstd', clevel=3, shuffle='bitshuffle'), fill=3, drop=['c/0/1'])
v3('v3-u8-1d', (23,), (5,), 'uint64', codec=ZstdCodec(level=3))
print('ok')
`;

/** Runs NumPy's reductions: argv[1] the fixtures folder, stdin a JSON list
 * of { name, op, axis, ddof }; prints a list of { value, shape } or { error }. */
/** The reference scripts' common start: argv[1] the fixtures folder, stdin
 * the jobs; `text` prints a value exactly, `load` reads an array (or a
 * region of it) once, in native byte order. */
export const PY_LOAD = String.raw`
import json, sys, warnings
import numpy as np, zarr
warnings.simplefilter('ignore')
root = sys.argv[1]
jobs = json.load(sys.stdin)
cache = {}
def text(v):
    if isinstance(v, (float, np.floating)): return repr(float(v))
    return str(int(v))
def load(name, region):
    key = (name, json.dumps(region))
    if key not in cache:
        a = zarr.open_array(root + '/' + name, mode='r')[...]
        if region is not None: a = a[tuple(slice(r[0], r[1]) if r is not None else slice(None) for r in region)]
        cache[key] = np.asarray(a).astype(a.dtype.newbyteorder('='))
    return cache[key]
`;

export const REFERENCE = PY_LOAD + String.raw`
def run(j):
    a = load(j['name'], j.get('region'))
    op, axis = j['op'], j['axis']
    full = tuple(range(a.ndim)) if axis is None else tuple(sorted(x % a.ndim for x in ([axis] if isinstance(axis, int) else axis)))
    kept = [d for i, d in enumerate(a.shape) if i not in full]
    n = int(np.prod([a.shape[i] for i in full]))
    # The reduced axes last and flat: an arg op over several axes gives a
    # flat C-order index over them, as ours does.
    m = np.moveaxis(a, full, list(range(a.ndim - len(full), a.ndim))).reshape(kept + [n])
    kind = a.dtype.kind
    if op in ('argmin', 'argmax'): r = getattr(np, op)(m, -1)
    elif op in ('minmax', 'nanminmax'):
        f = np.nanmin if op == 'nanminmax' else np.min
        g = np.nanmax if op == 'nanminmax' else np.max
        r = np.concatenate([np.ravel(f(m, -1)), np.ravel(g(m, -1))])
    elif op in ('sum', 'nansum') and kind in 'iu':
        r = np.array([int(v) for v in np.ravel(np.sum(m.astype(object), -1))], dtype=object)
    elif op in ('sum', 'nansum', 'mean', 'var', 'std'):
        extra = {'ddof': j['ddof']} if op in ('var', 'std') else {}
        r = getattr(np, op)(m.astype(np.float64), -1, **extra)
    elif op in ('any', 'all'): r = getattr(np, op)(m, -1).astype(np.uint8)
    elif op == 'countNonzero': r = np.count_nonzero(m, -1)
    else: r = getattr(np, op)(m, -1)
    return {'value': [text(v) for v in np.ravel(r)], 'shape': kept}
out = []
for j in jobs:
    try: out.append(run(j))
    except Exception as e: out.append({'error': str(e)})
print(json.dumps(out))
`;

export function python(script: string, args: string[], input?: string): string {
  const r = spawnSync(PYTHON, ['-c', script, ...args], { encoding: 'utf8', input, maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`python3 failed: ${r.stderr || r.error?.message}`);
  return r.stdout;
}

/** Every fixture's name and dtype. */
export const FIXTURES: { name: string; ndim: number; float: boolean }[] = [
  { name: 'v2-f8-gzip', ndim: 2, float: true },
  { name: 'v2-i4-F-zstd-be', ndim: 3, float: false },
  { name: 'v2-u2-blosc', ndim: 2, float: false },
  { name: 'v2-i1-raw', ndim: 2, float: false },
  { name: 'v2-f4-F-gzip', ndim: 2, float: true },
  { name: 'v3-f4-zstd', ndim: 2, float: true },
  { name: 'v3-i8-gzip-be', ndim: 3, float: false },
  { name: 'v3-f8-sharded-blosc', ndim: 2, float: true },
  { name: 'v3-i2-sharded-start', ndim: 2, float: false },
  { name: 'v3-u1-blosc-zstd', ndim: 2, float: false },
  { name: 'v3-u8-1d', ndim: 1, float: false },
];
