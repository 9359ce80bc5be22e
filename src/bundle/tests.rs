use super::*;
use crate::history::EventKind;
use crate::pack::{PackWriter, Quantize, SparseRows};
use proptest::prelude::*;

const IDS: [&str; 9] = [
    "camera", "camera2", "sd-card", "bag", "tripod", "battery", "kettle", "tea", "mug",
];

fn ix(id: &str) -> u32 {
    IDS.iter().position(|x| *x == id).unwrap() as u32
}

/// A shop where the right answers are known: a camera's complements are the SD card, the bag
/// and the tripod (in that order of co-purchase strength); `camera2` is a near-identical
/// substitute of `camera` that is also often bought with it; the kitchen items go together.
fn shop(q: Quantize, currency: &str, meta: serde_json::Value) -> Engine {
    shop_with(q, currency, meta, false)
}

/// [`shop`], optionally with the Gram matrix so that queries are least-squares fold-ins.
fn shop_with(q: Quantize, currency: &str, meta: serde_json::Value, fold: bool) -> Engine {
    let emb = vec![
        1.0, 0.0, 0.0, 0.0, // camera
        0.99, 0.05, 0.0, 0.0, // camera2
        0.6, 0.8, 0.0, 0.0, // sd-card
        0.5, 0.7, 0.1, 0.0, // bag
        0.4, 0.6, 0.3, 0.0, // tripod
        0.5, 0.5, 0.5, 0.0, // battery
        0.0, 0.0, 0.0, 1.0, // kettle
        0.0, 0.0, 0.5, 0.8, // tea
        0.0, 0.4, 0.1, 0.8, // mug
    ];
    let cats = [
        "cameras", "cameras", "acc", "acc", "acc", "acc", "kitchen", "kitchen", "kitchen",
    ];
    let prices = vec![300.0, 280.0, 20.0, 40.0, 60.0, 15.0, 30.0, 8.0, 12.0];
    let pop = vec![5.0, 4.0, 9.0, 3.0, 2.0, 6.0, 4.0, 7.0, 5.0];
    let row = |v: &[(&str, f32)]| v.iter().map(|&(s, w)| (ix(s), w)).collect::<Vec<_>>();
    let nbrs: SparseRows = vec![
        row(&[
            ("sd-card", 0.9),
            ("bag", 0.6),
            ("camera2", 0.5),
            ("tripod", 0.4),
        ]),
        row(&[("sd-card", 0.8), ("camera", 0.5)]),
        row(&[("camera", 0.9), ("camera2", 0.8), ("bag", 0.3)]),
        row(&[("camera", 0.6), ("sd-card", 0.3)]),
        row(&[("camera", 0.4)]),
        vec![],
        row(&[("tea", 0.7), ("mug", 0.5)]),
        row(&[("kettle", 0.7), ("mug", 0.4)]),
        row(&[("kettle", 0.5), ("tea", 0.4)]),
    ];
    let mut w = PackWriter::new(IDS.map(String::from).into(), 4, emb);
    if fold {
        w = w.fold_in(0.5, 2.0);
    }
    let bytes = w
        .categories(cats.map(String::from).into())
        .prices(prices)
        .popularity(pop)
        .neighbours(nbrs)
        .currency(currency)
        .meta(meta)
        .quantize(q)
        .to_bytes()
        .unwrap();
    Engine::from_bytes(&bytes).unwrap()
}

fn engine() -> Engine {
    shop(Quantize::F32, "GBP", serde_json::json!({}))
}

fn cart(ids: &[&str]) -> CartQuery {
    CartQuery {
        cart: Some(ids.iter().map(|s| s.to_string()).collect()),
        ..CartQuery::default()
    }
}

fn ids(recs: &[Rec]) -> Vec<&str> {
    recs.iter().map(|r| r.id.as_str()).collect()
}

fn pos(recs: &[Rec], id: &str) -> usize {
    recs.iter().position(|r| r.id == id).unwrap_or(usize::MAX)
}

#[test]
fn the_strongest_complement_comes_first_and_says_why() {
    for q in [Quantize::F32, Quantize::I8] {
        let mut e = shop(q, "GBP", serde_json::json!({}));
        let s = e.complete_cart(&cart(&["camera"])).unwrap();
        assert_eq!(ids(&s.items)[..3], ["sd-card", "bag", "tripod"], "{q:?}");
        assert_eq!(s.items[0].because.kind, ReasonKind::BoughtTogether);
        assert_eq!(s.items[0].because.item.as_deref(), Some("camera"));
        assert!(!ids(&s.items).contains(&"camera"));
        assert_eq!(s.cart_total, 300.0);
        assert_eq!((s.gap, s.closers.len()), (0.0, 0));
    }
}

