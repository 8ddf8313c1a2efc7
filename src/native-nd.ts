// The addon's N-d functions, looked up by dtype suffix. They are declared
// here as the contract the Rust side implements, and found by feature
// detection, so an older addon without them falls back to the reference.
import type { NumericArray, NativeSuffix } from './dtypes';
import { loadNative, warnNoAddon } from './native';
import type { NativeAddon } from './native';
import type { Reduction } from './types';

type Token = InstanceType<NativeAddon['CancelToken']>;

type Head = [data: NumericArray, shape: number[], strides: number[], offset: number, axes: number[]];
type Extremum = (...a: [...Head, op: 'min' | 'max' | 'minmax', ignoreNan: boolean, threads?: number]) => NumericArray;
type Arg = (...a: [...Head, op: 'argmin' | 'argmax', ignoreNan: boolean, threads?: number]) => Float64Array;
type Sum = (...a: [...Head, threads?: number]) => NumericArray;
type ExtremumAsync = (...a: [...Head, op: 'min' | 'max' | 'minmax', ignoreNan: boolean, threads: number | undefined, token: Token]) => Promise<NumericArray>;
type ArgAsync = (...a: [...Head, op: 'argmin' | 'argmax', ignoreNan: boolean, threads: number | undefined, token: Token]) => Promise<Float64Array>;
type SumAsync = (...a: [...Head, threads: number | undefined, token: Token]) => Promise<NumericArray>;

/** A native call with everything but the view and axes bound. */
export interface NativeCall {
  sync(head: Head, ignoreNaN: boolean, threads: number | undefined): NumericArray;
  async(head: Head, ignoreNaN: boolean, threads: number | undefined, token: Token): Promise<NumericArray>;
  newToken(): Token;
}

const FAMILY: Record<Reduction, 'reduceExtremum' | 'reduceArg' | 'reduceSum'> = {
  min: 'reduceExtremum',
  max: 'reduceExtremum',
  minmax: 'reduceExtremum',
  argmin: 'reduceArg',
  argmax: 'reduceArg',
  sum: 'reduceSum',
};

/** The addon's functions for `op` on dtype `suffix`, or undefined when the
 * addon is missing or predates them. */
export function nativeCall(op: Reduction, suffix: NativeSuffix): NativeCall | undefined {
  const { addon, error } = loadNative();
  if (!addon) {
    warnNoAddon(error, 'the TypeScript reference loops');
    return undefined;
  }
  const table = addon as unknown as Record<string, unknown>;
  const name = `${FAMILY[op]}${suffix}`;
  const sync = table[name];
  const async = table[`${name}Async`];
  if (typeof sync !== 'function' || typeof async !== 'function') return undefined;
  const newToken = () => new addon.CancelToken();
  if (op === 'sum') {
    return {
      sync: (head, _ignore, threads) => (sync as Sum)(...head, threads),
      async: (head, _ignore, threads, token) => (async as SumAsync)(...head, threads, token),
      newToken,
    };
  }
  if (op === 'argmin' || op === 'argmax') {
    return {
      sync: (head, ignoreNaN, threads) => (sync as Arg)(...head, op, ignoreNaN, threads),
      async: (head, ignoreNaN, threads, token) => (async as ArgAsync)(...head, op, ignoreNaN, threads, token),
      newToken,
    };
  }
  return {
    sync: (head, ignoreNaN, threads) => (sync as Extremum)(...head, op, ignoreNaN, threads),
    async: (head, ignoreNaN, threads, token) => (async as ExtremumAsync)(...head, op, ignoreNaN, threads, token),
    newToken,
  };
}
