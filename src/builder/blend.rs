//! Learning the blend weights of `recommend` and `completeCart` on the shop's own validation
//! split (issue 12, item 3).
//!
//! Each validation case is scored once through the engine's own term functions
//! ([`Engine::components`], [`Engine::cart_terms`]); its candidates (the best `POOL` items of
//! every term, exclusions removed) are kept with their term values. Any weight vector then
//! ranks a case in one pass over its candidates: the target's rank is one plus the number of
//! candidates that beat it under the engine's order (score, then popularity, then index).
//! The search is coordinate ascent from the best single term: each weight in turn takes
//! every value of [`GRID`] with the others fixed, a change is kept when it raises HR@K (then
//! MRR@K), and rounds repeat until nothing improves (at most [`ROUNDS`]). Because it starts
//! from the best single term and only accepts improvements, the blend is never below any
//! single term on these cases; the caller re-measures the winner and every single term
//! through the engine and keeps a single term if it is better there (the guard).

use crate::builder::engine_run::load_case;
use crate::rank::Engine;
use crate::topk::ranks_before;
use rayon::prelude::*;

use crate::builder::cases::Case;
use crate::builder::data::Kind;

/// Candidates kept per term and case.
pub const POOL: usize = 100;
/// Values each weight may take (relative: the starting term has weight 1).
pub const GRID: [f32; 15] = [
    0.0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0,
];
/// The values a signed term (the popularity and trend priors of `recommend`) may also take.
pub const NEGATIVE_GRID: [f32; 6] = [-0.5, -0.3, -0.2, -0.1, -0.05, -0.02];
/// Most rounds of coordinate ascent.
pub const ROUNDS: usize = 4;

/// One case's candidates: item, term values, popularity (tie-break) and value factor base.
#[derive(Debug, Clone, Default)]
pub struct Table {
    /// Candidate item indices.
    pub items: Vec<u32>,
    /// `terms[c * t + x]`: term x of candidate c.
    terms: Vec<f32>,
    pop: Vec<f32>,
    /// Price of each candidate (for the value factor of `completeCart`).
    price: Vec<f32>,
    /// Whether the candidate is a substitute of a cart item.
    subst: Vec<bool>,
    /// Row of the target among the candidates (`None`: it can never be listed).
    target: Option<usize>,
    /// Price of the target (for RevHR).
    target_price: f32,
}

/// All cases of one kind of list, with the number of terms per candidate.
#[derive(Debug, Clone)]
pub struct Tables {
    /// Term names, in the order of each candidate's values.
    pub names: Vec<&'static str>,
    /// One table per validation case.
    pub cases: Vec<Table>,
    /// List length scored (HR@k).
    pub k: usize,
    /// Terms whose weight may be negative.
    pub signed: Vec<bool>,
    /// Mean positive catalogue price (for the value factor).
    pub mean_price: Option<f32>,
}

/// What a weight vector scores on the cases.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Score {
    /// Cases with the target in the top k.
    pub hits: usize,
    /// Sum of 1 / rank over those.
    pub rr: f64,
    /// Sum of the target prices over those.
    pub value_hits: f64,
    /// Sum of the target prices over every case.
    pub value_all: f64,
    /// Number of cases.
    pub cases: usize,
}

impl Score {
    /// HR@k.
    pub fn hr(&self) -> f64 {
        self.hits as f64 / self.cases.max(1) as f64
    }
    /// MRR@k.
    pub fn mrr(&self) -> f64 {
        self.rr / self.cases.max(1) as f64
    }
    /// Revenue-weighted HR@k (HR when no target has a price).
    pub fn rev_hr(&self) -> f64 {
        if self.value_all > 0.0 {
            self.value_hits / self.value_all
        } else {
            self.hr()
        }
    }
    /// HR, then MRR (the protocol's tuning rule).
    pub fn better_than(&self, o: &Score) -> bool {
        (self.hits, self.rr) > (o.hits, o.rr)
    }
}

/// How one candidate list is scored from its terms.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shape {
    /// Exponent of the value factor `((price + 0.01 p̄) / p̄)^γ` (0 = none).
    pub value_exponent: f32,
    /// Factor applied to substitutes (1 = none).
    pub substitute_penalty: f32,
}

impl Default for Shape {
    fn default() -> Self {
        Shape {
            value_exponent: 0.0,
            substitute_penalty: 1.0,
        }
    }
}

impl Tables {
    fn t(&self) -> usize {
        self.names.len()
    }

