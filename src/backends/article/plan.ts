// The article's case in the one shape the js and wasm int64 kernels take:
// a reduction over `rows` for each of `cols` columns, strides never negative.

/** Element `(i, j)` at `base + i * rs + j * cs` with `rs, cs >= 0`. `flip`
 * says the columns were walked in reverse, so the result must be reversed. */
export interface Plan {
  readonly base: number;
  readonly rows: number;
  readonly cols: number;
  readonly rs: number;
  readonly cs: number;
  readonly flip: boolean;
}

/** The plan of a checked 2-D view reduced along `axis`. */
export function plan(shape: ArrayLike<number>, strides: ArrayLike<number>, offset: number, axis: number): Plan {
  // axis 1 is axis 0 of the transposed view: swap the roles, not the data.
  const r = axis === 0 ? 0 : 1;
  const c = 1 - r;
  const rows = shape[r];
  const cols = shape[c];
  let rs = strides[r];
  let cs = strides[c];
  let base = offset;
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
