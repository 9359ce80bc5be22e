//! Calibration experiment for `complete_cart` on the Online Retail basket-completion protocol
//! (`PROTOCOL.md` §1): builds a co-purchase pack from the train baskets, tunes the bundle blend
//! on the validation split, and reports HR@10 / MRR@10 / RevHR@10 on the test split for
//! `complete_cart` against `Engine::recommend` and plain co-occurrence.
//!
//! ```text
//! cargo run --release --example bundle_eval [-- <path to online-retail-uci/by-day>]
//! ```
//!
//! The pack is deliberately simple (no trained model): neighbours = top-50 co-occurrence cosine
//! per item, embeddings = a 64-d Gaussian random projection of each item's co-occurrence cosine
//! row (so embedding cosine approximates the cosine of co-occurrence profiles). The CLI's own
//! packs (ALS / PPMI embeddings) will score differently; this calibrates the blend's shape.

use std::collections::HashMap;
use std::time::Instant;

use cartsense::bundle::{BundleParams, CartQuery};
use cartsense::history::{EventKind, History};
use cartsense::pack::{PackWriter, Quantize, SparseRows};
use cartsense::params::Params;
use cartsense::rank::{Engine, Query};

const DROP: &[&str] = &[
    "POST",
    "DOT",
    "M",
    "C2",
    "D",
    "S",
    "B",
    "CRUK",
    "PADS",
    "AMAZONFEE",
    "BANK CHARGES",
];

/// Split one CSV line into fields (RFC 4180 quoting, no embedded newlines).
fn fields(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    out.push(cur);
    out
}

struct Basket {
    date: String,
    items: Vec<String>,
}

/// Clean rows -> baskets in order of first clean row, plus (item, date, price) rows.
fn load(dir: &str) -> (Vec<Basket>, Vec<(String, String, f64)>) {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {dir}: {e}"))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "csv"))
        .collect();
    files.sort();
    let mut idx: HashMap<String, usize> = HashMap::new();
    let mut baskets: Vec<Basket> = Vec::new();
    let mut rows = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).expect("utf-8 csv");
        for line in text.lines().skip(1) {
            let v = fields(line);
            if v.len() < 8 {
                continue;
            }
            let inv = v[0].trim();
            let code = v[1].trim().to_uppercase();
            let qty: f64 = v[3].trim().parse().unwrap_or(0.0);
            let price: f64 = v[5].trim().parse().unwrap_or(0.0);
            if inv.starts_with('C')
                || qty <= 0.0
                || price <= 0.0
                || DROP.contains(&code.as_str())
                || code.starts_with("GIFT_")
                || code.starts_with("DCGS")
            {
                continue;
            }
            let date = v[4].trim().to_string();
            let b = *idx.entry(inv.to_string()).or_insert_with(|| {
                baskets.push(Basket {
                    date: date.clone(),
                    items: Vec::new(),
                });
                baskets.len() - 1
            });
            if !baskets[b].items.contains(&code) {
                baskets[b].items.push(code.clone());
            }
            rows.push((code, baskets[b].date.clone(), price));
        }
    }
    (baskets, rows)
}

struct Split {
    engine: Engine,
    /// Protocol price of every train item, by id.
    price: HashMap<String, f64>,
    cases: Vec<(Vec<String>, String)>,
}