#[test]
fn fold_in_packs_score_the_cart_by_its_least_squares_query() {
    let mut e = shop_with(Quantize::F32, "GBP", serde_json::json!({}), true);
    let s = e.complete_cart(&cart(&["camera"])).unwrap();
    assert_eq!(s.items[0].id, "sd-card");
    assert!(
        pos(&s.items, "camera2") > pos(&s.items, "tripod"),
        "{:?}",
        ids(&s.items)
    );
    let s = e.complete_cart(&cart(&["kettle"])).unwrap();
    let mut top2 = ids(&s.items)[..2].to_vec();
    top2.sort();
    assert_eq!(top2, ["mug", "tea"]);
    let owned = vec!["kettle".to_string()];
    let want: Vec<usize> = s.items.iter().take(4).map(|r| r.index).collect();
    assert_eq!(e.complete_cart_for(&owned, 4), want);
}

#[test]
fn items_without_a_category_are_never_substitutes() {
    let ids: Vec<String> = ["a", "a-blue", "b"].map(String::from).into();
    let bytes = PackWriter::new(ids, 2, vec![1.0, 0.0, 1.0, 0.01, 0.0, 1.0])
        .neighbours(vec![vec![(1, 0.9)], vec![(0, 0.9)], vec![]])
        .quantize(Quantize::F32)
        .to_bytes()
        .unwrap();
    let mut e = Engine::from_bytes(&bytes).unwrap();
    let s = e.complete_cart(&cart(&["a"])).unwrap();
    assert_eq!(
        s.items[0].id, "a-blue",
        "a colourway bought alongside, not a substitute"
    );
    let b = e
        .bundles(&BundleQuery {
            anchor: Some("a".into()),
            size: 2,
            ..BundleQuery::default()
        })
        .unwrap();
    assert_eq!(b[0].items, ["a", "a-blue"]);
}

#[test]
fn a_substitute_of_a_cart_item_is_penalised() {
    let mut e = engine();
    let s = e.complete_cart(&cart(&["camera"])).unwrap();
    // camera2 has more co-purchase weight than the tripod but is a near copy of the camera.
    assert!(
        pos(&s.items, "camera2") > pos(&s.items, "tripod"),
        "{:?}",
        ids(&s.items)
    );
    let mut off = shop(
        Quantize::F32,
        "GBP",
        serde_json::json!({"bundle": {"substitutePenalty": 1.0}}),
    );
    let s = off.complete_cart(&cart(&["camera"])).unwrap();
    assert!(
        pos(&s.items, "camera2") < pos(&s.items, "tripod"),
        "{:?}",
        ids(&s.items)
    );
}

#[test]
fn the_closer_is_the_relevant_item_with_the_least_overshoot() {
    let mut e = engine();
    let q = CartQuery {
        free_shipping_threshold: Some(320.0),
        ..cart(&["camera"])
    };
    let s = e.complete_cart(&q).unwrap();
    assert_eq!(s.gap, 20.0);
    assert_eq!(s.closers[0].id, "sd-card");
    assert_eq!(s.closer_sets[0].overshoot, 0.0);
    let q = CartQuery {
        free_shipping_threshold: Some(340.0),
        ..cart(&["camera"])
    };
    let s = e.complete_cart(&q).unwrap();
    assert_eq!(s.gap, 40.0);
    assert_eq!(s.closers[0].id, "bag", "exact fit beats the tripod (60)");
    for (set, r) in s.closer_sets.iter().zip(&s.closers) {
        assert_eq!(set.items, std::slice::from_ref(&r.id));
        assert!(set.total >= s.gap);
    }
}

#[test]
fn a_pair_closes_the_gap_when_no_single_item_fits() {
    let mut e = engine();
    let q = CartQuery {
        free_shipping_threshold: Some(50.0),
        max_price: Some(15.0),
        ..cart(&["kettle"])
    };
    let s = e.complete_cart(&q).unwrap();
    assert_eq!(s.gap, 20.0);
    let first = &s.closer_sets[0];
    let mut items = first.items.clone();
    items.sort();
    assert_eq!(items, ["mug", "tea"], "{:?}", s.closer_sets);
    assert_eq!((first.total, first.overshoot), (20.0, 0.0));
    let mut flat = ids(&s.closers)[..2].to_vec();
    flat.sort();
    assert_eq!(flat, ["mug", "tea"]);
}

