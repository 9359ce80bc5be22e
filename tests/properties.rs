//! Property tests over the public core API: top-k against a full sort for any scores, the
//! history's storage form for any events, and the invariants of every Engine list.
#![cfg(not(target_arch = "wasm32"))]

use std::collections::HashSet;

use cartsense::history::{EventKind, History, MAX_ID_LEN, MAX_TIMESTAMP_MS};
use cartsense::pack::{PackWriter, Quantize};
use cartsense::rank::{Engine, Query};
use cartsense::topk::{top_k, top_k_by_sort, TopK};
use proptest::prelude::*;

/// Every kind of f32: NaN, both infinities, both zeros, subnormals, the extremes, and many
/// exact ties.
fn any_score() -> impl Strategy<Value = f32> {
    prop_oneof![
        6 => (-3i32..3).prop_map(|x| x as f32),
        4 => proptest::num::f32::ANY,
        1 => Just(f32::NAN),
        1 => Just(-f32::NAN),
        1 => Just(f32::INFINITY),
        1 => Just(f32::NEG_INFINITY),
        1 => Just(0.0),
        1 => Just(-0.0),
        1 => Just(f32::MIN_POSITIVE / 8.0),
        1 => Just(f32::MAX),
        1 => Just(f32::MIN),
    ]
}

/// Any non-empty id within the limit: any Unicode scalar (controls, NUL, quotes, astral).
fn any_id() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::collection::vec(any::<char>(), 1..12).prop_map(String::from_iter),
        "[a-c]{1,2}",
        Just("\"\\\u{0}\u{2028}\u{feff}".to_string()),
        Just("🛒".repeat(MAX_ID_LEN / 4)),
    ]
}

/// Any finite timestamp, extremes included.
fn any_at() -> impl Strategy<Value = f64> {
    prop_oneof![
        4 => 0.0..2e12f64,
        4 => proptest::num::f64::NORMAL | proptest::num::f64::SUBNORMAL | proptest::num::f64::ZERO
            | proptest::num::f64::POSITIVE | proptest::num::f64::NEGATIVE,
        1 => Just(f64::MAX),
        1 => Just(f64::MIN),
        1 => Just(-0.0),
        1 => Just(5e-324),
        1 => Just(1_732_871_234_567.890_1),
    ]
}

