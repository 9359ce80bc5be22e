//! Calibration experiment for `complete_cart` on the Online Retail basket-completion protocol
//! (`PROTOCOL.md` §1): tunes the bundle blend (`BundleParams`) on the validation split and
//! reports HR@10 / MRR@10 / RevHR@10 on the test split for `complete_cart` against
//! `Engine::recommend` and plain co-occurrence.
//!
//! ```text
//! cargo run --release --features cli --example bundle_eval [-- --data <online-retail-uci/by-day>]
//! cargo run --release --features cli --example bundle_eval -- --bench
//! ```
//!
//! Everything but the grid comes from `cartsense::builder`, as `cartsense eval` runs it: the
//! protocol split and cases (`builder::eval::protocol`), the packs (tuned on the validation
//! split and trained by `builder::pipeline`, or `--val-pack` / `--test-pack` files built on the
//! same splits), the shopper's cart through `Engine` (`builder::engine_run`) and the metrics
//! (`cartsense::metrics`). `cartsense eval` scores `completeCart` with the bundle defaults; this
//! example is where those defaults are chosen.

use std::time::Instant;

use anyhow::{bail, Result};
use cartsense::builder::cases::Case;
use cartsense::builder::data::{Dataset, Kind};
use cartsense::builder::engine_run;
use cartsense::builder::eval::protocol::{self, Split};
use cartsense::builder::model::Opts;
use cartsense::builder::pipeline;
use cartsense::builder::train::rng::Rng;
use cartsense::bundle::{BundleParams, CartQuery};
use cartsense::history::History;
use cartsense::metrics::{rank_in, uplift, Tally};
use cartsense::pack::{PackWriter, Quantize, SparseRows};
use cartsense::params::Params;
use cartsense::rank::Engine;
use serde_json::{json, Value};

/// One split's engine, cases and item prices (train median prices, the protocol's).
struct Side<'a> {
    engine: Engine,
    ds: &'a Dataset,
    cases: &'a [Case],
}

/// A ranking of one case: item indices of the engine's pack.
type Rank = dyn FnMut(&mut Engine, &Case) -> Vec<u32>;
type Ranker<'r> = &'r mut Rank;

#[derive(Default, Clone, Copy)]
struct Score {
    hr: f64,
    mrr: f64,
    rev: f64,
    ms: f64,
}

fn eval(s: &mut Side, rank: Ranker) -> Score {
    let mut t = Tally::default();
    let t0 = Instant::now();
    for c in s.cases {
        let list = rank(&mut s.engine, c);
        t.add(
            rank_in(&list, &c.target, 10),
            s.ds.prices[c.target as usize] as f64,
        );
    }
    Score {
        hr: t.hit_rate(),
        mrr: t.mrr(),
        rev: t.value_hit_rate(),
        ms: t0.elapsed().as_secs_f64() * 1e3 / s.cases.len().max(1) as f64,
    }
}

/// `Engine::recommend` with the cart as add-to-cart events at the case's times.
fn recommend(e: &mut Engine, c: &Case) -> Vec<u32> {
    engine_run::one(e, c, Kind::Baskets, 10).unwrap_or_default()
}

fn ids(e: &Engine, c: &Case) -> Vec<String> {
    c.ctx
        .iter()
        .map(|&i| e.pack().id(i as usize).to_owned())
        .collect()
}

fn with(p: BundleParams) -> impl FnMut(&mut Engine, &Case) -> Vec<u32> {
    move |e, c| {
        let cart = ids(e, c);
        e.complete_cart_for_with(&cart, 10, &p)
            .unwrap_or_default()
            .into_iter()
            .map(|j| j as u32)
            .collect()
    }
}

fn line(name: &str, s: Score) {
    println!(
        "| {name} | {:.3} | {:.3} | {:.3} | {:.2} |",
        s.hr, s.mrr, s.rev, s.ms
    );
}

