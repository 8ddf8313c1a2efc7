/** A 2-D int64 array: `data` read through `shape`, `strides` and `offset`,
 * all counted in elements (not bytes). `stride` is accepted too, so scijs
 * `ndarray` and `@stdlib/ndarray` objects can be passed as they are. */
export interface Int64Array2D {
  data: BigInt64Array;
  shape: readonly [number, number] | readonly number[];
  strides?: readonly [number, number] | readonly number[];
  stride?: readonly [number, number] | readonly number[];
  offset?: number;
}

/** `"serial"`, `"mutex"` and `"lockfree"` are the article's kernels;
 * `"auto"` follows the memory layout and is the fastest. */
export type Strategy = 'auto' | 'serial' | 'mutex' | 'lockfree';

export interface MaxOptions {
  /** 0 (default): one value per column. 1: one value per row. -1/-2 count from the end. */
  axis?: number;
  strategy?: Strategy;
  /** Threads for this call; rayon's default (and `RAYON_NUM_THREADS`) otherwise. */
  threads?: number;
  /** Where to compute: the Rust addon (default), plain TypeScript, or WebAssembly. */
  backend?: Backend;
}

export type Backend = 'native' | 'js' | 'wasm';

/** A validated view: plain numbers the kernels can trust. */
export interface View2 {
  readonly data: BigInt64Array;
  readonly rows: number;
  readonly cols: number;
  readonly rowStride: number;
  readonly colStride: number;
  readonly offset: number;
}

/** Options after validation, with defaults filled in. */
export interface CheckedOptions {
  readonly axis: 0 | 1;
  readonly strategy: Strategy;
  readonly threads: number | undefined;
  readonly backend: Backend;
}
