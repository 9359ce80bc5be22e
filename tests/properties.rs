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
    ) {
        let mut h = History::new(1000).unwrap();
        h.clear(generation);
        let mut accepted = 0;
        for (kind, id, at) in &events {
            // Timestamps are whole milliseconds within the JS Date range; others are refused.
            if at.abs() <= MAX_TIMESTAMP_MS {
                h.push(*kind, id, *at).unwrap();
                accepted += 1;
                prop_assert_eq!(h.events().last().map(|e| e.at), Some(at.round()));
            } else {
                prop_assert_eq!(h.push(*kind, id, *at).unwrap_err().code(), "BAD_ARGUMENT");
            }
        }
        let json = h.to_json();
        let (back, r) = History::from_json(&json, 1000);
        prop_assert_eq!((r.kept, r.dropped), (accepted, 0), "{}", json);
        prop_assert_eq!(back.generation(), generation);
        for (a, b) in back.events().zip(h.events()) {
            prop_assert_eq!((a.kind, &a.item, a.at.to_bits()), (b.kind, &b.item, b.at.to_bits()));
        }
        prop_assert_eq!(back.cart(), h.cart());
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

/// The bound as first written (one victim at a time, cart recomputed after each): the
/// reference for the batched `enforce_bound`.
fn bound_reference(mut ev: Vec<(EventKind, String)>, max: usize) -> Vec<(EventKind, String)> {
    fn cart(ev: &[(EventKind, String)]) -> Vec<String> {
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
    while ev.len() > max {
        let c = cart(&ev);
        let victim = ev
            .iter()
            .position(|(k, id)| !(*k == EventKind::AddToCart && c.contains(id)))
            .unwrap_or(0);
        ev.remove(victim);
    }
    ev
}

proptest! {
    #[test]
    fn the_bound_drops_what_one_at_a_time_dropping_would(
        events in prop::collection::vec((any_kind(), "[a-e]"), 0..80),
        max in 1usize..30,
    ) {
        let stored: Vec<serde_json::Value> = events
            .iter()
            .enumerate()
            .map(|(t, (k, id))| serde_json::json!([k.as_str(), id, t]))
            .collect();
        let json = serde_json::json!({ "v": 1, "events": stored }).to_string();
        let (h, r) = History::from_json(&json, max);
        let got: Vec<(EventKind, String)> = h.events().map(|e| (e.kind, e.item.clone())).collect();
        let want = bound_reference(events.iter().map(|(k, id)| (*k, id.clone())).collect(), max);
        prop_assert_eq!(&got, &want);
        prop_assert_eq!(r.kept + r.dropped, events.len());
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
