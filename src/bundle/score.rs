//! The cart scorer shared by `complete_cart`, the free-shipping closers, frequently bought
//! together and bundles: one pass over every item, then substitutes penalised in a small pool.

use super::params::BundleParams;
use crate::kernels::{self, QueryI16};
use crate::pack::{Embeddings, Pack};
use crate::params::{Params, ProfileMethod};
use crate::profile::{HistItem, ItemState, Profile};
use crate::rank::ReasonKind;
use crate::topk::{compare, top_k, Scored};

/// Weight of a cart item in the cart's query when the scorer's add-to-cart weight is not
/// positive (a cart always counts).
const MIN_CART_WEIGHT: f32 = 1.0;

/// Unit-length copy of item `i`'s embedding (zeros for a zero row).
pub(crate) fn unit_row(pack: &Pack, i: usize, out: &mut [f32]) {
    pack.embedding(i, out);
    let n = kernels::dot_f32(out, out).sqrt();
    if n > 0.0 {
        out.iter_mut().for_each(|x| *x /= n);
    }
}

/// L2 norm of every embedding row.
pub(crate) fn row_norms(pack: &Pack) -> Vec<f32> {
    let d = pack.dims();
    match pack.embeddings() {
        Embeddings::F32(m) => m
            .chunks_exact(d)
            .map(|r| kernels::dot_f32(r, r).sqrt())
            .collect(),
        Embeddings::I8 { scales, rows } => rows
            .chunks_exact(d)
            .zip(scales)
            .map(|(r, s)| {
                let q: i64 = r.iter().map(|&x| x as i64 * x as i64).sum();
                s.abs() * (q as f32).sqrt()
            })
            .collect(),
    }
}

/// `out[j] = y_j · u` for every item.
fn dot_scan(pack: &Pack, u: &[f32], out: &mut [f32]) {
    let d = pack.dims();
    match pack.embeddings() {
        Embeddings::F32(m) => kernels::score_f32(m, d, u, out),
        Embeddings::I8 { scales, rows } => {
            let mut q = QueryI16::default();
            kernels::quantize_query(u, &mut q);
            kernels::score_i8(scales, rows, d, &q, out);
        }
    }
}

/// Embedding affinity in [0, 1] of every item to a query. A least-squares fold-in query is
/// used as the model intends, by dot product (scaled by its largest positive value); a mean
/// query by cosine. Negative affinities count 0.
fn affinity(pack: &Pack, norms: &mut Option<Vec<f32>>, prof: &Profile, out: &mut [f32]) {
    let u = &prof.query;
    let un = kernels::dot_f32(u, u).sqrt();
    if un <= 0.0 || !un.is_finite() {
        out.iter_mut().for_each(|x| *x = 0.0);
        return;
    }
    dot_scan(pack, u, out);
    if prof.method == ProfileMethod::FoldIn {
        let max = out
            .iter()
            .copied()
            .filter(|x| x.is_finite())
            .fold(0.0f32, f32::max);
        let f = if max > 0.0 { 1.0 / max } else { 0.0 };
        for x in out.iter_mut() {
            let c = *x * f;
            *x = if c.is_finite() {
                c.clamp(0.0, 1.0)
            } else {
                0.0
            };
        }
        return;
    }
    let norms = norms.get_or_insert_with(|| row_norms(pack));
    for (x, &n) in out.iter_mut().zip(norms.iter()) {
        let c = if n > 0.0 { *x / (n * un) } else { 0.0 };
        *x = if c.is_finite() {
            c.clamp(0.0, 1.0)
        } else {
            0.0
        };
    }
}

/// The cart's own query: each cart item weighted like an add-to-cart event.
pub(crate) fn cart_profile(pack: &Pack, cart: &[usize], scorer: &Params) -> Option<Profile> {
    if cart.is_empty() {
        return None;
    }
    let w = scorer.event_weights.add_to_cart.max(MIN_CART_WEIGHT);
    let items: Vec<HistItem> = cart
        .iter()
        .map(|&index| HistItem {
            index,
            weight: w,
            state: ItemState::InCart,
        })
        .collect();
    Some(Profile::build(pack, &items, scorer))
}

/// Mean positive price of the catalogue (`None` when no item has a price).
pub fn mean_price(pack: &Pack) -> Option<f32> {
    let (sum, cnt) = pack
        .prices()
        .iter()
        .filter(|&&x| x > 0.0)
        .fold((0.0f64, 0usize), |(s, c), &x| (s + x as f64, c + 1));
    (cnt > 0).then(|| (sum / cnt as f64) as f32)
}

/// The order-value factor `V = ((price + 0.01 mean) / mean)^γ`.
pub(crate) fn value_factor(price: f32, mean: f32, gamma: f32) -> f32 {
    ((price.max(0.0) + 0.01 * mean) / mean).powf(gamma)
}

