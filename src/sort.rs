//! One sort for the whole crate.
//!
//! Every `slice::sort*` call with its own comparator closure is a separate copy of the standard
//! library's sort (pattern-defeating quicksort plus its sorting networks, about 7 KB of wasm
//! each). The crate's sorts are all short lists (top-k results, a cart's bundles, a shopper's
//! purchase record, queued score boosts), so they share one instantiation instead: the order is
//! computed on indices through a `&dyn Fn` comparator, then applied in place.

use std::cmp::Ordering;

/// Sort `v` by `cmp`, stably: elements that compare equal keep their relative order. For a
/// comparator that is a total order (no two elements equal) this is the same order as
/// `sort_unstable_by` gives.
pub fn sort_by<T>(v: &mut [T], cmp: impl Fn(&T, &T) -> Ordering) {
    if v.len() < 2 {
        return;
    }
    let mut order = sorted_indices(v.len(), &|a, b| cmp(&v[a], &v[b]));
    apply(v, &mut order);
}

/// Indices `0..n` in the order `cmp` gives, ties by index. Not generic: the one instantiation
/// of the standard library's sort.
#[inline(never)]
fn sorted_indices(n: usize, cmp: &dyn Fn(usize, usize) -> Ordering) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_unstable_by(|&a, &b| cmp(a, b).then(a.cmp(&b)));
    order
}

/// Rearrange `v` so that `v[j]` becomes the old `v[order[j]]`, one cycle of swaps at a time
/// (each position is visited once; `order` is used up as the visited mark).
fn apply<T>(v: &mut [T], order: &mut [usize]) {
    for i in 0..order.len() {
        let mut j = i;
        loop {
            let k = order[j];
            order[j] = j;
            if k == i {
                break;
            }
            v.swap(j, k);
            j = k;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        // The same order as the standard library's stable sort, for any input with ties.
        #[test]
        fn matches_std_stable_sort(v in proptest::collection::vec((0u8..8, any::<u16>()), 0..200)) {
            let mut ours = v.clone();
            sort_by(&mut ours, |a, b| a.0.cmp(&b.0));
            let mut std = v;
            std.sort_by_key(|a| a.0);
            prop_assert_eq!(ours, std);
        }
    }

    #[test]
    fn total_order_matches_unstable_sort() {
        let mut v: Vec<(f32, u32)> = (0..300u32)
            .map(|i| (((i * 7919) % 101) as f32 * 0.5, i))
            .collect();
        let mut std = v.clone();
        std.sort_unstable_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        sort_by(&mut v, |a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        assert_eq!(v, std);
    }
}
