// The public API: the only module users import.
import * as os from 'node:os';

import { jsBackend } from './backends/js';
import { nativeBackend } from './backends/native';
import type { Backend } from './backends/types';
import { wasmBackend } from './backends/wasm';
import { maxAsyncWith } from './async';
import type { MaxAsyncOptions } from './async';
import { loadNative } from './native';
import { checkOptions, checkReducible, checkView } from './validate';
import type { Backend as BackendName, Int64Array2D, MaxOptions } from './types';

export type { Backend, Int64Array2D, MaxOptions, Strategy } from './types';
export { referenceMax } from './reference';
export type { MaxAsyncOptions } from './async';
export { wasmAlloc, wasmCopy, WasmInt64Array2D } from './backends/wasm';
export { loadNpy, saveNpy, parseNpy, encodeNpy } from './npy';
export type { NpyArray, NpyInput, NpyTypedArray } from './npy';

let native: Backend | undefined;
let warned = false;

function backend(name: BackendName = 'native'): Backend {
  if (name === 'js') return jsBackend;
  if (name === 'wasm') return wasmBackend;
  if (!native) {
    const { addon, error } = loadNative();
    if (!addon) {
      // Without a Rust toolchain at install time there is no addon; the same
      // API still works, slower, in plain TypeScript.
      if (!warned) {
        warned = true;
        process.emitWarning(
          `the native addon could not be loaded (${error?.message.split('\n')[0]}); using the js backend instead`,
          { code: 'NDREDUCE_NO_ADDON', type: 'NdreduceWarning' },
        );
      }
      return jsBackend;
    }
    native = nativeBackend(addon);
  }
  return native;
}

/**
 * The maximum of every column (`axis: 0`, the default) or every row
 * (`axis: 1`) of a 2-D int64 array. The input is read in place.
 *
 * @example
 * const x = { data: new BigInt64Array([1n, 5n, 3n, 4n, 2n, 6n]), shape: [2, 3] };
 * max(x); // BigInt64Array [4n, 5n, 6n]
 * max(x, { axis: 1 }); // BigInt64Array [5n, 6n]
 */
export function max(x: Int64Array2D, options?: MaxOptions): BigInt64Array {
  const view = checkView(x);
  const opts = checkOptions(options);
  checkReducible(view, opts.axis);
  return backend(opts.backend).max(view, opts);
}

/**
 * `max` off the JavaScript thread: the event loop keeps running while the
 * Rust kernels work. `options.signal` aborts it (the promise rejects with an
 * `AbortError` at once; the kernels stop at their next block). Input over a
 * SharedArrayBuffer is read in place; any other buffer is first copied into
 * one, a slice per event-loop turn (see `src/async.ts` for why).
 */
export function maxAsync(x: Int64Array2D, options?: MaxAsyncOptions): Promise<BigInt64Array> {
  return maxAsyncWith(x, options, max);
}

/** The transposed view of `x` (NumPy's `x.T`): same memory, no copy. */
export function transpose(x: Int64Array2D): Int64Array2D {
  const v = checkView(x);
  return { data: v.data, shape: [v.cols, v.rows], strides: [v.colStride, v.rowStride], offset: v.offset };
}

/** The article's `find_max`: the serial column-by-column loop. */
export function findMax(x: Int64Array2D, options?: Omit<MaxOptions, 'strategy'>): BigInt64Array {
  return max(x, { ...options, strategy: 'serial' });
}

/** The article's `find_max_parallel`: one task per column, output behind a mutex. */
export function findMaxParallel(x: Int64Array2D, options?: Omit<MaxOptions, 'strategy'>): BigInt64Array {
  return max(x, { ...options, strategy: 'mutex' });
}

/** The article's `find_max_unsafe`: one task per column, lock-free disjoint writes. */
export function findMaxUnsafe(x: Int64Array2D, options?: Omit<MaxOptions, 'strategy'>): BigInt64Array {
  return max(x, { ...options, strategy: 'lockfree' });
}

/** The number of threads rayon uses when `threads` is not given (one per
 * CPU when the addon is missing, as the js backend's pool uses). */
export function defaultThreads(): number {
  const { addon } = loadNative();
  return addon ? addon.defaultThreads() : os.availableParallelism();
}
