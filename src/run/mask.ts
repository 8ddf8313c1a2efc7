// A `where` mask for an asynchronous call: a task reads only shared
// memory (async.ts), so a mask over an ordinary buffer is copied, at once,
// into a SharedArrayBuffer: its addressed elements in C order over x's
// axes that it does not broadcast (a broadcast axis stays stride 0), in
// its own dtype. Only the mask is copied here; x goes through copy.ts.
import { copyInto, viewOf } from '../spec/dtypes';
import type { Mask } from '../validate/mask';

export function sharedMask(m: Mask, shape: readonly number[]): Mask {
  if (m.shared) return m;
  const nd = shape.length;
  // Axes the mask steps along, and its packed C-order strides over them.
  const strides = new Array<number>(nd).fill(0);
  let n = 1;
  for (let k = nd - 1; k >= 0; k--) {
    if (m.strides[k] === 0 || shape[k] <= 1) continue;
    strides[k] = n;
    n *= shape[k];
  }
  const copy = new m.dtype.ctor(new SharedArrayBuffer(Math.max(1, n) * m.dtype.bytes), 0, n);
  const axes = shape.map((_, k) => k).filter((k) => strides[k] !== 0);
  if (shape.some((len) => len === 0) || n === 0) return { data: copy, dtype: m.dtype, shared: true, strides, offset: 0 };
  // One contiguous row (the innermost stepped axis) at a time.
  const inner = axes.length ? axes[axes.length - 1] : -1;
  const rowLen = inner < 0 ? 1 : shape[inner];
  const rowStep = inner < 0 ? 0 : m.strides[inner];
  const outer = axes.slice(0, -1);
  const at = new Array<number>(outer.length).fill(0);
  let from = m.offset;
  for (let to = 0; to < n; to += rowLen) {
    if (rowStep === 1) copyInto(copy, viewOf(m.dtype, m.data, from, rowLen), to);
    else for (let j = 0; j < rowLen; j++) (copy as unknown as unknown[])[to + j] = (m.data as unknown as unknown[])[from + j * rowStep];
    let k = outer.length - 1;
    for (; k >= 0; k--) {
      const a = outer[k];
      if (++at[k] < shape[a]) {
        from += m.strides[a];
        break;
      }
      at[k] = 0;
      from -= (shape[a] - 1) * m.strides[a];
    }
  }
  return { data: copy, dtype: m.dtype, shared: true, strides, offset: 0 };
}
