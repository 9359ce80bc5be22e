//! Baselines of PROTOCOL.md, computed in the same run as our rankers: popularity,
//! co-occurrence (in `tune`), first-order Markov and (V)SKNN.

use crate::topk::top_k;

use crate::builder::cases::Case;
use crate::builder::data::{Dataset, Kind};

/// Exclusions of the protocol: the cart (baskets) or the current item (sessions).
pub fn excluded(c: &Case, kind: Kind) -> Vec<u32> {
    match kind {
        Kind::Baskets => c.ctx.clone(),
        Kind::Sessions => c.ctx.last().copied().into_iter().collect(),
    }
}

fn select(scores: &[f32], pop: &[f32], k: usize, excl: &[u32]) -> Vec<u32> {
    top_k(scores, pop, k, |j| !excl.contains(&(j as u32)))
        .into_iter()
        .map(|s| s.index)
        .collect()
}

/// Number of train groups containing each item.
pub fn popularity(train: &Dataset) -> Vec<f32> {
    let mut p = vec![0.0f32; train.n_items()];
    for g in &train.groups {
        let mut s = g.items.clone();
        s.sort_unstable();
        s.dedup();
        for i in s {
            p[i as usize] += 1.0;
        }
    }
    p
}

/// Popularity lists (ties: index), protocol exclusions.
pub fn pop_lists(pop: &[f32], cases: &[Case], kind: Kind, k: usize) -> Vec<Vec<u32>> {
    let zero = vec![0.0f32; pop.len()];
    cases
        .iter()
        .map(|c| select(&zero, pop, k, &excluded(c, kind)))
        .collect()
}

/// Train transitions last item -> next.
pub fn markov_lists(train: &Dataset, pop: &[f32], cases: &[Case], k: usize) -> Vec<Vec<u32>> {
    let n = train.n_items();
    let mut next: Vec<Vec<u32>> = vec![Vec::new(); n];
    for g in &train.groups {
        for w in g.items.windows(2) {
            next[w[0] as usize].push(w[1]);
        }
    }
    let mut s = vec![0.0f32; n];
    cases
        .iter()
        .map(|c| {
            s.iter_mut().for_each(|x| *x = 0.0);
            if let Some(&last) = c.ctx.last() {
                for &j in &next[last as usize] {
                    s[j as usize] += 1.0;
                }
            }
            select(&s, pop, k, &excluded(c, Kind::Sessions))
        })
        .collect()
}

/// Session kNN. `recency[g]` ranks train groups (larger = more recent); `sample` = most recent
/// candidates kept (None = all); `decay` = VSKNN linear position weights.
pub struct Sknn<'a> {
    /// The train split.
    pub train: &'a Dataset,
    /// Recency rank of each train group.
    pub recency: Vec<u32>,
    /// Item -> train groups containing it.
    pub inv: Vec<Vec<u32>>,
    /// Distinct items of each train group, sorted.
    pub sets: Vec<Vec<u32>>,
}

impl<'a> Sknn<'a> {
    /// Index the train groups.
    pub fn new(train: &'a Dataset, recency: Vec<u32>) -> Self {
        let mut inv: Vec<Vec<u32>> = vec![Vec::new(); train.n_items()];
        let sets: Vec<Vec<u32>> = train
            .groups
            .iter()
            .map(|g| {
                let mut s = g.items.clone();
                s.sort_unstable();
                s.dedup();
                s
            })
            .collect();
        for (b, s) in sets.iter().enumerate() {
            for &i in s {
                inv[i as usize].push(b as u32);
            }
        }
        Sknn {
            train,
            recency,
            inv,
            sets,
        }
    }

