// The addon's wire format: the view of a checked call packed in one
// Float64Array, [threads, offset, ndim, shape.., strides.., naxes, axes..],
// the layout crates/core/src/request.rs unpacks. Written and read here only.

/** Where each part of a packed layout of `ndim` axes starts. */
const WIRE = {
  THREADS: 0,
  OFFSET: 1,
  NDIM: 2,
  SHAPE: 3,
  strides: (ndim: number) => 3 + ndim,
  naxes: (ndim: number) => 3 + 2 * ndim,
  axes: (ndim: number) => 4 + 2 * ndim,
} as const;

/** What a layout says, unpacked. */
interface Unpacked {
  readonly threads: number;
  readonly offset: number;
  readonly shape: number[];
  readonly strides: number[];
  readonly axes: number[];
}

const ONE: readonly number[] = [1];
const FIRST: readonly number[] = [0];

/** Layout buffers for synchronous calls, by length: the addon reads a
 * layout during the call only, and an allocation costs a tenth of a small call. */
const reusable: Float64Array[] = [];

/** The packed layout of a view reduced along `axes` (sorted, unique).
 * `reuse` for a synchronous call: the same buffer comes back next time. */
export function pack(
  v: { readonly threads: number; readonly shape: readonly number[]; readonly strides: readonly number[]; readonly axes: readonly number[] },
  offset: number,
  reuse = false,
): Float64Array {
  // The addon takes 1 to 64 dimensions: a 0-d view (its one element at
  // `offset`) goes as the 1-D view [1] reduced along its axis, which
  // gives every reduction NumPy's result for the element. The js backend
  // reads the same layout.
  if (v.shape.length === 0) v = { threads: v.threads, shape: ONE, strides: ONE, axes: FIRST };
  const nd = v.shape.length;
  const length = WIRE.axes(nd) + v.axes.length;
  const layout = reuse ? (reusable[length] ??= new Float64Array(length)) : new Float64Array(length);
  layout[WIRE.THREADS] = v.threads;
  layout[WIRE.OFFSET] = offset;
  layout[WIRE.NDIM] = nd;
  const s = WIRE.strides(nd);
  for (let k = 0; k < nd; k++) {
    layout[WIRE.SHAPE + k] = v.shape[k];
    layout[s + k] = v.strides[k];
  }
  layout[WIRE.naxes(nd)] = v.axes.length;
  const a = WIRE.axes(nd);
  for (let k = 0; k < v.axes.length; k++) layout[a + k] = v.axes[k];
  return layout;
}

/** A layout's parts (the js backend's side of the contract). */
export function unpack(layout: ArrayLike<number>): Unpacked {
  const nd = layout[WIRE.NDIM];
  const s = WIRE.strides(nd);
  const a = WIRE.axes(nd);
  return {
    threads: layout[WIRE.THREADS],
    offset: layout[WIRE.OFFSET],
    shape: Array.from({ length: nd }, (_, k) => layout[WIRE.SHAPE + k]),
    strides: Array.from({ length: nd }, (_, k) => layout[s + k]),
    axes: Array.from({ length: layout[WIRE.naxes(nd)] }, (_, k) => layout[a + k]),
  };
}
