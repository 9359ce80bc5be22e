//! Bounded top-k selection with a total order: score descending, then a tie-break value
//! descending (popularity), then item index ascending. NaN scores rank below every number, so a
//! NaN can never push a real result out; excluded items are masked before selection.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// One selected item.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scored {
    /// Item index.
    pub index: u32,
    /// Its score.
    pub score: f32,
}

/// NaN-free key: NaN maps below -inf.
#[inline]
fn key(x: f32) -> f32 {
    if x.is_nan() {
        f32::NEG_INFINITY
    } else {
        x
    }
}

/// Total order "a ranks before b".
#[inline]
pub fn ranks_before(a: (f32, f32, u32), b: (f32, f32, u32)) -> bool {
    compare(a, b) == Ordering::Less
}

/// Ordering of (score, tie, index) triples: Less means "ranks first". NaN scores rank after
/// every number (and after -inf); ties then go to the larger tie value, then the smaller index.
#[inline]
pub fn compare(a: (f32, f32, u32), b: (f32, f32, u32)) -> Ordering {
    let nan = |x: f32| x.is_nan();
    nan(a.0)
        .cmp(&nan(b.0))
        .then_with(|| key(b.0).total_cmp(&key(a.0)))
        .then_with(|| key(b.1).total_cmp(&key(a.1)))
        .then_with(|| a.2.cmp(&b.2))
}

/// Heap entry ordered so that the heap's max is the *worst* kept item.
#[derive(Debug, Clone, Copy)]
struct Worst(f32, f32, u32);

impl PartialEq for Worst {
    fn eq(&self, o: &Self) -> bool {
        self.cmp(o) == Ordering::Equal
    }
}
impl Eq for Worst {}
impl PartialOrd for Worst {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Worst {
    fn cmp(&self, o: &Self) -> Ordering {
        compare((self.0, self.1, self.2), (o.0, o.1, o.2))
    }
}

/// Streaming bounded top-k: offer scores one at a time or a block at a time; the heap's
/// allocation is kept between queries ([`TopK::reset`]), so a query allocates nothing here.
#[derive(Debug, Clone, Default)]
pub struct TopK {
    heap: BinaryHeap<Worst>,
    k: usize,
}

impl TopK {
    /// An empty selector for the `k` best.
    pub fn new(k: usize) -> TopK {
        TopK {
            heap: BinaryHeap::with_capacity(k + 1),
            k,
        }
    }

    /// Empty it and select the `k` best from now on.
    pub fn reset(&mut self, k: usize) {
        self.heap.clear();
        self.heap.reserve(k + 1);
        self.k = k;
    }

    /// A score below which (or NaN) a candidate can no longer enter; `None` while every
    /// candidate still may (the heap is not full, or its worst score is NaN).
    #[inline]
    pub fn threshold(&self) -> Option<f32> {
        if self.heap.len() < self.k {
            return None;
        }
        self.heap.peek().map(|w| w.0).filter(|w| !w.is_nan())
    }

    /// Offer item `j` with score `s`; `eligible` is asked only when `s` could enter.
    #[inline]
    pub fn offer(
        &mut self,
        j: usize,
        s: f32,
        tie: &[f32],
        eligible: &mut impl FnMut(usize) -> bool,
    ) {
        if self.k == 0 {
            return;
        }
        if self.heap.len() == self.k {
            // Cheap rejection first: strictly worse score than the current worst.
            if let Some(w) = self.heap.peek() {
                if !s.is_nan() && !w.0.is_nan() && s < w.0 {
                    return;
                }
                if s.is_nan() && !w.0.is_nan() {
                    return;
                }
            }
        }
        if !eligible(j) {
            return;
        }
        let cand = Worst(s, tie.get(j).copied().unwrap_or(0.0), j as u32);
        if self.heap.len() < self.k {
            self.heap.push(cand);
        } else if let Some(mut w) = self.heap.peek_mut() {
            if cand < *w {
                *w = cand;
            }
        }
    }

    /// Offer items `first..first + scores.len()` (at most 64). Lanes below the current
    /// threshold are dropped with one vector compare per four scores; the rest go through
    /// [`TopK::offer`], so the result is the same as offering every score in order.
    #[inline]
    pub fn offer_block(
        &mut self,
        first: usize,
        scores: &[f32],
        tie: &[f32],
        eligible: &mut impl FnMut(usize) -> bool,
    ) {
        match self.threshold() {
            Some(t) => {
                let mut m = crate::kernels::ge_mask(scores, t);
                while m != 0 {
                    let i = m.trailing_zeros() as usize;
                    m &= m - 1;
                    self.offer(first + i, scores[i], tie, eligible);
                }
            }
            None => {
                for (i, &s) in scores.iter().enumerate() {
                    self.offer(first + i, s, tie, eligible);
                }
            }
        }
    }

