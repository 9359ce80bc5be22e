//! Long-term memory of a returning shopper: a compact per-item purchase record kept on the
//! device across visits, beside the bounded session window. Session events fade out of the
//! window; the purchase record stays until the shopper clears it.
//!
//! Each item keeps its purchase count, last purchase time, cart-add count and a decayed
//! strength (`s ← s · 0.5^(Δt / half_life) + 1` per purchase, cart adds count ½). The record is
//! bounded: beyond `max_items` the weakest items (by strength decayed to the newest time seen)
//! are dropped.

use std::collections::HashMap;

use crate::json::{self, Value};

use crate::error::{Error, Result};
use crate::ids::{check_id, ImportReport};

/// Default number of items remembered.
pub const DEFAULT_MAX_ITEMS: usize = 500;
/// Default half-life of the purchase strength, in days.
pub const DEFAULT_HALF_LIFE_DAYS: f64 = 90.0;
const DAY_MS: f64 = 86_400_000.0;
/// A cart add counts this much of a purchase in the strength.
const CART_ADD_STRENGTH: f64 = 0.5;

/// What is remembered of one item.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemRecord {
    /// Item id (possibly unknown to the current pack).
    pub id: String,
    /// Number of purchases (orders containing it).
    pub purchases: u32,
    /// Time of the last purchase (ms; 0 when never bought).
    pub last_purchase: f64,
    /// Number of cart adds.
    pub cart_adds: u32,
    /// Decayed strength at time `strength_at`.
    pub strength: f64,
    /// Time the strength refers to (ms).
    pub strength_at: f64,
}

impl ItemRecord {
    /// Strength decayed (or grown: never) to time `now`.
    pub fn strength_now(&self, now: f64, half_life_days: f64) -> f64 {
        let dt = (now - self.strength_at).max(0.0);
        self.strength * 0.5f64.powf(dt / (half_life_days * DAY_MS))
    }
}

/// The per-item purchase record.
#[derive(Debug, Clone, PartialEq)]
pub struct Memory {
    items: Vec<ItemRecord>,
    /// id -> position in `items` (rebuilt whenever items are dropped).
    index: HashMap<String, usize>,
    max_items: usize,
    half_life_days: f64,
}

impl Default for Memory {
    fn default() -> Self {
        Memory {
            items: Vec::new(),
            index: HashMap::new(),
            max_items: DEFAULT_MAX_ITEMS,
            half_life_days: DEFAULT_HALF_LIFE_DAYS,
        }
    }
}

impl Memory {
    /// Items remembered, in first-seen order.
    pub fn items(&self) -> &[ItemRecord] {
        &self.items
    }

    /// Number of items remembered.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Half-life of the strength, in days.
    pub fn half_life_days(&self) -> f64 {
        self.half_life_days
    }

    /// Forget everything.
    pub fn clear(&mut self) {
        self.items.clear();
        self.index.clear();
    }

    /// Change the bound and half-life (validated).
    pub fn configure(&mut self, max_items: usize, half_life_days: f64) -> Result<()> {
        if max_items == 0 || max_items > 100_000 {
            return Err(Error::bad(format!(
                "memory size must be between 1 and 100000 items, not {max_items}"
            )));
        }
        if !(half_life_days.is_finite() && half_life_days > 0.0) {
            return Err(Error::bad(format!(
                "memory half-life must be a finite number of days > 0, not {half_life_days}",
                half_life_days = crate::error::num(half_life_days)
            )));
        }
        self.max_items = max_items;
        self.half_life_days = half_life_days;
        self.enforce_bound();
        Ok(())
    }

    fn entry(&mut self, id: &str, at: f64) -> &mut ItemRecord {
        let k = match self.index.get(id) {
            Some(&k) => k,
            None => {
                self.index.insert(id.to_owned(), self.items.len());
                self.items.push(ItemRecord {
                    id: id.to_owned(),
                    purchases: 0,
                    last_purchase: 0.0,
                    cart_adds: 0,
                    strength: 0.0,
                    strength_at: at,
                });
                self.items.len() - 1
            }
        };
        &mut self.items[k]
    }

    fn bump(&mut self, id: &str, at: f64, by: f64) {
        let hl = self.half_life_days;
        let r = self.entry(id, at);
        // Events may arrive out of order (imports): decay whichever side is older.
        if at >= r.strength_at {
            r.strength = r.strength_now(at, hl) + by;
            r.strength_at = at;
        } else {
            r.strength += by * 0.5f64.powf((r.strength_at - at) / (hl * DAY_MS));
        }
    }

    /// Remember a purchase of `id` at `at` (validated).
    pub fn record_purchase(&mut self, id: &str, at: f64) -> Result<()> {
        self.add_purchase(id, at)?;
        self.enforce_bound();
        Ok(())
    }

    /// Remember one order (`ids` bought together at `at`; each distinct id counts once), all
    /// validated before any is recorded, with the bound applied once at the end.
    pub fn record_order(&mut self, ids: &[String], at: f64) -> Result<()> {
        let at = check_time(at)?;
        for id in ids {
            check_id(id)?;
        }
        let mut seen = std::collections::HashSet::with_capacity(ids.len());
        for id in ids {
            if seen.insert(id.as_str()) {
                self.add_purchase(id, at)?;
            }
        }
        self.enforce_bound();
        Ok(())
    }