#[test]
fn at_or_above_the_threshold_there_is_no_gap() {
    let mut e = engine();
    for t in [0.0, 299.0, 300.0] {
        let q = CartQuery {
            free_shipping_threshold: Some(t),
            ..cart(&["camera"])
        };
        let s = e.complete_cart(&q).unwrap();
        assert_eq!((s.gap, s.closers.len(), s.closer_sets.len()), (0.0, 0, 0));
    }
}

#[test]
fn bad_arguments_are_rejected_before_work() {
    let mut e = engine();
    for t in [f32::NAN, -1.0, f32::INFINITY] {
        let q = CartQuery {
            free_shipping_threshold: Some(t),
            ..CartQuery::default()
        };
        assert_eq!(e.complete_cart(&q).unwrap_err().code(), "BAD_ARGUMENT");
    }
    for q in [
        CartQuery {
            k: 0,
            ..CartQuery::default()
        },
        CartQuery {
            max_price: Some(f32::NAN),
            ..CartQuery::default()
        },
        cart(&[""]),
    ] {
        assert_eq!(e.complete_cart(&q).unwrap_err().code(), "BAD_ARGUMENT");
    }
    assert_eq!(
        e.frequently_bought_together("camera", 0)
            .unwrap_err()
            .code(),
        "BAD_ARGUMENT"
    );
    let bad = |b: BundleQuery| e.clone().bundles(&b).unwrap_err().code();
    for size in [0, 1, 5] {
        let q = BundleQuery {
            size,
            ..BundleQuery::default()
        };
        assert_eq!(bad(q), "BAD_ARGUMENT");
    }
    for discount in [-0.1, 0.51, f32::NAN] {
        let q = BundleQuery {
            discount,
            ..BundleQuery::default()
        };
        assert_eq!(bad(q), "BAD_ARGUMENT");
    }
    let q = BundleQuery {
        count: 0,
        ..BundleQuery::default()
    };
    assert_eq!(bad(q), "BAD_ARGUMENT");
}

#[test]
fn unknown_cart_ids_count_zero_and_are_reported() {
    let mut e = engine();
    let q = CartQuery {
        free_shipping_threshold: Some(310.0),
        ..cart(&["camera", "gone", "gone", "camera"])
    };
    let s = e.complete_cart(&q).unwrap();
    assert_eq!(s.unknown, ["gone"]);
    assert_eq!(s.cart_total, 600.0, "a repeated id is a quantity");
    assert_eq!(s.gap, 0.0);
    let s = e.complete_cart(&cart(&["gone"])).unwrap();
    assert_eq!((s.cart_total, s.unknown.len()), (0.0, 1));
    assert_eq!(s.items.len(), 9, "an unknown-only cart is an empty cart");
}

#[test]
fn an_empty_cart_without_history_gives_popular_items() {
    let mut e = engine();
    let s = e.complete_cart(&cart(&[])).unwrap();
    assert_eq!(s.items.len(), 9);
    assert!(s
        .items
        .iter()
        .all(|r| r.because.kind == ReasonKind::Popular));
    let s = e.complete_cart(&CartQuery::default()).unwrap();
    assert_eq!(s.items.len(), 9, "no recorded cart either");
}

#[test]
fn the_recorded_cart_is_the_default_and_history_personalises() {
    let mut e = engine();
    e.record(EventKind::AddToCart, "camera", 1.0).unwrap();
    let s = e.complete_cart(&CartQuery::default()).unwrap();
    assert_eq!(s.items[0].id, "sd-card");
    assert_eq!(s.cart_total, 300.0);
    // A shopper who only looked at a kettle: the profile term lifts the kitchen items.
    let mut e = engine();
    e.record(EventKind::View, "kettle", 2.0).unwrap();
    let s = e.complete_cart(&CartQuery::default()).unwrap();
    assert!(
        pos(&s.items, "tea") < pos(&s.items, "bag"),
        "{:?}",
        ids(&s.items)
    );
    let tea = &s.items[pos(&s.items, "tea")];
    assert_eq!(tea.because.item.as_deref(), Some("kettle"));
    assert_eq!(tea.because.kind, ReasonKind::Viewed);
}