    /// The selected items, best first, appended to `out`; the selector is left empty.
    pub fn drain_sorted(&mut self, out: &mut Vec<Scored>) {
        let v = std::mem::take(&mut self.heap).into_sorted_vec();
        out.extend(v.iter().map(|w| Scored {
            index: w.2,
            score: w.0,
        }));
        let mut v = v;
        v.clear();
        self.heap = BinaryHeap::from(v);
    }
}

/// The `k` best eligible items of `scores`, best first. `tie[j]` breaks score ties (larger
/// first); `eligible(j)` masks items out before selection.
pub fn top_k(
    scores: &[f32],
    tie: &[f32],
    k: usize,
    mut eligible: impl FnMut(usize) -> bool,
) -> Vec<Scored> {
    if k == 0 {
        return Vec::new();
    }
    let mut sel = TopK::new(k);
    for (j, &s) in scores.iter().enumerate() {
        sel.offer(j, s, tie, &mut eligible);
    }
    let mut out = Vec::with_capacity(k);
    sel.drain_sorted(&mut out);
    out
}

/// Reference implementation: full sort. Used by the differential tests.
pub fn top_k_by_sort(
    scores: &[f32],
    tie: &[f32],
    k: usize,
    eligible: impl Fn(usize) -> bool,
) -> Vec<Scored> {
    let mut all: Vec<usize> = (0..scores.len()).filter(|&j| eligible(j)).collect();
    crate::sort::sort_by(&mut all, |&a, &b| {
        compare(
            (scores[a], tie.get(a).copied().unwrap_or(0.0), a as u32),
            (scores[b], tie.get(b).copied().unwrap_or(0.0), b as u32),
        )
    });
    all.truncate(k);
    all.into_iter()
        .map(|j| Scored {
            index: j as u32,
            score: scores[j],
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn same(a: &[Scored], b: &[Scored]) -> bool {
        a.len() == b.len()
            && a.iter()
                .zip(b)
                .all(|(x, y)| x.index == y.index && x.score.to_bits() == y.score.to_bits())
    }

    #[test]
    fn nan_and_ties() {
        let s = [f32::NAN, 1.0, 1.0, f32::NEG_INFINITY, 2.0];
        let tie = [0.0, 1.0, 5.0, 0.0, 0.0];
        let r: Vec<u32> = top_k(&s, &tie, 5, |_| true)
            .iter()
            .map(|x| x.index)
            .collect();
        assert_eq!(r, [4, 2, 1, 3, 0]);
        let r: Vec<u32> = top_k(&s, &tie, 2, |j| j != 4)
            .iter()
            .map(|x| x.index)
            .collect();
        assert_eq!(r, [2, 1]);
        assert!(top_k(&s, &tie, 0, |_| true).is_empty());
    }

    fn score() -> impl Strategy<Value = f32> {
        prop_oneof![
            8 => (-4i32..4).prop_map(|x| x as f32 * 0.5),
            4 => -1e3f32..1e3,
            1 => Just(f32::NAN),
            1 => Just(f32::INFINITY),
            1 => Just(f32::NEG_INFINITY),
        ]
    }

    proptest! {
        #[test]
        fn equals_full_sort(
            s in prop::collection::vec(score(), 0..300),
            k in 1usize..40,
            seed in any::<u64>(),
        ) {
            let tie: Vec<f32> = (0..s.len()).map(|j| ((j as u64 ^ seed) % 3) as f32).collect();
            let mask = |j: usize| !(j as u64).wrapping_mul(seed | 1).is_multiple_of(5);
            let a = top_k(&s, &tie, k, mask);
            let b = top_k_by_sort(&s, &tie, k, mask);
            prop_assert!(same(&a, &b), "{:?} vs {:?}", a, b);
            // The block path (vector threshold test) selects the same, with a reused heap.
            let mut sel = TopK::new(3);
            sel.offer(0, 1.0, &tie, &mut |_| true);
            sel.reset(k);
            for (b, chunk) in s.chunks(1 + (seed % 64) as usize).enumerate() {
                sel.offer_block(b * (1 + (seed % 64) as usize), chunk, &tie, &mut |j| mask(j));
            }
            let mut c = Vec::new();
            sel.drain_sorted(&mut c);
            prop_assert!(same(&c, &b), "{:?} vs {:?}", c, b);
        }
    }
}
