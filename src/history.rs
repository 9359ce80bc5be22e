//! The shopper's session history: a bounded log of events kept on the device, the cart (its own
//! state, see [`crate::cart`]), the long-term purchase record, and their compact versioned JSON
//! form for `localStorage`.
//!
//! Reading stored history never fails: valid events are kept, anything else is dropped and
//! counted, so a corrupt or foreign value costs at most itself.

use std::collections::VecDeque;

use crate::json::{self, Value};

use crate::cart::{Cart, DEFAULT_MAX_CART_LINES};
use crate::error::{Error, Result};
pub use crate::ids::{check_at, check_id, ImportReport, MAX_ID_LEN, MAX_TIMESTAMP_MS};
use crate::memory::Memory;

/// Default bound on the number of events kept.
pub const DEFAULT_MAX_EVENTS: usize = 200;
/// Largest bound a caller may ask for.
pub const MAX_MAX_EVENTS: usize = 100_000;
/// Version written into the JSON form. Version 1 had no cart of its own: reading one derives the
/// cart from its events, as version 1 did.
pub const FORMAT_VERSION: u64 = 2;

/// What the shopper did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// Looked at a product page.
    View,
    /// Put the item in the cart.
    AddToCart,
    /// Took it out again.
    RemoveFromCart,
    /// Bought it.
    Purchase,
}

impl EventKind {
    /// All kinds, in a fixed order.
    pub const ALL: [EventKind; 4] = [
        EventKind::View,
        EventKind::AddToCart,
        EventKind::RemoveFromCart,
        EventKind::Purchase,
    ];

    /// The name used in the JS API (`'view'`, `'add_to_cart'`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::View => "view",
            EventKind::AddToCart => "add_to_cart",
            EventKind::RemoveFromCart => "remove_from_cart",
            EventKind::Purchase => "purchase",
        }
    }

    fn short(self) -> &'static str {
        match self {
            EventKind::View => "v",
            EventKind::AddToCart => "a",
            EventKind::RemoveFromCart => "r",
            EventKind::Purchase => "p",
        }
    }

    /// Parse either the long name or the one-letter storage code.
    pub fn parse(s: &str) -> Option<EventKind> {
        EventKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s || k.short() == s)
    }
}

/// One recorded event.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// What happened.
    pub kind: EventKind,
    /// Item id (possibly unknown to the current pack: kept, ignored in scoring).
    pub item: String,
    /// Milliseconds since the Unix epoch.
    pub at: f64,
}

/// Bounded event log, with the cart and the long-term record beside it.
#[derive(Debug, Clone)]
pub struct History {
    events: VecDeque<Event>,
    max: usize,
    /// The cart: bounded on its own, never evicted by events.
    cart: Cart,
    /// Generation: changes on every clear, so a tab can tell "another tab cleared the history"
    /// (replace) from "another tab added events" (merge).
    generation: u64,
    /// Long-term purchase record, kept across visits (see [`crate::memory`]).
    memory: Memory,
}

impl Default for History {
    fn default() -> Self {
        History {
            events: VecDeque::new(),
            max: DEFAULT_MAX_EVENTS,
            cart: Cart::default(),
            generation: 0,
            memory: Memory::default(),
        }
    }
}

impl History {
    /// An empty history keeping at most `max` events.
    pub fn new(max: usize) -> Result<Self> {
        if max == 0 || max > MAX_MAX_EVENTS {
            return Err(Error::bad(format!(
                "maxEvents must be between 1 and {MAX_MAX_EVENTS}, not {max}"
            )));
        }
        Ok(History {
            events: VecDeque::new(),
            max,
            cart: Cart::default(),
            generation: 0,
            memory: Memory::default(),
        })
    }

    /// The bound.
    pub fn max_events(&self) -> usize {
        self.max
    }

    /// Number of events held.
    pub fn len(&self) -> usize {
        self.events.len()
    }

    /// True when no event is held.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// Events, oldest first.
    pub fn events(&self) -> impl ExactSizeIterator<Item = &Event> + DoubleEndedIterator {
        self.events.iter()
    }

    /// Forget everything and start generation `generation` (pick a fresh random one).
    pub fn clear(&mut self, generation: u64) {
        self.events.clear();
        self.cart.clear();
        self.memory.clear();
        self.generation = generation;
    }

    /// The long-term purchase record.
    pub fn memory(&self) -> &Memory {
        &self.memory
    }