#[test]
fn a_cart_holding_the_whole_catalogue_has_nothing_to_add() {
    let mut e = engine();
    let q = CartQuery {
        free_shipping_threshold: Some(10_000.0),
        ..cart(&IDS)
    };
    let s = e.complete_cart(&q).unwrap();
    assert!(s.items.is_empty() && s.closers.is_empty());
    assert_eq!(s.cart_total, 765.0);
    assert_eq!(s.gap, 9235.0);
    let b = e
        .bundles(&BundleQuery {
            cart: Some(IDS.map(String::from).into()),
            ..BundleQuery::default()
        })
        .unwrap();
    assert!(b.is_empty());
    assert!(e.complete_cart_for(&IDS.map(String::from), 10).is_empty());
}

#[test]
fn filters_apply_to_items_and_closers() {
    let mut e = engine();
    let q = CartQuery {
        category: Some("kitchen".into()),
        exclude: vec!["tea".into()],
        free_shipping_threshold: Some(320.0),
        ..cart(&["camera"])
    };
    let s = e.complete_cart(&q).unwrap();
    assert_eq!(ids(&s.items), ["mug", "kettle"]);
    assert_eq!(
        ids(&s.closers),
        ["kettle"],
        "the only kitchen item closing 20"
    );
    let q = CartQuery {
        category: Some("garden".into()),
        ..cart(&["camera"])
    };
    assert!(e.complete_cart(&q).unwrap().items.is_empty());
}

#[test]
fn eval_entry_point_matches_complete_cart() {
    let mut e = engine();
    for c in [&["camera"][..], &["kettle", "sd-card"], &["tea"]] {
        let s = e.complete_cart(&cart(c)).unwrap();
        let owned: Vec<String> = c.iter().map(|s| s.to_string()).collect();
        let got = e.complete_cart_for(&owned, 5);
        let want: Vec<usize> = s.items.iter().take(5).map(|r| r.index).collect();
        assert_eq!(got, want, "{c:?}");
    }
    let p = BundleParams {
        value_exponent: f32::NAN,
        ..BundleParams::default()
    };
    assert!(e.complete_cart_for_with(&[], 5, &p).is_err());
}

#[test]
fn bought_together_is_the_cart_blend_for_that_one_item() {
    let mut e = engine();
    let r = e.frequently_bought_together("camera", 3).unwrap();
    // camera2 is bought with the camera but is a near copy of it: penalised behind the tripod.
    assert_eq!(ids(&r), ["sd-card", "bag", "tripod"]);
    assert!(r
        .iter()
        .all(|x| x.because.kind == ReasonKind::BoughtTogether));
    for id in ["camera", "tripod", "battery", "tea"] {
        let r = e.frequently_bought_together(id, 20).unwrap();
        let want = e.complete_cart_for(&[id.to_string()], 20);
        assert_eq!(r.iter().map(|x| x.index).collect::<Vec<_>>(), want, "{id}");
        for x in &r {
            let linked = score::assoc_sym(e.pack(), e.pack().index_of(id).unwrap(), x.index) > 0.0;
            let kind = if linked {
                ReasonKind::BoughtTogether
            } else {
                ReasonKind::PairsWith
            };
            assert_eq!(
                (x.because.kind, x.because.item.as_deref()),
                (kind, Some(id))
            );
        }
    }
    // No pairs at all: complements by affinity, never empty, never the item itself.
    let r = e.frequently_bought_together("battery", 20).unwrap();
    assert_eq!(r.len(), 8);
    assert!(!ids(&r).contains(&"battery"));
    assert_eq!(
        e.frequently_bought_together("nope", 3).unwrap_err().code(),
        "UNKNOWN_ITEM"
    );
}

#[test]
fn bundles_hold_no_substitutes_and_round_the_price() {
    let mut e = engine();
    let q = BundleQuery {
        anchor: Some("camera".into()),
        cart: Some(vec![]),
        size: 3,
        count: 3,
        discount: 0.15,
    };
    let b = e.bundles(&q).unwrap();
    assert_eq!(b.len(), 3);
    for x in &b {
        assert_eq!(x.items[0], "camera");
        assert_eq!(x.items.len(), 3);
        assert!(!x.items.contains(&"camera2".to_string()), "{x:?}");
        let mut u = x.items.clone();
        u.sort();
        u.dedup();
        assert_eq!(u.len(), 3);
        assert_eq!(x.price, round_to_minor(x.total as f64 * 0.85, "GBP"));
    }
    assert!(b[0].items.contains(&"sd-card".to_string()));
    assert!(b.windows(2).all(|w| w[0].score >= w[1].score));
    let mut yen = shop(Quantize::F32, "JPY", serde_json::json!({}));
    let b = yen
        .bundles(&BundleQuery {
            anchor: Some("tea".into()),
            size: 2,
            discount: 0.33,
            ..BundleQuery::default()
        })
        .unwrap();
    assert!(b.iter().all(|x| x.price == x.price.round()), "{b:?}");
    assert_eq!(
        e.bundles(&BundleQuery {
            anchor: Some("nope".into()),
            ..BundleQuery::default()
        })
        .unwrap_err()
        .code(),
        "UNKNOWN_ITEM"
    );
}

