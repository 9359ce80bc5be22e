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
fn similar_is_recommend_for_one_view_and_excludes_itself() {
    for seed in [11u64, 12, 13] {
        let bytes = full_pack(seed, 300, 8, Quantize::I8, seed != 12);
        let mut e = Engine::from_bytes(&bytes).unwrap();
        e.set_params(Params {
            neighbour_weight: 0.4,
            knn_weight: 0.6,
            popularity_weight: 0.1,
            ..Params::default()
        })
        .unwrap();
        // Whatever the stored history holds.
        e.view("item3", 5.0).unwrap();
        let q = Query {
            k: 12,
            min_price: Some(20.0),
            ..Query::default()
        };
        let got = e.similar("item7", &q).unwrap();
        let mut h = History::new(10).unwrap();
        h.push(EventKind::View, "item7", 1.0).unwrap();
        let mut one = e.clone();
        one.set_history(h);
        let want = one.recommend(&q).unwrap();
        assert_eq!(got.len(), 12);
        for (g, w) in got.iter().zip(&want) {
            assert_eq!(
                (g.index, g.score.to_bits()),
                (w.index, w.score.to_bits()),
                "seed {seed}"
            );
            assert_eq!(g.because.kind, ReasonKind::Similar);
            assert_eq!(g.because.item.as_deref(), Some("item7"));
        }
        assert!(got.iter().all(|r| r.id != "item7" && r.price >= 20.0));
    }
    let mut e = Engine::from_bytes(&random_pack(11, 30, 8, Quantize::F32, false, false)).unwrap();
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

/// A pack with every scoring section: co-purchase neighbours, transitions, stored baskets,
/// popularity, prices and categories.
fn full_pack(seed: u64, n: usize, d: usize, q: Quantize, fold: bool) -> Vec<u8> {
    let mut r = Lcg(seed);
    let ids: Vec<String> = (0..n).map(|i| format!("item{i}")).collect();
    let emb: Vec<f32> = (0..n * d).map(|_| r.next()).collect();
    let sparse = |r: &mut Lcg, per: usize| -> Vec<Vec<(u32, f32)>> {
        (0..n)
            .map(|i| {
                let mut row: Vec<(u32, f32)> = Vec::new();
                for _ in 0..per {
                    let j = r.below(n);
                    if j != i && !row.iter().any(|(x, _)| *x as usize == j) {
                        row.push((j as u32, (r.next() + 1.0) * 2.0));
                    }
                }
                row
            })
            .collect()
    };
    let nbrs = sparse(&mut r, 5);
    let trans = sparse(&mut r, 3);
    let baskets: Vec<Vec<u32>> = (0..3 * n)
        .map(|_| {
            let len = 1 + r.below(6);
            (0..len).map(|_| r.below(n) as u32).collect()
        })
        .collect();
    let mut w = PackWriter::new(ids, d, emb)
        .categories((0..n).map(|i| ["a", "b", ""][i % 3].to_string()).collect())
        .prices((0..n).map(|_| (r.next() + 1.0) * 50.0).collect())
        .popularity((0..n).map(|i| (i % 11) as f32).collect())
        .neighbours(nbrs)
        .transitions(trans)
        .baskets(baskets)
        .quantize(q);
    if fold {
        w = w.fold_in(0.5, 3.0);
    }
    w.to_bytes().unwrap()
}

/// The fused scan (block scores, prior, queued boosts, threshold test) against the documented
/// blend computed from [`Engine::components`]: `w_e · E + w_p · P + w_r · R`, then each sparse term
/// added in order, then `top_k` under the same mask. Bit-identical lists and scores, for f32
/// and int8, dims that are and are not multiples of the SIMD widths, every weight on and off
/// (the embedding weight 0 skips the scan), filters, and pools larger than one block.
#[test]
fn fused_scan_equals_the_documented_blend() {
    let weights: [[f32; 6]; 8] = [
        // embedding, neighbours, transitions, knn, popularity, trend
        [1.0, 0.7, 0.5, 0.0, 0.0, 0.0],
        [1.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        [0.5, 0.3, 0.2, 0.9, 0.4, 0.0],
        [0.0, 0.0, 0.0, 1.0, 0.0, 0.0],
        [0.0, 0.4, 0.0, 0.6, 0.25, 0.1],
        [2.0, 0.0, 1.0, 0.3, 0.05, 0.0],
        [1.0, 0.2, 0.0, 0.0, 0.0, 0.3],
        // Negative priors (a shop whose buyers look past the best-sellers).
        [1.0, 0.0, 0.3, 0.5, -0.2, -0.1],
    ];
    for (seed, q, d, n) in [
        (11, Quantize::I8, 64, 1000),
        (12, Quantize::F32, 64, 999),
        (13, Quantize::I8, 13, 301),
        (14, Quantize::F32, 7, 130),
        (15, Quantize::I8, 32, 64),
        (16, Quantize::F32, 128, 257),
    ] {
        let bytes = full_pack(seed, n, d, q, seed % 2 == 0);
        let mut e = Engine::from_bytes(&bytes).unwrap();
        let mut r = Lcg(seed * 31);
        for t in 0..6 {
            let id = format!("item{}", r.below(n));
            let kind = if t % 3 == 2 {
                EventKind::AddToCart
            } else {
                EventKind::View
            };
            e.record(kind, &id, t as f64 * 60_000.0).unwrap();
        }
        for (wi, w) in weights.iter().enumerate() {
            e.set_params(Params {
                embedding_weight: w[0],
                neighbour_weight: w[1],
                transition_weight: w[2],
                knn_weight: w[3],
                popularity_weight: w[4],
                trend_weight: w[5],
                knn_positional: wi % 2 == 1,
                knn_sample: [0, 5][wi % 2],
                knn_neighbours: 7,
                ..Params::default()
            })
            .unwrap();
            let c = e.components().unwrap();
            assert!(
                !c.neighbours.is_empty() && !c.transitions.is_empty() && !c.knn.is_empty(),
                "seed {seed}: the test needs every term"
            );
            let prior = e.popularity_prior().to_vec();
            let trend = e.trend_prior().to_vec();
            assert!(trend.iter().any(|&x| x > 0.0));
            let mut want_scores: Vec<f32> = c
                .embedding
                .iter()
                .zip(prior.iter().zip(&trend))
                .map(|(&x, (&p, &r))| w[0] * x + w[4] * p + w[5] * r)
                .collect();
            for (terms, beta) in [
                (&c.neighbours, w[1]),
                (&c.transitions, w[2]),
                (&c.knn, w[3]),
            ] {
                if beta > 0.0 {
                    for &(j, x) in terms {
                        want_scores[j as usize] += beta * x;
                    }
                }
            }
            for k in [1, 10, 100] {
                let query = Query {
                    k,
                    min_price: Some(10.0),
                    ..Query::default()
                };
                let got = e.recommend(&query).unwrap();
                let sum = e.summary();
                let cat = e.prepare_mask(&query, &c.excluded).unwrap();
                e.scores = want_scores.clone();
                let want = e.select(&query, cat, k);
                let _ = sum;
                assert_eq!(got.len(), want.len(), "seed {seed} weights {wi} k {k}");
                for (a, b) in got.iter().zip(&want) {
                    assert_eq!(a.index, b.index as usize, "seed {seed} weights {wi} k {k}");
                    assert_eq!(
                        a.score.to_bits(),
                        b.score.to_bits(),
                        "seed {seed} weights {wi} k {k}"
                    );
                }
            }
        }
    }
}

/// A pack whose only signal is its stored baskets ranks exactly as session kNN does when it
/// is given every basket (the PROTOCOL.md baseline): kNN scores, then popularity, then index.
#[test]
fn knn_only_ranks_as_session_knn() {
    let n = 40;
    let mut r = Lcg(5);
    let baskets: Vec<Vec<u32>> = (0..200)
        .map(|_| (0..1 + r.below(5)).map(|_| r.below(n) as u32).collect())
        .collect();
    let pop: Vec<f32> = (0..n).map(|i| ((i * 7) % 13) as f32).collect();
    let bytes = PackWriter::new(
        (0..n).map(|i| format!("i{i}")).collect(),
        2,
        (0..2 * n).map(|_| r.next()).collect(),
    )
    .popularity(pop.clone())
    .baskets(baskets.clone())
    .meta(
        serde_json::json!({"scorer": {"embeddingWeight": 0, "knnWeight": 1, "knnNeighbours": 20}}),
    )
    .to_bytes()
    .unwrap();
    let mut e = Engine::from_bytes(&bytes).unwrap();
    for case in 0..30 {
        let cart: Vec<usize> = (0..1 + case % 4).map(|_| r.below(n)).collect();
        let mut h = History::new(50).unwrap();
        for (t, &i) in cart.iter().enumerate() {
            h.push(EventKind::AddToCart, &format!("i{i}"), t as f64)
                .unwrap();
        }
        e.set_history(h);
        let got: Vec<usize> = e
            .recommend(&Query {
                k: 10,
                ..Query::default()
            })
            .unwrap()
            .into_iter()
            .map(|x| x.index)
            .collect();
        // Reference: overlap / sqrt(|ctx| |b|) over every basket, 20 best (ties: recent).
        let mut ctx: Vec<usize> = Vec::new();
        for &i in &cart {
            if !ctx.contains(&i) {
                ctx.push(i);
            }
        }
        let mut sims: Vec<(f64, usize)> = Vec::new();
        for (b, items) in baskets.iter().enumerate() {
            let mut set = items.clone();
            set.sort_unstable();
            set.dedup();
            let o = ctx.iter().filter(|&&i| set.contains(&(i as u32))).count();
            if o > 0 {
                sims.push((o as f64 / ((ctx.len() * set.len()) as f64).sqrt(), b));
            }
        }
        sims.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        sims.truncate(20);
        let mut score = vec![0.0f64; n];
        for &(s, b) in &sims {
            let mut set = baskets[b].clone();
            set.sort_unstable();
            set.dedup();
            for j in set {
                score[j as usize] += s;
            }
        }
        let mut order: Vec<usize> = (0..n).filter(|j| !ctx.contains(j)).collect();
        order.sort_by(|&a, &b| {
            score[b]
                .total_cmp(&score[a])
                .then(pop[b].total_cmp(&pop[a]))
                .then(a.cmp(&b))
        });
        order.truncate(10);
        assert_eq!(got, order, "case {case} cart {cart:?}");
    }
}

/// The item the shopper is looking at (the newest event) is never suggested; items viewed
/// before it may be (a shopper goes back to them).
#[test]
fn the_newest_item_is_left_out_earlier_views_are_not() {
    let bytes = PackWriter::new(
        vec!["a".into(), "b".into(), "c".into()],
        2,
        vec![1.0, 0.0, 0.9, 0.1, 0.0, 1.0],
    )
    .quantize(Quantize::F32)
    .to_bytes()
    .unwrap();
    let mut e = Engine::from_bytes(&bytes).unwrap();
    e.view("a", 1.0).unwrap();
    e.view("b", 2.0).unwrap();
    let got: Vec<String> = e
        .recommend(&Query {
            k: 3,
            ..Query::default()
        })
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert!(!got.contains(&"b".to_string()), "{got:?}");
    assert!(got.contains(&"a".to_string()), "{got:?}");
}
