//! The shopper's query vector, formed from the session history.
//!
//! Each history item i known to the pack gets a weight
//! `w_i = max(0, sum over its events e of weight(kind_e) * 0.5^((t_newest - t_e) / half_life))`.
//! With a Gram matrix in the pack the query is the least-squares fold-in of Hu, Koren and
//! Volinsky (2008): `u = (YᵀY + λI + Σ (c_i - 1) y_i y_iᵀ)⁻¹ Σ c_i y_i`, `c_i = 1 + α w_i`;
//! otherwise the normalised weighted mean `u = Σ w_i y_i / |Σ w_i y_i|`. Both are linear in
//! per-item terms, so each result's score splits exactly into per-history-item contributions,
//! which is where "because you viewed X" comes from.

use nalgebra::{DMatrix, DVector};

use crate::history::{EventKind, History};
use crate::pack::Pack;
use crate::params::{Params, ProfileMethod};

/// Weights below this are treated as zero.
const MIN_WEIGHT: f32 = 1e-6;

/// Why an item is in the history, for reasons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemState {
    /// In the cart now.
    InCart,
    /// Bought (and not in the cart).
    Purchased,
    /// Only viewed (or added and removed).
    Viewed,
}

/// One history item that the pack knows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HistItem {
    /// Item index in the pack.
    pub index: usize,
    /// Decayed, event-weighted strength (> 0).
    pub weight: f32,
    /// Its state, for reasons.
    pub state: ItemState,
}

/// What the scorer needs to know about the session.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// Known items with positive weight, in order of first appearance.
    pub items: Vec<HistItem>,
    /// Known items in the cart.
    pub cart: Vec<usize>,
    /// Known items purchased.
    pub purchased: Vec<usize>,
    /// Known items viewed.
    pub viewed: Vec<usize>,
    /// The item of the newest event, when known.
    pub last: Option<usize>,
    /// Known items of the session's events, oldest first (removals left out, consecutive
    /// repeats collapsed): the context of basket neighbours.
    pub sequence: Vec<usize>,
}

/// Summarise a history against a pack. A cart line whose add is no longer in the event window
/// counts as that add (`weight(add_to_cart) · 0.5^((t_newest − t_add) / half_life)`), so a long
/// browse or a cart longer than the window never takes cart items out of the profile.
pub fn summarize(pack: &Pack, history: &History, params: &Params) -> Summary {
    let mut s = Summary::default();
    let lines = history.cart_state().lines();
    let now = history
        .events()
        .map(|e| e.at)
        .chain(lines.iter().map(|l| l.added))
        .fold(f64::NEG_INFINITY, f64::max);
    let hl_ms = params.half_life_hours * 3_600_000.0;
    let decay = |at: f64| 0.5f64.powf(((now - at).max(0.0)) / hl_ms);
    // Every weighted term (item, weight), summed per item below.
    let mut terms: Vec<(usize, f64)> = Vec::new();
    for e in history.events() {
        let Some(i) = pack.index_of(&e.item) else {
            continue;
        };
        terms.push((i, params.event_weights.of(e.kind) as f64 * decay(e.at)));
        match e.kind {
            EventKind::Purchase if !s.purchased.contains(&i) => s.purchased.push(i),
            EventKind::View if !s.viewed.contains(&i) => s.viewed.push(i),
            _ => {}
        }
        if e.kind != EventKind::RemoveFromCart && s.sequence.last() != Some(&i) {
            s.sequence.push(i);
        }
        s.last = Some(i);
    }
    if !lines.is_empty() {
        let mut adds: Vec<(&str, u64)> = history
            .events()
            .filter(|e| e.kind == EventKind::AddToCart)
            .map(|e| (e.item.as_str(), e.at.to_bits()))
            .collect();
        crate::sort::sort_by(&mut adds, |a, b| a.cmp(b));
        let add = params.event_weights.of(EventKind::AddToCart) as f64;
        for l in lines {
            let Some(i) = pack.index_of(&l.item) else {
                continue;
            };
            s.cart.push(i);
            if adds
                .binary_search(&(l.item.as_str(), l.added.to_bits()))
                .is_err()
            {
                terms.push((i, add * decay(l.added)));
            }
        }
    }
    let mut weights = sum_per_item(&terms);
    // Long-term memory: items bought on earlier visits (or imported orders) count as purchased,
    // and those no longer in the session window join the profile with their decayed strength.
    let mut known: Vec<usize> = weights.iter().map(|w| w.0).collect();
    crate::sort::sort_by(&mut known, |a, b| a.cmp(b));
    let mem = history.memory();
    let mem_now = now.max(mem.newest());
    for r in mem.items() {
        let Some(i) = pack.index_of(&r.id) else {
            continue;
        };
        if r.purchases > 0 && !s.purchased.contains(&i) {
            s.purchased.push(i);
        }
        if params.memory_weight > 0.0 && known.binary_search(&i).is_err() {
            let w = params.memory_weight as f64 * r.strength_now(mem_now, mem.half_life_days());
            weights.push((i, w));
        }
    }
    let mut in_cart = s.cart.clone();
    crate::sort::sort_by(&mut in_cart, |a, b| a.cmp(b));
    for (i, w) in weights {
        let w = w as f32;
        if w > MIN_WEIGHT {
            let state = if in_cart.binary_search(&i).is_ok() {
                ItemState::InCart
            } else if s.purchased.contains(&i) {
                ItemState::Purchased
            } else {
                ItemState::Viewed
            };
            s.items.push(HistItem {
                index: i,
                weight: w,
                state,
            });
        }
    }
    s
}