#[test]
fn without_anchor_or_cart_bundles_start_from_distinct_popular_seeds() {
    let mut e = engine();
    let b = e
        .bundles(&BundleQuery {
            size: 2,
            count: 4,
            ..BundleQuery::default()
        })
        .unwrap();
    assert_eq!(b.len(), 4);
    let mut seeds: Vec<&String> = b.iter().map(|x| &x.items[0]).collect();
    seeds.sort();
    seeds.dedup();
    assert_eq!(seeds.len(), 4, "{b:?}");
    for x in &b {
        assert_eq!(x.price, x.total, "no discount");
    }
}

#[test]
fn minor_units() {
    assert_eq!(minor_unit_digits("jpy"), 0);
    assert_eq!(minor_unit_digits("KWD"), 3);
    assert_eq!(minor_unit_digits(""), 2);
    assert_eq!(round_to_minor(10.005, "JPY"), 10.0);
    assert_eq!(round_to_minor(9.999, "GBP"), 10.0);
    assert_eq!(round_to_minor(1.23456, "BHD"), 1.235);
}

#[test]
fn params_come_from_meta_field_by_field() {
    let m = serde_json::json!({"bundle": {"valueExponent": 0.5, "substituteCosine": 0.8}});
    let p = BundleParams::from_meta(&(&m).into());
    assert_eq!((p.value_exponent, p.substitute_cosine), (0.5, 0.8));
    assert_eq!(p.copurchase_weight, 1.0);
    for m in [
        serde_json::json!({"bundle": {"substitutePenalty": 2.0}}),
        serde_json::json!({"bundle": [1, 2]}),
        serde_json::json!({}),
    ] {
        assert_eq!(
            BundleParams::from_meta(&(&m).into()),
            BundleParams::default()
        );
    }
}

fn random_engine(n: usize, seed: u64, q: Quantize) -> Engine {
    let mut s = seed | 1;
    let mut next = || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    let d = 3;
    let emb: Vec<f32> = (0..n * d)
        .map(|_| (next() % 200) as f32 / 100.0 - 1.0)
        .collect();
    let nbrs: SparseRows = (0..n)
        .map(|i| {
            (0..next() % 5)
                .map(|_| ((next() % n as u64) as u32, (next() % 100) as f32 / 100.0))
                .filter(|&(j, _)| j as usize != i)
                .collect()
        })
        .collect();
    let cats: Vec<String> = (0..n).map(|_| format!("c{}", next() % 3)).collect();
    let prices: Vec<f32> = (0..n).map(|_| (next() % 5000) as f32 / 100.0).collect();
    let pop: Vec<f32> = (0..n).map(|_| (next() % 20) as f32).collect();
    let baskets: Vec<Vec<u32>> = (0..2 * n)
        .map(|_| {
            (0..1 + next() % 4)
                .map(|_| (next() % n as u64) as u32)
                .collect()
        })
        .collect();
    let bytes = PackWriter::new((0..n).map(|i| format!("i{i}")).collect(), d, emb)
        .categories(cats)
        .prices(prices)
        .popularity(pop)
        .baskets(baskets)
        .neighbours(nbrs)
        .quantize(q)
        .to_bytes()
        .unwrap();
    Engine::from_bytes(&bytes).unwrap()
}

