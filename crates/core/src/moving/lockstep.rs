//! The driver of the kernels that advance many lanes in lockstep, one row
//! (a position of each lane) at a time, so that a row's update is one loop
//! across lanes that the compiler vectorises: the running sums, and min
//! and max in blocks where lanes are side by side (`extreme_rows.rs`).
//!
//! A task owns `m` segments (a lane, or a piece of one: few long lanes
//! split into pieces that overlap by `window - 1`, a piece's warm-up) and
//! runs them over the same relative positions. It copies a block of rows
//! of the entering values, and of the leaving ones, into two f64 tiles
//! (row-major, `m` per row; NaN where nothing enters or leaves), lets the
//! kernel run the block, then writes the block's results. When lanes are
//! neighbours in memory (axis 0 of a C-order array) a tile row is a run of
//! the data; when each lane's positions are (a row of a C-order array, or
//! `arr.T`'s columns), a tile column is. A lane whose running state has
//! drifted is rebuilt from its window, read from the view.

use std::mem::MaybeUninit;
use std::ops::Range;

use super::drive::pieces;
use super::layout::{Lanes, Output};
use crate::cancel::Cancel;
use crate::engine::{par_each_with, scratch};
use crate::error::Error;
use crate::scalar::Scalar;
use crate::view::View;

/// A kernel that advances `m` lanes together, one row at a time, in
/// chunks of `WIDTH` lanes (`m` is a multiple of it).
pub(crate) trait Lockstep: Sync {
    type State: Send;
    const WIDTH: usize;
    fn state(&self, m: usize) -> Self::State;
    /// Runs the rows of `enter`, `leave` and `out` (row-major, `m` per
    /// row), from row `from.1` of chunk `from.0` on: in each, lane `j`'s
    /// `enter[j]` enters its window, `leave[j]` leaves it (NaN: nothing
    /// does), and `out[j]` gets the lane's result. A chunk runs all its
    /// rows before the next one starts. Stops after the first row in which
    /// some lane's state should be rebuilt, and returns (chunk, row).
    fn rows(&self, s: &mut Self::State, m: usize, enter: &[f64], leave: &[f64], out: &mut [f64], from: (usize, usize)) -> Option<(usize, usize)>;
    /// Whether lane `j`'s state should be rebuilt from its window.
    fn stale(&self, s: &Self::State, j: usize) -> bool;
    /// Rebuilds lane `j`'s state from the values now in its window, oldest
    /// first, and returns the lane's result.
    fn restart(&self, s: &mut Self::State, j: usize, window: &mut dyn Iterator<Item = f64>) -> f64;
}

/// Lanes a task advances together: many when a row of them is a run in
/// memory, a chunk's worth when each lane's positions are.
const ACROSS: usize = 128;
const ALONG: usize = 16;
/// The shortest piece a lane is cut into when each lane's positions are
/// neighbours in memory.
const ALONG_PIECE: usize = 4096;
/// Elements per tile (64 KiB): the tiles stay in the core's cache.
const TILE: usize = 8192;
/// When `window` rows of a task's lanes fit in this many elements, the
/// leaving values are not read again: they are the entering ones of
/// `window` rows before, kept in the same buffer.
const HISTORY: usize = 65_536;

/// One segment of a task: lane `lane`'s positions `t0..t1`, its state
/// first fed at `start` (`t0 - (window - 1)`, or 0).
struct Segment {
    base: isize,
    out: usize,
    t0: usize,
    t1: usize,
    start: usize,
}

