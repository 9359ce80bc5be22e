//! The shopper's session history: a bounded log of events kept on the device, its compact
//! versioned JSON form for `localStorage`, and the cart derived from it.
//!
//! Reading stored history never fails: valid events are kept, anything else is dropped and
//! counted, so a corrupt or foreign value costs at most itself.

use std::collections::VecDeque;

use crate::json::{self, Value};

use crate::error::{Error, Result};
pub use crate::ids::{check_at, check_id, ImportReport, MAX_ID_LEN, MAX_TIMESTAMP_MS};
use crate::memory::Memory;

/// Default bound on the number of events kept.
pub const DEFAULT_MAX_EVENTS: usize = 200;
/// Largest bound a caller may ask for.
pub const MAX_MAX_EVENTS: usize = 100_000;
/// Version written into the JSON form.
pub const FORMAT_VERSION: u64 = 1;

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

/// Bounded event log.
#[derive(Debug, Clone)]
pub struct History {
    events: VecDeque<Event>,
    max: usize,
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

    /// Bring in what another writer (another tab) stored. Same generation: the union of both
    /// event lists in time order (nothing either side recorded is lost). Different generation:
    /// the other side cleared, so its history replaces ours. Returns true if ours changed.
    pub fn merge(&mut self, other: &History) -> bool {
        if other.generation != self.generation {
            self.events = other.events.clone();
            self.memory = other.memory.clone();
            self.generation = other.generation;
            self.enforce_bound();
            return true;
        }
        let memory_changed = self.memory.merge(&other.memory);
        let key = |e: &Event| (e.kind, e.item.clone(), e.at.to_bits());
        let mine: std::collections::HashSet<_> = self.events.iter().map(key).collect();
        let new: Vec<Event> = other
            .events
            .iter()
            .filter(|e| !mine.contains(&key(e)))
            .cloned()
            .collect();
        if new.is_empty() {
            return memory_changed;
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

    /// Record one event (validated), dropping the oldest beyond the bound.
    pub fn push(&mut self, kind: EventKind, item: &str, at: f64) -> Result<()> {
        check_id(item)?;
        let at = check_at(at)?;
        match kind {
            EventKind::AddToCart => self.memory.record_cart_add(item, at)?,
            EventKind::Purchase => self.memory.record_purchase(item, at)?,
            _ => {}
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

    /// Drop the oldest events beyond the bound. Adds of items still in the cart go last, so a
    /// long browse never empties the cart.
    fn enforce_bound(&mut self) {
        let excess = self.events.len().saturating_sub(self.max);
        if excess == 0 {
            return;
        }
        // Same result as dropping one victim at a time with the cart recomputed after each, in
        // one pass: every event before the first victim is a protected add, and dropping a
        // victim never changes which items are in the cart, so the victims are the oldest
        // unprotected events; when only protected adds are left, the oldest of those go. One at
        // a time was quadratic: a 100k-event import or a `purchase()` of a huge array froze the
        // page for minutes.
        let cart: std::collections::HashSet<String> =
            self.cart().into_iter().map(str::to_owned).collect();
        let mut dropped = 0;
        self.events.retain(|e| {
            let protected = e.kind == EventKind::AddToCart && cart.contains(&e.item);
            let drop = !protected && dropped < excess;
            dropped += usize::from(drop);
            !drop
        });
        let over = self.events.len().saturating_sub(self.max);
        self.events.drain(..over);
    }

    /// The cart: items added and not since removed or purchased, in order of first add.
    pub fn cart(&self) -> Vec<&str> {
        let mut cart: Vec<&str> = Vec::new();
        for e in &self.events {
            match e.kind {
                EventKind::AddToCart => {
                    if !cart.contains(&e.item.as_str()) {
                        cart.push(&e.item);
                    }
                }
                EventKind::RemoveFromCart | EventKind::Purchase => cart.retain(|c| *c != e.item),
                EventKind::View => {}
            }
        }
        cart
    }

    /// Compact JSON for storage: `{"v":1,"g":GEN,"events":[["v","ID",1700000000000],...]}`.
    /// Timestamps are whole milliseconds ([`check_at`]) and are written as integers; earlier
    /// versions wrote `1700000000000.0`, which reads back the same.
    pub fn to_json(&self) -> String {
        let mut out = String::with_capacity(32 + self.events.len() * 32);
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
        out.push(']');
        if !self.memory.is_empty() {
            out.push_str(",\"m\":");
            self.memory.write_json(&mut out);
        }
        out.push('}');
        out
    }

    /// Read stored JSON. Never fails: unreadable entries are dropped and counted. A value that is
    /// not a cartsense history at all counts as one dropped entry (none if it is empty).
    pub fn from_json(s: &str, max: usize) -> (History, ImportReport) {
        let mut h = History {
            events: VecDeque::new(),
            max: max.clamp(1, MAX_MAX_EVENTS),
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
        let events = match (v["v"].as_f64(), v["events"].as_array()) {
            (Some(n), Some(a)) if n >= 1.0 => a,
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
        let before = h.events.len();
        h.enforce_bound();
        report.dropped += before - h.events.len();
        report.dropped += h.memory.read_json_value(&v["m"]);
        report.kept = h.events.len();
        (h, report)
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
    fn bound_drops_oldest_but_keeps_the_cart() {
        let mut h = History::new(3).unwrap();
        h.push(EventKind::AddToCart, "kept", 0.0).unwrap();
        for i in 0..10 {
            h.push(EventKind::View, &format!("v{i}"), i as f64 + 1.0)
                .unwrap();
        }
        assert_eq!(h.len(), 3);
        assert_eq!(h.cart(), ["kept"]);
        let items: Vec<_> = h.events().map(|e| e.item.as_str()).collect();
        assert_eq!(items, ["kept", "v8", "v9"]);
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
        let new = h.to_json();
        assert_eq!(
            new,
            concat!(
                r#"{"v":1,"g":18446744073709551615,"events":[["v","a",1700000000000],"#,
                r#"["a","b",1700000000500],["p","b",-0]],"#,
                r#""m":[["b",2,1700000000500,1,1.2345,1700000000500]]}"#
            )
        );
        let (back, _) = History::from_json(&new, 100);
        assert_eq!(back.to_json(), new);
        assert_eq!(back.memory().items(), h.memory().items());
    }
}