fn distinct(v: &[String]) -> bool {
    let mut u = v.to_vec();
    u.sort();
    u.dedup();
    u.len() == v.len()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn never_a_cart_item_never_a_duplicate(
        n in 2usize..30,
        seed in any::<u64>(),
        picks in prop::collection::vec(0usize..40, 0..12),
        k in 1usize..12,
        threshold in prop::option::of(0.0f32..200.0),
        size in 2usize..5,
        int8 in any::<bool>(),
    ) {
        let mut e = random_engine(n, seed, if int8 { Quantize::I8 } else { Quantize::F32 });
        let cart: Vec<String> = picks.iter().map(|p| format!("i{p}")).collect();
        let q = CartQuery { cart: Some(cart.clone()), k, free_shipping_threshold: threshold,
            ..CartQuery::default() };
        let s = e.complete_cart(&q).unwrap();
        let items: Vec<String> = s.items.iter().map(|r| r.id.clone()).collect();
        let closers: Vec<String> = s.closers.iter().map(|r| r.id.clone()).collect();
        prop_assert!(distinct(&items) && distinct(&closers));
        prop_assert!(items.len() <= k);
        for id in items.iter().chain(&closers) {
            prop_assert!(!cart.contains(id), "{} is in the cart", id);
        }
        for set in &s.closer_sets {
            prop_assert!(set.total + 1e-3 >= s.gap);
        }
        let known = cart.iter().filter(|c| c[1..].parse::<usize>().unwrap() < n)
            .collect::<std::collections::BTreeSet<_>>().len();
        if known < n {
            prop_assert_eq!(items.len(), k.min(n - known), "fills up to k");
        }
        let fbt = e.frequently_bought_together("i0", k).unwrap();
        let f: Vec<String> = fbt.iter().map(|r| r.id.clone()).collect();
        prop_assert!(distinct(&f) && !f.contains(&"i0".to_string()));
        prop_assert_eq!(f.len(), k.min(n - 1), "never empty, up to k");
        let b = e.bundles(&BundleQuery { cart: Some(cart.clone()), size, count: 4,
            ..BundleQuery::default() }).unwrap();
        for x in &b {
            prop_assert!(distinct(&x.items) && x.items.len() == size);
            for id in &x.items {
                prop_assert!(!cart.contains(id));
            }
        }
    }
}

/// `complete_cart_for_with` ranks by the documented formula over [`Engine::cart_terms`]:
/// `R_j = Σ β · term` (in order) times `V_j`, cart items left out, ties by popularity then
/// index; with the substitute penalty off, the pool order is the whole order.
#[test]
fn cart_ranking_is_the_weighted_sum_of_its_terms() {
    for seed in 1..40u64 {
        let n = 25;
        let e = random_engine(
            n,
            seed,
            if seed % 2 == 0 {
                Quantize::I8
            } else {
                Quantize::F32
            },
        );
        let cart: Vec<String> = (0..1 + seed % 3)
            .map(|c| format!("i{}", (seed * 7 + c * 5) % n as u64))
            .collect();
        let f = |x: u64| (x % 5) as f32 * 0.5;
        let params = BundleParams {
            copurchase_weight: f(seed),
            cart_affinity_weight: f(seed / 5),
            knn_weight: f(seed / 2 + 1),
            popularity_weight: f(seed / 3) * 0.2,
            value_exponent: f(seed / 7) * 0.2,
            substitute_penalty: 1.0,
            ..BundleParams::default()
        };
        let mut e = e;
        let got = e.complete_cart_for_with(&cart, 10, &params).unwrap();
        let (known, t) = e.cart_terms(&cart, &params);
        assert!(!t.knn.is_empty() && !t.copurchase.is_empty() && !t.affinity.is_empty());
        let prior = e.popularity_prior().to_vec();
        let pack = e.pack();
        let mean = score::mean_price(pack).unwrap();
        let mut s: Vec<f32> = vec![0.0; n];
        for (term, w) in [
            (&t.copurchase, params.copurchase_weight),
            (&t.affinity, params.cart_affinity_weight),
            (&t.knn, params.knn_weight),
            (&prior, params.popularity_weight),
        ] {
            if w > 0.0 {
                s.iter_mut()
                    .zip(term.iter())
                    .for_each(|(x, &v)| *x += w * v);
            }
        }
        for (j, x) in s.iter_mut().enumerate() {
            if params.value_exponent > 0.0 && *x != 0.0 {
                *x *= score::value_factor(pack.price(j), mean, params.value_exponent);
            }
        }
        let pop = pack.popularity();
        let mut want: Vec<usize> = (0..n).filter(|j| !known.contains(j)).collect();
        want.sort_by(|&a, &b| {
            crate::topk::compare((s[a], pop[a], a as u32), (s[b], pop[b], b as u32))
        });
        want.truncate(10);
        assert_eq!(got, want, "seed {seed}");
    }
}