    /// Score of candidate `c` of `tab` under weights `w` (terms added in order, as the engine
    /// adds them), times the value factor and the substitute penalty.
    fn score_of(&self, tab: &Table, c: usize, w: &[f32], shape: &Shape) -> f32 {
        let t = self.t();
        let mut s = 0.0f32;
        for (x, &wx) in tab.terms[c * t..(c + 1) * t].iter().zip(w) {
            if wx != 0.0 {
                s += wx * x;
            }
        }
        if shape.value_exponent > 0.0 && s != 0.0 {
            if let Some(m) = self.mean_price {
                s *= ((tab.price[c].max(0.0) + 0.01 * m) / m).powf(shape.value_exponent);
            }
        }
        if shape.substitute_penalty < 1.0 && tab.subst[c] {
            s *= shape.substitute_penalty;
        }
        s
    }

    /// HR@K, MRR@K and RevHR@K of weights `w`.
    pub fn eval(&self, w: &[f32], shape: &Shape) -> Score {
        // Per-case ranks in parallel, summed in case order (the same floats on every run).
        let ranks: Vec<usize> = self
            .cases
            .par_iter()
            .map(|tab| self.rank_of_target(tab, w, shape))
            .collect();
        let mut sc = Score {
            cases: self.cases.len(),
            ..Score::default()
        };
        for (tab, &rank) in self.cases.iter().zip(&ranks) {
            sc.value_all += tab.target_price as f64;
            if rank <= self.k {
                sc.hits += 1;
                sc.rr += 1.0 / rank as f64;
                sc.value_hits += tab.target_price as f64;
            }
        }
        sc
    }

    /// 1-based rank of the case's target (beyond `k`: `k + 1`).
    fn rank_of_target(&self, tab: &Table, w: &[f32], shape: &Shape) -> usize {
        let Some(t) = tab.target else {
            return self.k + 1;
        };
        let key_t = (self.score_of(tab, t, w, shape), tab.pop[t], tab.items[t]);
        let mut rank = 1;
        for c in 0..tab.items.len() {
            if c != t
                && ranks_before(
                    (self.score_of(tab, c, w, shape), tab.pop[c], tab.items[c]),
                    key_t,
                )
            {
                rank += 1;
                if rank > self.k {
                    break;
                }
            }
        }
        rank
    }

    /// Coordinate ascent from the best single term (see the module docs). `allowed[x]` false
    /// keeps term x at 0. Returns the weights, their score, and every single term's score.
    pub fn ascend(&self, allowed: &[bool], shape: &Shape) -> (Vec<f32>, Score, Vec<Score>) {
        let t = self.t();
        let singles: Vec<Score> = (0..t)
            .map(|x| {
                let mut w = vec![0.0; t];
                w[x] = 1.0;
                if allowed[x] {
                    self.eval(&w, shape)
                } else {
                    Score::default()
                }
            })
            .collect();
        let start = (0..t)
            .filter(|&x| allowed[x])
            .fold(None::<usize>, |b, x| match b {
                Some(b) if !singles[x].better_than(&singles[b]) => Some(b),
                _ => Some(x),
            });
        let Some(start) = start else {
            return (vec![0.0; t], Score::default(), singles);
        };
        let mut best_w = vec![0.0; t];
        best_w[start] = 1.0;
        let mut best = singles[start];
        for _ in 0..ROUNDS {
            let mut improved = false;
            for x in (0..t).filter(|&x| allowed[x]) {
                let from = best_w.clone();
                let neg: &[f32] = if self.signed[x] { &NEGATIVE_GRID } else { &[] };
                for &g in GRID.iter().chain(neg) {
                    let mut w = from.clone();
                    w[x] = g;
                    if w == best_w || w.iter().all(|&v| v == 0.0) {
                        continue;
                    }
                    let s = self.eval(&w, shape);
                    if s.better_than(&best) {
                        best = s;
                        best_w = w;
                        improved = true;
                    }
                }
            }
            if !improved {
                break;
            }
        }
        (best_w, best, singles)
    }
}

/// Indices of the `m` largest values of `v` that `ok` allows (any order).
fn top_m(v: &[f32], m: usize, ok: impl Fn(usize) -> bool) -> Vec<u32> {
    let mut idx: Vec<u32> = (0..v.len() as u32)
        .filter(|&j| ok(j as usize) && v[j as usize] > f32::NEG_INFINITY)
        .collect();
    if idx.len() > m {
        idx.select_nth_unstable_by(m, |&a, &b| v[b as usize].total_cmp(&v[a as usize]));
        idx.truncate(m);
    }
    idx
}

/// Collects one case's candidates: each item once, with its row.
struct Collect {
    tag: Vec<u32>,
    row: Vec<u32>,
    scratch: Vec<f32>,
}

impl Collect {
    fn new(n: usize) -> Self {
        Collect {
            tag: vec![u32::MAX; n],
            row: vec![0; n],
            scratch: vec![0.0; n],
        }
    }