    fn add_purchase(&mut self, id: &str, at: f64) -> Result<()> {
        check_id(id)?;
        let at = check_time(at)?;
        self.bump(id, at, 1.0);
        let r = self.entry(id, at);
        r.purchases = r.purchases.saturating_add(1);
        r.last_purchase = r.last_purchase.max(at);
        Ok(())
    }

    /// Remember a cart add.
    pub fn record_cart_add(&mut self, id: &str, at: f64) -> Result<()> {
        check_id(id)?;
        let at = check_time(at)?;
        self.bump(id, at, CART_ADD_STRENGTH);
        let r = self.entry(id, at);
        r.cart_adds = r.cart_adds.saturating_add(1);
        self.enforce_bound();
        Ok(())
    }

    /// Newest time the record knows of.
    pub fn newest(&self) -> f64 {
        self.items
            .iter()
            .map(|r| r.strength_at.max(r.last_purchase))
            .fold(0.0, f64::max)
    }

    fn enforce_bound(&mut self) {
        if self.items.len() <= self.max_items {
            return;
        }
        let now = self.newest();
        let hl = self.half_life_days;
        let mut order: Vec<usize> = (0..self.items.len()).collect();
        crate::sort::sort_by(&mut order, |&a, &b| {
            self.items[b]
                .strength_now(now, hl)
                .total_cmp(&self.items[a].strength_now(now, hl))
                .then(a.cmp(&b))
        });
        let mut keep = vec![false; self.items.len()];
        for &k in order.iter().take(self.max_items) {
            keep[k] = true;
        }
        let mut k = 0;
        self.items.retain(|_| {
            k += 1;
            keep[k - 1]
        });
        self.reindex();
    }

    fn reindex(&mut self) {
        self.index = self
            .items
            .iter()
            .enumerate()
            .map(|(k, r)| (r.id.clone(), k))
            .collect();
    }

    /// Seed from past orders (`(items, at)`); each order counts once per distinct item.
    /// Invalid orders or ids are dropped and counted, never thrown.
    pub fn import_orders(&mut self, orders: &[(Vec<String>, f64)]) -> ImportReport {
        let mut report = ImportReport::default();
        let mut sorted: Vec<(usize, &(Vec<String>, f64))> = orders.iter().enumerate().collect();
        crate::sort::sort_by(&mut sorted, |a, b| {
            a.1 .1.total_cmp(&b.1 .1).then(a.0.cmp(&b.0))
        });
        for (_, (items, at)) in sorted {
            if check_time(*at).is_err() {
                report.dropped += items.len().max(1);
                continue;
            }
            let mut seen = std::collections::HashSet::with_capacity(items.len());
            for id in items {
                if !seen.insert(id.as_str()) {
                    continue;
                }
                match self.add_purchase(id, *at) {
                    Ok(()) => report.kept += 1,
                    Err(_) => report.dropped += 1,
                }
            }
        }
        self.enforce_bound();
        report
    }

    /// Union with another writer's record: per item, the larger counts and later times.
    pub fn merge(&mut self, other: &Memory) -> bool {
        let mut changed = false;
        for o in &other.items {
            match self.index.get(&o.id).map(|&k| &mut self.items[k]) {
                Some(r) => {
                    if o.purchases > r.purchases
                        || o.cart_adds > r.cart_adds
                        || o.last_purchase > r.last_purchase
                    {
                        r.purchases = r.purchases.max(o.purchases);
                        r.cart_adds = r.cart_adds.max(o.cart_adds);
                        r.last_purchase = r.last_purchase.max(o.last_purchase);
                        if o.strength_at > r.strength_at {
                            r.strength = o.strength;
                            r.strength_at = o.strength_at;
                        }
                        changed = true;
                    }
                }
                None => {
                    self.index.insert(o.id.clone(), self.items.len());
                    self.items.push(o.clone());
                    changed = true;
                }
            }
        }
        self.enforce_bound();
        changed
    }

    /// Compact JSON: `[[id, purchases, lastPurchase, cartAdds, strength, strengthAt], ...]`,
    /// times as whole milliseconds and the strength rounded to 4 decimals.
    pub fn write_json(&self, out: &mut String) {
        out.push('[');
        for (i, r) in self.items.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push('[');
            json::write_str(out, &r.id);
            for (x, int) in [
                (r.purchases as f64, true),
                (r.last_purchase, true),
                (r.cart_adds as f64, true),
                (r.strength, false),
                (r.strength_at, true),
            ] {
                out.push(',');
                if int {
                    json::write_int(out, x);
                } else {
                    json::write_decimal4(out, x);
                }
            }
            out.push(']');
        }
        out.push(']');
    }

    /// Read the compact JSON; unreadable entries are dropped and counted.
    pub fn read_json_value(&mut self, v: &Value) -> usize {
        let Some(a) = v.as_array() else {
            return usize::from(!v.is_null());
        };
        let mut dropped = 0;
        for e in a {
            match parse_record(e) {
                Some(r) if !self.index.contains_key(&r.id) => {
                    self.index.insert(r.id.clone(), self.items.len());
                    self.items.push(r);
                }
                _ => dropped += 1,
            }
        }
        let before = self.items.len();
        self.enforce_bound();
        dropped + before - self.items.len()
    }
}