    /// The `k` nearest training groups of a weighted context `(item, weight)`: overlap = sum of
    /// the weights of shared items, similarity `overlap / sqrt(m · |group|)`; with `sample`, only
    /// the most recent `sample` candidate groups. `overlap` is scratch (all zero in and out).
    /// Best first (ties: more recent first).
    pub fn neighbours(
        &self,
        ctx: &[(u32, f32)],
        m: f32,
        sample: Option<usize>,
        k: usize,
        overlap: &mut [f32],
    ) -> Vec<(f32, u32)> {
        let mut touched: Vec<u32> = Vec::new();
        for &(i, w) in ctx {
            for &b in &self.inv[i as usize] {
                if overlap[b as usize] == 0.0 {
                    touched.push(b);
                }
                overlap[b as usize] += w;
            }
        }
        if let Some(s) = sample {
            if touched.len() > s {
                touched.sort_by(|a, b| self.recency[*b as usize].cmp(&self.recency[*a as usize]));
                for &b in &touched[s..] {
                    overlap[b as usize] = 0.0;
                }
                touched.truncate(s);
            }
        }
        let mut sims: Vec<(f32, u32)> = touched
            .iter()
            .map(|&b| {
                let o = overlap[b as usize];
                overlap[b as usize] = 0.0;
                (o / (m * self.sets[b as usize].len() as f32).sqrt(), b)
            })
            .collect();
        sims.sort_by(|a, b| {
            b.0.total_cmp(&a.0)
                .then(self.recency[b.1 as usize].cmp(&self.recency[a.1 as usize]))
        });
        sims.truncate(k);
        sims
    }

    /// Top-`k` lists of the cases from their `neighbours` nearest groups (ties: `pop`, then
    /// index), protocol exclusions.
    #[allow(clippy::too_many_arguments)]
    pub fn lists(
        &self,
        pop: &[f32],
        cases: &[Case],
        kind: Kind,
        k: usize,
        neighbours: usize,
        sample: Option<usize>,
        decay: bool,
    ) -> Vec<Vec<u32>> {
        let nb = self.sets.len();
        let mut overlap = vec![0.0f32; nb];
        let mut scores = vec![0.0f32; self.train.n_items()];
        cases
            .iter()
            .map(|c| {
                let mut ctx: Vec<(u32, f32)> = Vec::new();
                let t = c.ctx.len() as f32;
                for (p, &i) in c.ctx.iter().enumerate() {
                    let w = if decay { (p + 1) as f32 / t } else { 1.0 };
                    match ctx.iter_mut().find(|x| x.0 == i) {
                        Some(x) => x.1 = w,
                        None => ctx.push((i, w)),
                    }
                }
                let sims =
                    self.neighbours(&ctx, ctx.len() as f32, sample, neighbours, &mut overlap);
                scores.iter_mut().for_each(|x| *x = 0.0);
                for &(s, b) in &sims {
                    for &j in &self.sets[b as usize] {
                        scores[j as usize] += s;
                    }
                }
                select(&scores, pop, k, &excluded(c, kind))
            })
            .collect()
    }
}

/// ALS baseline (PROTOCOL.md: implicit ALS, factors 64, 15 iterations, regularization 0.01,
/// confidence `alpha`, the context folded in by least squares): trained with this crate's ALS
/// and scored through the engine's fold-in with the embeddings alone.
pub fn als_lists(
    train: &Dataset,
    cases: &[Case],
    kind: Kind,
    k: usize,
    alpha: f32,
    seed: u64,
) -> anyhow::Result<Vec<Vec<u32>>> {
    use crate::builder::model::ALS_LAMBDA;
    use crate::builder::train::als;
    let p = als::AlsParams {
        dims: 64,
        alpha,
        lambda: ALS_LAMBDA,
        iterations: 15,
        cg_steps: 3,
    };
    let groups: Vec<Vec<u32>> = train.groups.iter().map(|g| g.items.clone()).collect();
    let emb = als::train(&groups, train.n_items(), &p, seed, &|| {});
    let pop = popularity(train);
    let bytes = crate::pack::PackWriter::new(train.ids.clone(), 64, emb)
        .popularity(pop)
        .fold_in(ALS_LAMBDA, alpha)
        .quantize(crate::pack::Quantize::F32)
        .to_bytes()
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let params = crate::params::Params {
        event_weights: crate::params::EventWeights {
            view: 1.0,
            add_to_cart: 1.0,
            remove_from_cart: -1.0,
            purchase: 1.0,
        },
        profile: crate::params::ProfileMethod::FoldIn,
        embedding_weight: 1.0,
        neighbour_weight: 0.0,
        transition_weight: 0.0,
        knn_weight: 0.0,
        popularity_weight: 0.0,
        // Every context item counts the same (the baseline's binary row).
        half_life_hours: 1e12,
        ..crate::params::Params::default()
    };
    crate::builder::engine_run::run(&bytes, cases, kind, k, Some(params))
}