/// Co-purchase weight of `j` in item `i`'s row (0 when absent).
pub(crate) fn assoc(pack: &Pack, i: usize, j: usize) -> f32 {
    let nb = pack.neighbours(i);
    nb.index
        .iter()
        .position(|&x| x as usize == j)
        .map_or(0.0, |p| nb.weight[p].max(0.0))
}

/// Co-purchase weight between two items in either direction.
pub(crate) fn assoc_sym(pack: &Pack, a: usize, b: usize) -> f32 {
    assoc(pack, a, b).max(assoc(pack, b, a))
}

/// The unweighted terms of one cart's relevance `R_j`, one value per item (see the module
/// docs): for tuning the weights without re-scoring ([`crate::rank::Engine::cart_terms`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CartTerms {
    /// Co-purchase association summed over the cart, `A_j / max A`.
    pub copurchase: Vec<f32>,
    /// Embedding affinity to the cart's own query, `E(j; q_C)` in [0, 1].
    pub affinity: Vec<f32>,
    /// Embedding affinity to the shopper's profile, `E(j; u)` (empty without a profile).
    pub profile: Vec<f32>,
    /// Basket neighbours of the cart, `K_j / max K`.
    pub knn: Vec<f32>,
}

impl CartTerms {
    /// The terms whose weight in `p` is positive (`all`: every term), for known, distinct
    /// cart items.
    pub(crate) fn new(
        pack: &Pack,
        p: &BundleParams,
        cart: &[usize],
        profile: Option<&Profile>,
        scorer: &Params,
        all: bool,
    ) -> CartTerms {
        let n = pack.len();
        let mut t = CartTerms::default();
        let mut norms: Option<Vec<f32>> = None;
        if (all || p.copurchase_weight > 0.0) && !cart.is_empty() {
            let mut a = vec![0.0f32; n];
            for &i in cart {
                let nb = pack.neighbours(i);
                let top = nb.weight.iter().copied().fold(0.0f32, f32::max);
                if top <= 0.0 {
                    continue;
                }
                let f = top.powf(-p.copurchase_row_norm);
                for (&j, &w) in nb.index.iter().zip(nb.weight) {
                    a[j as usize] += f * w.max(0.0);
                }
            }
            let max = a.iter().copied().fold(0.0f32, f32::max);
            let inv = if max > 0.0 { 1.0 / max } else { 0.0 };
            a.iter_mut().for_each(|x| *x *= inv);
            t.copurchase = a;
        }
        if all || p.cart_affinity_weight > 0.0 {
            if let Some(cp) = cart_profile(pack, cart, scorer) {
                let mut e = vec![0.0f32; n];
                affinity(pack, &mut norms, &cp, &mut e);
                t.affinity = e;
            }
        }
        if let Some(u) = profile.filter(|_| all || p.profile_weight > 0.0) {
            let mut e = vec![0.0f32; n];
            affinity(pack, &mut norms, u, &mut e);
            t.profile = e;
        }
        if let (true, Some(store)) = (all || p.knn_weight > 0.0, pack.baskets()) {
            if !cart.is_empty() && !store.is_empty() {
                let ctx: Vec<(usize, f32)> = cart.iter().map(|&i| (i, 1.0)).collect();
                let kp = crate::knn::KnnParams {
                    positional: false,
                    ..scorer.knn()
                };
                let mut out = Vec::new();
                crate::knn::Knn::default().score(store, n, &ctx, &kp, &mut out);
                let max = out.iter().map(|x| x.1).fold(0.0f32, f32::max);
                if max > 0.0 {
                    let inv = 1.0 / max;
                    let mut k = vec![0.0f32; n];
                    for &(j, x) in &out {
                        k[j as usize] = x * inv;
                    }
                    t.knn = k;
                }
            }
        }
        t
    }

    /// `R_j = β_c A_j + β_e E_j + β_p U_j + β_k K_j + β_pop P_j + β_r T_j` (terms added in that order,
    /// those with weight 0 or absent skipped), times the value factor `V_j` when `R_j ≠ 0`.
    /// `prior` and `trend` are the engine's log-popularity priors; with an empty cart and no profile
    /// popularity is the whole relevance.
    pub(crate) fn scores(
        &self,
        pack: &Pack,
        p: &BundleParams,
        (prior, trend): (&[f32], &[f32]),
        empty: bool,
    ) -> Vec<f32> {
        let mut rel = vec![0.0f32; pack.len()];
        let pop_w = if empty { 1.0 } else { p.popularity_weight };
        for (term, w) in [
            (&self.copurchase[..], p.copurchase_weight),
            (&self.affinity[..], p.cart_affinity_weight),
            (&self.profile[..], p.profile_weight),
            (&self.knn[..], p.knn_weight),
            (prior, pop_w),
            (trend, p.trend_weight),
        ] {
            if w > 0.0 && term.len() == rel.len() {
                rel.iter_mut().zip(term).for_each(|(r, &x)| *r += w * x);
            }
        }
        if p.value_exponent > 0.0 {
            if let Some(m) = mean_price(pack) {
                let g = p.value_exponent;
                rel.iter_mut()
                    .zip(pack.prices())
                    .filter(|(r, _)| **r != 0.0)
                    .for_each(|(r, &x)| *r *= value_factor(x, m, g));
            }
        }
        rel
    }
}

