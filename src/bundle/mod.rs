//! Cart completion, free-shipping closers, frequently bought together and bundles: the add-ons
//! that raise order value, scored for the whole cart on the device.
//!
//! # Scoring
//! For a cart C (known items, distinct) every item j gets
//!
//! `s_j = R_j · V_j`, with
//! `R_j = β_c · A_j / max A + β_e · E(j; q_C) + β_p · E(j; u) + β_k · K_j / max K + β_pop · P_j
//! + β_r · T_j`
//! and `V_j = ((price_j + 0.01 p̄) / p̄)^γ`,
//!
//! where `A_j = Σ_{i∈C} nbr(i, j) / (max_k nbr(i, k))^ρ` sums the pack's co-purchase weights
//! from the cart items (ρ = `copurchaseRowNorm`, default 0); `q_C` is the cart's own query
//! ([`crate::profile::Profile`] over the cart items, each weighted like an add-to-cart event:
//! the least-squares fold-in when the pack has a Gram matrix, else the normalised mean); `u` is
//! the shopper's profile over the whole history, used only when the history holds items beyond
//! the cart; `K_j` is the basket-neighbour score of the cart ([`crate::knn`], the cart as an
//! unweighted context) and `P_j = ln(1 + pop_j) / ln(1 + max pop)` the popularity prior. The
//! affinity `E(j; q)` is `max(0, y_j · q) / max_k (y_k · q)` for a fold-in query
//! (the model's own score, scaled to max 1) and `max(0, cos(y_j, q))` for a mean query.
//! `p̄` is the mean positive catalogue price and γ the value exponent: `R_j` is the
//! probability-of-add proxy and `V_j` the order-value term (γ = 0 ranks by relevance alone,
//! γ = 1 by expected revenue). An empty cart with no history falls back to popularity.
//!
//! A **substitute** (the same known category as a cart item and cosine ≥ `substituteCosine` to
//! it) has its score multiplied by `substitutePenalty`; this runs on a pool of the best
//! `max(4k, 64)` items, which is then re-sorted; closers come from its 20 (at least 2k) best. Items
//! without a category are never substitutes. Cart items are never suggested. Weights come from
//! the pack metadata `"bundle"` object ([`BundleParams`]).
//!
//! ```
//! use cartsense::bundle::CartQuery;
//! use cartsense::pack::{PackWriter, Quantize};
//! use cartsense::rank::Engine;
//!
//! let ids: Vec<String> = ["camera", "sd-card", "kettle"].map(String::from).into();
//! let emb = vec![1.0, 0.0, 0.8, 0.2, 0.0, 1.0];
//! let bytes = PackWriter::new(ids, 2, emb)
//!     .prices(vec![300.0, 20.0, 30.0])
//!     .neighbours(vec![vec![(1, 0.9)], vec![(0, 0.9)], vec![]])
//!     .quantize(Quantize::F32)
//!     .to_bytes()
//!     .unwrap();
//! let mut engine = Engine::from_bytes(&bytes).unwrap();
//! let q = CartQuery {
//!     cart: Some(vec!["camera".into()]),
//!     free_shipping_threshold: Some(310.0),
//!     ..CartQuery::default()
//! };
//! let s = engine.complete_cart(&q).unwrap();
//! assert_eq!(s.items[0].id, "sd-card");
//! assert_eq!(s.gap, 10.0);
//! assert_eq!(s.closers[0].id, "sd-card");
//! ```

mod closers;
mod fbt;
mod params;
mod score;
mod sets;

#[cfg(test)]
mod tests;

pub use params::BundleParams;
pub use score::{mean_price, CartTerms};
pub use sets::{minor_unit_digits, round_to_minor};

use crate::error::{Error, Result};
use crate::history::check_id;
use crate::pack::Pack;
use crate::profile::{ItemState, Profile, Summary};
use crate::rank::{Engine, ReasonKind, Rec, MAX_K};
use crate::returning::{BlendNorm, ReturningParams};
use crate::topk::Scored;
use score::CartScores;

/// Most bundles one call may ask for.
pub const MAX_BUNDLES: usize = 20;

