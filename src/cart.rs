//! The cart as its own state beside the event log: a wholesale basket longer than the log, or a
//! long browse after adding to the cart, never loses a line.
//!
//! Every item the cart has seen carries a mark: *in the cart* (since the add that put it there)
//! or *removed* (a tombstone), and the time of its last change. Two copies of the cart (two
//! tabs) merge item by item: the later change wins, a removal wins a tie, so two tabs adding
//! different items both keep them and a removal newer than an add elsewhere takes the item out.
//! A local call always takes effect: its change time is its own time, or 1 ms after the item's
//! previous change when the caller's clock says otherwise (a Lamport clock in milliseconds), so
//! a stale copy of an earlier state can never undo it.
//!
//! Both lists are bounded by the same number (default [`DEFAULT_MAX_CART_LINES`]). An add of a
//! new line to a full cart is refused with `BAD_ARGUMENT` and records nothing: a shop's own cart
//! has a line limit too, and a recommender that silently forgot a line would start suggesting
//! what the shopper already has. Merges and imports beyond the bound keep the lines added first
//! (what refusing the later adds would have left) and count the rest as dropped. Beyond the
//! bound the oldest tombstones go; a dropped tombstone can only matter against a tab that has
//! not synchronised since that removal.

use crate::error::{Error, Result};
use crate::ids::{check_at, check_id, MAX_TIMESTAMP_MS};
use crate::json::{self, Value};

/// Default bound on the number of cart lines (and of removals remembered for merging).
pub const DEFAULT_MAX_CART_LINES: usize = 5000;
/// Largest bound a caller may ask for.
pub const MAX_MAX_CART_LINES: usize = 100_000;

/// One line of the cart.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// Item id (possibly unknown to the current pack).
    pub item: String,
    /// Time of the add that put it in the cart (ms); the cart is in this order.
    pub added: f64,
    /// Time of its last change (ms, >= `added`): what a merge compares.
    pub changed: f64,
}

/// A removal remembered so that an older add in another tab cannot bring the item back.
#[derive(Debug, Clone, PartialEq)]
pub struct Removal {
    /// Item id.
    pub item: String,
    /// Time of the removal (ms).
    pub at: f64,
}

/// The cart: lines in order of their add, and tombstones, oldest first.
#[derive(Debug, Clone, PartialEq)]
pub struct Cart {
    lines: Vec<Line>,
    removed: Vec<Removal>,
    max: usize,
}

impl Default for Cart {
    fn default() -> Self {
        Cart {
            lines: Vec::new(),
            removed: Vec::new(),
            max: DEFAULT_MAX_CART_LINES,
        }
    }
}

/// One item's state, for merging: which of two marks wins.
#[derive(Debug, Clone, Copy)]
struct Mark {
    in_cart: bool,
    added: f64,
    changed: f64,
}

impl Mark {
    /// The later change; at equal times a removal, then the earlier add.
    fn beats(&self, other: &Mark) -> bool {
        self.changed
            .total_cmp(&other.changed)
            .then(other.in_cart.cmp(&self.in_cart))
            .then(other.added.total_cmp(&self.added))
            .is_gt()
    }
}

/// The change time of a local call at `at` on an item last changed at `prev`: never at or
/// before `prev`, so the call wins against any copy of the earlier state.
fn after(prev: f64, at: f64) -> f64 {
    at.max((prev + 1.0).min(MAX_TIMESTAMP_MS))
}

/// Check a cart bound.
pub fn check_max(max: usize) -> Result<()> {
    if max == 0 || max > MAX_MAX_CART_LINES {
        return Err(Error::bad(format!(
            "maxCartLines must be between 1 and {MAX_MAX_CART_LINES}, not {max}"
        )));
    }
    Ok(())
}

impl Cart {
    /// An empty cart of at most `max` lines (validated).
    pub fn new(max: usize) -> Result<Cart> {
        check_max(max)?;
        Ok(Cart {
            max,
            ..Cart::default()
        })
    }

    /// The bound.
    pub fn max_lines(&self) -> usize {
        self.max
    }

    /// Lines, in order of their add.
    pub fn lines(&self) -> &[Line] {
        &self.lines
    }

    /// Removals remembered for merging, oldest first.
    pub fn removed(&self) -> &[Removal] {
        &self.removed
    }

    /// Item ids in the cart, in order of their add.
    pub fn items(&self) -> Vec<&str> {
        self.lines.iter().map(|l| l.item.as_str()).collect()
    }

    /// True when the cart has no line.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// Number of lines.
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    /// Empty the cart and forget its removals.
    pub fn clear(&mut self) {
        self.lines.clear();
        self.removed.clear();
    }