/// The sum of each item's terms (added in their order), items in order of first appearance.
/// Sorting keeps a 1,000-line cart at n log n, with the crate's one sort and no hash table.
fn sum_per_item(terms: &[(usize, f64)]) -> Vec<(usize, f64)> {
    let mut order: Vec<usize> = (0..terms.len()).collect();
    crate::sort::sort_by(&mut order, |&a, &b| terms[a].0.cmp(&terms[b].0));
    let mut sum: Vec<Option<f64>> = vec![None; terms.len()];
    for run in order.chunk_by(|&a, &b| terms[a].0 == terms[b].0) {
        sum[run[0]] = Some(run.iter().map(|&k| terms[k].1).sum());
    }
    terms
        .iter()
        .zip(sum)
        .filter_map(|(&(i, _), w)| Some((i, w?)))
        .collect()
}

/// The query vector and what is needed to split scores into per-item contributions.
#[derive(Debug, Clone)]
pub struct Profile {
    /// The query vector u (length d).
    pub query: Vec<f32>,
    /// How contributions are computed.
    split: Split,
    /// Which construction was used.
    pub method: ProfileMethod,
}

/// Per-item contributions of a profile.
#[derive(Debug, Clone)]
enum Split {
    /// Per history item, the vector whose dot product with y_j is its contribution (mean).
    Basis(Vec<f32>),
    /// The fold-in's Cholesky factor of A and the rows `c_i y_i`: the contribution of item i
    /// to `y_j · u` is `c_i y_iᵀ A⁻¹ y_j`, so one solve per asked-about item, not per history
    /// item (most callers never ask).
    Solve {
        chol: nalgebra::linalg::Cholesky<f64, nalgebra::Dyn>,
        cy: Vec<f64>,
    },
}

impl Profile {
    /// Build the query for the given history items.
    pub fn build(pack: &Pack, items: &[HistItem], params: &Params) -> Profile {
        let want_fold = matches!(params.profile, ProfileMethod::Auto | ProfileMethod::FoldIn);
        if want_fold {
            if let Some(p) = Self::fold_in(pack, items) {
                return p;
            }
        }
        Self::mean(pack, items)
    }

    fn rows(pack: &Pack, items: &[HistItem]) -> Vec<f32> {
        let d = pack.dims();
        let mut y = vec![0.0f32; items.len() * d];
        for (k, it) in items.iter().enumerate() {
            pack.embedding(it.index, &mut y[k * d..(k + 1) * d]);
        }
        y
    }

    fn fold_in(pack: &Pack, items: &[HistItem]) -> Option<Profile> {
        let g = pack.gram()?;
        let d = pack.dims();
        let m = items.len();
        let y = Self::rows(pack, items);
        let mut a = DMatrix::<f64>::from_row_slice(
            d,
            d,
            &g.matrix.iter().map(|&x| x as f64).collect::<Vec<_>>(),
        );
        for k in 0..d {
            a[(k, k)] += g.lambda as f64;
        }
        let mut cy = vec![0.0f64; m * d];
        let mut b = DVector::<f64>::zeros(d);
        for (k, it) in items.iter().enumerate() {
            let c = 1.0 + g.alpha as f64 * it.weight as f64;
            let yi =
                DVector::<f64>::from_iterator(d, y[k * d..(k + 1) * d].iter().map(|&x| x as f64));
            a.ger(c - 1.0, &yi, &yi, 1.0);
            b.axpy(c, &yi, 1.0);
            for (o, &x) in cy[k * d..(k + 1) * d].iter_mut().zip(yi.iter()) {
                *o = c * x;
            }
        }
        let chol = a.cholesky()?;
        let u = chol.solve(&b);
        if u.iter().any(|x| !x.is_finite()) {
            return None;
        }
        Some(Profile {
            query: u.iter().map(|&x| x as f32).collect(),
            split: Split::Solve { chol, cy },
            method: ProfileMethod::FoldIn,
        })
    }