/// One scored cart: per-item scores `s_j = R_j · V_j` and what reasons and penalties need.
pub(crate) struct CartScores<'a> {
    pub pack: &'a Pack,
    pub params: BundleParams,
    /// Known cart items, distinct, in cart order.
    pub cart: Vec<usize>,
    /// Unit vectors of the cart items (`cart.len() x d`).
    unit: Vec<f32>,
    /// `s_j` for every item.
    pub scores: Vec<f32>,
}

impl<'a> CartScores<'a> {
    /// Score every item for `cart` (distinct known indices): `scorer` forms the cart's query,
    /// `profile` is the shopper's (when the history holds more than the cart), `priors` the
    /// engine's popularity and trend priors.
    pub fn new(
        pack: &'a Pack,
        params: BundleParams,
        cart: Vec<usize>,
        profile: Option<&Profile>,
        scorer: &Params,
        priors: (&[f32], &[f32]),
    ) -> Self {
        let d = pack.dims();
        let mut unit = vec![0.0; cart.len() * d];
        for (k, &i) in cart.iter().enumerate() {
            unit_row(pack, i, &mut unit[k * d..(k + 1) * d]);
        }
        let terms = CartTerms::new(pack, &params, &cart, profile, scorer, false);
        let empty = cart.is_empty() && profile.is_none();
        let scores = terms.scores(pack, &params, priors, empty);
        CartScores {
            pack,
            params,
            cart,
            unit,
            scores,
        }
    }

    /// Cosine between item `j` and every cart item, in cart order.
    pub fn cart_cosines(&self, j: usize) -> Vec<f32> {
        let d = self.pack.dims();
        let mut y = vec![0.0; d];
        unit_row(self.pack, j, &mut y);
        self.unit
            .chunks_exact(d)
            .map(|u| kernels::dot_f32(u, &y))
            .collect()
    }

    /// Whether `j` is a substitute of a cart item (same known category, cosine >= threshold).
    pub fn is_substitute(&self, j: usize) -> bool {
        let Some(cj) = self.pack.category_index(j) else {
            return false;
        };
        let tau = self.params.substitute_cosine;
        self.cart_cosines(j)
            .into_iter()
            .zip(&self.cart)
            .any(|(c, &i)| self.pack.category_index(i) == Some(cj) && c >= tau)
    }

    /// `s_j` of one item with the substitute penalty applied, as in [`CartScores::pool`].
    pub fn score_of(&self, j: usize) -> f32 {
        let s = self.scores[j];
        let pen = self.params.substitute_penalty;
        if pen < 1.0 && !self.cart.is_empty() && self.is_substitute(j) {
            s * pen
        } else {
            s
        }
    }

    /// The `pool` best eligible items, substitutes penalised and the pool re-sorted.
    pub fn pool(&self, size: usize, eligible: impl FnMut(usize) -> bool) -> Vec<Scored> {
        let pop = self.pack.popularity();
        let mut top = top_k(&self.scores, pop, size, eligible);
        let pen = self.params.substitute_penalty;
        if pen < 1.0 && !self.cart.is_empty() {
            for s in &mut top {
                if self.is_substitute(s.index as usize) {
                    s.score *= pen;
                }
            }
            crate::sort::sort_by(&mut top, |a, b| {
                compare(
                    (a.score, pop[a.index as usize], a.index),
                    (b.score, pop[b.index as usize], b.index),
                )
            });
        }
        top
    }

    /// Why `j` completes the cart: the cart item with the strongest co-purchase link, else the
    /// one with the highest embedding affinity; `None` for an empty cart.
    pub fn reason(&self, j: usize) -> Option<(ReasonKind, usize)> {
        let best_link = self
            .cart
            .iter()
            .map(|&i| (i, assoc_sym(self.pack, i, j)))
            .filter(|(_, w)| *w > 0.0)
            .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)));
        if let Some((i, _)) = best_link {
            return Some((ReasonKind::BoughtTogether, i));
        }
        self.cart_cosines(j)
            .into_iter()
            .zip(&self.cart)
            .max_by(|a, b| a.0.total_cmp(&b.0).then(b.1.cmp(a.1)))
            .map(|(_, &i)| (ReasonKind::PairsWith, i))
    }
}