/// Options of [`Engine::complete_cart`].
#[derive(Debug, Clone, PartialEq)]
pub struct CartQuery {
    /// The cart; `None` means the cart recorded in the history. Repeating an id counts its
    /// price again in the total (a quantity); scoring uses each item once.
    pub cart: Option<Vec<String>>,
    /// How many suggestions (1..=1000), also the most closers.
    pub k: usize,
    /// Order value from which shipping is free (finite, >= 0).
    pub free_shipping_threshold: Option<f32>,
    /// Only suggest items of this category (an unknown category gives no items).
    pub category: Option<String>,
    /// Only suggest items at or below this price.
    pub max_price: Option<f32>,
    /// Item ids never to suggest.
    pub exclude: Vec<String>,
}

impl Default for CartQuery {
    fn default() -> Self {
        CartQuery {
            cart: None,
            k: 10,
            free_shipping_threshold: None,
            category: None,
            max_price: None,
            exclude: Vec::new(),
        }
    }
}

/// One way to close the free-shipping gap.
#[derive(Debug, Clone, PartialEq)]
pub struct CloserSet {
    /// One item, or two when no single relevant item closes the gap.
    pub items: Vec<String>,
    /// Sum of their prices.
    pub total: f32,
    /// `total - gap` (>= 0).
    pub overshoot: f32,
    /// Relevance x fit (comparable within one result only).
    pub score: f32,
}

/// Result of [`Engine::complete_cart`].
#[derive(Debug, Clone, PartialEq)]
pub struct CartSuggestions {
    /// Complements for the whole cart, best first.
    pub items: Vec<Rec>,
    /// Sum of the cart's prices (unknown items count 0), rounded to the currency's minor unit.
    pub cart_total: f32,
    /// `threshold - cart_total` when below the threshold, else 0 (also without a threshold).
    pub gap: f32,
    /// The items of [`CartSuggestions::closer_sets`], in order, each once. Empty when `gap` is 0.
    pub closers: Vec<Rec>,
    /// The closing options themselves (single items, or pairs when no single item fits).
    pub closer_sets: Vec<CloserSet>,
    /// Cart ids the pack does not know (counted as price 0), each once.
    pub unknown: Vec<String>,
}

/// Options of [`Engine::bundles`].
#[derive(Debug, Clone, PartialEq)]
pub struct BundleQuery {
    /// Every bundle contains this item (first).
    pub anchor: Option<String>,
    /// Items already in the cart: bundles complement them and never contain them. `None` means
    /// the recorded cart.
    pub cart: Option<Vec<String>>,
    /// Items per bundle, anchor included (2..=4).
    pub size: usize,
    /// How many bundles at most (1..=20).
    pub count: usize,
    /// Bundle discount as a fraction (0..=0.5).
    pub discount: f32,
}

impl Default for BundleQuery {
    fn default() -> Self {
        BundleQuery {
            anchor: None,
            cart: None,
            size: 3,
            count: 3,
            discount: 0.0,
        }
    }
}

/// One ready-made set.
#[derive(Debug, Clone, PartialEq)]
pub struct Bundle {
    /// Item ids (the anchor first when there is one).
    pub items: Vec<String>,
    /// Sum of their prices, rounded to the currency's minor unit.
    pub total: f32,
    /// `total x (1 - discount)` rounded to the currency's minor unit.
    pub price: f32,
    /// Higher is better (comparable within one result only).
    pub score: f32,
}

fn check_k(k: usize) -> Result<()> {
    if k == 0 || k > MAX_K {
        return Err(Error::bad(format!(
            "k must be between 1 and {MAX_K}, not {k}"
        )));
    }
    Ok(())
}

fn check_amount(name: &str, x: Option<f32>) -> Result<()> {
    match x {
        Some(x) if !(x.is_finite() && x >= 0.0) => Err(Error::bad(format!(
            "{name} must be a finite number >= 0, not {}",
            crate::error::num(x)
        ))),
        _ => Ok(()),
    }
}

/// Known cart items (distinct, in order), unknown ids (distinct) and the total of all entries.
fn resolve(pack: &Pack, ids: &[String]) -> (Vec<usize>, Vec<String>, f64) {
    let (mut known, mut unknown, mut total) = (Vec::new(), Vec::<String>::new(), 0.0f64);
    for id in ids {
        match pack.index_of(id) {
            Some(i) => {
                total += pack.price(i) as f64;
                if !known.contains(&i) {
                    known.push(i);
                }
            }
            None if !unknown.contains(id) => unknown.push(id.clone()),
            None => {}
        }
    }
    (known, unknown, total)
}