    fn mean(pack: &Pack, items: &[HistItem]) -> Profile {
        let d = pack.dims();
        let mut basis = Self::rows(pack, items);
        let mut s = vec![0.0f64; d];
        for (k, it) in items.iter().enumerate() {
            for t in 0..d {
                s[t] += it.weight as f64 * basis[k * d + t] as f64;
            }
        }
        let norm = s.iter().map(|x| x * x).sum::<f64>().sqrt();
        let inv = if norm > 0.0 { 1.0 / norm } else { 0.0 };
        for (k, it) in items.iter().enumerate() {
            let f = (it.weight as f64 * inv) as f32;
            for x in &mut basis[k * d..(k + 1) * d] {
                *x *= f;
            }
        }
        Profile {
            query: s.iter().map(|&x| (x * inv) as f32).collect(),
            split: Split::Basis(basis),
            method: ProfileMethod::Mean,
        }
    }

    /// Contribution of each history item to the embedding score of a row `y` (they sum to
    /// `y . query` up to rounding).
    pub fn contributions(&self, y: &[f32]) -> Vec<f32> {
        let d = y.len();
        match &self.split {
            Split::Basis(basis) => basis
                .chunks_exact(d.max(1))
                .map(|z| crate::kernels::scalar::dot_f32(z, y))
                .collect(),
            Split::Solve { chol, cy } => {
                let w = chol.solve(&DVector::<f64>::from_iterator(
                    d,
                    y.iter().map(|&x| x as f64),
                ));
                cy.chunks_exact(d.max(1))
                    .map(|r| r.iter().zip(w.iter()).map(|(a, b)| a * b).sum::<f64>() as f32)
                    .collect()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pack::{PackWriter, Quantize};

    fn pack(fold: bool) -> Pack {
        let ids: Vec<String> = (0..6).map(|i| format!("i{i}")).collect();
        let emb: Vec<f32> = (0..18).map(|i| ((i * 7 % 11) as f32 - 5.0) / 5.0).collect();
        let mut w = PackWriter::new(ids, 3, emb).quantize(Quantize::F32);
        if fold {
            w = w.fold_in(0.5, 2.0);
        }
        Pack::from_bytes(&w.to_bytes().unwrap()).unwrap()
    }

    #[test]
    fn weights_decay_and_cancel() {
        let p = pack(false);
        let mut h = History::default();
        let hour = 3_600_000.0;
        h.push(EventKind::View, "i0", 0.0).unwrap();
        h.push(EventKind::AddToCart, "i1", 0.0).unwrap();
        h.push(EventKind::RemoveFromCart, "i1", 0.0).unwrap();
        h.push(EventKind::View, "unknown", 10.0 * hour).unwrap();
        h.push(EventKind::View, "i2", 24.0 * hour).unwrap();
        let s = summarize(&p, &h, &Params::default());
        assert_eq!(s.items.len(), 2, "{:?}", s.items);
        assert_eq!(s.items[0].index, 0);
        assert!((s.items[0].weight - 0.5).abs() < 1e-6, "one half-life old");
        assert_eq!(s.items[1].weight, 1.0);
        assert_eq!(s.last, Some(2));
    }

    #[test]
    fn contributions_sum_to_the_score() {
        for fold in [false, true] {
            let p = pack(fold);
            let items = [
                HistItem {
                    index: 1,
                    weight: 1.0,
                    state: ItemState::Viewed,
                },
                HistItem {
                    index: 4,
                    weight: 2.5,
                    state: ItemState::InCart,
                },
            ];
            let prof = Profile::build(&p, &items, &Params::default());
            assert_eq!(prof.method == ProfileMethod::FoldIn, fold);
            let mut y = [0.0; 3];
            for j in 0..6 {
                p.embedding(j, &mut y);
                let total: f32 = prof.contributions(&y).iter().sum();
                let direct = crate::kernels::scalar::dot_f32(&y, &prof.query);
                assert!((total - direct).abs() < 1e-4, "{total} vs {direct}");
            }
        }
    }

    #[test]
    fn fold_in_solves_the_normal_equations() {
        let p = pack(true);
        let items = [HistItem {
            index: 2,
            weight: 1.5,
            state: ItemState::Viewed,
        }];
        let prof = Profile::build(&p, &items, &Params::default());
        // Check A u = b directly.
        let g = p.gram().unwrap();
        let mut y = [0.0; 3];
        p.embedding(2, &mut y);
        let c = 1.0 + g.alpha * 1.5;
        for r in 0..3 {
            let mut lhs = 0.0;
            for t in 0..3 {
                let a = g.matrix[r * 3 + t]
                    + if r == t { g.lambda } else { 0.0 }
                    + (c - 1.0) * y[r] * y[t];
                lhs += a * prof.query[t];
            }
            assert!((lhs - c * y[r]).abs() < 1e-4);
        }
    }
}
