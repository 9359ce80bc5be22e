//! Offline ranking metrics for one relevant item per case (basket completion, next item).
//!
//! Plain functions and one accumulator, shared by `cartsense eval`, `cartsense build`'s tuning
//! and the examples for every ranker (ours, the baselines and external ranked-list files) so
//! they are all scored by the same code.
//!
//! ```
//! use cartsense::metrics::{rank_in, Tally};
//! let list = ["b", "a", "b", "c"];
//! assert_eq!(rank_in(&list, &"c", 10), 3); // the repeated "b" is dropped first
//! let mut t = Tally::default();
//! t.add(rank_in(&list, &"c", 10), 2.0);
//! t.add(0, 2.0);
//! assert_eq!(t.hit_rate(), 0.5);
//! ```

/// 1-based rank of `target` in `list` after keeping the first occurrence of every id and
/// cutting to `k`; 0 when absent.
pub fn rank_in<T: PartialEq>(list: &[T], target: &T, k: usize) -> usize {
    let mut kept: Vec<&T> = Vec::with_capacity(k);
    for x in list {
        if kept.len() == k {
            break;
        }
        if kept.contains(&x) {
            continue;
        }
        if x == target {
            return kept.len() + 1;
        }
        kept.push(x);
    }
    0
}

/// Reciprocal rank (0 when absent).
pub fn reciprocal_rank(rank: usize) -> f64 {
    if rank == 0 {
        0.0
    } else {
        1.0 / rank as f64
    }
}

/// NDCG with one relevant item: 1 / log2(rank + 1), 0 when absent.
pub fn ndcg(rank: usize) -> f64 {
    if rank == 0 {
        0.0
    } else {
        1.0 / ((rank + 1) as f64).log2()
    }
}

/// Running sums over cases.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Tally {
    /// Cases seen.
    pub cases: usize,
    /// Cases with the target in the list.
    pub hits: usize,
    /// Sum of reciprocal ranks.
    pub rr: f64,
    /// Sum of NDCG.
    pub ndcg: f64,
    /// Sum of target values (e.g. prices) over hits.
    pub value_hit: f64,
    /// Sum of target values over all cases.
    pub value: f64,
}

impl Tally {
    /// Add one case: its rank (0 = miss) and the target's value (price; 0 when unused).
    pub fn add(&mut self, rank: usize, value: f64) {
        self.cases += 1;
        if rank > 0 {
            self.hits += 1;
            self.value_hit += value;
        }
        self.value += value;
        self.rr += reciprocal_rank(rank);
        self.ndcg += ndcg(rank);
    }

    /// Merge another tally.
    pub fn merge(&mut self, o: &Tally) {
        self.cases += o.cases;
        self.hits += o.hits;
        self.rr += o.rr;
        self.ndcg += o.ndcg;
        self.value_hit += o.value_hit;
        self.value += o.value;
    }

    fn mean(&self, x: f64) -> f64 {
        if self.cases == 0 {
            0.0
        } else {
            x / self.cases as f64
        }
    }

    /// HR@k (= Recall@k with one target).
    pub fn hit_rate(&self) -> f64 {
        self.mean(self.hits as f64)
    }

    /// MRR@k.
    pub fn mrr(&self) -> f64 {
        self.mean(self.rr)
    }

    /// NDCG@k.
    pub fn ndcg(&self) -> f64 {
        self.mean(self.ndcg)
    }

    /// Value-weighted hit rate (revenue-weighted HR when values are prices).
    pub fn value_hit_rate(&self) -> f64 {
        if self.value > 0.0 {
            self.value_hit / self.value
        } else {
            0.0
        }
    }
}

/// Simulated order-value uplift of showing lists of up to 10 add-ons (item indices) under
/// baskets whose hidden items are `targets`: each shown item at rank r is assumed bought (one
/// unit, at its `prices` entry) with the probability that these lists have the hidden item at
/// rank r (their measured hit rate at that rank), independently of the others; the mean over
/// the lists of the sum over the 10 slots. Assumptions: the shopper sees all 10, accepting one
/// add-on does not change the others, and a hit on the hidden item is as likely for every
/// shown item at that rank.
pub fn uplift(lists: &[Vec<u32>], targets: &[u32], prices: &[f32]) -> f64 {
    let n = lists.len().max(1) as f64;
    let mut at_rank = [0.0f64; 10];
    for (l, t) in lists.iter().zip(targets) {
        let r = rank_in(l, t, 10);
        if (1..=10).contains(&r) {
            at_rank[r - 1] += 1.0 / n;
        }
    }
    let mut total = 0.0;
    for l in lists {
        for (r, &j) in l.iter().take(10).enumerate() {
            total += at_rank[r] * prices[j as usize] as f64;
        }
    }
    total / n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rank_dedups_before_cutting() {
        let l = [1, 1, 2, 3];
        assert_eq!(rank_in(&l, &3, 3), 3);
        assert_eq!(rank_in(&l, &3, 2), 0);
        assert_eq!(rank_in(&l, &9, 10), 0);
    }

    #[test]
    fn tally_means() {
        let mut t = Tally::default();
        t.add(1, 10.0);
        t.add(2, 0.0);
        t.add(0, 30.0);
        assert!((t.hit_rate() - 2.0 / 3.0).abs() < 1e-12);
        assert!((t.mrr() - 0.5).abs() < 1e-12);
        assert!((t.value_hit_rate() - 0.25).abs() < 1e-12);
        assert!((t.ndcg() - (1.0 + 1.0 / 3f64.log2()) / 3.0).abs() < 1e-12);
    }

    #[test]
    fn uplift_weights_shown_prices_by_the_hit_rate_at_their_rank() {
        // Case 1 hits at rank 2, case 2 misses: h = [0, 0.5, 0, ...]; the items shown at rank 2
        // are 2 (price 20) and 1 (price 10): (0.5 * 20 + 0.5 * 10) / 2 cases.
        let lists = vec![vec![1, 2], vec![3, 1]];
        let prices = [0.0, 10.0, 20.0, 30.0];
        assert!((uplift(&lists, &[2, 0], &prices) - 7.5).abs() < 1e-12);
        assert_eq!(uplift(&[], &[], &prices), 0.0);
    }
}
