//! Tests of buy-again, the returning-shopper blend in `complete_cart` and their parameters.

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

fn query(k: usize) -> Query {
    Query {
        k,
        ..Query::default()
    }
}

fn cart_query(k: usize) -> crate::bundle::CartQuery {
    crate::bundle::CartQuery {
        k,
        ..crate::bundle::CartQuery::default()
    }
}

#[test]
fn ranks_by_count_and_recency_and_skips_the_cart() {
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

/// 40 items in 4 categories, seeded embeddings, a few co-purchase links, repurchase stats.
fn shop() -> Engine {
    let n = 40;
    let ids: Vec<String> = (0..n).map(|i| format!("p{i}")).collect();
    let mut x = 0x2545_f491u32;
    let mut rnd = move || {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        (x % 2000) as f32 / 1000.0 - 1.0
    };
    let emb: Vec<f32> = (0..n * 8).map(|_| rnd()).collect();
    let nbrs: Vec<Vec<(u32, f32)>> = (0..n)
        .map(|i| vec![(((i + 1) % n) as u32, 0.9), (((i + 7) % n) as u32, 0.3)])
        .collect();
    let w = PackWriter::new(ids, 8, emb)
        .quantize(Quantize::F32)
        .prices((0..n).map(|i| 2.0 + (i % 9) as f32).collect())
        .categories((0..n).map(|i| format!("c{}", i % 4)).collect())
        .neighbours(nbrs)
        .repurchase(
            (0..n)
                .map(|i| ((i % 5) as f32 / 5.0, (i % 3) as f32 * 20.0))
                .collect(),
        );
    Engine::from_bytes(&w.to_bytes().unwrap()).unwrap()
}

fn returning_shopper(e: &mut Engine) {
    e.import_orders(&[
        (vec!["p3".into(), "p9".into(), "p21".into()], 0.0),
        (vec!["p3".into(), "p30".into()], 20.0 * DAY),
        (
            vec!["p3".into(), "p9".into(), "p5".into(), "ghost".into()],
            50.0 * DAY,
        ),
    ]);
    e.record(EventKind::AddToCart, "p5", 60.0 * DAY).unwrap();
    e.record(EventKind::AddToCart, "p12", 60.0 * DAY).unwrap();
}

#[test]
fn complete_cart_blend_equals_the_formula() {
    let mut e = shop();
    returning_shopper(&mut e);
    let bp = e.bundle_params();
    let all = cart_query(40);
    for norm in BlendNorm::ALL {
        let rp = ReturningParams {
            buy_again_weight: 0.4,
            norm,
            ..ReturningParams::default()
        };
        // The two terms, each from its own public path: cart scores with weight 0, buy-again
        // scores from buy_again_with.
        let cart = e
            .complete_cart_returning(
                &all,
                &bp,
                &ReturningParams {
                    buy_again_weight: 0.0,
                    ..rp
                },
            )
            .unwrap()
            .items;
        let again = e.buy_again_with(&query(40), &rp).unwrap();
        let mut bought: Vec<&str> = again.iter().map(|r| r.id.as_str()).collect();
        bought.sort_unstable();
        assert_eq!(
            bought,
            ["p21", "p3", "p30", "p9"],
            "cart item p5, unknown ghost left out"
        );
        let (bs, ss) = (
            again.iter().map(|r| r.score).collect::<Vec<f32>>(),
            cart.iter().map(|r| r.score).collect::<Vec<f32>>(),
        );
        let (b, s) = match norm {
            BlendNorm::Max => (bs.iter().cloned().fold(0.0, f32::max), ss[0]),
            BlendNorm::SumBuyAgain => (bs.iter().sum::<f32>(), ss[0]),
            BlendNorm::Sum => (bs.iter().sum::<f32>(), ss.iter().sum::<f32>()),
        };
        let mut want: Vec<(String, f32)> = cart
            .iter()
            .map(|c| {
                let bj = again.iter().find(|a| a.id == c.id).map_or(0.0, |a| a.score);
                (c.id.clone(), 0.4 * bj / b + 0.6 * c.score / s)
            })
            .collect();
        want.sort_by(|x, y| y.1.total_cmp(&x.1));
        let got = e
            .complete_cart_returning(&cart_query(10), &bp, &rp)
            .unwrap()
            .items;
        assert_eq!(got.len(), 10);
        for (g, w) in got.iter().zip(&want) {
            assert!(
                (g.score - w.1).abs() < 1e-5,
                "{norm:?}: {} {} vs {} {}",
                g.id,
                g.score,
                w.0,
                w.1
            );
        }
        assert!(
            got.iter().all(|r| r.id != "p5" && r.id != "p12"),
            "never a cart item"
        );
        let p3 = got
            .iter()
            .find(|r| r.id == "p3")
            .expect("bought three times: suggested");
        assert_eq!(p3.because.kind, ReasonKind::BoughtBefore);
        assert_eq!(p3.because.item.as_deref(), Some("p3"));
    }
}

#[test]
fn buy_again_weight_zero_or_no_purchases_leaves_complements_alone() {
    use crate::bundle::CartQuery;
    let mut e = shop();
    e.record(EventKind::AddToCart, "p5", 0.0).unwrap();
    let q = CartQuery::default();
    let bp = e.bundle_params();
    let plain = e.complete_cart(&q).unwrap();
    assert!(plain
        .items
        .iter()
        .all(|r| r.because.kind != ReasonKind::BoughtBefore));
    let heavy = ReturningParams {
        buy_again_weight: 1.0,
        ..ReturningParams::default()
    };
    assert_eq!(
        e.complete_cart_returning(&q, &bp, &heavy).unwrap(),
        plain,
        "without a purchase record the weight changes nothing"
    );
    returning_shopper(&mut e);
    let off = ReturningParams {
        buy_again_weight: 0.0,
        ..ReturningParams::default()
    };
    let got = e.complete_cart_returning(&q, &bp, &off).unwrap();
    assert!(got
        .items
        .iter()
        .all(|r| r.because.kind != ReasonKind::BoughtBefore));
    let only = e.complete_cart_returning(&q, &bp, &heavy).unwrap();
    assert_eq!(
        only.items[0].id, "p3",
        "weight 1 puts the most re-bought item first"
    );
}

#[test]
fn params_come_from_the_pack_meta_or_default() {
    let m = |v: serde_json::Value| {
        ReturningParams::from_meta(&(&serde_json::json!({ "returning": v })).into())
    };
    let p = m(
        serde_json::json!({"buyAgainWeight": 0.15, "halfLifeDays": 7, "repurchase": false, "norm": "sum"}),
    );
    assert_eq!(
        p,
        ReturningParams {
            buy_again_weight: 0.15,
            half_life_days: 7.0,
            repurchase: false,
            norm: BlendNorm::Sum
        }
    );
    assert_eq!(
        m(serde_json::json!({"buyAgainWeight": 0.2})).half_life_days,
        30.0
    );
    for bad in [
        serde_json::json!({"buyAgainWeight": 1.5}),
        serde_json::json!({"buyAgainWeight": "0.3"}),
        serde_json::json!({"halfLifeDays": -1}),
        serde_json::json!({"norm": "median"}),
        serde_json::json!({"repurchase": 1}),
        serde_json::json!("fast"),
    ] {
        assert_eq!(m(bad.clone()), ReturningParams::default(), "{bad}");
    }
    let e = shop();
    let q = Query {
        k: 0,
        ..Query::default()
    };
    let bad = ReturningParams {
        half_life_days: f32::NAN,
        ..ReturningParams::default()
    };
    assert!(e.clone().buy_again_with(&Query::default(), &bad).is_err());
    assert!(e
        .clone()
        .buy_again_with(&q, &ReturningParams::default())
        .is_err());
}

#[test]
fn blend_candidates_rank_like_complete_cart_for_every_weight() {
    let mut e = shop();
    returning_shopper(&mut e);
    let bp = e.bundle_params();
    for k in [1, 5, 10, 40] {
        let q = cart_query(k);
        let base = ReturningParams::default();
        let cand = e.complete_cart_candidates(&q, &bp, &base).unwrap();
        assert!(cand.len() >= 30, "pool and buy-again items: {}", cand.len());
        for norm in BlendNorm::ALL {
            for step in 0..=10 {
                let rp = ReturningParams {
                    buy_again_weight: step as f32 / 10.0,
                    norm,
                    ..base
                };
                let want: Vec<(usize, f32)> = e
                    .complete_cart_returning(&q, &bp, &rp)
                    .unwrap()
                    .items
                    .iter()
                    .map(|r| (r.index, r.score))
                    .collect();
                let got: Vec<(usize, f32)> = cand
                    .rank(&rp, k)
                    .iter()
                    .map(|(s, _)| (s.index as usize, s.score))
                    .collect();
                assert_eq!(got, want, "k {k}, {norm:?}, weight {}", rp.buy_again_weight);
            }
        }
    }
}