/// The candidates of a returning shopper's `completeCart` blend: the pool of complements and the
/// buy-again items, each with its cart score `s_j` and buy-again score `b_j` (0 for items never
/// bought). [`BlendCandidates::rank`] orders them for any blend weights exactly as
/// [`Engine::complete_cart`] does, so tuning scores each cart once
/// ([`Engine::complete_cart_candidates`]).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BlendCandidates {
    /// `(item, s_j, b_j, popularity)`.
    cand: Vec<(usize, f32, f32, f32)>,
}

impl BlendCandidates {
    /// The pool (cart scores) and the buy-again items `again` (`(item, b_j, recency)`; cart
    /// scores of those outside the pool from `cs`).
    fn new(cs: &CartScores, pool: &[Scored], again: &[(usize, f32, f32)]) -> Self {
        let pop = cs.pack.popularity();
        let mut cand: Vec<(usize, f32, f32, f32)> = pool
            .iter()
            .map(|s| (s.index as usize, s.score, 0.0, pop[s.index as usize]))
            .collect();
        for &(j, b, _) in again {
            match cand.iter_mut().find(|c| c.0 == j) {
                Some(c) => c.2 = b,
                None => cand.push((j, cs.score_of(j), b, pop[j])),
            }
        }
        BlendCandidates { cand }
    }

    /// Number of candidates.
    pub fn len(&self) -> usize {
        self.cand.len()
    }

    /// True when there is nothing to suggest.
    pub fn is_empty(&self) -> bool {
        self.cand.is_empty()
    }

    /// `λ · b_j / B + (1 − λ) · s_j / S` with `B`, `S` the maximum or the sum over the candidates
    /// as [`BlendNorm`] says; best `k` first (ties: popularity, then index), each with whether
    /// buy-again is the larger part of its score.
    pub fn rank(&self, rp: &ReturningParams, k: usize) -> Vec<(Scored, bool)> {
        let (lambda, norm) = (rp.buy_again_weight, rp.norm);
        let sum = |v: &mut dyn Iterator<Item = f32>| v.sum::<f32>();
        let max = |v: &mut dyn Iterator<Item = f32>| v.fold(0.0f32, f32::max);
        let (b_all, s_all) = (
            || self.cand.iter().map(|c| c.2),
            || self.cand.iter().map(|c| c.1),
        );
        let bmax = match norm {
            BlendNorm::Max => max(&mut b_all()),
            BlendNorm::SumBuyAgain | BlendNorm::Sum => sum(&mut b_all()),
        };
        let smax = match norm {
            BlendNorm::Max | BlendNorm::SumBuyAgain => max(&mut s_all()),
            BlendNorm::Sum => sum(&mut s_all()),
        };
        let part = |x: f32, max: f32| if max > 0.0 { x / max } else { 0.0 };
        let mut out: Vec<(Scored, f32, bool)> = self
            .cand
            .iter()
            .map(|&(j, s, b, pop)| {
                let (bs, ss) = (lambda * part(b, bmax), (1.0 - lambda) * part(s, smax));
                let score = Scored {
                    index: j as u32,
                    score: bs + ss,
                };
                (score, pop, bs > 0.0 && bs >= ss)
            })
            .collect();
        crate::sort::sort_by(&mut out, |a, b| {
            crate::topk::compare((a.0.score, a.1, a.0.index), (b.0.score, b.1, b.0.index))
        });
        out.into_iter().take(k).map(|(s, _, a)| (s, a)).collect()
    }
}

/// The shopper's profile when the history holds items beyond `cart`.
fn profile_beyond(engine: &Engine, sum: &Summary, cart: &[usize]) -> Option<Profile> {
    if !sum.items.iter().any(|it| !cart.contains(&it.index)) {
        return None;
    }
    Some(Profile::build(engine.pack(), &sum.items, engine.params()))
}

impl Engine {
    /// Blend weights from the pack metadata (or the defaults).
    pub fn bundle_params(&self) -> BundleParams {
        BundleParams::from_meta(self.pack().meta())
    }

    /// Why `j` is suggested: the cart reason, else the history item closest to it.
    fn cart_reason(&self, cs: &CartScores, sum: &Summary, j: usize) -> (ReasonKind, Option<usize>) {
        if let Some((kind, i)) = cs.reason(j) {
            return (kind, Some(i));
        }
        let pack = self.pack();
        let best = sum
            .items
            .iter()
            .map(|it| (it, closers::item_cos(pack, it.index, j)))
            .filter(|(_, c)| *c > 0.0)
            .max_by(|a, b| a.1.total_cmp(&b.1));
        match best {
            Some((it, _)) => {
                let kind = match it.state {
                    ItemState::InCart => ReasonKind::InCart,
                    ItemState::Purchased => ReasonKind::Purchased,
                    ItemState::Viewed => ReasonKind::Viewed,
                };
                (kind, Some(it.index))
            }
            None => (ReasonKind::Popular, None),
        }
    }

