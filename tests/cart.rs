//! The cart as its own state, through the public Engine API: a wholesale cart longer than the
//! event log, and a long browse after adding to the cart, keep every line out of every list.
#![cfg(not(target_arch = "wasm32"))]

use cartsense::bundle::CartQuery;
use cartsense::history::{EventKind, DEFAULT_MAX_EVENTS};
use cartsense::pack::{PackWriter, Quantize, SparseRows};
use cartsense::profile::ItemState;
use cartsense::rank::{Engine, Query};

const N: usize = 600;
const CART: usize = 300;
const VIEWS: usize = 250;

/// 600 items whose co-purchase lists all point into the first 300 (the cart to be), so any cart
/// item that slipped through the exclusions would rank near the top of both lists.
fn engine() -> Engine {
    let d = 8;
    let ids: Vec<String> = (0..N).map(|i| format!("sku-{i}")).collect();
    let emb: Vec<f32> = (0..N * d)
        .map(|k| ((k * 7919 % 997) as f32 / 498.5) - 1.0)
        .collect();
    let neighbours: SparseRows = (0..N)
        .map(|i| {
            (1..=5)
                .map(|t| (((i * 13 + t * 31) % CART) as u32, 1.0 / t as f32))
                .collect()
        })
        .collect();
    let bytes = PackWriter::new(ids, d, emb)
        .prices((0..N).map(|i| 1.0 + (i % 40) as f32).collect())
        .popularity((0..N).map(|i| if i < CART { 100.0 } else { 1.0 }).collect())
        .neighbours(neighbours)
        .quantize(Quantize::F32)
        .to_bytes()
        .unwrap();
    let mut e = Engine::from_bytes(&bytes).unwrap();
    let mut p = *e.params();
    p.neighbour_weight = 1.0;
    e.set_params(p).unwrap();
    e
}

fn in_cart(id: &str) -> bool {
    id.strip_prefix("sku-")
        .and_then(|n| n.parse::<usize>().ok())
        .is_some_and(|n| n < CART)
}

#[test]
fn a_300_line_cart_then_250_views_keeps_every_line_out_of_every_list() {
    let mut e = engine();
    assert_eq!(e.history().max_events(), DEFAULT_MAX_EVENTS);
    let mut t = 1_700_000_000_000.0;
    for i in 0..CART {
        e.record(EventKind::AddToCart, &format!("sku-{i}"), t)
            .unwrap();
        t += 1000.0;
    }
    for i in 0..VIEWS {
        e.view(&format!("sku-{}", CART + i), t).unwrap();
        t += 1000.0;
    }
    assert_eq!(e.history().len(), DEFAULT_MAX_EVENTS, "the log moved on");
    assert!(e.history().events().all(|ev| ev.kind == EventKind::View));
    let cart = e.cart();
    assert_eq!(cart.len(), CART, "every line is still in the cart");
    assert!(cart
        .iter()
        .enumerate()
        .all(|(i, id)| *id == format!("sku-{i}")));

    // The cart still shapes the profile: each line counts as its add.
    let sum = e.summary();
    assert_eq!(sum.cart.len(), CART);
    let weighted = sum
        .items
        .iter()
        .filter(|it| it.state == ItemState::InCart)
        .count();
    assert_eq!(weighted, CART);

    let recs = e
        .recommend(&Query {
            k: 50,
            ..Query::default()
        })
        .unwrap();
    assert_eq!(recs.len(), 50);
    let leaked: Vec<&str> = recs
        .iter()
        .map(|r| r.id.as_str())
        .filter(|id| in_cart(id))
        .collect();
    assert!(
        leaked.is_empty(),
        "recommend returned cart items {leaked:?}"
    );

    let done = e
        .complete_cart(&CartQuery {
            k: 50,
            ..CartQuery::default()
        })
        .unwrap();
    assert_eq!(done.items.len(), 50);
    let leaked: Vec<&str> = done
        .items
        .iter()
        .map(|r| r.id.as_str())
        .filter(|id| in_cart(id))
        .collect();
    assert!(
        leaked.is_empty(),
        "completeCart returned cart items {leaked:?}"
    );
    // Control: the same views without the cart do put those items in both lists.
    let mut browse = engine();
    for ev in e.history().events() {
        browse.view(&ev.item, ev.at).unwrap();
    }
    let q = Query {
        k: 50,
        ..Query::default()
    };
    assert!(browse.recommend(&q).unwrap().iter().any(|r| in_cart(&r.id)));
    let other = CartQuery {
        cart: Some(vec![format!("sku-{}", N - 1)]),
        k: 50,
        ..CartQuery::default()
    };
    assert!(browse
        .complete_cart(&other)
        .unwrap()
        .items
        .iter()
        .any(|r| in_cart(&r.id)));
    // Stored and read back (a reload), the same.
    let mut again = engine();
    again.import_history(&e.export_history());
    assert_eq!(again.cart(), cart);
}

#[test]
fn a_full_cart_refuses_new_lines_and_clear_empties_it() {
    let mut e = engine();
    e.history_mut().set_max_cart_lines(3).unwrap();
    for (i, id) in ["sku-1", "sku-2", "sku-3"].iter().enumerate() {
        e.record(EventKind::AddToCart, id, i as f64).unwrap();
    }
    let err = e.record(EventKind::AddToCart, "sku-4", 9.0).unwrap_err();
    assert_eq!(err.code(), "BAD_ARGUMENT");
    assert_eq!(e.history().len(), 3, "the refused add is not in the log");
    e.record(EventKind::AddToCart, "sku-2", 10.0).unwrap();
    e.purchase(&["sku-1".into(), "sku-9".into()], 11.0).unwrap();
    e.record(EventKind::RemoveFromCart, "sku-3", 12.0).unwrap();
    e.record(EventKind::AddToCart, "sku-4", 13.0).unwrap();
    assert_eq!(e.cart(), ["sku-2", "sku-4"]);
    e.clear_history(77);
    assert!(e.cart().is_empty());
    assert!(e.history().cart_state().removed().is_empty());
    let recs = e.recommend(&Query::default()).unwrap();
    assert!(recs.iter().all(|r| r.because.kind.as_str() == "popular"));
}