fn any_kind() -> impl Strategy<Value = EventKind> {
    (0usize..4).prop_map(|i| EventKind::ALL[i])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn top_k_equals_a_full_sort(
        s in prop::collection::vec(any_score(), 0..200),
        tie in prop::collection::vec(0u8..3, 200),
        k in 1usize..250,
        masked in prop::collection::vec(any::<bool>(), 200),
    ) {
        let tie: Vec<f32> = tie.iter().take(s.len()).map(|&x| x as f32).collect();
        let mask = |j: usize| !masked[j];
        let a = top_k(&s, &tie, k, mask);
        let b = top_k_by_sort(&s, &tie, k, mask);
        let bits = |v: &[cartsense::topk::Scored]| -> Vec<(u32, u32)> {
            v.iter().map(|x| (x.index, x.score.to_bits())).collect()
        };
        prop_assert_eq!(bits(&a), bits(&b));
        let mut sel = TopK::new(k);
        for (i, chunk) in s.chunks(64).enumerate() {
            sel.offer_block(i * 64, chunk, &tie, &mut |j| mask(j));
        }
        let mut c = Vec::new();
        sel.drain_sorted(&mut c);
        prop_assert_eq!(bits(&c), bits(&b));
    }

    #[test]
    fn history_survives_serialise_and_parse(
        events in prop::collection::vec((any_kind(), any_id(), any_at()), 0..60),
        generation in any::<u64>(),
        max_cart in prop_oneof![Just(1000usize), 1usize..6],
    ) {
        let mut h = History::new(1000).unwrap();
        h.set_max_cart_lines(max_cart).unwrap();
        h.clear(generation);
        let mut accepted = 0;
        for (kind, id, at) in &events {
            // Timestamps are whole milliseconds within the JS Date range, and a full cart takes
            // no new line; anything else is refused and records nothing.
            let full = *kind == EventKind::AddToCart
                && h.cart().len() >= max_cart
                && !h.cart().contains(&id.as_str());
            if at.abs() <= MAX_TIMESTAMP_MS && !full {
                h.push(*kind, id, *at).unwrap();
                accepted += 1;
                prop_assert_eq!(h.events().last().map(|e| e.at), Some(at.round()));
            } else {
                let before = h.to_json();
                prop_assert_eq!(h.push(*kind, id, *at).unwrap_err().code(), "BAD_ARGUMENT");
                prop_assert_eq!(h.to_json(), before);
            }
            prop_assert!(h.cart().len() <= max_cart);
        }
        let json = h.to_json();
        let (back, r) = History::from_json_bounded(&json, 1000, max_cart);
        prop_assert_eq!((r.kept, r.dropped), (accepted, 0), "{}", json);
        prop_assert_eq!(back.generation(), generation);
        for (a, b) in back.events().zip(h.events()) {
            prop_assert_eq!((a.kind, &a.item, a.at.to_bits()), (b.kind, &b.item, b.at.to_bits()));
        }
        prop_assert_eq!(back.cart(), h.cart());
        prop_assert_eq!(back.cart_state(), h.cart_state(), "lines and removals, times to the bit");
        prop_assert_eq!(back.to_json(), json);
        // A second tab holding the same value merges to no change (no duplicates from a
        // timestamp that did not survive exactly).
        let mut m = h.clone();
        prop_assert!(!m.merge(&back) || m.to_json() == h.to_json());
        prop_assert_eq!(m.len(), h.len());
    }

    #[test]
    fn engine_lists_hold_no_cart_items_and_no_duplicates(
        n in 2usize..40,
        d in 1usize..5,
        seed in any::<u64>(),
        int8 in any::<bool>(),
        events in prop::collection::vec((any_kind(), 0usize..50, 0.0..1e6f64), 0..30),
        k in 1usize..50,
        excluded in prop::collection::vec(0usize..50, 0..5),
        category in prop::option::of(0usize..4),
        price in prop::option::of((0.0f32..60.0, 0.0f32..60.0)),
        diversity in prop_oneof![Just(0.0f32), 0.0f32..=1.0],
        exclude_viewed in any::<bool>(),
    ) {
        let mut x = seed | 1;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            ((x >> 11) as f64 / (1u64 << 53) as f64) as f32 * 2.0 - 1.0
        };
        let ids: Vec<String> = (0..n).map(|i| format!("i{i}")).collect();
        // Some all-zero rows and some exact duplicates: ties everywhere.
        let emb: Vec<f32> = (0..n * d)
            .map(|j| match (j / d) % 5 { 0 => 0.0, 1 => 0.5, _ => next() })
            .collect();
        let cats = ["a", "b", "c", ""];
        let nbrs = (0..n)
            .map(|i| vec![(((i + 1) % n) as u32, 1.0), (((i + 3) % n) as u32, 0.5)]
                .into_iter().filter(|&(j, _)| j as usize != i).collect::<Vec<_>>())
            .map(|mut r: Vec<(u32, f32)>| { r.dedup_by_key(|e| e.0); r })
            .collect();
        let bytes = PackWriter::new(ids.clone(), d, emb)
            .categories((0..n).map(|i| cats[i % 4].to_string()).collect())
            .prices((0..n).map(|i| (i % 7) as f32 * 10.0).collect())
            .popularity((0..n).map(|i| (i % 3) as f32).collect())
            .neighbours(nbrs)
            .baskets((0..2 * n).map(|b| vec![(b % n) as u32, ((b * 7 + 1) % n) as u32]).collect())
            .meta(serde_json::json!({"scorer": {"knnWeight": 0.5, "popularityWeight": 0.2,
                "neighbourWeight": 0.3, "knnNeighbours": 5}}))
            .quantize(if int8 { Quantize::I8 } else { Quantize::F32 })
            .to_bytes()
            .unwrap();
        let mut e = Engine::from_bytes(&bytes).unwrap();
        // Ids beyond n are unknown to the pack: kept in the history, ignored in scoring.
        let id = |i: usize| format!("i{i}");
        for (kind, i, at) in &events {
            e.record(*kind, &id(*i), *at).unwrap();
        }
        let (lo, hi) = price.map_or((None, None), |(a, b)| (Some(a.min(b)), Some(a.max(b))));
        let q = Query {
            k,
            exclude: excluded.iter().map(|&i| id(i)).collect(),
            category: category.map(|c| cats[c].to_string()),
            min_price: lo,
            max_price: hi,
            diversity,
            exclude_viewed,
        };
        let cart: HashSet<String> = e.cart().into_iter().collect();
        let bought: HashSet<String> = events.iter()
            .filter(|(kind, _, _)| *kind == EventKind::Purchase)
            .map(|(_, i, _)| id(*i))
            .collect();
        let no_dups = |v: &[cartsense::rank::Rec]| {
            v.iter().map(|r| &r.id).collect::<HashSet<_>>().len() == v.len()
        };
        let recs = e.recommend(&q).unwrap();
        prop_assert!(recs.len() <= k);
        prop_assert!(no_dups(&recs), "duplicates in {:?}", recs);
        for r in &recs {
            prop_assert!(!cart.contains(&r.id), "cart item {} recommended", r.id);
            prop_assert!(!bought.contains(&r.id), "purchased item {} recommended", r.id);
            prop_assert!(!q.exclude.contains(&r.id), "excluded item {} recommended", r.id);
        }
        let sim = e.similar(&id(0), &q).unwrap();
        prop_assert!(no_dups(&sim) && sim.len() <= k);
        prop_assert!(sim.iter().all(|r| r.id != id(0) && !q.exclude.contains(&r.id)));
        let pop = e.popular(&q).unwrap();
        prop_assert!(no_dups(&pop) && pop.len() <= k);
    }
}

