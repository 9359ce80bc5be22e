//! Engine tests: the fast path against a brute-force statement of the documented scoring.

use super::*;
use crate::pack::{PackWriter, Quantize};

/// Small deterministic generator (no dependency needed for test data).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> f32 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
    }
    fn below(&mut self, n: usize) -> usize {
        ((self.next() + 1.0) * 0.5 * n as f32) as usize % n
    }
}

fn random_pack(seed: u64, n: usize, d: usize, q: Quantize, fold: bool, nbrs: bool) -> Vec<u8> {
    let mut r = Lcg(seed);
    let ids: Vec<String> = (0..n).map(|i| format!("item{i}")).collect();
    let emb: Vec<f32> = (0..n * d).map(|_| r.next()).collect();
    let cats: Vec<String> = (0..n)
        .map(|i| ["a", "b", "c", ""][i % 4].to_string())
        .collect();
    let prices: Vec<f32> = (0..n).map(|_| (r.next() + 1.0) * 50.0).collect();
    let pop: Vec<f32> = (0..n).map(|i| (i % 7) as f32).collect();
    let mut w = PackWriter::new(ids, d, emb)
        .categories(cats)
        .prices(prices)
        .popularity(pop)
        .quantize(q);
    if fold {
        w = w.fold_in(0.5, 3.0);
    }
    if nbrs {
        let rows = (0..n)
            .map(|i| {
                let mut row: Vec<(u32, f32)> = Vec::new();
                for _ in 0..5 {
                    let j = r.below(n);
                    if j != i && !row.iter().any(|(x, _)| *x as usize == j) {
                        row.push((j as u32, (r.next() + 1.0) * 2.0));
                    }
                }
                row
            })
            .collect();
        w = w
            .neighbours(rows)
            .meta(serde_json::json!({"scorer": {"neighbourWeight": 0.7}}));
    }
    w.to_bytes().unwrap()
}

/// The documented score of every item, in f64 from the dequantised rows.
fn brute_scores(e: &Engine) -> Vec<f64> {
    let pack = e.pack();
    let sum = e.summary();
    let prof = Profile::build(pack, &sum.items, e.params());
    let d = pack.dims();
    let mut y = vec![0.0f32; d];
    let mut s: Vec<f64> = (0..pack.len())
        .map(|j| {
            pack.embedding(j, &mut y);
            y.iter()
                .zip(&prof.query)
                .map(|(a, b)| *a as f64 * *b as f64)
                .sum()
        })
        .collect();
    let beta = e.params().neighbour_weight as f64;
    if beta > 0.0 && pack.has_neighbours() {
        let mut nb = vec![0.0f64; pack.len()];
        for it in &sum.items {
            let row = pack.neighbours(it.index);
            for (&j, &w) in row.index.iter().zip(row.weight) {
                nb[j as usize] += it.weight as f64 * w as f64;
            }
        }
        let max = nb.iter().cloned().fold(0.0, f64::max);
        if max > 0.0 {
            for (x, b) in s.iter_mut().zip(&nb) {
                *x += beta * b / max;
            }
        }
    }
    s
}

#[test]
fn recommend_matches_brute_force() {
    for (seed, q, fold, nbrs) in [
        (1, Quantize::F32, false, false),
        (2, Quantize::F32, true, false),
        (3, Quantize::I8, true, true),
        (4, Quantize::I8, false, true),
        (5, Quantize::F32, true, true),
    ] {
        let n = 500;
        let mut e = Engine::from_bytes(&random_pack(seed, n, 16, q, fold, nbrs)).unwrap();
        let mut r = Lcg(seed * 77);
        for t in 0..8 {
            let id = format!("item{}", r.below(n));
            let kind = [EventKind::View, EventKind::AddToCart, EventKind::View][t % 3];
            e.record(kind, &id, t as f64 * 3_600_000.0).unwrap();
        }
        e.view("not-in-pack", 9.0 * 3_600_000.0).unwrap();
        let query = Query {
            k: 20,
            category: Some("b".into()),
            max_price: Some(80.0),
            ..Query::default()
        };
        let got = e.recommend(&query).unwrap();
        let s = brute_scores(&e);
        let sum = e.summary();
        let cat = e.pack().category_by_name("b");
        let mut want: Vec<usize> = (0..n)
            .filter(|j| !sum.cart.contains(j) && !sum.purchased.contains(j))
            .filter(|&j| e.pack().category_index(j) == cat && e.pack().price(j) <= 80.0)
            .collect();
        want.sort_by(|&a, &b| s[b].total_cmp(&s[a]));
        assert_eq!(got.len(), 20);
        // int8 rounding may swap near-ties: compare by score, not by position.
        let tol = if q == Quantize::I8 {
            0.02 * s[want[0]].abs().max(1.0)
        } else {
            1e-4
        };
        for (k, rec) in got.iter().enumerate() {
            assert!(
                (s[rec.index] - s[want[k]]).abs() <= tol,
                "seed {seed}: rank {k}: got {} ({}), brute force {} ({})",
                rec.index,
                s[rec.index],
                want[k],
                s[want[k]]
            );
            assert!((rec.score as f64 - s[rec.index]).abs() <= tol);
            assert!(!sum.cart.contains(&rec.index));
            assert_eq!(rec.category, "b");
        }
    }
}