/// Whole milliseconds within the JS Date range (see [`crate::ids::MAX_TIMESTAMP_MS`]).
fn check_time(at: f64) -> Result<f64> {
    crate::ids::check_at(at)
}

fn parse_record(e: &Value) -> Option<ItemRecord> {
    let a = e.as_array()?;
    if a.len() != 6 {
        return None;
    }
    let id = a[0].as_str()?;
    check_id(id).ok()?;
    let num = |k: usize| a[k].as_f64().filter(|x| x.is_finite() && *x >= 0.0);
    Some(ItemRecord {
        id: id.to_owned(),
        purchases: num(1)?.min(u32::MAX as f64) as u32,
        last_purchase: check_time(num(2)?).ok()?,
        cart_adds: num(3)?.min(u32::MAX as f64) as u32,
        strength: num(4)?,
        strength_at: check_time(a[5].as_f64()?).ok()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: f64 = DAY_MS;

    #[test]
    fn strength_decays_and_accumulates() {
        let mut m = Memory::default();
        m.record_purchase("tea", 0.0).unwrap();
        m.record_purchase("tea", 90.0 * DAY).unwrap();
        let r = &m.items()[0];
        assert_eq!(r.purchases, 2);
        assert!(
            (r.strength - 1.5).abs() < 1e-9,
            "one half-life later: 0.5 + 1"
        );
        assert!((r.strength_now(180.0 * DAY, 90.0) - 0.75).abs() < 1e-9);
        m.record_cart_add("mug", 90.0 * DAY).unwrap();
        assert_eq!(m.items()[1].purchases, 0);
        assert_eq!(m.items()[1].cart_adds, 1);
    }

    #[test]
    fn bound_keeps_the_strongest() {
        let mut m = Memory::default();
        m.configure(3, 30.0).unwrap();
        for (i, id) in ["a", "b", "c", "d"].iter().enumerate() {
            for _ in 0..=i {
                m.record_purchase(id, i as f64 * DAY).unwrap();
            }
        }
        let ids: Vec<_> = m.items().iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["b", "c", "d"]);
    }

    #[test]
    fn import_orders_counts_and_drops() {
        let mut m = Memory::default();
        let r = m.import_orders(&[
            (vec!["a".into(), "b".into(), "a".into()], 2.0 * DAY),
            (vec!["a".into(), "".into()], 1.0 * DAY),
            (vec!["c".into()], f64::NAN),
        ]);
        assert_eq!(
            r,
            ImportReport {
                kept: 3,
                dropped: 2
            }
        );
        assert_eq!(m.items()[0].purchases, 2);
        assert_eq!(m.items()[0].last_purchase, 2.0 * DAY);
    }

    #[test]
    fn json_round_trip_and_corruption() {
        let mut m = Memory::default();
        m.record_purchase("x\u{e9}", 5.0).unwrap();
        m.record_cart_add("y", 6.0).unwrap();
        let mut back = Memory::default();
        let mut text = String::new();
        m.write_json(&mut text);
        assert_eq!(back.read_json_value(&json::parse(&text).unwrap()), 0);
        assert_eq!(back.items(), m.items());
        let junk = json::parse(
            r#"[["a", 1, 0, 0, 1, 0], ["b", -1, 0, 0, 1, 0], "x", ["", 1, 0, 0, 1, 0]]"#,
        )
        .unwrap();
        let mut j = Memory::default();
        assert_eq!(j.read_json_value(&junk), 3);
        assert_eq!(j.len(), 1);
    }

    #[test]
    fn merge_takes_the_larger_record() {
        let mut a = Memory::default();
        a.record_purchase("x", 1.0).unwrap();
        let mut b = a.clone();
        b.record_purchase("x", 2.0).unwrap();
        b.record_purchase("y", 2.0).unwrap();
        assert!(a.merge(&b));
        assert_eq!(a.items()[0].purchases, 2);
        assert_eq!(a.len(), 2);
        assert!(!a.merge(&b));
    }
}

#[cfg(test)]
mod bulk_tests {
    use super::*;

    #[test]
    fn one_huge_order_respects_the_bound_and_keeps_the_newest_strongest() {
        let mut m = Memory::default();
        m.configure(100, 30.0).unwrap();
        m.record_purchase("old", 0.0).unwrap();
        let ids: Vec<String> = (0..5000).map(|i| format!("i{i}")).collect();
        m.record_order(&ids, 1e9).unwrap();
        assert_eq!(m.len(), 100);
        assert!(
            m.items().iter().all(|r| r.id != "old"),
            "the decayed item goes first"
        );
        // Ties keep first-seen order, and the index still finds every kept item.
        assert_eq!(m.items()[0].id, "i0");
        m.record_purchase("i0", 2e9).unwrap();
        assert_eq!(m.items()[0].purchases, 2);
    }
}