    /// Change the bound (validated); beyond it the lines added last go.
    pub fn set_max_lines(&mut self, max: usize) -> Result<()> {
        check_max(max)?;
        self.max = max;
        self.enforce_bound();
        Ok(())
    }

    /// Refuse an add of `item` that would be a line beyond the bound.
    pub fn check_room(&self, item: &str) -> Result<()> {
        if self.lines.len() >= self.max && !self.lines.iter().any(|l| l.item == item) {
            return Err(Error::bad(format!(
                "the cart already holds {} lines (maxCartLines); remove one or raise maxCartLines",
                self.max
            )));
        }
        Ok(())
    }

    /// Put `item` in the cart at `at` (id and time already checked). An item already there
    /// keeps its place. Refused when it would be a line beyond the bound.
    pub(crate) fn add(&mut self, item: &str, at: f64) -> Result<()> {
        self.check_room(item)?;
        if let Some(l) = self.lines.iter_mut().find(|l| l.item == item) {
            l.changed = l.changed.max(at);
            return Ok(());
        }
        let changed = match self.removed.iter().position(|r| r.item == item) {
            Some(k) => after(self.removed.remove(k).at, at),
            None => at,
        };
        // Equal times keep the order of the calls; the order is `total_cmp`'s (-0 before 0), as
        // in a merge, so a stored cart reads back in the same order.
        let k = self
            .lines
            .partition_point(|l| l.added.total_cmp(&at).is_le());
        self.lines.insert(
            k,
            Line {
                item: item.to_owned(),
                added: at,
                changed,
            },
        );
        Ok(())
    }

    /// Take `item` out at `at` (a removal or a purchase). Returns true if it was in the cart.
    pub(crate) fn remove(&mut self, item: &str, at: f64) -> bool {
        if let Some(k) = self.lines.iter().position(|l| l.item == item) {
            let l = self.lines.remove(k);
            self.tombstone(l.item, after(l.changed, at));
            return true;
        }
        if let Some(r) = self.removed.iter_mut().find(|r| r.item == item) {
            r.at = r.at.max(at);
            self.sort_removed();
        }
        false
    }

    /// Take all of `items` out at `at` (one order), in time linear in the sizes.
    pub(crate) fn remove_all(&mut self, items: &[String], at: f64) {
        let set: std::collections::HashSet<&str> = items.iter().map(String::as_str).collect();
        for r in &mut self.removed {
            if set.contains(r.item.as_str()) {
                r.at = r.at.max(at);
            }
        }
        let mut gone = Vec::new();
        self.lines.retain(|l| {
            let hit = set.contains(l.item.as_str());
            if hit {
                gone.push(Removal {
                    item: l.item.clone(),
                    at: after(l.changed, at),
                });
            }
            !hit
        });
        self.removed.extend(gone);
        self.sort_removed();
        self.enforce_bound();
    }

    fn tombstone(&mut self, item: String, at: f64) {
        self.removed.push(Removal { item, at });
        self.sort_removed();
        self.enforce_bound();
    }

    /// Removals stay in time order (`total_cmp`, ties as they came), the order they are stored
    /// and merged in.
    fn sort_removed(&mut self) {
        crate::sort::sort_by(&mut self.removed, |a, b| a.at.total_cmp(&b.at));
    }

    /// Keep the first `max` lines and the newest `max` removals; returns how many went.
    fn enforce_bound(&mut self) -> usize {
        let lines = self.lines.len().saturating_sub(self.max);
        self.lines.truncate(self.max);
        let removals = self.removed.len().saturating_sub(self.max);
        self.removed.drain(..removals);
        lines + removals
    }

    /// Every mark, this cart's lines then its removals.
    fn marks(&self) -> impl Iterator<Item = (&str, Mark)> {
        let lines = self.lines.iter().map(|l| {
            let m = Mark {
                in_cart: true,
                added: l.added,
                changed: l.changed,
            };
            (l.item.as_str(), m)
        });
        let removed = self.removed.iter().map(|r| {
            let m = Mark {
                in_cart: false,
                added: r.at,
                changed: r.at,
            };
            (r.item.as_str(), m)
        });
        lines.chain(removed)
    }

