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
pub(crate) fn mean_price(pack: &Pack) -> Option<f32> {
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
    /// `profile` is the shopper's (when the history holds more than the cart).
    pub fn new(
        pack: &'a Pack,
        params: BundleParams,
        cart: Vec<usize>,
        profile: Option<&Profile>,
        scorer: &Params,
    ) -> Self {
        let (n, d) = (pack.len(), pack.dims());
        let mut unit = vec![0.0; cart.len() * d];
        for (k, &i) in cart.iter().enumerate() {
            unit_row(pack, i, &mut unit[k * d..(k + 1) * d]);
        }
        let mut rel = vec![0.0f32; n];
        let p = &params;
        let mut norms: Option<Vec<f32>> = None;
        let mut tmp = vec![0.0f32; n];
        if p.copurchase_weight > 0.0 && !cart.is_empty() {
            let mut a = vec![0.0f32; n];
            for &i in &cart {
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
            if max > 0.0 {
                let f = p.copurchase_weight / max;
                rel.iter_mut().zip(&a).for_each(|(r, x)| *r += f * x);
            }
        }
        if p.cart_affinity_weight > 0.0 {
            if let Some(cp) = cart_profile(pack, &cart, scorer) {
                affinity(pack, &mut norms, &cp, &mut tmp);
                let w = p.cart_affinity_weight;
                rel.iter_mut().zip(&tmp).for_each(|(r, x)| *r += w * x);
            }
        }
        if let Some(u) = profile.filter(|_| p.profile_weight > 0.0) {
            affinity(pack, &mut norms, u, &mut tmp);
            let w = p.profile_weight;
            rel.iter_mut().zip(&tmp).for_each(|(r, x)| *r += w * x);
        }
        let pop_w = if cart.is_empty() && profile.is_none() {
            1.0
        } else {
            p.popularity_weight
        };
        if pop_w > 0.0 {
            let pop = pack.popularity();
            let max = pop.iter().copied().fold(0.0f32, f32::max);
            if max > 0.0 {
                let f = pop_w / max;
                rel.iter_mut()
                    .zip(pop)
                    .for_each(|(r, x)| *r += f * x.max(0.0));
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
        CartScores {
            pack,
            params,
            cart,
            unit,
            scores: rel,
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