/// The pack of `path`, or else the one `cartsense eval` builds on `ds` with `choice`; it must
/// index the items of `ds`.
fn engine(
    path: Option<&str>,
    ds: &Dataset,
    build: impl FnOnce() -> Result<Vec<u8>>,
) -> Result<Engine> {
    let bytes = match path {
        Some(p) => std::fs::read(p)?,
        None => build()?,
    };
    let e = Engine::from_bytes(&bytes).map_err(|e| anyhow::anyhow!("{e}"))?;
    let same =
        e.pack().len() == ds.n_items() && (0..ds.n_items()).all(|i| e.pack().id(i) == ds.ids[i]);
    if !same {
        bail!("the pack's items are not the split's items: build it on the same split");
    }
    Ok(e)
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let opt = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .map(String::as_str)
    };
    if args.iter().any(|a| a == "--bench") {
        bench();
        return Ok(());
    }
    let dir = opt("--data").unwrap_or("../shared/data/online-retail-uci/by-day");
    let s: Split = protocol::online_retail(dir.as_ref())?;
    println!("{} clean invoices", s.full.groups.len());
    // The build of `cartsense eval` (tuned on the validation split).
    let o = Opts {
        dims: 128,
        seed: 42,
        quantize: Quantize::I8,
        neighbours: 100,
        iterations: 15,
        cold_below: 3,
    };
    let log = |l: &str| eprintln!("{l}");
    let mut choice = None;
    let mut choose = || -> Result<cartsense::builder::model::Choice> {
        if choice.is_none() {
            let split = "PROTOCOL.md validation split";
            choice = Some(pipeline::choose(&s.subtrain, &s.valid, &o, split, &log)?.0);
        }
        Ok(choice.clone().expect("chosen"))
    };
    let val_engine = engine(opt("--val-pack"), &s.subtrain, || {
        pipeline::finish(&s.subtrain, &choose()?, Value::Null, &o, json!({}))
    })?;
    let test_engine = engine(opt("--test-pack"), &s.train, || {
        pipeline::finish(&s.train, &choose()?, Value::Null, &o, json!({}))
    })?;
    let mut val = Side {
        engine: val_engine,
        ds: &s.subtrain,
        cases: &s.valid,
    };
    let mut test = Side {
        engine: test_engine,
        ds: &s.train,
        cases: &s.test,
    };
    println!(
        "validation {} cases, test {} cases; packs: {}",
        val.cases.len(),
        test.cases.len(),
        opt("--test-pack").unwrap_or("built as `cartsense eval` builds ours")
    );
    let base = BundleParams::default();
    if args.iter().any(|a| a == "--nudge-validation") {
        let t = median_cart_total(&val);
        nudge(&mut val, base, t);
        return Ok(());
    }
    let cooc = BundleParams {
        cart_affinity_weight: 0.0,
        profile_weight: 0.0,
        value_exponent: 0.0,
        substitute_penalty: 1.0,
        ..base
    };
    let mut grid = Vec::new();
    for aff in [0.0f32, 0.5, 1.0, 1.5, 2.0, 3.0] {
        for gamma in [0.0f32, 0.05, 0.1, 0.15, 0.2, 0.3] {
            grid.push(BundleParams {
                cart_affinity_weight: aff,
                value_exponent: gamma,
                ..base
            });
        }
    }
    let rv = eval(&mut val, &mut recommend);
    println!(
        "validation, Engine::recommend (pack's scorer): {:.4} {:.4} {:.4}",
        rv.hr, rv.mrr, rv.rev
    );
    // Two rules: the protocol's (max HR@10, then MRR@10, then first listed) and an order-value
    // one (max (HR@10 + RevHR@10) / 2, then MRR@10).
    let mut by_hr: Option<(f64, f64, BundleParams)> = None;
    let mut by_value: Option<(f64, f64, BundleParams)> = None;
    println!("\nvalidation grid: affinity gamma: HR MRR RevHR");
    for p in grid {
        let s = eval(&mut val, &mut with(p));
        println!(
            "{} {}: {:.4} {:.4} {:.4}",
            p.cart_affinity_weight, p.value_exponent, s.hr, s.mrr, s.rev
        );
        let better = |b: &Option<(f64, f64, BundleParams)>, k: f64| {
            b.is_none_or(|(bk, bm, _)| k > bk || (k == bk && s.mrr > bm))
        };
        if better(&by_hr, s.hr) {
            by_hr = Some((s.hr, s.mrr, p));
        }
        let k = (s.hr + s.rev) / 2.0;
        if better(&by_value, k) {
            by_value = Some((k, s.mrr, p));
        }
    }
    let (Some((_, _, chosen)), Some((_, _, valued))) = (by_hr, by_value) else {
        return Ok(());
    };
    for (rule, p) in [("max HR@10", chosen), ("max (HR+RevHR)/2", valued)] {
        println!(
            "chosen on validation by {rule}: cartAffinityWeight {}, valueExponent {}",
            p.cart_affinity_weight, p.value_exponent
        );
    }
    println!(
        "\n| test ({} cases) | HR@10 | MRR@10 | RevHR@10 | ms/case |",
        test.cases.len()
    );
    println!("|---|---|---|---|---|");
    let rows = [
        ("completeCart, tuned (max HR@10)", chosen),
        ("completeCart, tuned (max (HR+RevHR)/2)", valued),
        ("completeCart, built-in defaults", base),
        (
            "completeCart, tuned, gamma 0",
            BundleParams {
                value_exponent: 0.0,
                ..chosen
            },
        ),
        (
            "completeCart, embedding term only",
            BundleParams {
                copurchase_weight: 0.0,
                value_exponent: 0.0,
                substitute_penalty: 1.0,
                ..chosen
            },
        ),
        ("co-occurrence (pack neighbours only)", cooc),
    ];
    for (name, p) in rows {
        line(name, eval(&mut test, &mut with(p)));
    }
    let scorer = *test.engine.params();
    line(
        "Engine::recommend (pack's scorer)",
        eval(&mut test, &mut recommend),
    );
    test.engine.set_params(Params {
        neighbour_weight: 0.0,
        ..scorer
    })?;
    line(
        "Engine::recommend (embedding only)",
        eval(&mut test, &mut recommend),
    );
    test.engine.set_params(scorer)?;

    println!("\nsimulated order-value uplift on the test baskets (cartsense::metrics::uplift):");
    let targets: Vec<u32> = test.cases.iter().map(|c| c.target).collect();
    let mut ranked: [(&str, Box<Rank>); 3] = [
        ("completeCart, tuned (max HR@10)", Box::new(with(chosen))),
        (
            "completeCart, tuned (max (HR+RevHR)/2)",
            Box::new(with(valued)),
        ),
        ("Engine::recommend (pack's scorer)", Box::new(recommend)),
    ];
    for (name, rank) in &mut ranked {
        let lists: Vec<Vec<u32>> = test
            .cases
            .iter()
            .map(|c| rank(&mut test.engine, c))
            .collect();
        let u = uplift(&lists, &targets, &test.ds.prices);
        println!("  {name}: {u:.3} GBP expected added revenue per basket");
    }
    let threshold = median_cart_total(&val);
    nudge(&mut test, chosen, threshold);
    Ok(())
}