    /// Mutable access to the long-term record (configuration, imported orders).
    pub fn memory_mut(&mut self) -> &mut Memory {
        &mut self.memory
    }

    /// Current generation.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Change the bound (dropping the oldest events if it shrank).
    pub fn set_max_events(&mut self, max: usize) -> Result<()> {
        History::new(max)?;
        self.max = max;
        self.enforce_bound();
        Ok(())
    }

    /// The cart, with the removals it remembers for merging.
    pub fn cart_state(&self) -> &Cart {
        &self.cart
    }

    /// The bound on cart lines.
    pub fn max_cart_lines(&self) -> usize {
        self.cart.max_lines()
    }

    /// Change the bound on cart lines (1..=100,000; if it shrank, the lines added last go).
    pub fn set_max_cart_lines(&mut self, max: usize) -> Result<()> {
        self.cart.set_max_lines(max)
    }

    /// Bring in what another writer (another tab) stored. Same generation: the union of both
    /// event lists in time order (nothing either side recorded is lost) and the carts merged
    /// item by item, the later change winning ([`Cart::merge`]). Different generation: the
    /// other side cleared, so its history replaces ours. Returns true if ours changed.
    pub fn merge(&mut self, other: &History) -> bool {
        if other.generation != self.generation {
            self.events = other.events.clone();
            let max = self.cart.max_lines();
            self.cart = other.cart.clone();
            // The bound is this instance's setting; `max` passed the same check.
            let _ = self.cart.set_max_lines(max);
            self.memory = other.memory.clone();
            self.generation = other.generation;
            self.enforce_bound();
            return true;
        }
        let memory_changed = self.memory.merge(&other.memory);
        let cart_changed = self.cart.merge(&other.cart);
        let key = |e: &Event| (e.kind, e.item.clone(), e.at.to_bits());
        let mine: std::collections::HashSet<_> = self.events.iter().map(key).collect();
        let new: Vec<Event> = other
            .events
            .iter()
            .filter(|e| !mine.contains(&key(e)))
            .cloned()
            .collect();
        if new.is_empty() {
            return memory_changed || cart_changed;
        }
        // Time order; equal times keep their order (ours first), as a stable sort would.
        let mut all: Vec<(usize, Event)> = self.events.drain(..).chain(new).enumerate().collect();
        crate::sort::sort_by(&mut all, |a, b| {
            a.1.at.total_cmp(&b.1.at).then(a.0.cmp(&b.0))
        });
        self.events = all.into_iter().map(|(_, e)| e).collect();
        self.enforce_bound();
        true
    }

    /// Record one event (validated), dropping the oldest beyond the bound. An add of a new line
    /// to a full cart is refused (`BAD_ARGUMENT`) and records nothing.
    pub fn push(&mut self, kind: EventKind, item: &str, at: f64) -> Result<()> {
        check_id(item)?;
        let at = check_at(at)?;
        match kind {
            EventKind::AddToCart => {
                self.cart.add(item, at)?;
                self.memory.record_cart_add(item, at)?;
            }
            EventKind::RemoveFromCart => {
                self.cart.remove(item, at);
            }
            EventKind::Purchase => {
                self.memory.record_purchase(item, at)?;
                self.cart.remove(item, at);
            }
            EventKind::View => {}
        }
        self.events.push_back(Event {
            kind,
            item: item.to_owned(),
            at,
        });
        self.enforce_bound();
        Ok(())
    }

    /// Record a purchase of several items at once (all validated before any is recorded).
    pub fn push_purchase(&mut self, items: &[String], at: f64) -> Result<()> {
        let at = check_at(at)?;
        for id in items {
            check_id(id)?;
        }
        self.memory.record_order(items, at)?;
        self.cart.remove_all(items, at);
        for id in items {
            self.events.push_back(Event {
                kind: EventKind::Purchase,
                item: id.clone(),
                at,
            });
        }
        self.enforce_bound();
        Ok(())
    }

    /// Drop the oldest events beyond the bound. The cart is not in the log, so nothing needs
    /// protecting: the log is a plain window over the newest events.
    fn enforce_bound(&mut self) {
        let excess = self.events.len().saturating_sub(self.max);
        self.events.drain(..excess);
    }

    /// The cart: items added and not since removed or purchased, in order of their add.
    pub fn cart(&self) -> Vec<&str> {
        self.cart.items()
    }