    /// Complements for the whole cart, and the free-shipping gap with the items that close it.
    ///
    /// Errors: `BadArgument` for k outside 1..=1000, a NaN, infinite or negative threshold or
    /// maxPrice, or an empty or over-long id. Unknown cart ids are not errors: they count 0
    /// and are listed in [`CartSuggestions::unknown`].
    pub fn complete_cart(&mut self, opts: &CartQuery) -> Result<CartSuggestions> {
        let params = self.bundle_params();
        self.complete_cart_with(opts, &params)
    }

    /// [`Engine::complete_cart`] with explicit blend weights (validated; for tuning).
    pub fn complete_cart_with(
        &mut self,
        opts: &CartQuery,
        params: &BundleParams,
    ) -> Result<CartSuggestions> {
        let rp = self.returning_params();
        self.complete_cart_returning(opts, params, &rp)
    }

    /// [`Engine::complete_cart`] with explicit cart and buy-again weights (validated; for
    /// tuning): the suggestions blend buy-again into the complements as the
    /// [`returning`](crate::returning) module docs state.
    pub fn complete_cart_returning(
        &mut self,
        opts: &CartQuery,
        params: &BundleParams,
        rp: &ReturningParams,
    ) -> Result<CartSuggestions> {
        self.complete_cart_inner(opts, params, rp, None)
    }

    /// The blend candidates [`Engine::complete_cart_returning`] ranks for `opts`:
    /// `candidates.rank(&rp2, k)` equals its items for every `rp2` that differs from `rp` in
    /// weight and scaling only (for tuning: the cart is scored once). Without a purchase record
    /// `complete_cart` ranks its pool directly (same order, unscaled scores).
    pub fn complete_cart_candidates(
        &mut self,
        opts: &CartQuery,
        params: &BundleParams,
        rp: &ReturningParams,
    ) -> Result<BlendCandidates> {
        let mut tap = Some(BlendCandidates::default());
        self.complete_cart_inner(opts, params, rp, Some(&mut tap))?;
        Ok(tap.unwrap_or_default())
    }

