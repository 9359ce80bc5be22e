//! Offline ranking metrics for one relevant item per case (basket completion, next item).
//!
//! Plain functions and one accumulator, shared by `cartsense eval` for every ranker (ours, the
//! baselines and external ranked-list files) so they are all scored by the same code.
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
}