    /// Compact JSON for storage:
    /// `{"v":2,"g":GEN,"events":[["v","ID",1700000000000],...],"cart":[["ID",1700000000000],...]}`
    /// plus `"removed"` (the cart's tombstones, [`Cart::write_json`]) and `"m"` (the purchase
    /// record) when not empty. Timestamps are whole milliseconds ([`check_at`]) and are written
    /// as integers; earlier versions wrote `1700000000000.0`, which reads back the same.
    pub fn to_json(&self) -> String {
        let mut out = String::with_capacity(48 + (self.events.len() + self.cart.len()) * 32);
        out.push_str("{\"v\":");
        out.push_str(&FORMAT_VERSION.to_string());
        out.push_str(",\"g\":");
        out.push_str(&self.generation.to_string());
        out.push_str(",\"events\":[");
        for (i, e) in self.events.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push('[');
            json::write_str(&mut out, e.kind.short());
            out.push(',');
            json::write_str(&mut out, &e.item);
            out.push(',');
            json::write_int(&mut out, e.at);
            out.push(']');
        }
        out.push_str("],");
        self.cart.write_json(&mut out);
        if !self.memory.is_empty() {
            out.push_str(",\"m\":");
            self.memory.write_json(&mut out);
        }
        out.push('}');
        out
    }

    /// [`History::from_json_bounded`] with the default bound on cart lines.
    pub fn from_json(s: &str, max: usize) -> (History, ImportReport) {
        History::from_json_bounded(s, max, DEFAULT_MAX_CART_LINES)
    }

    /// Read stored JSON into a history of at most `max_events` events and `max_cart_lines` cart
    /// lines (each clamped to its valid range). Never fails: unreadable entries, and entries
    /// beyond a bound, are dropped and counted. A value that is not a cartsense history at all
    /// counts as one dropped entry (none if it is empty). A version 1 value has no cart of its
    /// own: the cart comes from all its events, in order, as version 1 derived it.
    pub fn from_json_bounded(
        s: &str,
        max_events: usize,
        max_cart_lines: usize,
    ) -> (History, ImportReport) {
        let mut cart = Cart::default();
        let _ = cart.set_max_lines(max_cart_lines.clamp(1, crate::cart::MAX_MAX_CART_LINES));
        let mut h = History {
            events: VecDeque::new(),
            max: max_events.clamp(1, MAX_MAX_EVENTS),
            cart,
            generation: 0,
            memory: Memory::default(),
        };
        let mut report = ImportReport::default();
        let v: Value = match json::parse(s) {
            Ok(v) => v,
            Err(_) => {
                report.dropped = usize::from(!s.trim().is_empty());
                return (h, report);
            }
        };
        let (version, events) = match (v["v"].as_f64(), v["events"].as_array()) {
            (Some(n), Some(a)) if n >= 1.0 => (n, a),
            _ => {
                report.dropped = 1;
                return (h, report);
            }
        };
        h.generation = v["g"].as_u64().unwrap_or(0);
        for e in events {
            match parse_event(e) {
                Some(ev) => h.events.push_back(ev),
                None => report.dropped += 1,
            }
        }
        if version >= 2.0 {
            report.dropped += h.cart.read_json(&v["cart"], &v["removed"]);
        } else {
            report.dropped += h.derive_cart();
        }
        let before = h.events.len();
        h.enforce_bound();
        report.dropped += before - h.events.len();
        report.dropped += h.memory.read_json_value(&v["m"]);
        report.kept = h.events.len();
        (h, report)
    }
}

impl History {
    /// The cart of a version 1 value: its events replayed in order (before the event bound, so a
    /// cart longer than the log keeps every line). Returns the adds refused by the cart bound.
    fn derive_cart(&mut self) -> usize {
        let mut refused = 0;
        for e in &self.events {
            match e.kind {
                EventKind::AddToCart => {
                    refused += usize::from(self.cart.add(&e.item, e.at).is_err())
                }
                EventKind::RemoveFromCart | EventKind::Purchase => {
                    self.cart.remove(&e.item, e.at);
                }
                EventKind::View => {}
            }
        }
        refused
    }
}