    fn add(&mut self, case: u32, j: u32, items: &mut Vec<u32>) {
        if self.tag[j as usize] != case {
            self.tag[j as usize] = case;
            self.row[j as usize] = items.len() as u32;
            items.push(j);
        }
    }

    fn row_of(&self, case: u32, j: u32) -> Option<usize> {
        (self.tag[j as usize] == case).then(|| self.row[j as usize] as usize)
    }

    /// The best `POOL` entries of a sparse term.
    fn top_sparse(&mut self, s: &[(u32, f32)], ok: impl Fn(usize) -> bool) -> Vec<u32> {
        if s.len() <= POOL {
            return s.iter().map(|x| x.0).filter(|&j| ok(j as usize)).collect();
        }
        for &(j, x) in s {
            self.scratch[j as usize] = x;
        }
        let sc = &self.scratch;
        let keep = top_m_of(s.iter().map(|x| x.0), sc, ok);
        for &(j, _) in s {
            self.scratch[j as usize] = 0.0;
        }
        keep
    }
}

/// The `POOL` items of `items` with the largest `v` that `ok` allows.
fn top_m_of(items: impl Iterator<Item = u32>, v: &[f32], ok: impl Fn(usize) -> bool) -> Vec<u32> {
    let mut idx: Vec<u32> = items.filter(|&j| ok(j as usize)).collect();
    if idx.len() > POOL {
        idx.select_nth_unstable_by(POOL, |&a, &b| v[b as usize].total_cmp(&v[a as usize]));
        idx.truncate(POOL);
    }
    idx
}

/// The names of `recommend`'s terms, in the order the engine adds them.
pub const REC_TERMS: [&str; 6] = [
    "embedding",
    "popularity",
    "trend",
    "neighbours",
    "transitions",
    "knn",
];

/// Candidate tables of `recommend` for every case (the engine's scorer parameters decide the
/// profile, half-life and basket-neighbour settings; the weights do not matter).
pub fn recommend_tables(
    eng: &mut Engine,
    cases: &[Case],
    kind: Kind,
    k: usize,
    prices: &[f32],
) -> Tables {
    let n = eng.pack().len();
    let prior = eng.popularity_prior().to_vec();
    let trend = eng.trend_prior().to_vec();
    let top_prior = top_m(&prior, POOL, |_| true);
    let top_trend = top_m(&trend, POOL, |j| trend[j] > 0.0);
    let priors = Priors {
        prior: &prior,
        trend: &trend,
        top: [&top_prior, &top_trend],
    };
    let base: &Engine = eng;
    let chunk = cases
        .len()
        .div_ceil(rayon::current_num_threads() * 4)
        .max(1);
    let out: Vec<Table> = cases
        .par_chunks(chunk)
        .flat_map_iter(|part| {
            let mut eng = base.clone();
            let mut col = Collect::new(n);
            part.iter()
                .enumerate()
                .map(|(ci, c)| {
                    let comp = match load_case(&mut eng, c, kind) {
                        Ok(()) => eng.components(),
                        Err(_) => None,
                    };
                    rec_table(&eng, &mut col, ci as u32, c, comp, &priors, prices)
                })
                .collect::<Vec<_>>()
        })
        .collect();
    Tables {
        names: REC_TERMS.to_vec(),
        cases: out,
        k,
        signed: REC_TERMS
            .iter()
            .map(|&n| n == "popularity" || n == "trend")
            .collect(),
        mean_price: None,
    }
}

/// The engine's dense priors and their best items.
struct Priors<'a> {
    prior: &'a [f32],
    trend: &'a [f32],
    top: [&'a [u32]; 2],
}

