//! Basket neighbours on the device: session kNN over the pack's stored past baskets
//! ([`crate::pack::BasketStore`]), as PROTOCOL.md defines the `sknn` and `vsknn` baselines.
//!
//! For a context of distinct items `c` (in order of first appearance) with weights `w_i`
//! (1 for SKNN; `p_i / t` for V-SKNN, `p_i` the last 1-based position of i in a session of
//! length t), every stored basket b sharing an item with the context is a candidate; with
//! `sample = s > 0` only the s most recent candidates are kept. Its similarity is
//! `sim(b) = Σ_{i ∈ c ∩ b} w_i / sqrt(|c| · |b|)`; the `neighbours` most similar are kept
//! (ties: more recent first), and item j scores `Σ sim(b)` over kept baskets containing j.
//! Cost: one pass over the context items' posting lists, then one over the kept baskets.

use crate::pack::BasketStore;

/// Settings of the basket-neighbour scorer (stored by `cartsense build` in the pack's
/// `"scorer"` metadata).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KnnParams {
    /// How many most similar baskets vote (>= 1).
    pub neighbours: u32,
    /// Only the most recent this many candidate baskets are compared (0 = all).
    pub sample: u32,
    /// Weight context items by their last position in the session (V-SKNN) instead of 1.
    pub positional: bool,
}

impl Default for KnnParams {
    fn default() -> Self {
        KnnParams {
            neighbours: 100,
            sample: 0,
            positional: false,
        }
    }
}

/// Context weights of a sequence of item indices (oldest first, consecutive repeats already
/// collapsed): distinct items in order of first appearance, weighted 1, or `p / t` with `p`
/// the item's last 1-based position when `positional`.
pub fn context_weights(seq: &[usize], positional: bool) -> Vec<(usize, f32)> {
    let t = seq.len() as f32;
    let mut ctx: Vec<(usize, f32)> = Vec::new();
    for (p, &i) in seq.iter().enumerate() {
        let w = if positional { (p + 1) as f32 / t } else { 1.0 };
        match ctx.iter_mut().find(|x| x.0 == i) {
            Some(x) => x.1 = w,
            None => ctx.push((i, w)),
        }
    }
    ctx
}

/// Reusable scratch space for [`Knn::score`] (sized on first use; all zero between calls).
#[derive(Debug, Clone, Default)]
pub struct Knn {
    overlap: Vec<f32>,
    touched: Vec<u32>,
    acc: Vec<f32>,
    best: crate::topk::TopK,
    drained: Vec<crate::topk::Scored>,
    sims: Vec<(f32, u32)>,
}

impl Knn {
    /// Score items for a weighted context (distinct items, weights > 0; others are skipped)
    /// into `out` as `(item, score)` pairs with score > 0, in order of first vote. Returns the
    /// number of neighbour baskets that voted.
    pub fn score(
        &mut self,
        store: &BasketStore,
        n_items: usize,
        ctx: &[(usize, f32)],
        p: &KnnParams,
        out: &mut Vec<(u32, f32)>,
    ) -> usize {
        out.clear();
        let ctx_len = ctx.iter().filter(|x| x.1 > 0.0).count();
        if ctx_len == 0 || store.is_empty() || p.neighbours == 0 {
            return 0;
        }
        if self.overlap.len() != store.len() {
            self.overlap = vec![0.0; store.len()];
        }
        if self.acc.len() != n_items {
            self.acc = vec![0.0; n_items];
        }
        self.touched.clear();
        for &(i, w) in ctx {
            if w <= 0.0 {
                continue;
            }
            for &b in store.baskets_of(i) {
                let o = &mut self.overlap[b as usize];
                if *o == 0.0 {
                    self.touched.push(b);
                }
                *o += w;
            }
        }
        let s = p.sample as usize;
        if s > 0 && self.touched.len() > s {
            // The most recent are the smallest indices: walk the store from the newest basket
            // to the s-th candidate (one pass over at most the store, no sort).
            let mut seen = 0;
            let cut = self
                .overlap
                .iter()
                .position(|&o| {
                    seen += usize::from(o != 0.0);
                    seen == s
                })
                .map_or(self.overlap.len(), |b| b + 1);
            for &b in &self.touched {
                if b as usize >= cut {
                    self.overlap[b as usize] = 0.0;
                }
            }
            self.touched.retain(|&b| (b as usize) < cut);
        }
        let m = ctx_len as f32;
        // The k most similar through the bounded heap the scan uses (ties: smaller index, i.e.
        // more recent, first), drained best first.
        self.best.reset(p.neighbours as usize);
        for &b in &self.touched {
            let o = std::mem::take(&mut self.overlap[b as usize]);
            let len = store.basket(b as usize).len() as f32;
            self.best
                .offer(b as usize, o / (m * len).sqrt(), &[], &mut |_| true);
        }
        self.drained.clear();
        self.best.drain_sorted(&mut self.drained);
        self.sims.clear();
        self.sims
            .extend(self.drained.iter().map(|x| (x.score, x.index)));
        // Votes are added best neighbour first, so the sums are the same floats as a
        // reference that sorts its neighbours.
        for &(sim, b) in &self.sims {
            for &j in store.basket(b as usize) {
                let a = &mut self.acc[j as usize];
                if *a == 0.0 {
                    out.push((j, 0.0));
                }
                *a += sim;
            }
        }
        for o in out.iter_mut() {
            o.1 = std::mem::take(&mut self.acc[o.0 as usize]);
        }
        out.retain(|o| o.1 > 0.0);
        self.sims.len()
    }
}

