//! What each fuzz target does with one input. Shared by the libFuzzer targets
//! (`fuzz/fuzz_targets/*.rs`) and by the replay test (`tests/fuzz_crashers.rs`), so a kept
//! crasher is replayed through exactly the code that found it.
//!
//! Besides "no panic", the targets check invariants: an accepted pack answers every accessor
//! and every query; a history read from anything re-reads from its own JSON unchanged, and a
//! merge of two histories of the same generation loses nothing while under the bound: every
//! event, and for the cart every item in the state the later change gave it, whichever tab
//! merges.

use std::collections::HashMap;

use cartsense::bundle::CartQuery;
use cartsense::cart::Cart;
use cartsense::history::History;
use cartsense::pack::format::{ENTRY_LEN, HEADER_LEN, MAGIC, MAX_SECTIONS, VERSION};
use cartsense::pack::Pack;
use cartsense::rank::{Engine, Query};

/// `Pack::from_bytes` on raw bytes (mostly exercises the header, table and CRC checks).
pub fn pack(data: &[u8]) {
    if let Ok(p) = Pack::from_bytes(data) {
        exercise(p);
    }
}

/// `Pack::from_bytes` after making the magic, version and every CRC right, so mutations reach
/// the section contents: string tables, CSR offsets, indices, floats, JSON metadata.
pub fn pack_resealed(data: &[u8]) {
    let mut b = data.to_vec();
    reseal(&mut b);
    if let Ok(p) = Pack::from_bytes(&b) {
        exercise(p);
    }
}

/// Fix the magic, version, section CRCs (for sections inside the buffer) and the header CRC.
pub fn reseal(b: &mut [u8]) {
    if b.len() < HEADER_LEN {
        return;
    }
    b[..8].copy_from_slice(&MAGIC);
    b[8..10].copy_from_slice(&VERSION.to_le_bytes());
    let s = u32::from_le_bytes([b[24], b[25], b[26], b[27]]).min(MAX_SECTIONS) as usize;
    let table_end = HEADER_LEN + s * ENTRY_LEN;
    if b.len() < table_end {
        return;
    }
    for k in 0..s {
        let at = HEADER_LEN + k * ENTRY_LEN;
        let u64_at = |i: usize| {
            let mut x = [0u8; 8];
            x.copy_from_slice(&b[i..i + 8]);
            u64::from_le_bytes(x)
        };
        let (off, len) = (u64_at(at + 8), u64_at(at + 16));
        if let Some(end) = off.checked_add(len) {
            if end <= b.len() as u64 && off <= end {
                let crc = crc32fast::hash(&b[off as usize..end as usize]);
                b[at + 24..at + 28].copy_from_slice(&crc.to_le_bytes());
            }
        }
    }
    let mut h = crc32fast::Hasher::new();
    h.update(&b[..28]);
    h.update(&b[HEADER_LEN..table_end]);
    let crc = h.finalize();
    b[28..32].copy_from_slice(&crc.to_le_bytes());
}

/// Everything a storefront can ask of an accepted pack; none of it may panic.
fn exercise(p: Pack) {
    let (n, d) = (p.len(), p.dims());
    assert!(n > 0 && d > 0, "an accepted pack has items and dims");
    let mut row = vec![0.0f32; d];
    for i in 0..n {
        let id = p.id(i).to_owned();
        assert_eq!(p.index_of(&id), Some(i), "ids are unique and indexed");
        let _ = (p.title(i), p.category(i), p.price(i), p.item_flags(i));
        p.embedding(i, &mut row);
        assert!(row.iter().all(|x| x.is_finite()), "embeddings are finite");
        for (&j, &w) in p.neighbours(i).index.iter().zip(p.neighbours(i).weight) {
            assert!((j as usize) < n && w.is_finite());
        }
        for &j in p.transitions(i).index {
            assert!((j as usize) < n);
        }
    }
    if let Some(s) = p.baskets() {
        for b in 0..s.len() {
            assert!(
                s.basket(b).windows(2).all(|w| w[0] < w[1]),
                "baskets are sorted sets"
            );
            assert!(s.basket(b).iter().all(|&j| (j as usize) < n));
        }
        for i in 0..n {
            assert!(s
                .baskets_of(i)
                .iter()
                .all(|&b| s.basket(b as usize).contains(&(i as u32))));
        }
    }
    let _ = (p.gram(), p.meta(), p.popularity(), p.prices(), p.sections());
    let first = p.id(0).to_owned();
    let last = p.id(n - 1).to_owned();
    let mut e = Engine::new(p);
    let q = Query::default();
    let _ = e.popular(&q);
    let _ = e.recommend(&q);
    let _ = e.similar(&first, &q);
    let _ = e.view(&first, 1.0);
    let _ = e.record(cartsense::history::EventKind::AddToCart, &last, 2.0);
    let _ = e.recommend(&Query {
        diversity: 0.5,
        ..Query::default()
    });
    let _ = e.complete_cart(&CartQuery::default());
    // Every scoring term on, whatever the pack's metadata says.
    let p = cartsense::params::Params {
        knn_weight: 1.0,
        popularity_weight: 0.5,
        neighbour_weight: 0.5,
        transition_weight: 0.5,
        knn_sample: 3,
        ..*e.params()
    };
    if e.set_params(p).is_ok() {
        let _ = e.recommend(&q);
        let _ = e.components();
        let all = cartsense::bundle::BundleParams {
            knn_weight: 1.0,
            popularity_weight: 0.5,
            ..cartsense::bundle::BundleParams::default()
        };
        let _ = e.complete_cart_with(&CartQuery::default(), &all);
    }
}

