//! moveMedian (O(log window) amortised) and moveRank (O(window)).
//!
//! Windows up to `SORTED_MAX` keep their non-NaN values sorted in one
//! array: a step finds the leaving and the entering value by binary
//! search and shifts the values between the two places by one, a single
//! short move (a third of the window on average), and the median is read
//! by index. That is bounded by a constant for these windows and beats
//! any tree at them: no pointer chasing, and the searches are branch-free.
//! Longer windows rank the values of a block of outputs and their window
//! once (a sort of about two windows of values, every `window` steps),
//! then keep the window's members in a Fenwick tree over those ranks:
//! entering and leaving are point updates and the median is one descent,
//! each O(log window). Ties are ranked by position, so equal values need
//! no special case; NaN values get no rank and are never counted. Both
//! order values as `f64::total_cmp` does (-0 before +0).

use multiversion::multiversion;

use super::kernel::{Kernel, Window};

/// The longest window kept as a sorted array.
const SORTED_MAX: usize = 512;

/// `v`'s key in `f64::total_cmp`'s order, as a signed integer (its own
/// inverse).
#[inline(always)]
fn key(v: f64) -> i64 {
    let b = v.to_bits() as i64;
    b ^ (((b >> 63) as u64) >> 1) as i64
}

#[inline(always)]
fn unkey(k: i64) -> f64 {
    f64::from_bits((k ^ (((k >> 63) as u64) >> 1) as i64) as u64)
}

/// How many of `keys` are below `a`, and how many below `b`: where each
/// goes in the sorted `keys`. A count over the whole array rather than a
/// binary search: for these lengths its vector compares cost less than a
/// search's chain of dependent loads (seven for a window of 100; two
/// branch-free searches a step took 560 ms for 10 rows of 1,000,000 on 2
/// threads, the count 346 ms, the Fenwick tree before both 553 ms).
#[multiversion(targets("x86_64+avx2+avx+sse4.2", "x86_64+sse4.2", "aarch64+neon"))]
fn below(keys: &[i64], a: i64, b: i64) -> (usize, usize) {
    let (mut below_a, mut below_b) = (0usize, 0usize);
    for &k in keys {
        below_a += usize::from(k < a);
        below_b += usize::from(k < b);
    }
    (below_a, below_b)
}

/// Removes `old` (present) from `keys` and inserts `new`, shifting only
/// the keys between their two places.
#[inline(always)]
fn replace(keys: &mut [i64], old: i64, new: i64) {
    let (out, into) = below(keys, old, new);
    if into <= out {
        keys.copy_within(into..out, into + 1);
        keys[into] = new;
    } else {
        keys.copy_within(out + 1..into, out);
        keys[into - 1] = new;
    }
}

/// The median of `n` values, `kth(k)` giving the one of rank `k`: NaN
/// while fewer than `min_count` (or none) are there.
#[inline(always)]
fn median(n: usize, min_count: usize, kth: impl Fn(usize) -> f64) -> f64 {
    let half = n / 2;
    if n < min_count || n == 0 {
        f64::NAN
    } else if n % 2 == 1 {
        kth(half)
    } else {
        (kth(half - 1) + kth(half)) / 2.0
    }
}

const NO_RANK: u32 = u32::MAX;

#[derive(Default)]
pub(crate) struct Ranked {
    /// The first position this state saw (sorted windows).
    start: usize,
    /// The window's non-NaN values as keys, ascending (sorted windows).
    keys: Vec<i64>,
    len: usize,
    /// The block covers outputs up to `end` (exclusive); 0: not built.
    end: usize,
    /// First position whose rank is in `rank`.
    origin: usize,
    rank: Vec<u32>,
    sorted: Vec<f64>,
    tree: Vec<u32>,
    count: usize,
}

impl Ranked {
    fn add(&mut self, r: u32, delta: i32) {
        let mut i = r as usize + 1;
        while i < self.tree.len() {
            self.tree[i] = (self.tree[i] as i32 + delta) as u32;
            i += i & i.wrapping_neg();
        }
    }

