//! The masked walk: the data and its mask are two borrowed views of the
//! same shape, read together a block at a time. The walk knows nothing of
//! the op (it is compiled once per element type, not per op and type):
//! it hands each block of values, with the mask's keep flags, to the op's
//! fold (`super::fold`), and counts what each lane kept, which the
//! empty-lane rule and `mean` need.
//!
//! Where the op has a neutral element (`Op::neutral`: the identity of sum,
//! max, any, ...), a dropped element counts as it. In the lane order the
//! walk writes it in place of every element the mask drops, so that the
//! op's fold is the plain engine's vectorised run kernel; in the row
//! order the rows go to the fold as they are, and its four-row kernel
//! selects the neutral element by flag as it reads them (a substituted
//! copy there was written and read again for every four rows, and the
//! masked `max` along axis 0 took 1.8 times the plain one).
//!
//! Two loop orders, as the unmasked engine's: when the innermost kept axis
//! steps less than the innermost reduced one, rows of a block of columns
//! are handed over (up to four at once); otherwise each lane runs along
//! its innermost reduced axis.

use multiversion::multiversion;

use crate::cancel::Cancel;
use crate::dtype::Widen;
use crate::engine::CHECK_EVERY;
use crate::error::Error;
use crate::scalar::Scalar;
use crate::view::{View, MAX_DIMS};

/// Elements per block of a lane: 4 KiB of flags, which stays in L1.
pub(super) const BLOCK: usize = 4096;
/// Columns per block of rows: four rows of values (32 KiB of float64),
/// their flags and the block's accumulators stay in L1 and L2.
pub(super) const ROWS: usize = 1024;

/// A mask read as keep flags, whatever its element type: an entry that
/// is not zero keeps its element (NaN keeps, -0.0 does not: NumPy's bool).
pub(crate) trait KeepFlags: Sync {
    /// Writes `keep.len()` flags (0 or 1) for the entries at `offset`,
    /// `offset + stride`, ... of the mask's data.
    fn fill(&self, offset: isize, stride: isize, keep: &mut [u8]);

    /// The `n` entries at `offset` themselves, where the mask is bytes
    /// (a `Uint8Array`): they serve as flags (not 0 = keep) with no copy.
    fn bytes(&self, _offset: isize, _n: usize) -> Option<&[u8]> {
        None
    }
}

impl<M: Scalar> KeepFlags for View<'_, M> {
    fn fill(&self, offset: isize, stride: isize, keep: &mut [u8]) {
        let data = self.data();
        if stride == 1 {
            let (from, n) = (offset as usize, keep.len());
            flags_of(keep, &data[from..from + n]);
            return;
        }
        for (k, f) in keep.iter_mut().enumerate() {
            *f = (data[(offset + k as isize * stride) as usize] != M::NIL) as u8;
        }
    }

    fn bytes(&self, offset: isize, n: usize) -> Option<&[u8]> {
        if std::any::TypeId::of::<M>() != std::any::TypeId::of::<u8>() {
            return None;
        }
        let from = offset as usize;
        let entries = &self.data()[from..from + n];
        // SAFETY: `M` is `u8` (checked just above), so the slice's pointer,
        // length, alignment and every value are those of a `[u8]`.
        Some(unsafe { std::slice::from_raw_parts(entries.as_ptr().cast::<u8>(), n) })
    }
}

/// `keep[k] = (mask[k] != 0)`.
#[multiversion(targets(
    "x86_64+avx512f+avx512vl+avx512bw",
    "x86_64+avx2+avx+sse4.2",
    "x86_64+sse4.2",
    "aarch64+neon"
))]
fn flags_of<M: Scalar>(keep: &mut [u8], mask: &[M]) {
    for (f, &m) in keep.iter_mut().zip(mask) {
        *f = (m != M::NIL) as u8;
    }
}

/// How many of `keep` are not 0.
#[multiversion(targets(
    "x86_64+avx512f+avx512vl+avx512bw",
    "x86_64+avx2+avx+sse4.2",
    "x86_64+sse4.2",
    "aarch64+neon"
))]
fn count_flags(keep: &[u8]) -> u64 {
    keep.iter().map(|&f| u64::from(f != 0)).sum()
}

/// The mask of a masked fold: its flags, and its strides and offset over
/// the data's shape (broadcast axes have stride 0).
#[derive(Clone, Copy)]
pub(crate) struct MaskRef<'a> {
    pub flags: &'a dyn KeepFlags,
    pub strides: &'a [isize],
    pub offset: usize,
}

