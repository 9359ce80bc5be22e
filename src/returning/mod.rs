//! Returning shoppers: "buy it again" from the long-term memory (see [`crate::memory`]), and
//! the weights with which [`Engine::complete_cart`] blends it into cart completion.
//!
//! # Buy again
//! `score_i = c_i · 0.5^(a_i / H) · f_i`, where `c_i` is the number of orders that contained
//! the item plus half its cart adds, `a_i` the days between its last purchase and the newest
//! purchase remembered (the same order as the age to now, without underflow after a long
//! absence; `a_i / H` capped at 100), `H` the recency half-life
//! ([`ReturningParams::half_life_days`]; 0 = no decay) and `f_i` the repurchase factor learned by `cartsense build` from the shop's own
//! data (section `RPUR`): `f_i = (ρ + r_i) · due_i` with `r_i` the item's repeat rate (ρ = 0.2
//! keeps items without repeats in play) and `due_i = clamp(age_i / interval_i, 0.1, 1)` for the
//! item's typical repurchase interval and `age_i` the days since its last purchase (to the
//! newest time the history or memory knows), so an item usually re-bought every 30 days is fully
//! "due" after 30 days. `f_i = 1` without `RPUR` or when [`ReturningParams::repurchase`] is
//! off. Cart items are never returned.
//!
//! # Cart completion for a returning shopper
//! [`Engine::complete_cart`] ranks by `λ · b_j / B + (1 − λ) · s_j / S`, where `b_j` is the
//! buy-again score (0 for items never bought), `s_j` the cart score of [`crate::bundle`] (which
//! already includes the shopper's long-term profile), λ = [`ReturningParams::buy_again_weight`],
//! and `B`, `S` the maximum or the sum of each term over the candidates ([`BlendNorm`]). With no
//! purchase record it is the cart score alone. `cartsense build` chooses λ, the scaling, `H`
//! and the repurchase switch on the shop's own recent returning customers and stores them in
//! the pack metadata under `"returning"`.

use crate::error::{Error, Result};
use crate::rank::{Engine, Query, ReasonKind, Rec};
use crate::topk::{top_k, Scored};

const DAY_MS: f64 = 86_400_000.0;
/// Floor on the repeat-rate factor.
const RATE_FLOOR: f32 = 0.2;

/// How "buy again" ranks and how much cart completion leans on it. The defaults are what
/// `cartsense eval` chose on the Online Retail validation split (PROTOCOL.md §3). Read from the pack
/// metadata `"returning"` object (fields `buyAgainWeight`, `halfLifeDays`, `repurchase`, `norm`);
/// missing fields keep the defaults, an out-of-range object is ignored as a whole.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReturningParams {
    /// λ in `[0, 1]`: weight of buy-again in `completeCart` (0 = complements only).
    pub buy_again_weight: f32,
    /// Recency half-life of the buy-again score in days (0 = count only, no decay).
    pub half_life_days: f32,
    /// Use the pack's learned repeat rates and intervals (`RPUR`) when it has them.
    pub repurchase: bool,
    /// How the two terms of the `completeCart` blend are scaled.
    pub norm: BlendNorm,
}

/// Scaling of the two terms of the `completeCart` blend (module docs): each term divided by
/// its maximum over the candidates, or by its sum (then a term is a distribution over the
/// candidates and the blend a mixture of the two).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlendNorm {
    /// `b / max b` and `s / max s` (meta `"max"`).
    Max,
    /// `b / Σ b` and `s / max s` (meta `"sumBuyAgain"`).
    SumBuyAgain,
    /// `b / Σ b` and `s / Σ s` (meta `"sum"`).
    Sum,
}

impl BlendNorm {
    /// All of them, in the order `cartsense build` tries them.
    pub const ALL: [BlendNorm; 3] = [BlendNorm::Max, BlendNorm::SumBuyAgain, BlendNorm::Sum];

    /// The metadata name.
    pub fn name(self) -> &'static str {
        match self {
            BlendNorm::Max => "max",
            BlendNorm::SumBuyAgain => "sumBuyAgain",
            BlendNorm::Sum => "sum",
        }
    }
}

impl Default for ReturningParams {
    fn default() -> Self {
        ReturningParams {
            buy_again_weight: 0.1,
            half_life_days: 30.0,
            repurchase: true,
            norm: BlendNorm::Sum,
        }
    }
}

impl ReturningParams {
    /// From a pack's metadata (see the type docs).
    pub fn from_meta(meta: &crate::json::Value) -> ReturningParams {
        let Some(r) = meta.get("returning").filter(|r| r.is_object()) else {
            return ReturningParams::default();
        };
        let mut p = ReturningParams::default();
        let num = |k: &str| r.get(k).map(|v| v.as_f64());
        match num("buyAgainWeight") {
            Some(Some(x)) => p.buy_again_weight = x as f32,
            Some(None) => return ReturningParams::default(),
            None => {}
        }
        match num("halfLifeDays") {
            Some(Some(x)) => p.half_life_days = x as f32,
            Some(None) => return ReturningParams::default(),
            None => {}
        }
        match r.get("norm").map(|v| v.as_str()) {
            Some(Some(n)) => match BlendNorm::ALL.into_iter().find(|b| b.name() == n) {
                Some(b) => p.norm = b,
                None => return ReturningParams::default(),
            },
            Some(None) => return ReturningParams::default(),
            None => {}
        }
        match r.get("repurchase").map(|v| v.as_bool()) {
            Some(Some(b)) => p.repurchase = b,
            Some(None) => return ReturningParams::default(),
            None => {}
        }
        if p.validate().is_ok() {
            p
        } else {
            ReturningParams::default()
        }
    }