    /// The value of rank `k` (0-based) among the members.
    fn kth(&self, mut k: usize) -> f64 {
        let n = self.tree.len() - 1;
        let mut pos = 0;
        let mut step = n.next_power_of_two();
        while step > 0 {
            let next = pos + step;
            if next <= n && (self.tree[next] as usize) <= k {
                pos = next;
                k -= self.tree[next] as usize;
            }
            step >>= 1;
        }
        self.sorted[pos]
    }

    fn rebuild<R: Fn(usize) -> f64>(&mut self, x: &R, w: &Window, t: usize) {
        let block = w.window.max(256);
        let origin = w.first(t);
        let end = (t + block).min(self.len);
        let mut order: Vec<(f64, u32)> = (origin..end)
            .filter_map(|u| {
                let v = x(u);
                (!v.is_nan()).then_some((v, (u - origin) as u32))
            })
            .collect();
        order.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        self.rank.clear();
        self.rank.resize(end - origin, NO_RANK);
        self.sorted.clear();
        for (r, &(v, at)) in order.iter().enumerate() {
            self.rank[at as usize] = r as u32;
            self.sorted.push(v);
        }
        self.tree.clear();
        self.tree.resize(order.len() + 1, 0);
        self.origin = origin;
        self.end = end;
        self.count = 0;
        for u in origin..t {
            self.member(u, 1);
        }
    }

    fn member(&mut self, u: usize, delta: i32) {
        let r = self.rank[u - self.origin];
        if r != NO_RANK {
            self.add(r, delta);
            self.count = (self.count as i32 + delta) as usize;
        }
    }
}

pub(crate) struct MedianKernel(pub Window);

impl Kernel for MedianKernel {
    type State = Ranked;
    fn state(&self, len: usize, start: usize) -> Ranked {
        let w = self.0.window;
        Ranked {
            start,
            keys: Vec::with_capacity(if w <= SORTED_MAX { w } else { 0 }),
            len,
            ..Ranked::default()
        }
    }

    fn step<R: Fn(usize) -> f64>(&self, s: &mut Ranked, x: &R, t: usize) -> f64 {
        let w = &self.0;
        if w.window <= SORTED_MAX {
            let leaving = w.leaving(t, s.start).map_or(f64::NAN, x);
            let v = x(t);
            match (leaving.is_nan(), v.is_nan()) {
                (true, true) => {}
                (true, false) => {
                    let k = key(v);
                    s.keys.insert(below(&s.keys, k, k).0, k);
                }
                (false, true) => {
                    let k = key(leaving);
                    s.keys.remove(below(&s.keys, k, k).0);
                }
                (false, false) => replace(&mut s.keys, key(leaving), key(v)),
            }
            return median(s.keys.len(), w.min_count, |k| unkey(s.keys[k]));
        }
        if t >= s.end || s.end == 0 {
            s.rebuild(x, w, t);
        } else if t >= w.window && t - w.window >= s.origin {
            s.member(t - w.window, -1);
        }
        s.member(t, 1);
        median(s.count, w.min_count, |k| s.kth(k))
    }
}

/// The newest element's rank in its window, bottleneck's formula: ties
/// count half, normalised to [-1, 1]; NaN when the newest is NaN.
pub(crate) struct RankKernel(pub Window);

impl Kernel for RankKernel {
    type State = ();
    fn state(&self, _len: usize, _start: usize) {}

    fn step<R: Fn(usize) -> f64>(&self, _s: &mut (), x: &R, t: usize) -> f64 {
        let w = &self.0;
        let newest = x(t);
        if newest.is_nan() {
            return f64::NAN;
        }
        let (mut greater, mut equal, mut n) = (0.0f64, 1.0f64, 1usize);
        for u in w.first(t)..t {
            let v = x(u);
            if !v.is_nan() {
                n += 1;
                if newest > v {
                    greater += 2.0;
                } else if newest == v {
                    equal += 1.0;
                }
            }
        }
        if n < w.min_count {
            f64::NAN
        } else if n == 1 {
            0.0
        } else {
            let r = 0.5 * (greater + equal - 1.0) / (n - 1) as f64;
            2.0 * (r - 0.5)
        }
    }
}