    /// Replace the contents by the winning mark of each item among `marks`. Ties in the order
    /// of the lists (add time, removal time) keep the order of `marks`. Returns how many
    /// entries went beyond the bound. (Grouped by sorting, not hashing: the crate's one sort is
    /// already in the wasm, a hash table over `&str` would add its own copy.)
    fn rebuild(&mut self, marks: &[(&str, Mark)]) -> usize {
        let mut order: Vec<usize> = (0..marks.len()).collect();
        crate::sort::sort_by(&mut order, |&a, &b| marks[a].0.cmp(marks[b].0));
        // The winner of each item, at the item's first position in `marks`.
        let mut won: Vec<Option<Mark>> = vec![None; marks.len()];
        for run in order.chunk_by(|&a, &b| marks[a].0 == marks[b].0) {
            let mut best = marks[run[0]].1;
            for &k in &run[1..] {
                if marks[k].1.beats(&best) {
                    best = marks[k].1;
                }
            }
            won[run[0]] = Some(best);
        }
        let (mut lines, mut removed) = (Vec::new(), Vec::new());
        for (&(item, _), m) in marks.iter().zip(won) {
            match m {
                Some(m) if m.in_cart => lines.push(Line {
                    item: item.to_owned(),
                    added: m.added,
                    changed: m.changed,
                }),
                Some(m) => removed.push(Removal {
                    item: item.to_owned(),
                    at: m.changed,
                }),
                None => {}
            }
        }
        crate::sort::sort_by(&mut lines, |a, b| a.added.total_cmp(&b.added));
        self.lines = lines;
        self.removed = removed;
        self.sort_removed();
        self.enforce_bound()
    }

    /// Bring in another copy (another tab, same generation): per item the later change wins
    /// (module docs). Ties in order go to `other`, so two tabs that hold the same items settle
    /// on one stored form instead of rewriting each other's. Returns true if ours changed.
    pub fn merge(&mut self, other: &Cart) -> bool {
        let before = self.clone();
        let marks: Vec<_> = other.marks().chain(before.marks()).collect();
        self.rebuild(&marks);
        *self != before
    }

    /// Compact JSON: `"cart":[[id, added],[id, added, changed],...]` (changed only when it
    /// differs) and, when there are any, `"removed":[[id, at],...]`.
    pub fn write_json(&self, out: &mut String) {
        out.push_str("\"cart\":[");
        for (i, l) in self.lines.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push('[');
            json::write_str(out, &l.item);
            out.push(',');
            json::write_int(out, l.added);
            if l.changed != l.added {
                out.push(',');
                json::write_int(out, l.changed);
            }
            out.push(']');
        }
        out.push(']');
        if !self.removed.is_empty() {
            out.push_str(",\"removed\":[");
            for (i, r) in self.removed.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push('[');
                json::write_str(out, &r.item);
                out.push(',');
                json::write_int(out, r.at);
                out.push(']');
            }
            out.push(']');
        }
    }

    /// Read the `cart` and `removed` values of a stored history into this (empty) cart;
    /// returns how many entries were unreadable or beyond the bound.
    pub fn read_json(&mut self, cart: &Value, removed: &Value) -> usize {
        let mut dropped = 0;
        let mut marks: Vec<(&str, Mark)> = Vec::new();
        for (v, in_cart) in [(cart, true), (removed, false)] {
            let Some(a) = v.as_array() else {
                dropped += usize::from(!v.is_null());
                continue;
            };
            for e in a {
                match parse_mark(e, in_cart) {
                    Some(m) => marks.push(m),
                    None => dropped += 1,
                }
            }
        }
        dropped + self.rebuild(&marks)
    }
}

