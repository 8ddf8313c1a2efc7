// The in-process subjects: the Rust kernels through `max`, the TypeScript
// and WebAssembly backends, the BigInt reference loop, and the floor.
import { max } from '../src/index';
import type { Backend, Strategy } from '../src/index';
import { loadNative } from '../src/native';
import { referenceMax } from '../test/oracle';
import { measure } from './measure';
import { LAYOUTS } from './subject';
import type { Subject } from './subject';

export const STRATEGIES: readonly Strategy[] = ['serial', 'mutex', 'lockfree', 'auto'];

function viaMax(id: string, backend: Backend, strategy: Strategy): Subject {
  return {
    id,
    layouts: LAYOUTS,
    setup() {
      // The other backends land separately; a tiny call shows whether this
      // build has them, and its error is the reason to print.
      const tiny = { data: new BigInt64Array([3n, 1n, 2n, 4n]), shape: [2, 2] };
      const got = max(tiny, { axis: 0, backend, strategy });
      if (got[0] !== 3n || got[1] !== 4n) throw new Error(`max of a 2 x 2 array returned [${got}], expected [3, 4]`);
    },
    measure(data, layout, threads, policy, onRun) {
      const x = data.view(layout);
      return measure(() => max(x, { axis: 0, backend, strategy, threads }), policy, onRun);
    },
  };
}

/** Rust kernels are named by their strategy alone (`serial`, `auto`, ...). */
export function rustSubjects(): Subject[] {
  return STRATEGIES.map((s) => viaMax(s, 'native', s));
}

export function backendSubjects(backend: 'js' | 'wasm', budgetMs: number): Subject[] {
  return STRATEGIES.map((s) => ({ ...viaMax(`${backend}-${s}`, backend, s), budgetMs }));
}

export function referenceSubject(): Subject {
  return {
    id: 'reference',
    layouts: LAYOUTS,
    fixedThreads: 1,
    note: 'the BigInt oracle loop of test/oracle.ts',
    measure(data, layout, _threads, policy, onRun) {
      const view = data.view(layout);
      return measure(() => referenceMax(view, 0), { ...policy, repeat: Math.min(policy.repeat, 2) }, onRun);
    },
  };
}

/** One parallel pass that reads every byte of `data`: no reduction can
 * beat it, so every row is also reported as a multiple of it. */
export function floorSubject() {
  const { addon, error } = loadNative();
  if (!addon) throw new Error(`the native addon could not be loaded: ${error?.message}`);
  return (data: BigInt64Array, threads: number, policy: Parameters<typeof measure>[1]) =>
    measure(() => addon.readFloor(data, threads), policy);
}