    /// Check ranges once, before any work.
    pub fn validate(&self) -> Result<()> {
        if !(0.0..=1.0).contains(&self.buy_again_weight) {
            return Err(Error::bad(
                "buyAgainWeight must be a number between 0 and 1".to_string(),
            ));
        }
        if !(self.half_life_days.is_finite() && self.half_life_days >= 0.0) {
            return Err(Error::bad(
                "halfLifeDays must be a finite number >= 0".to_string(),
            ));
        }
        Ok(())
    }
}

impl Engine {
    /// Buy-again weights from the pack metadata (or the defaults).
    pub fn returning_params(&self) -> ReturningParams {
        ReturningParams::from_meta(self.pack().meta())
    }

    /// Items bought before, most likely to be bought again first (see the module docs).
    pub fn buy_again(&mut self, q: &Query) -> Result<Vec<Rec>> {
        let rp = self.returning_params();
        self.buy_again_with(q, &rp)
    }

    /// [`Engine::buy_again`] with explicit weights (validated; for tuning).
    pub fn buy_again_with(&mut self, q: &Query, rp: &ReturningParams) -> Result<Vec<Rec>> {
        q.validate()?;
        rp.validate()?;
        let pack = self.pack();
        let cat = match &q.category {
            None => None,
            Some(c) => match pack.category_by_name(c) {
                Some(c) => Some(c),
                None => return Ok(Vec::new()),
            },
        };
        let excluded: Vec<usize> = q
            .exclude
            .iter()
            .filter_map(|id| pack.index_of(id))
            .collect();
        let (lo, hi) = (q.min_price, q.max_price);
        let cands = self.buy_again_scores(rp, |i| {
            let p = pack.price(i);
            !excluded.contains(&i)
                && (cat.is_none() || pack.category_index(i) == cat)
                && !lo.is_some_and(|m| p < m)
                && !hi.is_some_and(|m| p > m)
        });
        let scores: Vec<f32> = cands.iter().map(|c| c.1).collect();
        let tie: Vec<f32> = cands.iter().map(|c| c.2).collect();
        let top = top_k(&scores, &tie, q.k, |_| true);
        Ok(top
            .into_iter()
            .map(|t| {
                let i = cands[t.index as usize].0;
                let s = Scored {
                    index: i as u32,
                    score: t.score,
                };
                self.rec(s, ReasonKind::BoughtBefore, Some(i))
            })
            .collect())
    }

    /// Buy-again candidates `(item, score > 0, recency)` of the remembered items the pack
    /// knows, bought at least once, not in the cart and passing `keep`, in memory order.
    /// Recency (minus the days since the last purchase) breaks ties: among equal scores the
    /// item bought last comes first.
    pub(crate) fn buy_again_scores(
        &self,
        rp: &ReturningParams,
        mut keep: impl FnMut(usize) -> bool,
    ) -> Vec<(usize, f32, f32)> {
        let pack = self.pack();
        let h = self.history();
        let mem = h.memory();
        if mem.is_empty() {
            return Vec::new();
        }
        let now = h.events().map(|e| e.at).fold(mem.newest(), f64::max);
        let cart: Vec<usize> = h
            .cart()
            .into_iter()
            .filter_map(|id| pack.index_of(id))
            .collect();
        let hl = rp.half_life_days as f64;
        // Decay counts from the newest purchase, not from now: the same order (every score
        // scaled alike, and the blend divides by the max or the sum) without underflowing to 0
        // for a shopper back after years; the exponent is capped for the same reason.
        let newest = mem
            .items()
            .iter()
            .filter(|r| r.purchases > 0)
            .map(|r| r.last_purchase)
            .fold(f64::NEG_INFINITY, f64::max);
        let mut out = Vec::new();
        for r in mem.items() {
            let Some(i) = pack.index_of(&r.id) else {
                continue;
            };
            if r.purchases == 0 || cart.contains(&i) || !keep(i) {
                continue;
            }
            let age = ((now - r.last_purchase) / DAY_MS).max(0.0);
            let mut s = r.purchases as f64 + 0.5 * r.cart_adds as f64;
            if hl > 0.0 {
                let since = ((newest - r.last_purchase) / DAY_MS).max(0.0);
                s *= 0.5f64.powf((since / hl).min(100.0));
            }
            let mut s = s as f32;
            if rp.repurchase {
                if let Some((rate, days)) = pack.repurchase(i) {
                    let due = if days > 0.0 {
                        (age as f32 / days).clamp(0.1, 1.0)
                    } else {
                        1.0
                    };
                    s *= (RATE_FLOOR + rate) * due;
                }
            }
            if s > 0.0 && s.is_finite() {
                out.push((i, s, -(age as f32)));
            }
        }
        out
    }

    /// Seed the long-term memory from a customer's past orders (`(item ids, time in ms)`);
    /// unknown ids are kept, invalid entries dropped and counted.
    pub fn import_orders(&mut self, orders: &[(Vec<String>, f64)]) -> crate::history::ImportReport {
        self.history_mut().memory_mut().import_orders(orders)
    }
}

/// Check orders from loosely typed input before [`Engine::import_orders`] (which would drop an
/// order with a bad time silently): at most 100,000, each at a time within the JS `Date` range.
pub fn check_orders(orders: &[(Vec<String>, f64)]) -> Result<()> {
    let n = orders.len();
    if n > 100_000 {
        return Err(Error::bad(format!(
            "{n} orders is more than the 100000 one call may import"
        )));
    }
    if let Some(k) = orders
        .iter()
        .position(|(_, at)| crate::history::check_at(*at).is_err())
    {
        return Err(Error::bad(format!(
            "orders[{k}].at must be a number of milliseconds within the JS Date range, not {}",
            crate::error::num(orders[k].1)
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
