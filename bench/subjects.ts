// The in-process subjects: the Rust kernels through `max`, the TypeScript
// and WebAssembly backends, the BigInt reference loop, and the floor.
import { max, mean, Partial, std, sum } from '../src/index';
import type { Backend, NdArrayLike, Strategy } from '../src/index';
import { testHooks } from './hooks';
import { referenceMax } from '../test/oracle';
import { measure } from './measure';
import { LAYOUTS } from './subject';
import type { Dataset, Layout, Subject } from './subject';

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
  const hooks = testHooks();
  if (!hooks) throw new Error('the floor needs the native addon built with its test hooks (npm run build:native)');
  return (data: BigInt64Array, threads: number, policy: Parameters<typeof measure>[1]) =>
    measure(() => hooks.readFloor(data, threads), policy);
}

// ---- Rows of other reductions on the same values, each next to NumPy's
// (bench/peers/numpy.ts): the compensated float sum, mean and std of `arr`
// as float64, the exact int64 sum of `arr` (plain integer adds: the addon
// has no uncompensated float sum, so this and the floor are the plain
// baselines), and max into a preallocated `out`. All along axis 0, like
// the article's rows. Their checks are their own (`checkFloatColumns`),
// since their results are not the column maxima.

/** `arr`'s values as float64 (exact: they are integers below 2^53), made
 * once per dataset and read through the same shape, strides and offset. */
const floatCopies = new WeakMap<Dataset, Float64Array>();
function floatView(data: Dataset, layout: Layout): NdArrayLike<Float64Array> {
  let copy = floatCopies.get(data);
  if (!copy) {
    const src = data.arr.data;
    copy = new Float64Array(src.length);
    // Non-negative values below 2^31 (the generated array) are their low word.
    const words = new Int32Array(src.buffer, src.byteOffset, src.length * 2);
    for (let i = 0; i < src.length; i++) copy[i] = words[2 * i + 1] === 0 && words[2 * i] >= 0 ? words[2 * i] : Number(src[i]);
    floatCopies.set(data, copy);
  }
  const v = data.view(layout);
  return { data: copy, shape: v.shape, strides: v.strides, offset: v.offset };
}

const exactSums = new WeakMap<Dataset, Map<Layout, BigInt64Array>>();
const firstStd = new WeakMap<Dataset, Map<Layout, Float64Array>>();

/** Checks float column results of `arr` along axis 0: a sum must be the
 * exact integer sum, a mean that over the row count (to 1e-12), and a std
 * the first one computed (to 1e-9, ours against NumPy's). */
export function checkFloatColumns(op: 'sum' | 'mean' | 'std', got: Float64Array, data: Dataset, layout: Layout): void {
  const view = data.view(layout);
  const rows = view.shape[0];
  if (op === 'std') {
    const seen = firstStd.get(data) ?? new Map<Layout, Float64Array>();
    firstStd.set(data, seen);
    const first = seen.get(layout);
    if (!first) return void seen.set(layout, got.slice());
    got.forEach((v, j) => {
      if (!(Math.abs(v - first[j]) <= 1e-9 * first[j])) throw new Error(`std of column ${j} is ${v}, the first row said ${first[j]}`);
    });
    return;
  }
  const byLayout = exactSums.get(data) ?? new Map<Layout, BigInt64Array>();
  exactSums.set(data, byLayout);
  let exact = byLayout.get(layout);
  if (!exact) byLayout.set(layout, (exact = sum(view, { axis: 0 }) as BigInt64Array));
  if (got.length !== exact.length) throw new Error(`${got.length} values instead of ${exact.length}`);
  got.forEach((v, j) => {
    const want = Number(exact[j]);
    const ok = op === 'sum' ? v === want : Math.abs(v * rows - want) <= 1e-12 * want + 1e-9;
    if (!ok) throw new Error(`${op} of column ${j} is ${v}, the exact ${op} is ${op === 'sum' ? want : want / rows}`);
  });
}

function floatSubject(id: string, op: 'sum' | 'mean' | 'std', note: string): Subject {
  const fn = { sum, mean, std }[op] as (x: unknown, options: object) => unknown;
  return {
    id,
    layouts: LAYOUTS,
    note,
    setup(data) {
      floatView(data, 'arr');
    },
    async measure(data, layout, threads, policy, onRun) {
      const x = floatView(data, layout);
      const { result, timing } = await measure(() => fn(x, { axis: 0, threads }) as Float64Array, policy, onRun);
      checkFloatColumns(op, result, data, layout);
      return { result: undefined, timing };
    },
  };
}

/** Chunks a Partial takes: `parts` views of `x` split along axis 0. */
function chunksOf(x: NdArrayLike<Float64Array>, parts: number): NdArrayLike<Float64Array>[] {
  const rows = x.shape[0];
  const step = Math.ceil(rows / parts);
  // The article's array gives no strides: C order.
  const strides = x.strides ? [...x.strides] : x.shape.map((_, k) => x.shape.slice(k + 1).reduce((a, b) => a * b, 1));
  const out: NdArrayLike<Float64Array>[] = [];
  for (let r = 0; r < rows; r += step) {
    out.push({ data: x.data, shape: [Math.min(step, rows - r), ...x.shape.slice(1)], strides, offset: (x.offset ?? 0) + r * strides[0] });
  }
  return out;
}

/** A Partial fed the array as 10 chunks along axis 0, then its result:
 * the cost of mergeable partials against the one-shot row of the same op. */
function partialSubject(op: 'mean' | 'std'): Subject {
  return {
    id: `partial-${op}-f64`,
    layouts: LAYOUTS,
    note: `new Partial('${op}', { axis: 0 }) pushed arr as 10 chunks, then result() (compare ${op}-f64)`,
    setup(data) {
      floatView(data, 'arr');
    },
    async measure(data, layout, _threads, policy, onRun) {
      const chunks = chunksOf(floatView(data, layout), 10);
      const run = () => {
        const p = new Partial(op, { axis: 0 });
        for (const c of chunks) p.push(c);
        return p.result() as Float64Array;
      };
      const { result, timing } = await measure(run, policy, onRun);
      checkFloatColumns(op, result, data, layout);
      return { result: undefined, timing };
    },
  };
}

export function reductionSubjects(): Subject[] {
  return [
    partialSubject('mean'),
    partialSubject('std'),
    floatSubject('sum-f64', 'sum', 'sum(x, { axis: 0 }) of arr as float64: Neumaier-compensated, 8 lanes'),
    {
      id: 'sum-i64',
      layouts: LAYOUTS,
      note: 'sum(arr, { axis: 0 }): exact int64 sums, plain integer adds (the uncompensated baseline on the same values)',
      measure(data, layout, threads, policy, onRun) {
        const x = data.view(layout);
        return measure(() => sum(x, { axis: 0, threads }), policy, onRun).then(({ timing }) => ({ result: undefined, timing }));
      },
    },
    floatSubject('mean-f64', 'mean', 'mean(x, { axis: 0 }) of arr as float64 (the compensated sum over n)'),
    floatSubject('std-f64', 'std', 'std(x, { axis: 0 }) of arr as float64 (sums about a centre, Chan merges)'),
    {
      id: 'max-out',
      layouts: LAYOUTS,
      note: 'max(arr, { axis: 0, out }) into a preallocated BigInt64Array (compare auto, which allocates its result)',
      measure(data, layout, threads, policy, onRun) {
        const x = data.view(layout);
        const out = new BigInt64Array(x.shape[1]);
        return measure(() => max(x, { axis: 0, out, threads }), policy, onRun);
      },
    },
  ];
}