#[test]
fn empty_history_is_popularity_within_filters() {
    let mut e = Engine::from_bytes(&random_pack(9, 100, 4, Quantize::I8, false, false)).unwrap();
    let got = e
        .recommend(&Query {
            k: 5,
            category: Some("a".into()),
            ..Query::default()
        })
        .unwrap();
    let pops: Vec<f32> = got.iter().map(|r| e.pack().popularity()[r.index]).collect();
    assert!(pops.windows(2).all(|w| w[0] >= w[1]));
    assert!(got
        .iter()
        .all(|r| r.because.kind == ReasonKind::Popular && r.category == "a"));
    // Unknown ids alone are no signal either.
    e.view("ghost", 1.0).unwrap();
    assert_eq!(
        e.recommend(&Query::default()).unwrap()[0].because.kind,
        ReasonKind::Popular
    );
}

#[test]
fn reasons_name_the_history_item_that_contributed_most() {
    // Two clusters: items near x-axis and near y-axis.
    let ids: Vec<String> = ["x1", "x2", "x3", "y1", "y2", "y3"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let emb = vec![
        1.0, 0.0, 0.9, 0.1, 0.95, 0.05, 0.0, 1.0, 0.1, 0.9, 0.05, 0.95,
    ];
    let bytes = PackWriter::new(ids, 2, emb)
        .quantize(Quantize::F32)
        .to_bytes()
        .unwrap();
    let mut e = Engine::from_bytes(&bytes).unwrap();
    e.view("x1", 0.0).unwrap();
    e.record(EventKind::AddToCart, "y1", 1.0).unwrap();
    let got = e
        .recommend(&Query {
            k: 4,
            ..Query::default()
        })
        .unwrap();
    for r in &got {
        let want = if r.id.starts_with('x') {
            ("x1", ReasonKind::Viewed)
        } else {
            ("y1", ReasonKind::InCart)
        };
        assert_eq!(
            (r.because.item.as_deref(), r.because.kind),
            (Some(want.0), want.1),
            "{}",
            r.id
        );
    }
    assert!(got.iter().all(|r| r.id != "y1"), "cart items are excluded");
}

#[test]
fn similar_is_cosine_and_excludes_itself() {
    let mut e = Engine::from_bytes(&random_pack(11, 300, 8, Quantize::F32, false, false)).unwrap();
    let got = e
        .similar(
            "item7",
            &Query {
                k: 10,
                ..Query::default()
            },
        )
        .unwrap();
    let mut a = vec![0.0; 8];
    let mut b = vec![0.0; 8];
    e.pack().embedding(7, &mut a);
    let cos = |b: &[f32]| {
        let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
        dot / (a.iter().map(|x| x * x).sum::<f32>().sqrt()
            * b.iter().map(|x| x * x).sum::<f32>().sqrt())
    };
    let mut best: Vec<(usize, f32)> = (0..300)
        .filter(|&j| j != 7)
        .map(|j| {
            e.pack().embedding(j, &mut b);
            (j, cos(&b))
        })
        .collect();
    best.sort_by(|x, y| y.1.total_cmp(&x.1));
    for (r, (j, c)) in got.iter().zip(&best) {
        assert_eq!(r.index, *j);
        assert!((r.score - c).abs() < 1e-5);
        assert_eq!(r.because.item.as_deref(), Some("item7"));
    }
    assert_eq!(
        e.similar("nope", &Query::default()).unwrap_err().code(),
        "UNKNOWN_ITEM"
    );
}

#[test]
fn diversity_spreads_the_list() {
    let mut e = Engine::from_bytes(&random_pack(12, 400, 8, Quantize::F32, true, false)).unwrap();
    e.view("item1", 0.0).unwrap();
    let plain = e
        .recommend(&Query {
            k: 10,
            ..Query::default()
        })
        .unwrap();
    let div = e
        .recommend(&Query {
            k: 10,
            diversity: 0.7,
            ..Query::default()
        })
        .unwrap();
    let spread = |e: &mut Engine, l: &[Rec]| {
        let mut s = 0.0;
        for a in l {
            for b in l {
                if a.index < b.index {
                    s += e.cosine(a.index, b.index);
                }
            }
        }
        s
    };
    let (p, d) = (spread(&mut e, &plain), spread(&mut e, &div));
    assert!(
        d < p,
        "diverse list should be less self-similar: {d} vs {p}"
    );
    assert_eq!(
        div[0].index, plain[0].index,
        "MMR keeps the best item first"
    );
    let mut ids: Vec<usize> = div.iter().map(|r| r.index).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 10);
}