/// `[id, added]` or `[id, added, changed]` for a line, `[id, at]` for a removal.
fn parse_mark(e: &Value, in_cart: bool) -> Option<(&str, Mark)> {
    let a = e.as_array()?;
    let n = a.len();
    if !(n == 2 || (in_cart && n == 3)) {
        return None;
    }
    let item = a[0].as_str()?;
    check_id(item).ok()?;
    let added = check_at(a[1].as_f64()?).ok()?;
    let changed = match a.get(2) {
        Some(c) => check_at(c.as_f64()?).ok()?.max(added),
        None => added,
    };
    Some((
        item,
        Mark {
            in_cart,
            added,
            changed,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cart(max: usize) -> Cart {
        Cart::new(max).unwrap()
    }

    #[test]
    fn adds_keep_their_place_and_removals_leave_tombstones() {
        let mut c = cart(10);
        c.add("a", 1.0).unwrap();
        c.add("b", 2.0).unwrap();
        c.add("a", 3.0).unwrap();
        assert_eq!(c.items(), ["a", "b"]);
        assert_eq!(c.lines()[0].changed, 3.0);
        assert!(c.remove("a", 4.0));
        assert!(
            !c.remove("zzz", 5.0),
            "nothing to remove, nothing remembered"
        );
        assert_eq!(c.items(), ["b"]);
        assert_eq!(
            c.removed(),
            [Removal {
                item: "a".into(),
                at: 4.0
            }]
        );
        c.add("a", 6.0).unwrap();
        assert_eq!(c.items(), ["b", "a"], "a re-add is a new line at the end");
        assert!(c.removed().is_empty());
    }

    #[test]
    fn a_local_call_wins_even_with_a_clock_that_went_back() {
        let mut c = cart(10);
        c.add("a", 10.0).unwrap();
        c.remove("a", 5.0);
        assert_eq!(c.removed()[0].at, 11.0, "1 ms after the add it undoes");
        let stale = {
            let mut s = cart(10);
            s.add("a", 10.0).unwrap();
            s
        };
        assert!(!c.merge(&stale), "the stale add does not bring it back");
        c.add("a", 11.0).unwrap();
        assert_eq!(c.lines()[0].changed, 12.0);
        let mut gone = cart(10);
        gone.merge(&stale);
        gone.remove("a", 11.0);
        assert!(!c.merge(&gone), "the re-add at 12 beats the removal at 11");
        assert_eq!(c.items(), ["a"]);
    }

    #[test]
    fn a_full_cart_refuses_new_lines_only() {
        let mut c = cart(2);
        c.add("a", 1.0).unwrap();
        c.add("b", 2.0).unwrap();
        let e = c.add("c", 3.0).unwrap_err();
        assert_eq!(e.code(), "BAD_ARGUMENT");
        assert!(e.to_string().contains("maxCartLines"), "{e}");
        c.add("a", 4.0).unwrap();
        assert_eq!(c.items(), ["a", "b"]);
        c.remove("a", 5.0);
        c.add("c", 6.0).unwrap();
        assert_eq!(c.items(), ["b", "c"]);
        assert!(Cart::new(0).is_err() && Cart::new(MAX_MAX_CART_LINES + 1).is_err());
        c.set_max_lines(1).unwrap();
        assert_eq!(c.items(), ["b"], "shrinking keeps the lines added first");
    }

    #[test]
    fn merge_is_per_item_last_change_wins() {
        let mut base = cart(10);
        base.add("shared", 1.0).unwrap();
        base.add("dropped-by-b", 2.0).unwrap();
        let (mut a, mut b) = (base.clone(), base.clone());
        a.add("a-only", 3.0).unwrap();
        b.add("b-only", 4.0).unwrap();
        b.remove("dropped-by-b", 5.0);
        a.remove("shared", 6.0);
        let mut ab = a.clone();
        assert!(ab.merge(&b));
        let mut ba = b.clone();
        assert!(ba.merge(&a));
        assert_eq!(ab.items(), ["a-only", "b-only"]);
        assert_eq!(ab, ba, "the same whichever side merges");
        assert!(
            !ab.merge(&b) && !ab.merge(&a),
            "merging again changes nothing"
        );
        // An add newer than the removal in the other tab wins: one that had not seen the
        // removal (its line keeps its place) ...
        let mut stale = b.clone();
        stale.add("shared", 7.0).unwrap();
        let mut m = ab.clone();
        assert!(m.merge(&stale));
        assert_eq!(m.items(), ["shared", "a-only", "b-only"]);
        // ... and one that had (a new line at the end).
        b.merge(&ab);
        b.add("shared", 7.0).unwrap();
        assert!(ab.merge(&b));
        assert_eq!(ab.items(), ["a-only", "b-only", "shared"]);
    }

    #[test]
    fn merge_beyond_the_bound_keeps_the_lines_added_first() {
        let (mut a, mut b) = (cart(3), cart(3));
        for (i, id) in ["a1", "a2", "a3"].iter().enumerate() {
            a.add(id, (2 * i) as f64).unwrap();
        }
        for (i, id) in ["b1", "b2"].iter().enumerate() {
            b.add(id, (2 * i + 1) as f64).unwrap();
        }
        a.merge(&b);
        assert_eq!(a.items(), ["a1", "b1", "a2"]);
    }

    #[test]
    fn json_round_trip_and_bad_entries() {
        let mut c = cart(10);
        c.add("x\"y", 1.0).unwrap();
        c.add("z", 2.0).unwrap();
        c.add("z", 9.0).unwrap();
        c.add("gone", 3.0).unwrap();
        c.remove("gone", 4.0);
        let mut s = String::from("{");
        c.write_json(&mut s);
        s.push('}');
        assert_eq!(
            s,
            r#"{"cart":[["x\"y",1],["z",2,9]],"removed":[["gone",4]]}"#
        );
        let v = json::parse(&s).unwrap();
        let mut back = cart(10);
        assert_eq!(back.read_json(&v["cart"], &v["removed"]), 0);
        assert_eq!(back, c);
        let bad = json::parse(
            r#"{"cart":[["a",1],["",2],["b"],["c",1,2,3],7,["d",null],["a",0,5]],"removed":3}"#,
        )
        .unwrap();
        let mut got = cart(10);
        assert_eq!(got.read_json(&bad["cart"], &bad["removed"]), 6);
        assert_eq!(
            got.lines(),
            [Line {
                item: "a".into(),
                added: 0.0,
                changed: 5.0
            }]
        );
    }
}