/// One case's `recommend` table from its components.
fn rec_table(
    eng: &Engine,
    col: &mut Collect,
    tag: u32,
    c: &Case,
    comp: Option<crate::rank::Components>,
    pr: &Priors,
    prices: &[f32],
) -> Table {
    let mut tab = Table {
        target_price: prices[c.target as usize],
        ..Table::default()
    };
    let Some(comp) = comp else {
        return tab;
    };
    let t = REC_TERMS.len();
    let pop = eng.pack().popularity();
    let excluded = &comp.excluded;
    let ok = |j: usize| !excluded.contains(&j);
    let mut items = Vec::new();
    for j in top_m(&comp.embedding, POOL, ok) {
        col.add(tag, j, &mut items);
    }
    for top in pr.top {
        for &j in top.iter().filter(|&&j| ok(j as usize)) {
            col.add(tag, j, &mut items);
        }
    }
    let sparse = [&comp.neighbours, &comp.transitions, &comp.knn];
    for s in sparse {
        for j in col.top_sparse(s, ok) {
            col.add(tag, j, &mut items);
        }
    }
    // The target is scored only when a term put it in the pool (outside it, it counts as a
    // miss). Adding it regardless leaked the answer: a blend whose scores tie (all weights 0)
    // then ranks the pool by popularity, and a pool that always holds the target scored
    // far above what the engine, ranking every item, finds.
    tab.terms = vec![0.0; items.len() * t];
    for (row, &j) in items.iter().enumerate() {
        tab.terms[row * t] = comp.embedding[j as usize];
        tab.terms[row * t + 1] = pr.prior[j as usize];
        tab.terms[row * t + 2] = pr.trend[j as usize];
    }
    for (x, s) in sparse.iter().enumerate() {
        for &(j, v) in s.iter() {
            if let Some(row) = col.row_of(tag, j) {
                tab.terms[row * t + 3 + x] = v;
            }
        }
    }
    tab.pop = items.iter().map(|&j| pop[j as usize]).collect();
    tab.price = items.iter().map(|&j| prices[j as usize]).collect();
    tab.subst = vec![false; items.len()];
    tab.target = col.row_of(tag, c.target);
    tab.items = items;
    tab
}

/// The names of `completeCart`'s relevance terms (no shopper profile on held-out baskets), in
/// the order the engine adds them.
pub const CART_TERMS: [&str; 5] = ["copurchase", "affinity", "knn", "popularity", "trend"];

/// Candidate tables of `completeCart` for every basket case: the cart is the context, as in
/// [`Engine::complete_cart_for`]. `params` gives the co-purchase row norm and the substitute
/// cosine; weights do not matter.
pub fn cart_tables(
    eng: &Engine,
    cases: &[Case],
    k: usize,
    prices: &[f32],
    params: &crate::bundle::BundleParams,
) -> Tables {
    let pack = eng.pack();
    let n = pack.len();
    let prior = eng.popularity_prior().to_vec();
    let trend = eng.trend_prior().to_vec();
    let pop = pack.popularity();
    let top_prior = top_m(&prior, POOL, |_| true);
    let top_trend = top_m(&trend, POOL, |j| trend[j] > 0.0);
    let has_cats = !pack.categories().is_empty();
    let t = CART_TERMS.len();
    let chunk = cases
        .len()
        .div_ceil(rayon::current_num_threads() * 4)
        .max(1);
    let out: Vec<Table> = cases
        .par_chunks(chunk)
        .flat_map_iter(|part| {
            let mut col = Collect::new(n);
            part.iter()
                .enumerate()
                .map(|(ci, c)| {
                    let ids: Vec<String> = c
                        .ctx
                        .iter()
                        .map(|&i| pack.id(i as usize).to_owned())
                        .collect();
                    let (cart, terms) = eng.cart_terms(&ids, params);
                    let ok = |j: usize| !cart.contains(&j);
                    let tag = ci as u32;
                    let mut items = Vec::new();
                    let dense = [&terms.copurchase, &terms.affinity, &terms.knn];
                    for d in dense.iter().filter(|d| d.len() == n) {
                        for j in top_m(d, POOL, |j| ok(j) && d[j] > 0.0) {
                            col.add(tag, j, &mut items);
                        }
                    }
                    for &j in top_prior
                        .iter()
                        .chain(&top_trend)
                        .filter(|&&j| ok(j as usize))
                    {
                        col.add(tag, j, &mut items);
                    }
                    // (The target gets no row of its own: see `rec_table`.)
                    let mut tab = Table {
                        target_price: prices[c.target as usize],
                        terms: vec![0.0; items.len() * t],
                        ..Table::default()
                    };
                    for (row, &j) in items.iter().enumerate() {
                        for (x, d) in dense.iter().enumerate() {
                            tab.terms[row * t + x] = d.get(j as usize).copied().unwrap_or(0.0);
                        }
                        tab.terms[row * t + 3] = prior[j as usize];
                        tab.terms[row * t + 4] = trend[j as usize];
                    }
                    tab.pop = items.iter().map(|&j| pop[j as usize]).collect();
                    tab.price = items.iter().map(|&j| pack.price(j as usize)).collect();
                    tab.subst = items
                        .iter()
                        .map(|&j| has_cats && eng.is_substitute(&cart, j as usize, params))
                        .collect();
                    tab.target = col.row_of(tag, c.target);
                    tab.items = items;
                    tab
                })
                .collect::<Vec<_>>()
        })
        .collect();
    Tables {
        names: CART_TERMS.to_vec(),
        cases: out,
        k,
        signed: vec![false; CART_TERMS.len()],
        mean_price: crate::bundle::mean_price(pack),
    }
}