#[test]
fn bad_queries_are_rejected_before_work() {
    let mut e = Engine::from_bytes(&random_pack(13, 10, 2, Quantize::F32, false, false)).unwrap();
    for q in [
        Query {
            k: 0,
            ..Query::default()
        },
        Query {
            k: 1001,
            ..Query::default()
        },
        Query {
            min_price: Some(-1.0),
            ..Query::default()
        },
        Query {
            max_price: Some(f32::NAN),
            ..Query::default()
        },
        Query {
            min_price: Some(5.0),
            max_price: Some(1.0),
            ..Query::default()
        },
        Query {
            diversity: 1.5,
            ..Query::default()
        },
        Query {
            exclude: vec![String::new()],
            ..Query::default()
        },
    ] {
        assert_eq!(e.recommend(&q).unwrap_err().code(), "BAD_ARGUMENT", "{q:?}");
    }
    // Unknown category: nothing matches, not an error.
    assert!(e
        .recommend(&Query {
            category: Some("zzz".into()),
            ..Query::default()
        })
        .unwrap()
        .is_empty());
}

/// The fused scan (block scores, queued boosts, threshold test) against the score-buffer path
/// it replaced: full scan, boosts added in queue order, then `top_k`. Bit-identical lists,
/// for f32 and int8, dims that are and are not multiples of the SIMD widths, with
/// co-purchase and transition boosts, filters and a pool larger than one block.
#[test]
fn fused_scan_equals_the_score_buffer_path() {
    for (seed, q, d, n) in [
        (11, Quantize::I8, 64, 1000),
        (12, Quantize::F32, 64, 999),
        (13, Quantize::I8, 13, 301),
        (14, Quantize::F32, 7, 130),
        (15, Quantize::I8, 32, 64),
        (16, Quantize::F32, 128, 257),
    ] {
        let mut bytes = random_pack(seed, n, d, q, seed % 2 == 0, true);
        if seed % 3 == 0 {
            // Also a pack with transitions.
            let mut r = Lcg(seed);
            let rows: Vec<Vec<(u32, f32)>> = (0..n)
                .map(|i| vec![(((i + 1 + r.below(n - 1)) % n) as u32, r.next() + 1.5)])
                .collect();
            let ids: Vec<String> = (0..n).map(|i| format!("item{i}")).collect();
            let emb: Vec<f32> = (0..n * d).map(|_| r.next()).collect();
            bytes = PackWriter::new(ids, d, emb)
                .quantize(q)
                .transitions(rows)
                .meta(serde_json::json!({"scorer": {"transitionWeight": 0.5}}))
                .to_bytes()
                .unwrap();
        }
        let mut e = Engine::from_bytes(&bytes).unwrap();
        let mut r = Lcg(seed * 31);
        for t in 0..6 {
            let id = format!("item{}", r.below(n));
            e.record(EventKind::View, &id, t as f64 * 60_000.0).unwrap();
        }
        for k in [1, 10, 100] {
            let query = Query {
                k,
                min_price: Some(10.0),
                ..Query::default()
            };
            let got = e.recommend(&query).unwrap();
            // The reference path.
            let sum = e.summary();
            let excluded: Vec<usize> = sum.cart.iter().chain(&sum.purchased).copied().collect();
            let cat = e.prepare_mask(&query, &excluded).unwrap();
            let prof = Profile::build(&e.pack, &sum.items, &e.params);
            e.scan(&prof.query);
            e.boosts.clear();
            e.add_neighbour_boost(&sum);
            e.add_transition_boost(&sum);
            assert!(!e.boosts.is_empty(), "seed {seed}: the test needs boosts");
            for &(j, _, v) in &e.boosts.clone() {
                e.scores[j as usize] += v;
            }
            let want = e.select(&query, cat, k);
            assert_eq!(got.len(), want.len(), "seed {seed} k {k}");
            for (a, b) in got.iter().zip(&want) {
                assert_eq!(a.index, b.index as usize, "seed {seed} k {k}");
                assert_eq!(a.score.to_bits(), b.score.to_bits(), "seed {seed} k {k}");
            }
        }
    }
}
