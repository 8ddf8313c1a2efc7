// The synchronous path: one checked call (src/validate/call.ts), computed by the
// addon or, without it, by the js backend through the same contract, and
// shaped into the public result (result.ts).
import { addon } from '../addon/load';
import { jsReduce } from '../backends/js/backend';
import { wasmMax } from '../backends/article/wasm';
import type { NumericArray } from '../spec/dtypes';
import { computeGrouped } from './groups';
import { emptyWithInitial, finish } from './result';
import { spec } from '../spec/ops';
import type { Reduction } from '../spec/types';
import { pack } from '../addon/wire';
import { ndReduceMasked } from '../backends/js/masked';
import { packMask } from '../validate/mask';
import { readCall } from '../validate/call';
import type { Call } from '../validate/call';

/** Results shorter than this are allocated by the caller of the addon. */
const SMALL_RESULT = 512;
/** Reductions whose kernels write a caller's result in place
 * (crates/core's `reduce_data_into`). */
const IN_PLACE: readonly Reduction[] = ['max', 'min', 'var', 'std', 'sum', 'mean'];

/** The raw result (the contract's form) of a checked call, on this thread. */
export function compute(c: Call): NumericArray {
  const empty = emptyWithInitial(c);
  if (empty) return empty;
  if (c.grouping) return computeGrouped(c, c.grouping);
  if (c.backend === 'wasm') return wasmMax(c);
  const native = c.backend === 'native' ? addon() : undefined;
  if (c.mask) {
    // A lane that keeps nothing takes `initial` (folded in by finish) when there is one.
    const layout = pack(c, c.offset, true);
    const emptyOk = c.initial !== undefined;
    if (native) return native.reduceMasked(c.data, layout, c.op, c.extras, c.mask.data, packMask(c.mask), emptyOk);
    return ndReduceMasked(c.data, layout, c.op, c.extras, c.mask.data, packMask(c.mask), emptyOk);
  }
  if (native) {
    // The addon writes into the caller's `out` (no result buffer at all),
    // or into a result made here: a small one (a typed array built by V8's
    // own constructor costs a third of one the addon builds through napi),
    // or one of any size that the addon writes in place (the extremes,
    // float sums and means, and the variance of rows over contiguous
    // columns; any other result it computes and copies into V8's memory).
    const inPlace = c.kept < SMALL_RESULT || IN_PLACE.includes(c.reduction);
    const into = c.outView ?? (inPlace ? new c.resultCtor(spec(c.reduction).family === 'minmax' ? 2 * c.kept : c.kept) : undefined);
    const raw = native.reduce(c.data, pack(c, c.offset, true), c.op, c.schedule, c.extras, into);
    return raw ?? (into as NumericArray);
  }
  return jsReduce(c.data, pack(c, c.offset, true), c.op, c.schedule, undefined, c.extras);
}

/** A whole synchronous reduction; `fn` names the public function in hints. */
export function reduce(reduction: Reduction, x: unknown, options: unknown, fn: string, ignoreNaN = false): unknown {
  const c = readCall(reduction, x, options, fn, ignoreNaN);
  return finish(c, compute(c));
}