/// One axis: its length and its steps in the data and in the mask.
#[derive(Clone, Copy, Debug)]
struct Dim {
    len: usize,
    sx: isize,
    sm: isize,
}

const UNIT: Dim = Dim {
    len: 1,
    sx: 0,
    sm: 0,
};

/// Walks the index space of `dims` in C order, keeping both offsets.
struct Odometer<'d> {
    dims: &'d [Dim],
    idx: [usize; MAX_DIMS],
    x: isize,
    m: isize,
}

impl<'d> Odometer<'d> {
    fn at(dims: &'d [Dim], mut flat: usize) -> Self {
        let mut o = Odometer {
            dims,
            idx: [0; MAX_DIMS],
            x: 0,
            m: 0,
        };
        for (k, d) in dims.iter().enumerate().rev() {
            o.idx[k] = flat % d.len;
            flat /= d.len;
            o.x += o.idx[k] as isize * d.sx;
            o.m += o.idx[k] as isize * d.sm;
        }
        o
    }

    fn advance(&mut self) {
        for k in (0..self.dims.len()).rev() {
            let d = self.dims[k];
            self.idx[k] += 1;
            self.x += d.sx;
            self.m += d.sm;
            if self.idx[k] < d.len {
                return;
            }
            self.x -= d.sx * d.len as isize;
            self.m -= d.sm * d.len as isize;
            self.idx[k] = 0;
        }
    }
}

/// The kept and reduced axes of a masked fold and its loop order.
pub(super) struct Geometry {
    kept: Vec<Dim>,
    reduced: Vec<Dim>,
    /// Kept positions (the result's length) and elements per lane.
    pub out_len: usize,
    pub reduced_len: usize,
    /// The row order: rows of a block of kept positions are handed over.
    pub rows: bool,
}

impl Geometry {
    /// `axes` sorted and unique; the mask's `strides` over the data's shape.
    pub fn new(
        shape: &[usize],
        sx: &[isize],
        sm: &[isize],
        axes: &[usize],
    ) -> Result<Geometry, Error> {
        crate::plan::check_axes(axes, shape.len())?;
        let (mut kept, mut reduced) = (Vec::new(), Vec::new());
        let (mut out_len, mut reduced_len) = (1usize, 1usize);
        for k in 0..shape.len() {
            let d = Dim {
                len: shape[k],
                sx: sx[k],
                sm: sm[k],
            };
            // Saturating: a product can overflow only beside an empty axis,
            // and then the other one is 0 and nothing is folded.
            if axes.contains(&k) {
                reduced_len = reduced_len.saturating_mul(d.len);
                if d.len != 1 {
                    reduced.push(d);
                }
            } else {
                out_len = out_len.saturating_mul(d.len);
                if d.len != 1 {
                    kept.push(d);
                }
            }
        }
        if shape
            .iter()
            .enumerate()
            .any(|(k, &n)| n == 0 && !axes.contains(&k))
        {
            out_len = 0;
        }
        if kept.is_empty() {
            kept.push(UNIT);
        }
        if reduced.is_empty() {
            reduced.push(UNIT);
        }
        let col = kept[kept.len() - 1];
        let inner = reduced[reduced.len() - 1];
        let rows =
            col.len > 1 && (inner.len == 1 || col.sx.unsigned_abs() < inner.sx.unsigned_abs());
        Ok(Geometry {
            kept,
            reduced,
            out_len,
            reduced_len,
            rows,
        })
    }
}

/// What the walk hands the op's fold: the kept position `at` (relative to
/// the walk's first), rows of values whose first has reduced index
/// `index`, and their keep flags, row after row. In the row order `rows`
/// holds up to four rows of consecutive positions from `at`; in the lane
/// order one piece of position `at`'s lane.
pub(super) type Sink<'s, T> = dyn FnMut(usize, &[&[T]], &[&[u8]], usize) + 's;

/// `out[k] = keep[k] ? xs[k] : neutral`: a select the compiler vectorises.
#[multiversion(targets(
    "x86_64+avx512f+avx512vl+avx512bw",
    "x86_64+avx2+avx+sse4.2",
    "x86_64+sse4.2",
    "aarch64+neon"
))]
fn substitute<T: Scalar>(out: &mut [T], xs: &[T], keep: &[u8], neutral: T) {
    for ((o, &x), &f) in out.iter_mut().zip(xs).zip(keep) {
        *o = if f != 0 { x } else { neutral };
    }
}