/// Runs `k` with window `window` along `axis` of `v` into `out` (C order,
/// `out.len() == v.len()`, asserted). On `Ok` every element of `out` has
/// been written exactly once, so it may start uninitialised.
pub(crate) fn drive<T: Scalar, K: Lockstep>(
    v: &View<T>,
    axis: usize,
    window: usize,
    k: &K,
    threads: usize,
    cancel: &Cancel,
    out: &mut [MaybeUninit<f64>],
) -> Result<(), Error> {
    let Some(lanes) = Lanes::of(v, axis, out) else {
        return Ok(());
    };
    let n = lanes.n;
    let m = if lanes.across { ACROSS } else { ALONG };
    let groups = lanes.count.div_ceil(m);
    // When a lane's outputs are neighbours too, a task's segments are
    // consecutive pieces of a lane, short enough that its block of outputs
    // is one stretch of memory, written while the pages just faulted in
    // are still in cache (not 16 streams far apart), long enough that the
    // warm-up costs at most 1/16. (When they are not, as for `arr.T`,
    // neighbouring lanes write neighbouring outputs.)
    let pieces = if lanes.across || lanes.inner > 1 {
        pieces(groups, n, window, threads)
    } else {
        pieces(groups, n, window, threads).max(n / ALONG_PIECE.max(16 * window)).max(1)
    };
    let piece = n.div_ceil(pieces);
    // Across: a task is a group of neighbouring lanes over one piece, so
    // that its segments share positions. Along: any `m` (lane, piece) pairs.
    let tasks = if lanes.across {
        groups * pieces
    } else {
        (lanes.count * pieces).div_ceil(m)
    };
    let segment = |lane: usize, p: usize| {
        let t0 = p * piece;
        Segment {
            base: lanes.base(lane),
            out: lanes.out(lane),
            t0,
            t1: (t0 + piece).min(n),
            start: t0.saturating_sub(window - 1),
        }
    };
    let dest = Output::new(out);
    let task = |scratch: &mut Tiles, id: usize| {
        let segs: Vec<Segment> = if lanes.across {
            let (g, p) = (id / pieces, id % pieces);
            (g * m..((g + 1) * m).min(lanes.count))
                .map(|l| segment(l, p))
                .collect()
        } else {
            (id * m..((id + 1) * m).min(lanes.count * pieces))
                .map(|s| segment(s / pieces, s % pieces))
                .collect()
        };
        run_task(&lanes, &segs, window, k, cancel, &dest, scratch);
    };
    // The tiles are reused from task to task: axis 0 of [100, 1,000,000]
    // is 7813 tasks of 100 rows, and allocating and filling fresh tiles
    // for each wrote more bytes than the task read.
    par_each_with(tasks, &|s, id| task(scratch(s, Tiles::default), id));
    cancel.check()
}

/// A task's tiles, kept by its thread for the next task.
#[derive(Default)]
struct Tiles {
    buf: Vec<f64>,
    leave: Vec<f64>,
    out: Vec<f64>,
}

impl Tiles {
    /// `v` at `len` elements, of which the first `nan` are NaN; the rest
    /// are left as they are (every row is written before it is read).
    fn fit(v: &mut Vec<f64>, len: usize, nan: usize) -> &mut [f64] {
        v.resize(len, f64::NAN);
        v[..nan.min(len)].fill(f64::NAN);
        &mut v[..len]
    }
}

/// Which positions of a segment fill a tile: those entering the windows,
/// or those leaving windows of this length.
#[derive(Clone, Copy)]
enum Rule {
    Enter,
    Leave(usize),
}

impl Rule {
    /// `(lo, hi, shift)`: a tile row at position `t` takes the element at
    /// `t - shift` where that is in `lo..hi` (NaN elsewhere).
    fn of(self, s: &Segment) -> (isize, isize, isize) {
        match self {
            Rule::Enter => (0, s.t1 as isize, 0),
            Rule::Leave(window) => (s.start as isize, s.t1 as isize - window as isize, window as isize),
        }
    }
}

/// The element type's side of a task: its lanes read as f64. A task calls
/// it once per block of rows (and per rebuilt lane), so the kernel's side,
/// `run_task`, is compiled once per kernel, not once per (kernel, dtype).
trait Read: Sync {
    /// Whether the lanes run side by side in memory (`Lanes::across`).
    fn across(&self) -> bool;
    /// The output's distance between a lane's neighbouring positions.
    fn inner(&self) -> usize;
    /// A tile's rows (`m` per row) from `r0` on, by `rule`.
    fn gather(&self, segs: &[Segment], r0: isize, rule: Rule, runs: bool, tile: &mut [f64], m: usize);
    /// Positions `from..=to` of the lane at `base`, into `into` (cleared).
    fn window(&self, base: isize, from: usize, to: usize, into: &mut Vec<f64>);
}

impl<T: Scalar> Read for Lanes<'_, T> {
    fn across(&self) -> bool {
        self.across
    }
    fn inner(&self) -> usize {
        self.inner
    }
    fn gather(&self, segs: &[Segment], r0: isize, rule: Rule, runs: bool, tile: &mut [f64], m: usize) {
        gather(self, segs, r0, rule, runs, tile, m)
    }
    fn window(&self, base: isize, from: usize, to: usize, into: &mut Vec<f64>) {
        into.clear();
        into.extend((from..=to).map(|u| self.at(base, u)));
    }
}