/// Cart total of a case at protocol prices, one unit per item.
fn total(s: &Side, c: &Case) -> f64 {
    c.ctx.iter().map(|&i| s.ds.prices[i as usize] as f64).sum()
}

/// Median context total over the validation cases: the nudge threshold (chosen on validation).
fn median_cart_total(val: &Side) -> f64 {
    let mut t: Vec<f64> = val.cases.iter().map(|c| total(val, c)).collect();
    t.sort_by(f64::total_cmp);
    t.get(t.len() / 2).copied().unwrap_or(0.0).round()
}

/// How often the closers held the hidden item when the cart was below `threshold`.
fn nudge(s: &mut Side, p: BundleParams, threshold: f64) {
    s.engine.set_history(History::default());
    let (mut below, mut held, mut fits, mut held_fit) = (0usize, 0usize, 0usize, 0usize);
    for c in s.cases {
        let t = total(s, c);
        if t >= threshold {
            continue;
        }
        below += 1;
        let target_fits = s.ds.prices[c.target as usize] as f64 >= threshold - t;
        fits += target_fits as usize;
        let q = CartQuery {
            cart: Some(ids(&s.engine, c)),
            k: 10,
            free_shipping_threshold: Some(threshold as f32),
            ..CartQuery::default()
        };
        let Ok(r) = s.engine.complete_cart_with(&q, &p) else {
            continue;
        };
        if r.closers.iter().any(|x| x.index == c.target as usize) {
            held += 1;
            held_fit += target_fits as usize;
        }
    }
    println!(
        "\nfree-shipping nudge, threshold {threshold:.0} GBP (median validation cart total, one unit \
         per item at protocol prices): {below} of {} carts below it; the closers (up to 10) \
         held the hidden item in {held} ({:.1}%); the hidden item alone would close the gap in \
         {fits} of them, and the closers held it in {held_fit} of those ({:.1}%)",
        s.cases.len(),
        100.0 * held as f64 / below.max(1) as f64,
        100.0 * held_fit as f64 / fits.max(1) as f64,
    );
}