/// The cart as format version 1 derived it from the whole event list: items added and not since
/// removed or purchased, in order of first add.
fn cart_reference(ev: &[(EventKind, String)]) -> Vec<String> {
    let mut c: Vec<String> = Vec::new();
    for (k, id) in ev {
        match k {
            EventKind::AddToCart if !c.contains(id) => c.push(id.clone()),
            EventKind::RemoveFromCart | EventKind::Purchase => c.retain(|x| x != id),
            _ => {}
        }
    }
    c
}

/// One tab's view of an item for the merge reference: (in the cart, time of the last change).
type Marks = std::collections::HashMap<String, (bool, u64)>;

/// The cart rule stated plainly (src/cart.rs), for times that only go forward.
fn apply_reference(m: &mut Marks, kind: EventKind, id: &str, t: u64) {
    let next = match (kind, m.get(id).copied()) {
        (EventKind::AddToCart, Some((true, c))) => (true, c.max(t)),
        (EventKind::AddToCart, _) => (true, t),
        (EventKind::RemoveFromCart | EventKind::Purchase, Some((_, c))) => (false, c.max(t)),
        _ => return,
    };
    m.insert(id.into(), next);
}

proptest! {
    #[test]
    fn the_bound_keeps_the_newest_events_and_every_cart_line(
        events in prop::collection::vec((any_kind(), "[a-e]"), 0..80),
        max in 1usize..30,
    ) {
        // A version 1 value: the cart is derived from all its events, then kept on its own.
        let stored: Vec<serde_json::Value> = events
            .iter()
            .enumerate()
            .map(|(t, (k, id))| serde_json::json!([k.as_str(), id, t]))
            .collect();
        let json = serde_json::json!({ "v": 1, "events": stored }).to_string();
        let (h, r) = History::from_json(&json, max);
        let got: Vec<(EventKind, String)> = h.events().map(|e| (e.kind, e.item.clone())).collect();
        let all: Vec<(EventKind, String)> = events.iter().map(|(k, id)| (*k, id.clone())).collect();
        prop_assert_eq!(&got[..], &all[all.len().saturating_sub(max)..]);
        prop_assert_eq!(r.kept + r.dropped, events.len());
        prop_assert_eq!(h.cart(), cart_reference(&all));
        // Stored again (version 2), nothing changes.
        let (back, r) = History::from_json(&h.to_json(), max);
        prop_assert_eq!(r.dropped, 0);
        prop_assert_eq!(back.cart_state(), h.cart_state());
    }

    #[test]
    fn two_tabs_merge_their_carts_item_by_item(
        ops in prop::collection::vec((0u8..3, any_kind(), "[a-f]"), 0..60),
    ) {
        // Side 0 acts before the tabs part (both start from it), then tabs 1 and 2 act without
        // seeing each other; times only go forward.
        let mut base = History::new(8).unwrap();
        let mut marks_base = Marks::new();
        let (mut a, mut b) = (None, None);
        let (mut ma, mut mb) = (Marks::new(), Marks::new());
        for (t, (side, kind, id)) in ops.iter().enumerate() {
            let t = t as u64 + 1;
            if *side == 0 && a.is_none() {
                base.push(*kind, id, t as f64).unwrap();
                apply_reference(&mut marks_base, *kind, id, t);
                continue;
            }
            let (h, m) = if *side == 2 { (&mut b, &mut mb) } else { (&mut a, &mut ma) };
            if h.is_none() {
                *h = Some(base.clone());
                *m = marks_base.clone();
            }
            h.as_mut().unwrap().push(*kind, id, t as f64).unwrap();
            apply_reference(m, *kind, id, t);
        }
        let a = a.unwrap_or_else(|| base.clone());
        let b = b.unwrap_or_else(|| base.clone());
        let (ma, mb) = (
            if ma.is_empty() { marks_base.clone() } else { ma },
            if mb.is_empty() { marks_base.clone() } else { mb },
        );
        let mut want: Vec<&str> = ma
            .keys()
            .chain(mb.keys())
            .filter(|id| {
                let (x, y) = (ma.get(*id), mb.get(*id));
                // The later change; a removal wins a tie (the same change seen by both).
                let win = match (x, y) {
                    (Some(x), Some(y)) if x.1 != y.1 => if x.1 > y.1 { x } else { y },
                    (Some(x), Some(y)) => if x.0 { y } else { x },
                    (Some(x), None) | (None, Some(x)) => x,
                    (None, None) => unreachable!(),
                };
                win.0
            })
            .map(String::as_str)
            .collect();
        want.sort();
        want.dedup();
        let (mut ab, mut ba) = (a.clone(), b.clone());
        ab.merge(&b);
        ba.merge(&a);
        let sorted = |h: &History| {
            let mut c = h.cart();
            c.sort();
            c.into_iter().map(String::from).collect::<Vec<_>>()
        };
        prop_assert_eq!(sorted(&ab), want.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        prop_assert_eq!(sorted(&ba), sorted(&ab), "the same whichever tab merges");
        let once = ab.to_json();
        ab.merge(&b);
        ab.merge(&a);
        prop_assert_eq!(ab.to_json(), once, "merging again changes nothing");
    }
}

#[test]
fn a_huge_import_is_bounded_in_linear_time() {
    let stored: Vec<serde_json::Value> = (0..100_000)
        .map(|t| {
            let kind = if t % 3 == 0 { "a" } else { "v" };
            serde_json::json!([kind, format!("i{}", t % 50), t])
        })
        .collect();
    let json = serde_json::json!({ "v": 1, "events": stored }).to_string();
    let t = std::time::Instant::now();
    let (h, r) = History::from_json(&json, 200);
    assert_eq!((h.len(), r.kept, r.dropped), (200, 200, 99_800));
    // Quadratic was minutes; linear is milliseconds even unoptimised on a busy machine.
    assert!(t.elapsed().as_secs() < 20, "{:?}", t.elapsed());
}