/// `counts[j] += (rows[i][j] != 0)` for every row `i` (at most four, each
/// at least `counts.len()` flags): the counts are read and written once
/// for the rows together.
#[multiversion(targets(
    "x86_64+avx512f+avx512vl+avx512bw",
    "x86_64+avx2+avx+sse4.2",
    "x86_64+sse4.2",
    "aarch64+neon"
))]
pub(crate) fn add_flags(counts: &mut [u64], rows: &[&[u8]]) {
    let n = counts.len();
    let one = |f: u8| u64::from(f != 0);
    if let &[a, b, c, d] = rows {
        let (a, b, c, d) = (&a[..n], &b[..n], &c[..n], &d[..n]);
        for j in 0..n {
            counts[j] += one(a[j]) + one(b[j]) + one(c[j]) + one(d[j]);
        }
        return;
    }
    for row in rows {
        for (c, &f) in counts.iter_mut().zip(*row) {
            *c += one(f);
        }
    }
}

/// The elements of one row or lane piece, `n` from `at` by `step`, into
/// `out` (the neutral element where dropped), or borrowed from `data`
/// when they are contiguous and nothing is substituted.
#[inline(always)]
pub(crate) fn values<'s, T: Scalar>(
    data: &'s [T],
    at: isize,
    step: isize,
    keep: &[u8],
    neutral: Option<T>,
    out: &'s mut [T],
) -> &'s [T] {
    let n = keep.len();
    match neutral {
        None if step == 1 => &data[at as usize..at as usize + n],
        Some(v) if step == 1 => {
            substitute(&mut out[..n], &data[at as usize..at as usize + n], keep, v);
            &out[..n]
        }
        _ => {
            for (k, (o, &f)) in out.iter_mut().zip(keep).enumerate() {
                let x = data[(at + k as isize * step) as usize];
                *o = match neutral {
                    Some(v) if f == 0 => v,
                    _ => x,
                };
            }
            &out[..n]
        }
    }
}

/// `out[k] = xs[k]` widened, or the neutral element where one is given
/// and `keep[k]` is 0: loops the compiler vectorises.
#[multiversion(targets(
    "x86_64+avx512f+avx512vl+avx512bw",
    "x86_64+avx2+avx+sse4.2",
    "x86_64+sse4.2",
    "aarch64+neon"
))]
fn widen_into<T: Widen>(out: &mut [T::W], xs: &[T], keep: &[u8], neutral: Option<T::W>) {
    match neutral {
        None => {
            for (o, &x) in out.iter_mut().zip(xs) {
                *o = x.widen();
            }
        }
        Some(v) => {
            for ((o, &x), &f) in out.iter_mut().zip(xs).zip(keep) {
                *o = if f != 0 { x.widen() } else { v };
            }
        }
    }
}

/// A view read as the wide type `W` ([`Widen`]) a piece at a time: how
/// the folds that are compiled once per wide type, not once per element
/// type, see their data. Its `values` are [`values`]' (borrowed or
/// substituted as there) where the type is its own wide type, else
/// converted into `out` (the neutral element where dropped).
pub(crate) trait Pieces<W: Scalar>: Sync {
    fn shape(&self) -> &[usize];
    fn strides(&self) -> &[isize];
    fn offset(&self) -> usize;
    fn values<'s>(
        &'s self,
        at: isize,
        step: isize,
        keep: &[u8],
        neutral: Option<W>,
        out: &'s mut [W],
    ) -> &'s [W];
}

impl<T: Widen> Pieces<T::W> for View<'_, T> {
    fn shape(&self) -> &[usize] {
        View::shape(self)
    }
    fn strides(&self) -> &[isize] {
        View::strides(self)
    }
    fn offset(&self) -> usize {
        View::offset(self)
    }
    fn values<'s>(
        &'s self,
        at: isize,
        step: isize,
        keep: &[u8],
        neutral: Option<T::W>,
        out: &'s mut [T::W],
    ) -> &'s [T::W] {
        let data = self.data();
        if let Some(data) = T::as_wide(data) {
            return values(data, at, step, keep, neutral, out);
        }
        let n = keep.len();
        if step == 1 {
            widen_into(
                &mut out[..n],
                &data[at as usize..at as usize + n],
                keep,
                neutral,
            );
            return &out[..n];
        }
        for (k, (o, &f)) in out.iter_mut().zip(keep).enumerate() {
            *o = match neutral {
                Some(v) if f == 0 => v,
                _ => data[(at + k as isize * step) as usize].widen(),
            };
        }
        &out[..n]
    }
}