/// Median time of each call on a synthetic 100,000 x 64 int8 pack with fold-in, 50
/// neighbours per item, 20 categories and a 5-item cart.
fn bench() {
    let (n, d) = (100_000usize, 64usize);
    let mut rng = Rng::new(7);
    let emb: Vec<f32> = (0..n * d).map(|_| rng.normal() as f32).collect();
    let nbrs: SparseRows = (0..n)
        .map(|i| {
            (0..50u64)
                .map(|k| {
                    (
                        ((i as u64 + 1 + rng.next_u64() % (n as u64 - 1)) % n as u64) as u32,
                        1.0 / (k + 1) as f32,
                    )
                })
                .filter(|&(j, _)| j as usize != i)
                .collect()
        })
        .collect();
    let ids: Vec<String> = (0..n).map(|i| format!("sku{i}")).collect();
    let bytes = PackWriter::new(ids, d, emb)
        .prices((0..n).map(|i| 1.0 + (i % 97) as f32).collect())
        .popularity((0..n).map(|i| (i % 1000) as f32).collect())
        .categories((0..n).map(|i| format!("c{}", i % 20)).collect())
        .neighbours(nbrs)
        .fold_in(0.1, 10.0)
        .quantize(Quantize::I8)
        .to_bytes()
        .expect("valid pack");
    let mut e = Engine::from_bytes(&bytes).expect("loads");
    let cart_ix = [11u32, 2_000, 30_000, 45_000, 99_999];
    let cart: Vec<String> = cart_ix.iter().map(|i| format!("sku{i}")).collect();
    let time = |f: &mut dyn FnMut()| {
        let mut t: Vec<f64> = (0..31)
            .map(|_| {
                let t0 = Instant::now();
                f();
                t0.elapsed().as_secs_f64() * 1e3
            })
            .collect();
        t.sort_by(f64::total_cmp);
        t[t.len() / 2]
    };
    let q = CartQuery {
        cart: Some(cart.clone()),
        free_shipping_threshold: Some(1_000.0),
        ..CartQuery::default()
    };
    let a = time(&mut || {
        e.complete_cart(&q).expect("ok");
    });
    let g0 = BundleParams {
        value_exponent: 0.0,
        ..BundleParams::default()
    };
    let a0 = time(&mut || {
        e.complete_cart_with(&q, &g0).expect("ok");
    });
    let nothr = CartQuery {
        free_shipping_threshold: None,
        ..q.clone()
    };
    let a1 = time(&mut || {
        e.complete_cart(&nothr).expect("ok");
    });
    println!("completeCart gamma 0: {a0:.2} ms; without threshold: {a1:.2} ms");
    let b = time(&mut || {
        e.frequently_bought_together("sku11", 10).expect("ok");
    });
    let bq = cartsense::bundle::BundleQuery {
        anchor: Some("sku11".into()),
        cart: Some(cart.clone()),
        size: 4,
        count: 5,
        discount: 0.1,
    };
    let c = time(&mut || {
        e.bundles(&bq).expect("ok");
    });
    let case = Case {
        id: "bench".into(),
        ctx: cart_ix.to_vec(),
        ats: (0..cart_ix.len()).map(|t| t as f64).collect(),
        target: 0,
    };
    let r = time(&mut || {
        recommend(&mut e, &case);
    });
    println!(
        "100,000 x 64 int8, fold-in, native release, median of 31: completeCart (5 items, threshold) \
         {a:.2} ms, frequentlyBoughtTogether {b:.2} ms, bundles (size 4, count 5) {c:.2} ms, \
         recommend {r:.2} ms"
    );
}
