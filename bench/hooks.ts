// The addon's test hooks (cargo feature `test-hooks` of crates/node): built
// into local and CI builds, left out of the published binaries, so their
// types are not in every generated `.d.ts` and they are looked up here.
import { addon } from '../src/addon/load';

export interface TestHooks {
  /** Panics inside a rayon kernel (the panic-to-error test). */
  _panicInKernel(): void;
  /** Reads every element once, in parallel: the benchmark's floor. */
  readFloor(data: BigInt64Array, threads?: number): number;
}

/**
 * The hooks of the loaded addon, or null without an addon or in a binary
 * built with `--no-test-hooks`.
 */
export function testHooks(): TestHooks | null {
  const a: object | undefined = addon();
  if (!a) return null;
  const panic: unknown = Reflect.get(a, '_panicInKernel');
  const floor: unknown = Reflect.get(a, 'readFloor');
  if (typeof panic !== 'function' || typeof floor !== 'function') return null;
  return {
    _panicInKernel: () => void Reflect.apply(panic, a, []),
    readFloor: (data, threads) => Number(Reflect.apply(floor, a, threads === undefined ? [data] : [data, threads])),
  };
}