fn run_task<K: Lockstep>(
    lanes: &dyn Read,
    segs: &[Segment],
    window: usize,
    k: &K,
    cancel: &Cancel,
    dest: &Output,
    tiles: &mut Tiles,
) {
    // Columns past the segments (up to a whole chunk) stay NaN: their
    // lanes see nothing enter or leave.
    let m = segs.len().div_ceil(K::WIDTH) * K::WIDTH;
    let len = segs.iter().map(|s| s.t1 - s.t0).max().unwrap_or(0) as isize;
    // Relative rows: a segment's row `r` is its position `t0 + r`; rows
    // before 0 are the warm-up, not written.
    let warm = if segs.iter().all(|s| s.t0 == 0) { 0 } else { window - 1 } as isize;
    let block = (TILE / m).max(1);
    // The buffer holds `history` rows before the block's: the last
    // `window` entering rows, which are this block's leaving ones.
    let history = if window * m <= HISTORY { window } else { 0 };
    // Every tile row is written whole before it is read, except the
    // history's rows (nothing has entered before the first block) and the
    // padding columns of a last group narrower than `m`, which stay NaN.
    let padded = segs.len() < m;
    let (buf_len, leave_len) = ((history + block) * m, if history > 0 { 0 } else { block * m });
    let buf = Tiles::fit(&mut tiles.buf, buf_len, if padded { buf_len } else { history * m });
    let leave = Tiles::fit(&mut tiles.leave, leave_len, if padded { leave_len } else { 0 });
    let out = Tiles::fit(&mut tiles.out, block * m, 0);
    // Across, every segment has the same positions; a tile row is a run
    // of the data when the lanes' bases are consecutive.
    let runs = lanes.across() && segs.iter().enumerate().all(|(j, s)| s.base == segs[0].base + j as isize);
    let mut values = Vec::new();
    let mut state = k.state(m);
    let mut r0 = -warm;
    while r0 < len {
        if cancel.is_cancelled() {
            break;
        }
        let rows = (len - r0).min(block as isize) as usize;
        let out = &mut out[..rows * m];
        lanes.gather(segs, r0, Rule::Enter, runs, &mut buf[history * m..(history + rows) * m], m);
        if history == 0 {
            lanes.gather(segs, r0, Rule::Leave(window), runs, &mut leave[..rows * m], m);
        }
        // With a history, row `i` leaves what row `i - window` entered.
        let (leave, enter) = if history > 0 {
            (&buf[..rows * m], &buf[history * m..(history + rows) * m])
        } else {
            (&leave[..rows * m], &buf[..rows * m])
        };
        let mut from = (0, 0);
        while let Some((c, row)) = k.rows(&mut state, m, enter, leave, out, from) {
            for j in c * K::WIDTH..((c + 1) * K::WIDTH).min(segs.len()) {
                if !k.stale(&state, j) {
                    continue;
                }
                let s = &segs[j];
                let t = s.t0 as isize + r0 + row as isize;
                out[row * m + j] = if t < 0 || t >= s.t1 as isize {
                    // Nothing has entered yet, or the padding after a
                    // short last piece: the state is emptied.
                    k.restart(&mut state, j, &mut std::iter::empty())
                } else {
                    let t = t as usize;
                    let from = (t + 1).saturating_sub(window).max(s.start);
                    lanes.window(s.base, from, t, &mut values);
                    k.restart(&mut state, j, &mut values.iter().copied())
                };
            }
            from = (c, row + 1);
        }
        scatter(lanes.inner(), segs, r0, out, m, dest);
        if history > 0 {
            buf.copy_within(rows * m..(rows + history) * m, 0);
        }
        r0 += rows as isize;
    }
    dest.fence();
}

/// A tile's rows (`m` per row) from `r0` on, by `rule`.
fn gather<T: Scalar>(lanes: &Lanes<T>, segs: &[Segment], r0: isize, rule: Rule, runs: bool, tile: &mut [f64], m: usize) {
    let rows = tile.len() / m;
    if runs {
        return gather_rows(lanes, segs, r0, rule.of(&segs[0]), tile, m);
    }
    // Each lane contiguous and every segment whole in this block: one
    // pass that reads the segments side by side.
    let whole = lanes.step == 1
        && segs.iter().all(|s| valid_rows(s.t0 as isize + r0, rows, rule.of(s)) == (0..rows));
    if whole {
        let at = |s: &Segment| (s.base + s.t0 as isize + r0 - rule.of(s).2) as usize;
        let sources: Vec<&[T]> = segs.iter().map(|s| &lanes.data[at(s)..at(s) + rows]).collect();
        // Eight rows at a time: a cache line of each source.
        const R: usize = 8;
        let full = rows / R * R;
        for i0 in (0..full).step_by(R) {
            let block = &mut tile[i0 * m..(i0 + R) * m];
            for (j, src) in sources.iter().enumerate() {
                for (k, x) in src[i0..i0 + R].iter().enumerate() {
                    block[k * m + j] = x.to_f64();
                }
            }
        }
        for i in full..rows {
            for (j, src) in sources.iter().enumerate() {
                tile[i * m + j] = src[i].to_f64();
            }
        }
        return;
    }
    for (j, s) in segs.iter().enumerate() {
        gather_column(lanes, s, r0, rule.of(s), tile, j, m);
    }
}

