//! Returning shoppers: "buy it again" from the long-term memory (see [`crate::memory`]).
//!
//! `score_i = s_i · (ρ + r_i) · due_i`, where `s_i` is the item's purchase strength decayed to
//! now (the newest time the history or memory knows), `r_i` the item's repeat rate learned by
//! `cartsense build` (section `RPUR`; ρ = 0.2 keeps items without repeats in play), and
//! `due_i = clamp(age_i / interval_i, 0.1, 1)` with `age_i` the days since the last purchase and
//! `interval_i` the item's typical repurchase interval: an item usually re-bought every 30 days
//! is fully "due" after 30 days. Without `RPUR`, `score_i = s_i`. Cart items are never returned.

use crate::error::{Error, Result};
use crate::rank::{Engine, Query, ReasonKind, Rec};
use crate::topk::top_k;

const DAY_MS: f64 = 86_400_000.0;
/// Floor on the repeat-rate factor.
const RATE_FLOOR: f32 = 0.2;

impl Engine {
    /// Items bought before, most likely to be bought again first (see the module docs).
    pub fn buy_again(&mut self, q: &Query) -> Result<Vec<Rec>> {
        q.validate()?;
        let pack = self.pack();
        let cat = match &q.category {
            None => None,
            Some(c) => match pack.category_by_name(c) {
                Some(c) => Some(c),
                None => return Ok(Vec::new()),
            },
        };
        let h = self.history();
        let mem = h.memory();
        let now = h.events().map(|e| e.at).fold(mem.newest(), f64::max);
        let cart: Vec<usize> = h
            .cart()
            .into_iter()
            .filter_map(|id| pack.index_of(id))
            .collect();
        let excluded: Vec<usize> = q
            .exclude
            .iter()
            .filter_map(|id| pack.index_of(id))
            .collect();
        let mut idx = Vec::new();
        let mut scores = Vec::new();
        for r in mem.items() {
            let Some(i) = pack.index_of(&r.id) else {
                continue;
            };
            if r.purchases == 0 || cart.contains(&i) || excluded.contains(&i) {
                continue;
            }
            if cat.is_some() && pack.category_index(i) != cat {
                continue;
            }
            let p = pack.price(i);
            if q.min_price.is_some_and(|m| p < m) || q.max_price.is_some_and(|m| p > m) {
                continue;
            }
            let mut s = r.strength_now(now, mem.half_life_days()) as f32;
            if let Some((rate, days)) = pack.repurchase(i) {
                let age = ((now - r.last_purchase) / DAY_MS).max(0.0) as f32;
                let due = if days > 0.0 {
                    (age / days).clamp(0.1, 1.0)
                } else {
                    1.0
                };
                s *= (RATE_FLOOR + rate) * due;
            }
            idx.push(i);
            scores.push(s);
        }
        let tie: Vec<f32> = idx.iter().map(|&i| pack.popularity()[i]).collect();
        let top = top_k(&scores, &tie, q.k, |_| true);
        Ok(top
            .into_iter()
            .map(|t| {
                let i = idx[t.index as usize];
                let s = crate::topk::Scored {
                    index: i as u32,
                    score: t.score,
                };
                self.rec(s, ReasonKind::BoughtBefore, Some(i))
            })
            .collect())
    }

    /// Seed the long-term memory from a customer's past orders (`(item ids, time in ms)`);
    /// unknown ids are kept, invalid entries dropped and counted.
    pub fn import_orders(&mut self, orders: &[(Vec<String>, f64)]) -> crate::history::ImportReport {
        self.history_mut().memory_mut().import_orders(orders)
    }
}

/// Checked order list for [`Engine::import_orders`] from loosely typed input.
pub fn check_orders(n: usize) -> Result<()> {
    if n > 100_000 {
        return Err(Error::bad(format!(
            "{n} orders is more than the 100000 one call may import"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::EventKind;
    use crate::pack::{PackWriter, Quantize};

    fn engine(repurchase: bool) -> Engine {
        let ids: Vec<String> = ["milk", "tea", "vase", "mug"].map(String::from).into();
        let mut w = PackWriter::new(ids, 2, vec![1.0, 0.0, 0.9, 0.1, 0.0, 1.0, 0.5, 0.5])
            .quantize(Quantize::F32)
            .categories(["food", "food", "home", "home"].map(String::from).into());
        if repurchase {
            // milk: re-bought weekly by most buyers; vase: rarely re-bought.
            w = w.repurchase(vec![(0.8, 7.0), (0.5, 30.0), (0.05, 0.0), (0.3, 60.0)]);
        }
        Engine::from_bytes(&w.to_bytes().unwrap()).unwrap()
    }

    const DAY: f64 = DAY_MS;

    #[test]
    fn ranks_by_strength_without_stats_and_skips_the_cart() {
        let mut e = engine(false);
        e.import_orders(&[
            (vec!["vase".into(), "tea".into()], 0.0),
            (vec!["tea".into()], 10.0 * DAY),
            (vec!["mug".into(), "ghost".into()], 20.0 * DAY),
        ]);
        let got: Vec<String> = e
            .buy_again(&Query::default())
            .unwrap()
            .into_iter()
            .map(|r| r.id)
            .collect();
        assert_eq!(got, ["tea", "mug", "vase"]);
        e.record(EventKind::AddToCart, "tea", 21.0 * DAY).unwrap();
        let got = e.buy_again(&Query::default()).unwrap();
        assert!(got.iter().all(|r| r.id != "tea"), "never a cart item");
        assert!(got
            .iter()
            .all(|r| r.because.kind == ReasonKind::BoughtBefore
                && r.because.item.as_deref() == Some(r.id.as_str())));
        let home = e
            .buy_again(&Query {
                category: Some("home".into()),
                ..Query::default()
            })
            .unwrap();
        assert!(home.iter().all(|r| r.category == "home"));
    }

    #[test]
    fn due_items_come_first_with_stats() {
        let mut e = engine(true);
        // Both bought once, 10 days ago: milk (weekly) is due, vase (rarely re-bought) is not.
        e.import_orders(&[(vec!["milk".into(), "vase".into()], 0.0)]);
        e.view("mug", 10.0 * DAY).unwrap();
        let got: Vec<String> = e
            .buy_again(&Query::default())
            .unwrap()
            .into_iter()
            .map(|r| r.id)
            .collect();
        assert_eq!(got, ["milk", "vase"]);
        // Tea bought 3 days ago (interval 30 days): not yet due, below milk.
        e.import_orders(&[(vec!["tea".into()], 7.0 * DAY)]);
        let got: Vec<String> = e
            .buy_again(&Query::default())
            .unwrap()
            .into_iter()
            .map(|r| r.id)
            .collect();
        assert_eq!(got[0], "milk");
    }

    #[test]
    fn recommend_keeps_discovery() {
        let mut e = engine(false);
        e.import_orders(&[(vec!["milk".into()], 0.0)]);
        let recs = e.recommend(&Query::default()).unwrap();
        assert!(
            recs.iter().all(|r| r.id != "milk"),
            "bought items are left to buy_again"
        );
        assert_eq!(recs[0].id, "tea", "the purchase record shapes the profile");
        assert_eq!(recs[0].because.kind, ReasonKind::Purchased);
    }
}