/// Walks kept positions `p0..p0 + len` over reduced indices `r0..r1` of
/// `data` (the view's data, its offset `x0`) and `mask`, handing every
/// piece to `sink`; with `counts` (one per position from `p0`), adds the
/// flags each position kept. Stops early when `cancel` is set.
#[allow(clippy::too_many_arguments)]
pub(super) fn walk<T: Scalar>(
    g: &Geometry,
    data: &[T],
    x0: isize,
    mask: MaskRef,
    neutral: Option<T>,
    (p0, len): (usize, usize),
    (r0, r1): (usize, usize),
    mut counts: Option<&mut [u64]>,
    cancel: &Cancel,
    sink: &mut Sink<T>,
) {
    let m0 = mask.offset as isize;
    let mut keep = vec![0u8; 4 * ROWS.max(BLOCK / 4)];
    let mut scratch = vec![T::NIL; 4 * ROWS.max(BLOCK / 4)];
    let mut since = 0usize;
    if g.rows {
        let col = g.kept[g.kept.len() - 1];
        let end = p0 + len;
        let mut p = p0;
        while p < end {
            // A segment of one kept row, at most a block long.
            let n = (col.len - p % col.len).min(end - p).min(ROWS);
            let base = Odometer::at(&g.kept, p);
            let mut red = Odometer::at(&g.reduced, r0);
            let mut r = r0;
            while r < r1 {
                let k = (r1 - r).min(4);
                let mut at = [0isize; 4];
                // A byte mask along the row is its own flags; any other
                // is converted into `keep`.
                let mut direct: [Option<&[u8]>; 4] = [None; 4];
                for (i, at) in at[..k].iter_mut().enumerate() {
                    let mo = m0 + base.m + red.m;
                    direct[i] = if col.sm == 1 {
                        mask.flags.bytes(mo, n)
                    } else {
                        None
                    };
                    if direct[i].is_none() {
                        mask.flags.fill(mo, col.sm, &mut keep[i * n..(i + 1) * n]);
                    }
                    *at = x0 + base.x + red.x;
                    red.advance();
                }
                let mut flags: [&[u8]; 4] = [&[]; 4];
                for (i, f) in flags[..k].iter_mut().enumerate() {
                    *f = direct[i].unwrap_or(&keep[i * n..(i + 1) * n]);
                }
                if let Some(c) = counts.as_deref_mut() {
                    add_flags(&mut c[p - p0..p - p0 + n], &flags[..k]);
                }
                let mut rows: [&[T]; 4] = [&[]; 4];
                let mut rest = &mut scratch[..];
                for (i, row) in rows[..k].iter_mut().enumerate() {
                    let (mine, later) = std::mem::take(&mut rest).split_at_mut(n);
                    // Never substituted here: the fold selects by flag.
                    *row = values(data, at[i], col.sx, flags[i], None, mine);
                    rest = later;
                }
                sink(p - p0, &rows[..k], &flags[..k], r);
                r += k;
                since += k * n;
                if since >= CHECK_EVERY {
                    if cancel.is_cancelled() {
                        return;
                    }
                    since = 0;
                }
            }
            p += n;
        }
        return;
    }
    let (outer, inner) = (
        &g.reduced[..g.reduced.len() - 1],
        g.reduced[g.reduced.len() - 1],
    );
    let mut base = Odometer::at(&g.kept, p0);
    for q in 0..len {
        let mut lane = Odometer::at(outer, r0 / inner.len);
        let (mut r, mut j) = (r0, r0 % inner.len);
        while r < r1 {
            let n = (inner.len - j).min(r1 - r).min(BLOCK);
            let xo = x0 + base.x + lane.x + j as isize * inner.sx;
            let mo = m0 + base.m + lane.m + j as isize * inner.sm;
            let direct = if inner.sm == 1 {
                mask.flags.bytes(mo, n)
            } else {
                None
            };
            let flags = match direct {
                Some(bytes) => bytes,
                None => {
                    mask.flags.fill(mo, inner.sm, &mut keep[..n]);
                    &keep[..n]
                }
            };
            if let Some(c) = counts.as_deref_mut() {
                c[q] += count_flags(flags);
            }
            let run = values(data, xo, inner.sx, flags, neutral, &mut scratch);
            sink(q, &[run], &[flags], r);
            r += n;
            j += n;
            if j == inner.len {
                j = 0;
                lane.advance();
            }
            since += n;
            if since >= CHECK_EVERY {
                if cancel.is_cancelled() {
                    return;
                }
                since = 0;
            }
        }
        base.advance();
    }
}
