// Turns a validated view and axis into the one shape every TypeScript-side
// kernel handles: reduce over rows, strides never negative.
import type { View2 } from '../types';

/** A reduction over `rows` for each of `cols` columns, element `(i, j)` at
 * `base + i * rs + j * cs` with `rs, cs >= 0`. `flip` says the columns were
 * walked in reverse, so the result must be reversed at the end. */
export interface Plan {
  readonly base: number;
  readonly rows: number;
  readonly cols: number;
  readonly rs: number;
  readonly cs: number;
  readonly flip: boolean;
}

export function plan(view: View2, axis: 0 | 1): Plan {
  // axis 1 is axis 0 of the transposed view: swap the roles, not the data.
  let rows = view.rows;
  let cols = view.cols;
  let rs = view.rowStride;
  let cs = view.colStride;
  if (axis === 1) {
    [rows, cols, rs, cs] = [cols, rows, cs, rs];
  }
  let base = view.offset;
  // The order of rows never changes a maximum, so a reversed row axis is
  // walked forwards from its lowest address.
  if (rs < 0) {
    base += (rows - 1) * rs;
    rs = -rs;
  }
  let flip = false;
  if (cs < 0) {
    base += (cols - 1) * cs;
    cs = -cs;
    flip = true;
  }
  return { base, rows, cols, rs, cs, flip };
}

/** The lowest and highest element index the plan reads (rows, cols > 0). */
export function span(p: Plan): [number, number] {
  return [p.base, p.base + (p.rows - 1) * p.rs + (p.cols - 1) * p.cs];
}
