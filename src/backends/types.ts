import type { CheckedOptions, View2 } from '../types';

/** A compute backend. It receives a view and options that were already
 * validated (see `validate.ts`) and an axis that is not empty. */
export interface Backend {
  readonly name: 'native' | 'js' | 'wasm';
  max(view: View2, options: CheckedOptions): BigInt64Array;
}
