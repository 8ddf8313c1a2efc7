// Arrays handed back over a SharedArrayBuffer, for callers who asked for
// `{ shared: true }`: the ...Async functions read such memory in place,
// where any other buffer is first copied (src/run/async.ts says why).
import { isSharedArrayBuffer } from 'node:util/types';

import { bufferOf, copyInto, dtypeOf, lengthOf } from '../spec/dtypes';
import type { NumericArray } from '../spec/dtypes';

/** `a` itself when it already lies on a SharedArrayBuffer, else a copy of
 * its elements (same class) over a new one. */
export function onShared<T extends NumericArray>(a: T): T {
  if (isSharedArrayBuffer(bufferOf(a))) return a;
  const d = dtypeOf(a);
  if (!d) return a;
  const n = lengthOf(a);
  const copy = new d.ctor(new SharedArrayBuffer(n * d.bytes), 0, n);
  copyInto(copy, a, 0);
  return copy as T;
}

/** A result with every typed array in it on shared memory; scalars as they are. */
export function sharedResult<R>(r: R): R {
  if (r === null || typeof r !== 'object') return r;
  if (dtypeOf(r) !== undefined) return onShared(r as unknown as NumericArray) as R;
  const o = r as Record<string, unknown>;
  if ('data' in o) return { ...o, data: sharedResult(o.data) } as R;
  if ('min' in o && 'max' in o) return { ...o, min: sharedResult(o.min), max: sharedResult(o.max) } as R;
  return r;
}