    fn complete_cart_inner(
        &self,
        opts: &CartQuery,
        params: &BundleParams,
        rp: &ReturningParams,
        tap: Option<&mut Option<BlendCandidates>>,
    ) -> Result<CartSuggestions> {
        params.validate()?;
        rp.validate()?;
        let params = *params;
        check_k(opts.k)?;
        check_amount("freeShippingThreshold", opts.free_shipping_threshold)?;
        check_amount("maxPrice", opts.max_price)?;
        for id in opts.exclude.iter().chain(opts.cart.iter().flatten()) {
            check_id(id)?;
        }
        let ids = opts.cart.clone().unwrap_or_else(|| self.cart());
        let pack = self.pack();
        let currency = pack.currency();
        let (cart, unknown, total) = resolve(pack, &ids);
        let cart_total = round_to_minor(total, currency);
        let gap = match opts.free_shipping_threshold {
            Some(t) if (t as f64) > total => round_to_minor(t as f64 - total, currency),
            _ => 0.0,
        };
        let sum = self.summary();
        let prof = profile_beyond(self, &sum, &cart);
        let pack = self.pack();
        let mut allowed = vec![true; pack.len()];
        for &i in &cart {
            allowed[i] = false;
        }
        for id in &opts.exclude {
            if let Some(i) = pack.index_of(id) {
                allowed[i] = false;
            }
        }
        let cat = match &opts.category {
            None => Some(None),
            Some(c) => pack.category_by_name(c).map(Some),
        };
        let mut out = CartSuggestions {
            items: Vec::new(),
            cart_total,
            gap,
            closers: Vec::new(),
            closer_sets: Vec::new(),
            unknown,
        };
        let Some(cat) = cat else { return Ok(out) };
        let hi = opts.max_price.unwrap_or(f32::INFINITY);
        let prices = pack.prices();
        let cs = CartScores::new(
            pack,
            params,
            cart,
            prof.as_ref(),
            self.params(),
            (self.popularity_prior(), self.trend_prior()),
        );
        let size = 64.max(4 * opts.k);
        let pool = cs.pool(size, |j| {
            allowed[j] && prices[j] <= hi && (cat.is_none() || pack.category_index(j) == cat)
        });
        let eligible = |j: usize| {
            allowed[j] && prices[j] <= hi && (cat.is_none() || pack.category_index(j) == cat)
        };
        // Computed whatever the weight, so weight 0 ranks the same candidates (scores scaled).
        let again = self.buy_again_scores(rp, eligible);
        if let Some(t) = tap {
            *t = Some(BlendCandidates::new(&cs, &pool, &again));
        }
        out.items = if again.is_empty() {
            pool.iter()
                .take(opts.k)
                .map(|&s| {
                    let (kind, b) = self.cart_reason(&cs, &sum, s.index as usize);
                    self.rec(s, kind, b)
                })
                .collect()
        } else {
            BlendCandidates::new(&cs, &pool, &again)
                .rank(rp, opts.k)
                .into_iter()
                .map(|(s, again)| {
                    let j = s.index as usize;
                    let (kind, b) = if again {
                        (ReasonKind::BoughtBefore, Some(j))
                    } else {
                        self.cart_reason(&cs, &sum, j)
                    };
                    self.rec(s, kind, b)
                })
                .collect()
        };
        if gap > 0.0 {
            for p in closers::closers(&cs, &pool, gap, opts.k) {
                for &i in &p.items {
                    if out.closers.iter().all(|r| r.index != i) {
                        let (kind, b) = self.cart_reason(&cs, &sum, i);
                        let s = Scored {
                            index: i as u32,
                            score: p.score,
                        };
                        out.closers.push(self.rec(s, kind, b));
                    }
                }
                out.closer_sets.push(CloserSet {
                    items: p.items.iter().map(|&i| pack.id(i).to_owned()).collect(),
                    total: round_to_minor(p.total as f64, currency),
                    overshoot: round_to_minor((p.total - gap).max(0.0) as f64, currency),
                    score: p.score,
                });
            }
        }
        Ok(out)
    }

    /// Rank items for a given cart without touching the history (no profile term, no filters;
    /// only the cart's items are excluded): the indices of the best `k`, best first. Unknown
    /// ids are ignored. For the CLI's basket-completion eval (PROTOCOL.md §1).
    pub fn complete_cart_for(&mut self, cart: &[String], k: usize) -> Vec<usize> {
        let params = self.bundle_params();
        self.rank_cart(cart, k, params)
    }

    /// [`Engine::complete_cart_for`] with explicit blend weights (for tuning).
    pub fn complete_cart_for_with(
        &mut self,
        cart: &[String],
        k: usize,
        params: &BundleParams,
    ) -> Result<Vec<usize>> {
        params.validate()?;
        Ok(self.rank_cart(cart, k, *params))
    }

    /// Every unweighted term of the cart relevance for `cart` (no history profile) and the
    /// known cart items: `complete_cart_for_with` ranks by `R_j · V_j` from these (with
    /// [`Engine::popularity_prior`]), substitutes penalised in its pool. For tuning.
    pub fn cart_terms(&self, cart: &[String], params: &BundleParams) -> (Vec<usize>, CartTerms) {
        let pack = self.pack();
        let (cart, _, _) = resolve(pack, cart);
        let t = CartTerms::new(pack, params, &cart, None, self.params(), true);
        (cart, t)
    }

    /// Whether item `j` is a substitute of a cart item under `params` (same known category,
    /// cosine at or above `substituteCosine`).
    pub fn is_substitute(&self, cart: &[usize], j: usize, params: &BundleParams) -> bool {
        let pack = self.pack();
        cart.iter()
            .any(|&i| closers::substitutes(pack, params.substitute_cosine, i, j))
    }

    fn rank_cart(&self, cart: &[String], k: usize, params: BundleParams) -> Vec<usize> {
        let pack = self.pack();
        let (cart, _, _) = resolve(pack, cart);
        let cs = CartScores::new(
            pack,
            params,
            cart,
            None,
            self.params(),
            (self.popularity_prior(), self.trend_prior()),
        );
        let in_cart = |j: usize| cs.cart.contains(&j);
        let pool = cs.pool(k.max(64).min(pack.len()), |j| !in_cart(j));
        pool.iter().take(k).map(|s| s.index as usize).collect()
    }
}