/// `History::from_json_bounded` (+ serialise/parse and merge round trips). The first byte picks
/// the bounds (events and cart lines); a `\u{1}` splits the rest into two stored values (two
/// tabs) that are merged.
pub fn history(data: &[u8]) {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let max = 1 + first as usize * 4;
    let max_cart = 1 + first as usize % 8;
    let text = String::from_utf8_lossy(rest);
    let (sa, sb) = text.split_once('\u{1}').unwrap_or((&text, ""));
    let (a, ra) = History::from_json_bounded(sa, max, max_cart);
    assert_eq!(ra.kept, a.len());
    assert!(a.len() <= max);
    assert!(a.cart().len() <= max_cart && a.cart_state().removed().len() <= max_cart);
    round_trip(&a, max, max_cart);

    let (b, _) = History::from_json_bounded(sb, max, max_cart);
    let mut m = a.clone();
    m.merge(&b);
    assert!(m.len() <= max, "a merge keeps the bound");
    assert!(m.cart().len() <= max_cart, "a merge keeps the cart bound");
    round_trip(&m, max, max_cart);
    if a.generation() == b.generation() && m.len() < max {
        for ev in a.events().chain(b.events()) {
            assert!(m.events().any(|x| x == ev), "merge lost {ev:?}");
        }
    }
    if a.generation() == b.generation() {
        let (ca, cb, cm) = (a.cart_state(), b.cart_state(), m.cart_state());
        let mut n = b.clone();
        n.merge(&a);
        // Under the bounds nothing is cut, so the lines are exactly the items whose later
        // change was an add, whichever tab merges.
        if cm.len() < max_cart && cm.removed().len() < max_cart {
            let want = cart_winners(&[ca, cb]);
            assert_eq!(sorted(cm), want, "cart merge");
            assert_eq!(sorted(n.cart_state()), want, "cart merge, the other way");
        }
        // Merging the same value again (the storage event fires twice) changes nothing, while
        // nothing was cut: a removal forgotten beyond the bound lets the other copy's older add
        // back in (src/cart.rs says so).
        if m.len() < max && cm.removed().len() < max_cart {
            let before = m.to_json();
            m.merge(&b);
            assert_eq!(before, m.to_json(), "merge is idempotent");
        }
    }
}

/// Items whose winning mark across `carts` is in the cart: the later change, a removal on a tie,
/// then the earlier add (the rule of `cartsense::cart`, restated).
fn cart_winners(carts: &[&Cart]) -> Vec<String> {
    let mut best: HashMap<&str, (f64, bool, f64)> = HashMap::new();
    for c in carts {
        let lines = c
            .lines()
            .iter()
            .map(|l| (&l.item, (l.changed, true, l.added)));
        let removed = c.removed().iter().map(|r| (&r.item, (r.at, false, r.at)));
        for (id, m) in lines.chain(removed) {
            let e = best.entry(id.as_str()).or_insert(m);
            let wins =
                m.0.total_cmp(&e.0)
                    .then(e.1.cmp(&m.1))
                    .then(e.2.total_cmp(&m.2))
                    .is_gt();
            if wins {
                *e = m;
            }
        }
    }
    let mut v: Vec<String> = best
        .into_iter()
        .filter(|(_, m)| m.1)
        .map(|(id, _)| id.to_owned())
        .collect();
    v.sort();
    v
}

fn sorted(c: &Cart) -> Vec<String> {
    let mut v: Vec<String> = c.items().into_iter().map(String::from).collect();
    v.sort();
    v
}

fn round_trip(h: &History, max: usize, max_cart: usize) {
    let json = h.to_json();
    let (back, r) = History::from_json_bounded(&json, max, max_cart);
    assert_eq!(r.dropped, 0, "own JSON re-reads without drops: {json}");
    assert_eq!(r.kept, h.len());
    assert!(
        back.events().eq(h.events()),
        "events survive serialise/parse: {json}"
    );
    assert_eq!(back.generation(), h.generation());
    assert_eq!(
        back.cart_state(),
        h.cart_state(),
        "the cart survives serialise/parse"
    );
    assert_eq!(back.to_json(), json, "serialise/parse is a fixed point");
}