/// One stored event: the compact `["v", id, at]` form, or the long
/// `{"type": "view", "itemId": id, "at": at}` form that `history()` returns.
fn parse_event(e: &Value) -> Option<Event> {
    let (kind, item, at) = match e {
        Value::Array(a) if a.len() == 3 => (&a[0], &a[1], &a[2]),
        Value::Object(_) => (e.get("type")?, e.get("itemId")?, e.get("at")?),
        _ => return None,
    };
    let kind = EventKind::parse(kind.as_str()?)?;
    let item = item.as_str()?;
    let at = check_at(at.as_f64()?).ok()?;
    check_id(item).is_ok().then(|| Event {
        kind,
        item: item.to_owned(),
        at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cart_follows_adds_removes_and_purchases() {
        let mut h = History::default();
        h.push(EventKind::AddToCart, "a", 1.0).unwrap();
        h.push(EventKind::AddToCart, "b", 2.0).unwrap();
        h.push(EventKind::AddToCart, "a", 3.0).unwrap();
        h.push(EventKind::View, "c", 4.0).unwrap();
        assert_eq!(h.cart(), ["a", "b"]);
        h.push(EventKind::RemoveFromCart, "a", 5.0).unwrap();
        assert_eq!(h.cart(), ["b"]);
        h.push_purchase(&["b".into()], 6.0).unwrap();
        assert!(h.cart().is_empty());
    }

    #[test]
    fn a_long_browse_moves_the_window_but_never_the_cart() {
        let mut h = History::new(3).unwrap();
        h.push(EventKind::AddToCart, "kept", 0.0).unwrap();
        for i in 0..10 {
            h.push(EventKind::View, &format!("v{i}"), i as f64 + 1.0)
                .unwrap();
        }
        assert_eq!(h.len(), 3);
        assert_eq!(h.cart(), ["kept"]);
        let items: Vec<_> = h.events().map(|e| e.item.as_str()).collect();
        assert_eq!(items, ["v7", "v8", "v9"], "a plain window");
        let (back, r) = History::from_json(&h.to_json(), 3);
        assert_eq!((r.kept, r.dropped), (3, 0));
        assert_eq!(back.cart(), ["kept"], "the cart is stored on its own");
    }

    #[test]
    fn a_full_cart_refuses_a_new_line_and_records_nothing() {
        let mut h = History::new(5).unwrap();
        h.set_max_cart_lines(2).unwrap();
        h.push(EventKind::AddToCart, "a", 1.0).unwrap();
        h.push(EventKind::AddToCart, "b", 2.0).unwrap();
        let before = h.to_json();
        let e = h.push(EventKind::AddToCart, "c", 3.0).unwrap_err();
        assert_eq!(e.code(), "BAD_ARGUMENT");
        assert_eq!(h.to_json(), before, "no event, no line, no memory entry");
        h.push(EventKind::AddToCart, "a", 4.0).unwrap();
        h.push_purchase(&["a".into()], 5.0).unwrap();
        h.push(EventKind::AddToCart, "c", 6.0).unwrap();
        assert_eq!(h.cart(), ["b", "c"]);
        assert!(h.set_max_cart_lines(0).is_err());
        // A stored cart longer than this instance's bound keeps the lines added first.
        let (small, r) = History::from_json_bounded(&h.to_json(), 5, 1);
        assert_eq!(small.cart(), ["b"]);
        assert_eq!(r.dropped, 1);
    }

    #[test]
    fn clear_empties_the_cart_and_a_newer_generation_replaces_it() {
        let mut a = History::default();
        a.push(EventKind::AddToCart, "x", 1.0).unwrap();
        a.push(EventKind::RemoveFromCart, "x", 2.0).unwrap();
        a.push(EventKind::AddToCart, "y", 3.0).unwrap();
        let b = a.clone();
        a.clear(9);
        assert!(a.cart().is_empty() && a.cart_state().removed().is_empty());
        assert!(a.to_json().contains(r#""cart":[]"#));
        a.push(EventKind::AddToCart, "z", 4.0).unwrap();
        let mut b2 = b.clone();
        assert!(b2.merge(&a));
        assert_eq!(b2.cart(), ["z"], "the other tab follows the clear");
        let mut a2 = a.clone();
        assert!(!a2.merge(&a));
    }

    #[test]
    fn merge_keeps_both_tabs_adds_and_the_newer_removal() {
        let mut base = History::new(4).unwrap();
        base.push(EventKind::AddToCart, "both", 1.0).unwrap();
        base.push(EventKind::AddToCart, "gone-in-b", 2.0).unwrap();
        let (mut a, mut b) = (base.clone(), base.clone());
        for i in 0..10 {
            a.push(EventKind::View, &format!("a{i}"), 10.0 + i as f64)
                .unwrap();
        }
        a.push(EventKind::AddToCart, "a-new", 30.0).unwrap();
        b.push(EventKind::AddToCart, "b-new", 31.0).unwrap();
        b.push(EventKind::RemoveFromCart, "gone-in-b", 32.0)
            .unwrap();
        a.push(EventKind::RemoveFromCart, "both", 33.0).unwrap();
        let mut ab = a.clone();
        assert!(ab.merge(&b));
        let mut ba = b.clone();
        assert!(ba.merge(&a));
        assert_eq!(ab.cart(), ["a-new", "b-new"]);
        assert_eq!(ba.cart(), ab.cart());
        assert_eq!(ab.len(), 4, "the events stay bounded");
        let (back, _) = History::from_json(&ab.to_json(), 4);
        assert_eq!(back.cart_state(), ab.cart_state());
    }

    // What `History::to_json` wrote before the cart had its own state (format version 1; this
    // text is its output for these events): the cart is derived from the events exactly as that
    // version derived it, then stored on its own.
    #[test]
    fn version_1_values_load_with_the_cart_they_had() {
        let v1 = concat!(
            r#"{"v":1,"g":7,"events":[["a","mug",1700000000000],["a","tea",1700000001000],"#,
            r#"["v","pot",1700000002000],["r","mug",1700000003000],["a","cup",1700000004000],"#,
            r#"["p","cup",1700000005000],["a","mug",1700000006000],["a","tea",1700000007000]],"#,
            r#""m":[["mug",0,0,2,1,1700000006000],["tea",0,0,2,1,1700000007000],"#,
            r#"["cup",1,1700000005000,1,1.5,1700000005000]]}"#
        );
        let (h, r) = History::from_json(v1, 200);
        assert_eq!((r.kept, r.dropped), (8, 0));
        assert_eq!(h.cart(), ["tea", "mug"]);
        assert_eq!(h.generation(), 7);
        let v2 = h.to_json();
        assert!(v2.starts_with(r#"{"v":2,"#), "{v2}");
        assert!(
            v2.contains(r#""cart":[["tea",1700000001000,1700000007000],["mug",1700000006000]]"#),
            "{v2}"
        );
        let (back, _) = History::from_json(&v2, 200);
        assert_eq!(back.cart_state(), h.cart_state());
        // Read with a smaller bound, version 1 kept only the two adds (["mug", "tea"], out of
        // order); the cart now comes from every stored event.
        let (small, _) = History::from_json(v1, 2);
        assert_eq!(small.cart(), ["tea", "mug"]);
        assert_eq!(small.len(), 2);
    }

    #[test]
    fn json_round_trip() {
        let mut h = History::new(50).unwrap();
        h.push(EventKind::View, "x\"y\u{e9}", 1.5).unwrap();
        h.push(EventKind::AddToCart, "z", 1_700_000_000_000.0)
            .unwrap();
        h.push_purchase(&["z".into()], 1_700_000_000_001.0).unwrap();
        let (back, r) = History::from_json(&h.to_json(), 50);
        assert_eq!(
            r,
            ImportReport {
                kept: 3,
                dropped: 0
            }
        );
        assert_eq!(back.events, h.events);
    }

    #[test]
    fn corrupt_storage_keeps_what_it_can() {
        let s = r#"{"v":1,"events":[["v","a",1],["x","b",2],["v","",3],["a","c",null],
            {"type":"add_to_cart","itemId":"d","at":4},7,["p","e",5]]}"#;
        let (h, r) = History::from_json(s, 200);
        assert_eq!(
            r,
            ImportReport {
                kept: 3,
                dropped: 4
            }
        );
        assert_eq!(h.cart(), ["d"]);
        for garbage in [
            "",
            "not json",
            "[1,2]",
            "{\"events\":[]}",
            "null",
            "{\"v\":\"1\"}",
        ] {
            let (h, r) = History::from_json(garbage, 200);
            assert!(h.is_empty());
            assert_eq!(r.kept, 0);
            assert_eq!(r.dropped, usize::from(!garbage.is_empty()), "{garbage}");
        }
    }

    #[test]
    fn import_over_the_bound_keeps_the_newest() {
        let mut h = History::new(10).unwrap();
        for i in 0..10 {
            h.push(EventKind::View, &format!("i{i}"), i as f64).unwrap();
        }
        let (small, r) = History::from_json(&h.to_json(), 4);
        assert_eq!(
            r,
            ImportReport {
                kept: 4,
                dropped: 6
            }
        );
        assert_eq!(small.events().next().unwrap().item, "i6");
    }

    #[test]
    fn merge_unions_same_generation_and_replaces_after_clear() {
        let mut a = History::default();
        a.push(EventKind::View, "x", 1.0).unwrap();
        let mut b = a.clone();
        a.push(EventKind::View, "a-only", 3.0).unwrap();
        b.push(EventKind::AddToCart, "b-only", 2.0).unwrap();
        assert!(a.merge(&b));
        let items: Vec<_> = a.events().map(|e| e.item.as_str()).collect();
        assert_eq!(items, ["x", "b-only", "a-only"]);
        assert!(!a.merge(&b), "merging again changes nothing");
        let mut c = History::default();
        c.clear(42);
        c.push(EventKind::View, "fresh", 9.0).unwrap();
        assert!(a.merge(&c));
        assert_eq!(a.len(), 1);
        assert_eq!(a.generation(), 42);
        let (back, _) = History::from_json(&a.to_json(), 10);
        assert_eq!(back.generation(), 42);
    }

    #[test]
    fn purchases_outlive_the_session_window() {
        let mut h = History::new(3).unwrap();
        h.push_purchase(&["tea".into(), "tea".into(), "mug".into()], 1.0)
            .unwrap();
        for i in 0..10 {
            h.push(EventKind::View, &format!("v{i}"), 2.0 + i as f64)
                .unwrap();
        }
        assert!(
            h.events().all(|e| e.kind == EventKind::View),
            "window moved on"
        );
        let m = h.memory().items();
        assert_eq!(
            (m[0].id.as_str(), m[0].purchases),
            ("tea", 1),
            "one order, counted once"
        );
        let (back, r) = History::from_json(&h.to_json(), 3);
        assert_eq!((r.kept, r.dropped), (3, 0));
        assert_eq!(back.memory(), h.memory());
        let mut cleared = back.clone();
        cleared.clear(7);
        assert!(
            cleared.memory().is_empty(),
            "clearing forgets the purchase record too"
        );
    }

    #[test]
    fn bad_arguments() {
        let mut h = History::default();
        assert_eq!(
            h.push(EventKind::View, "", 1.0).unwrap_err().code(),
            "BAD_ARGUMENT"
        );
        assert!(h.push(EventKind::View, "a", f64::NAN).is_err());
        assert!(h
            .push(EventKind::View, &"x".repeat(MAX_ID_LEN + 1), 1.0)
            .is_err());
        assert!(h.push_purchase(&["a".into(), "".into()], 1.0).is_err());
        assert!(h.is_empty(), "a rejected batch records nothing");
        assert!(History::new(0).is_err());
    }

    // What the serde_json-based writer stored before src/json.rs (sorted keys, timestamps as
    // `1700000000000.0`, strength as its shortest f64) still loads, and the new text carries
    // the same values.
    #[test]
    fn reads_histories_stored_by_the_serde_json_writer() {
        let old = concat!(
            r#"{"events":[["v","a",1700000000000.0],["a","b",1700000000500.0],"#,
            r#"["p","b",-0.0]],"g":18446744073709551615,"#,
            r#""m":[["b",2,1700000000500.0,1,1.2345,1700000000500.0]],"v":1}"#
        );
        let (h, r) = History::from_json(old, 100);
        assert_eq!((r.kept, r.dropped), (3, 0));
        assert_eq!(h.generation(), u64::MAX);
        let ats: Vec<u64> = h.events().map(|e| e.at.to_bits()).collect();
        assert_eq!(
            ats,
            [1.7e12f64, 1700000000500.0, -0.0]
                .map(f64::to_bits)
                .to_vec()
        );
        let rec = &h.memory().items()[0];
        assert_eq!((rec.purchases, rec.cart_adds, rec.strength), (2, 1, 1.2345));
        assert!(h.cart().is_empty());
        let new = h.to_json();
        // The purchase (dated before the add) still takes the item out: 1 ms after the add.
        assert_eq!(
            new,
            concat!(
                r#"{"v":2,"g":18446744073709551615,"events":[["v","a",1700000000000],"#,
                r#"["a","b",1700000000500],["p","b",-0]],"cart":[],"#,
                r#""removed":[["b",1700000000501]],"#,
                r#""m":[["b",2,1700000000500,1,1.2345,1700000000500]]}"#
            )
        );
        let (back, _) = History::from_json(&new, 100);
        assert_eq!(back.to_json(), new);
        assert_eq!(back.memory().items(), h.memory().items());
    }
}