impl Knn {
    /// How much each context entry contributed to item `j`'s score in the last
    /// [`Knn::score`] call (same `store` and `ctx`): each voting basket holding j splits its
    /// similarity over the context items it shares, in proportion to their weights.
    pub fn split(&self, store: &BasketStore, ctx: &[(usize, f32)], j: u32) -> Vec<f32> {
        let mut c = vec![0.0f32; ctx.len()];
        for &(sim, b) in &self.sims {
            let items = store.basket(b as usize);
            if items.binary_search(&j).is_err() {
                continue;
            }
            let shares = |&(i, w): &(usize, f32)| {
                if w > 0.0 && items.binary_search(&(i as u32)).is_ok() {
                    w
                } else {
                    0.0
                }
            };
            let o: f32 = ctx.iter().map(shares).sum();
            if o > 0.0 {
                for (ck, e) in c.iter_mut().zip(ctx) {
                    *ck += sim * shares(e) / o;
                }
            }
        }
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The definition, written as plainly as possible: every basket compared, full sorts.
    fn brute(baskets: &[Vec<u32>], n: usize, ctx: &[(usize, f32)], p: &KnnParams) -> Vec<f32> {
        let m = ctx.iter().filter(|x| x.1 > 0.0).count() as f32;
        let mut cands: Vec<(f32, usize)> = Vec::new();
        for (b, items) in baskets.iter().enumerate() {
            let mut o = 0.0f32;
            let mut shared = false;
            for &(i, w) in ctx.iter().filter(|x| x.1 > 0.0) {
                if items.contains(&(i as u32)) {
                    o += w;
                    shared = true;
                }
            }
            if shared {
                cands.push((o, b));
            }
        }
        if p.sample > 0 {
            cands.truncate(p.sample as usize);
        }
        let mut sims: Vec<(f32, usize)> = cands
            .into_iter()
            .map(|(o, b)| (o / (m * baskets[b].len() as f32).sqrt(), b))
            .collect();
        sims.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        sims.truncate(p.neighbours as usize);
        let mut s = vec![0.0f32; n];
        for (sim, b) in sims {
            for &j in &baskets[b] {
                s[j as usize] += sim;
            }
        }
        s
    }

    fn sorted_sets(baskets: &[Vec<u32>]) -> Vec<Vec<u32>> {
        baskets
            .iter()
            .map(|b| {
                let mut s = b.clone();
                s.sort_unstable();
                s.dedup();
                s
            })
            .filter(|b| !b.is_empty())
            .collect()
    }

    proptest! {
        #[test]
        fn equals_the_definition(
            baskets in prop::collection::vec(prop::collection::vec(0u32..30, 0..8), 0..60),
            seq in prop::collection::vec(0usize..30, 0..10),
            neighbours in 1u32..12,
            sample in prop::sample::select(vec![0u32, 1, 3, 10, 1000]),
            positional in any::<bool>(),
        ) {
            let n = 30;
            let sets = sorted_sets(&baskets);
            let store = BasketStore::decode(&BasketStore::encode(&sets), n).unwrap();
            let p = KnnParams { neighbours, sample, positional };
            let ctx = context_weights(&seq, positional);
            let mut out = Vec::new();
            let mut knn = Knn::default();
            // Twice: the scratch space must come back clean.
            for _ in 0..2 {
                knn.score(&store, n, &ctx, &p, &mut out);
                let want = brute(&sets, n, &ctx, &p);
                let mut got = vec![0.0f32; n];
                for &(j, s) in &out {
                    prop_assert_eq!(got[j as usize], 0.0, "item {} twice", j);
                    got[j as usize] = s;
                }
                prop_assert_eq!(got, want);
            }
        }
    }

    #[test]
    fn positional_weights_favour_the_newest_item() {
        let ctx = context_weights(&[4, 7, 4, 9], true);
        assert_eq!(ctx, vec![(4, 0.75), (7, 0.5), (9, 1.0)]);
        assert_eq!(context_weights(&[4, 7, 4], false), vec![(4, 1.0), (7, 1.0)]);
    }

    #[test]
    fn sample_keeps_the_most_recent_candidates() {
        // Basket 0 is the most recent; with sample 1 only it may vote.
        let sets = vec![vec![0, 1], vec![0, 2], vec![0, 2]];
        let store = BasketStore::decode(&BasketStore::encode(&sets), 3).unwrap();
        let mut out = Vec::new();
        let p = KnnParams {
            neighbours: 10,
            sample: 1,
            positional: false,
        };
        Knn::default().score(&store, 3, &[(0, 1.0)], &p, &mut out);
        out.sort_by_key(|x| x.0);
        let s = 1.0 / 2f32.sqrt();
        assert_eq!(out, vec![(0, s), (1, s)]);
    }
}