fn normal(state: &mut u64) -> f32 {
    let mut next = || {
        *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = *state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    };
    let (u, v) = (next().max(1e-12), next());
    ((-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()) as f32
}

/// Pack from the baskets dated before `cut`; cases from those in `[cut, end)`.
/// With `pack`, that pack file (built from the same train baskets) replaces the simple one.
fn split(
    baskets: &[Basket],
    rows: &[(String, String, f64)],
    cut: &str,
    end: &str,
    pack: Option<&str>,
) -> Split {
    let train: Vec<&Basket> = baskets.iter().filter(|b| b.date.as_str() < cut).collect();
    let mut ids: Vec<String> = train.iter().flat_map(|b| b.items.clone()).collect();
    ids.sort();
    ids.dedup();
    let ix: HashMap<&str, usize> = ids
        .iter()
        .enumerate()
        .map(|(i, s)| (s.as_str(), i))
        .collect();
    let n = ids.len();
    let mut count = vec![0u32; n];
    let mut co: Vec<HashMap<u32, u32>> = vec![HashMap::new(); n];
    for b in &train {
        let v: Vec<usize> = b.items.iter().map(|s| ix[s.as_str()]).collect();
        for &i in &v {
            count[i] += 1;
            for &j in &v {
                if i != j {
                    *co[i].entry(j as u32).or_insert(0) += 1;
                }
            }
        }
    }
    let cos =
        |i: usize, j: usize, c: u32| c as f32 / ((count[i] as f32) * (count[j] as f32)).sqrt();
    let nbrs: SparseRows = (0..n)
        .map(|i| {
            let mut r: Vec<(u32, f32)> = co[i]
                .iter()
                .map(|(&j, &c)| (j, cos(i, j as usize, c)))
                .collect();
            r.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            r.truncate(50);
            r
        })
        .collect();
    let d = 64;
    let mut seed = 42u64;
    let proj: Vec<f32> = (0..n * d).map(|_| normal(&mut seed)).collect();
    let mut emb = vec![0.0f32; n * d];
    for i in 0..n {
        for (&j, &c) in &co[i] {
            let w = cos(i, j as usize, c);
            let j = j as usize;
            for t in 0..d {
                emb[i * d + t] += w * proj[j * d + t];
            }
        }
    }
    // Unit rows: the engine's dot product is then the cosine of co-occurrence profiles.
    for r in emb.chunks_exact_mut(d) {
        let norm = r.iter().map(|x| x * x).sum::<f32>().sqrt();
        if norm > 0.0 {
            r.iter_mut().for_each(|x| *x /= norm);
        }
    }
    let mut pr: Vec<Vec<f64>> = vec![Vec::new(); n];
    for (code, date, p) in rows {
        if date.as_str() < cut {
            if let Some(&i) = ix.get(code.as_str()) {
                pr[i].push(*p);
            }
        }
    }
    let price: Vec<f64> = pr
        .into_iter()
        .map(|mut v| {
            v.sort_by(f64::total_cmp);
            let m = v.len();
            if m == 0 {
                0.0
            } else if m % 2 == 1 {
                v[m / 2]
            } else {
                (v[m / 2 - 1] + v[m / 2]) / 2.0
            }
        })
        .collect();
    let bytes = PackWriter::new(ids.clone(), d, emb)
        .prices(price.iter().map(|&p| p as f32).collect())
        .popularity(count.iter().map(|&c| c as f32).collect())
        .neighbours(nbrs)
        .currency("GBP")
        .quantize(Quantize::I8)
        .to_bytes()
        .expect("valid pack");
    let engine = Engine::from_bytes(&bytes).expect("loads");
    let cases = baskets
        .iter()
        .filter(|b| b.date.as_str() >= cut && b.date.as_str() < end)
        .filter_map(|b| {
            let mut v: Vec<String> = b
                .items
                .iter()
                .filter(|s| ix.contains_key(s.as_str()))
                .cloned()
                .collect();
            if v.len() < 2 {
                return None;
            }
            let t = v.pop()?;
            Some((v, t))
        })
        .collect();
    let price = ids.iter().cloned().zip(price).collect();
    let engine = match pack {
        Some(path) => {
            let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"));
            Engine::from_bytes(&bytes).expect("valid pack")
        }
        None => engine,
    };
    Split {
        engine,
        price,
        cases,
    }
}

#[derive(Default, Clone, Copy)]
struct Score {
    hr: f64,
    mrr: f64,
    rev: f64,
    ms: f64,
}

fn eval(s: &mut Split, mut rank: impl FnMut(&mut Engine, &[String]) -> Vec<usize>) -> Score {
    let (mut hit, mut mrr, mut rev, mut tot) = (0.0, 0.0, 0.0, 0.0);
    let t0 = Instant::now();
    for (ctx, target) in &s.cases {
        let list = rank(&mut s.engine, ctx);
        let p = s.price.get(target).copied().unwrap_or(0.0);
        tot += p;
        let pack = s.engine.pack();
        if let Some(r) = list.iter().take(10).position(|&j| pack.id(j) == target) {
            hit += 1.0;
            mrr += 1.0 / (r + 1) as f64;
            rev += p;
        }
    }
    let n = s.cases.len() as f64;
    Score {
        hr: hit / n,
        mrr: mrr / n,
        rev: rev / tot,
        ms: t0.elapsed().as_secs_f64() * 1e3 / n,
    }
}

fn recommend(e: &mut Engine, ctx: &[String]) -> Vec<usize> {
    let mut h = History::default();
    for (t, id) in ctx.iter().enumerate() {
        let _ = h.push(EventKind::AddToCart, id, t as f64);
    }
    e.set_history(h);
    e.recommend(&Query::default())
        .map(|v| v.into_iter().map(|r| r.index).collect())
        .unwrap_or_default()
}

fn with(p: BundleParams) -> impl FnMut(&mut Engine, &[String]) -> Vec<usize> {
    move |e, ctx| e.complete_cart_for_with(ctx, 10, &p).unwrap_or_default()
}

fn line(name: &str, s: Score) {
    println!(
        "| {name} | {:.3} | {:.3} | {:.3} | {:.2} |",
        s.hr, s.mrr, s.rev, s.ms
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let opt = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .map(String::as_str)
    };
    if args.iter().any(|a| a == "--bench") {
        bench();
        return;
    }
    let dir = opt("--data").unwrap_or("../shared/data/online-retail-uci/by-day");
    let (baskets, rows) = load(dir);
    println!("{} clean invoices", baskets.len());
    let mut val = split(
        &baskets,
        &rows,
        "2011-10-01",
        "2011-11-01",
        opt("--val-pack"),
    );
    let mut test = split(&baskets, &rows, "2011-11-01", "9999", opt("--test-pack"));
    println!(
        "validation {} cases, test {} cases; packs: {}",
        val.cases.len(),
        test.cases.len(),
        opt("--test-pack").unwrap_or("built here (co-occurrence + random projection)")
    );
    let base = BundleParams::default();
    if args.iter().any(|a| a == "--nudge-validation") {
        let t = median_cart_total(&val);
        nudge(&mut val, base, t);
        return;
    }
    let cooc = BundleParams {
        cart_affinity_weight: 0.0,
        profile_weight: 0.0,
        value_exponent: 0.0,
        substitute_penalty: 1.0,
        ..base
    };
    // Validation grid: choose by (HR@10 + RevHR@10) / 2, then MRR, then first listed.
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
    let rv = eval(&mut val, recommend);
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
        let s = eval(&mut val, with(p));
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
        return;
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
    line(
        "completeCart, tuned (max HR@10)",
        eval(&mut test, with(chosen)),
    );
    line(
        "completeCart, tuned (max (HR+RevHR)/2)",
        eval(&mut test, with(valued)),
    );
    line(
        "completeCart, built-in defaults",
        eval(&mut test, with(base)),
    );
    let rel = BundleParams {
        value_exponent: 0.0,
        ..chosen
    };
    line("completeCart, tuned, gamma 0", eval(&mut test, with(rel)));
    let emb = BundleParams {
        copurchase_weight: 0.0,
        value_exponent: 0.0,
        substitute_penalty: 1.0,
        ..chosen
    };
    line(
        "completeCart, embedding term only",
        eval(&mut test, with(emb)),
    );
    line(
        "co-occurrence (pack neighbours only)",
        eval(&mut test, with(cooc)),
    );
    let scorer = *test.engine.params();
    line(
        "Engine::recommend (pack's scorer)",
        eval(&mut test, recommend),
    );
    test.engine
        .set_params(Params {
            neighbour_weight: 0.0,
            ..scorer
        })
        .expect("valid");
    line(
        "Engine::recommend (embedding only)",
        eval(&mut test, recommend),
    );
    test.engine.set_params(scorer).expect("valid");

    println!("\nsimulated order-value uplift on the test baskets (see uplift()):");
    for (name, u) in [
        (
            "completeCart, tuned (max HR@10)",
            uplift(&mut test, with(chosen)),
        ),
        (
            "completeCart, tuned (max (HR+RevHR)/2)",
            uplift(&mut test, with(valued)),
        ),
        (
            "Engine::recommend (pack's scorer)",
            uplift(&mut test, recommend),
        ),
    ] {
        println!("  {name}: {u:.3} GBP expected added revenue per basket");
    }
    let threshold = median_cart_total(&val);
    nudge(&mut test, chosen, threshold);
}

/// Expected added revenue per basket: with h_r the measured hit rate at rank r (share of
/// cases whose held-out item is at rank r), each shown add-on at rank r is assumed bought with
/// probability h_r, one unit at the protocol price, independently of the others and of which
/// item it is; the sum over the 10 ranks is averaged over the test baskets.
fn uplift(s: &mut Split, mut rank: impl FnMut(&mut Engine, &[String]) -> Vec<usize>) -> f64 {
    let cases = s.cases.clone();
    let mut hits = [0.0f64; 10];
    let mut shown: Vec<Vec<f64>> = Vec::with_capacity(cases.len());
    for (ctx, target) in &cases {
        let list = rank(&mut s.engine, ctx);
        let pack = s.engine.pack();
        let ids: Vec<&str> = list.iter().take(10).map(|&j| pack.id(j)).collect();
        if let Some(r) = ids.iter().position(|id| id == target) {
            hits[r] += 1.0;
        }
        shown.push(
            ids.iter()
                .map(|id| s.price.get(*id).copied().unwrap_or(0.0))
                .collect(),
        );
    }
    let n = cases.len() as f64;
    let h: Vec<f64> = hits.iter().map(|x| x / n).collect();
    shown
        .iter()
        .map(|p| p.iter().zip(&h).map(|(p, h)| p * h).sum::<f64>())
        .sum::<f64>()
        / n
}

/// Cart total of a context at protocol prices, one unit per item.
fn total(s: &Split, ctx: &[String]) -> f64 {
    ctx.iter()
        .map(|id| s.price.get(id).copied().unwrap_or(0.0))
        .sum()
}

/// Median context total over the validation cases: the nudge threshold (chosen on validation).
fn median_cart_total(val: &Split) -> f64 {
    let mut t: Vec<f64> = val.cases.iter().map(|(c, _)| total(val, c)).collect();
    t.sort_by(f64::total_cmp);
    t.get(t.len() / 2).copied().unwrap_or(0.0).round()
}

/// How often the closers held the hidden item when the cart was below `threshold`.
fn nudge(s: &mut Split, p: BundleParams, threshold: f64) {
    s.engine.set_history(History::default());
    let (mut below, mut held, mut fits, mut held_fit) = (0usize, 0usize, 0usize, 0usize);
    let cases = s.cases.clone();
    for (ctx, target) in &cases {
        let t = total(s, ctx);
        if t >= threshold {
            continue;
        }
        below += 1;
        let gap = threshold - t;
        let target_fits = s.price.get(target).copied().unwrap_or(0.0) >= gap;
        fits += target_fits as usize;
        let q = CartQuery {
            cart: Some(ctx.clone()),
            k: 10,
            free_shipping_threshold: Some(threshold as f32),
            ..CartQuery::default()
        };
        let Ok(r) = s.engine.complete_cart_with(&q, &p) else {
            continue;
        };
        if r.closers.iter().any(|c| &c.id == target) {
            held += 1;
            held_fit += target_fits as usize;
        }
    }
    println!(
        "\nfree-shipping nudge, threshold {threshold:.0} GBP (median validation cart total, one unit \
         per item at protocol prices): {below} of {} carts below it; the closers (up to 10) \
         held the hidden item in {held} ({:.1}%); the hidden item alone would close the gap in \
         {fits} of them, and the closers held it in {held_fit} of those ({:.1}%)",
        cases.len(),
        100.0 * held as f64 / below.max(1) as f64,
        100.0 * held_fit as f64 / fits.max(1) as f64,
    );
}

/// Median time of each call on a synthetic 100,000 x 64 int8 pack with fold-in, 50
/// neighbours per item, 20 categories and a 5-item cart.
fn bench() {
    let (n, d) = (100_000usize, 64usize);
    let mut seed = 7u64;
    let emb: Vec<f32> = (0..n * d).map(|_| normal(&mut seed)).collect();
    let mut x = 1u64;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let nbrs: SparseRows = (0..n)
        .map(|i| {
            (0..50u64)
                .map(|k| {
                    (
                        ((i as u64 + 1 + next() % (n as u64 - 1)) % n as u64) as u32,
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
    let cart: Vec<String> = [11, 2_000, 30_000, 45_000, 99_999]
        .iter()
        .map(|i| format!("sku{i}"))
        .collect();
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
    let r = time(&mut || {
        recommend(&mut e, &cart);
    });
    println!(
        "100,000 x 64 int8, fold-in, native release, median of 31: completeCart (5 items, threshold) \
         {a:.2} ms, frequentlyBoughtTogether {b:.2} ms, bundles (size 4, count 5) {c:.2} ms, \
         recommend {r:.2} ms"
    );
}