/// The block's results to the output, each segment's rows from 0 and
/// before its end: a row at a time when a row's outputs are neighbours
/// (lanes side by side), else a segment at a time, eight rows at once when
/// its outputs are.
fn scatter(inner: usize, segs: &[Segment], r0: isize, out: &[f64], m: usize, dest: &Output) {
    let rows = out.len() / m;
    let side_by_side = segs.iter().enumerate().all(|(j, s)| s.out == segs[0].out + j && s.t0 == segs[0].t0 && s.t1 == segs[0].t1);
    if side_by_side {
        let s = &segs[0];
        for i in valid_rows(s.t0 as isize + r0, rows, (s.t0 as isize, s.t1 as isize, 0)) {
            let t = (s.t0 as isize + r0) as usize + i;
            dest.stream_run(s.out + t * inner, &out[i * m..i * m + segs.len()]);
        }
        return;
    }
    for (j, s) in segs.iter().enumerate() {
        let keep = valid_rows(s.t0 as isize + r0, rows, (s.t0 as isize, s.t1 as isize, 0));
        let mut at = s.out + (s.t0 as isize + r0 + keep.start as isize).max(0) as usize * inner;
        let mut i = keep.start;
        if inner == 1 {
            while i + 8 <= keep.end {
                let run: [f64; 8] = std::array::from_fn(|k| out[(i + k) * m + j]);
                dest.write_run(at, &run);
                (at, i) = (at + 8, i + 8);
            }
        }
        for &y in out[(i * m + j).min(out.len())..].iter().step_by(m).take(keep.end - i) {
            dest.write(at, y);
            at += inner;
        }
    }
}

/// The source positions `u = t - shift` in `lo..hi` of the rows from
/// `first` (a segment's position at the block's first row), as row
/// indices: where the tile takes data rather than NaN.
fn valid_rows(first: isize, rows: usize, (lo, hi, shift): (isize, isize, isize)) -> Range<usize> {
    let a = (lo + shift - first).clamp(0, rows as isize) as usize;
    let b = (hi + shift - first).clamp(0, rows as isize) as usize;
    a..b.max(a)
}

/// Tile rows when the segments are consecutive lanes with the same
/// positions: each row's values are one run of the data.
fn gather_rows<T: Scalar>(lanes: &Lanes<T>, segs: &[Segment], r0: isize, rule: (isize, isize, isize), tile: &mut [f64], m: usize) {
    let s = &segs[0];
    let first = s.t0 as isize + r0;
    let keep = valid_rows(first, tile.len() / m, rule);
    for (i, row) in tile.chunks_exact_mut(m).enumerate() {
        if !keep.contains(&i) {
            row.fill(f64::NAN);
            continue;
        }
        let u = first + i as isize - rule.2;
        let at = (s.base + u * lanes.step) as usize;
        let (src, row) = (&lanes.data[at..at + segs.len()], &mut row[..segs.len()]);
        // Indexed, not zipped: a copy (for float64) whatever the compiler
        // inlines of the iterator adapters.
        for k in 0..src.len() {
            row[k] = src[k].to_f64();
        }
    }
}

/// Column `j` of a tile of `m` columns, from segment `s`.
fn gather_column<T: Scalar>(lanes: &Lanes<T>, s: &Segment, r0: isize, rule: (isize, isize, isize), tile: &mut [f64], j: usize, m: usize) {
    let rows = tile.len() / m;
    let first = s.t0 as isize + r0;
    let keep = valid_rows(first, rows, rule);
    for i in (0..keep.start).chain(keep.end..rows) {
        tile[i * m + j] = f64::NAN;
    }
    if keep.is_empty() {
        return;
    }
    let u0 = (first + keep.start as isize - rule.2) as usize;
    let column = tile[keep.start * m + j..].iter_mut().step_by(m);
    if lanes.step == 1 {
        let at = (s.base + u0 as isize) as usize;
        for (y, x) in column.zip(&lanes.data[at..at + keep.len()]) {
            *y = x.to_f64();
        }
    } else {
        for (y, u) in column.zip(u0..u0 + keep.len()) {
            *y = lanes.at(s.base, u);
        }
    }
}
