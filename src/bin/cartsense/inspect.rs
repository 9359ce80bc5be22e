//! `cartsense inspect` and `cartsense recommend`.

use std::path::PathBuf;

use anyhow::{anyhow, Context, Result};
use cartsense::history::EventKind;
use cartsense::pack::Pack;
use cartsense::rank::{Engine, Query};

fn load(path: &PathBuf) -> Result<Pack> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    Pack::from_vec(bytes).map_err(|e| anyhow!("{}: {e}", path.display()))
}

#[derive(Debug, clap::Args)]
#[command(after_help = "Example:\n  cartsense inspect model.cspk")]
pub struct InspectArgs {
    /// The pack.
    pub model: PathBuf,
    /// Sample items to list.
    #[arg(long, default_value_t = 5)]
    pub sample: usize,
}

pub fn inspect(a: &InspectArgs) -> Result<()> {
    let p = load(&a.model)?;
    crate::outln!("pack      {}", a.model.display());
    let whole = cartsense::builder::model::gzip_len(p.bytes());
    crate::outln!("version   {}", p.version());
    crate::outln!(
        "bytes     {} ({} gzip -9, {:.0} gzip bytes per item)",
        p.byte_len(),
        whole,
        whole as f64 / p.len().max(1) as f64
    );
    crate::outln!("items     {}", p.len());
    crate::outln!("dims      {}", p.dims());
    crate::outln!(
        "currency  {}",
        if p.currency().is_empty() {
            "-"
        } else {
            p.currency()
        }
    );
    crate::outln!(
        "gram      {}",
        p.gram()
            .map(|g| format!("lambda {} alpha {}", g.lambda, g.alpha))
            .unwrap_or("-".into())
    );
    let cold = (0..p.len()).filter(|&i| p.item_flags(i) & 1 != 0).count();
    crate::outln!("cold-start items {cold}");
    crate::outln!("sections:      bytes  gzip -9  encoding");
    for (name, enc, body) in p.sections() {
        let gz = cartsense::builder::model::gzip_len(body);
        let enc = match (name.as_str(), enc) {
            ("EMBD", 1) => "f32",
            ("EMBD", 2) => "int8",
            ("NBRS" | "TRAN", 3) => "compact",
            ("NBRS" | "TRAN", _) => "raw",
            _ => "",
        };
        crate::outln!("  {name:6} {:>10} {gz:>8}  {enc}", body.len());
    }
    let meta = p.meta_serde();
    let show = |k: &str| {
        if let Some(v) = meta.get(k) {
            crate::outln!(
                "{k}: {}",
                serde_json::to_string_pretty(v).unwrap_or_default()
            );
        }
    };
    for k in [
        "generator",
        "kind",
        "idCase",
        "source",
        "scorer",
        "bundle",
        "model",
    ] {
        show(k);
    }
    if let Some(q) = meta.get("quality") {
        // What was tried is long; `--json`-style readers find it in the metadata.
        let mut q = q.clone();
        if let Some(o) = q.as_object_mut() {
            o.remove("tried");
        }
        crate::outln!(
            "quality: {}",
            serde_json::to_string_pretty(&q).unwrap_or_default()
        );
    }
    for k in ["coldStart", "repurchase"] {
        show(k);
    }
    // The weights the wasm scores with (the pack's tuned values, else the defaults).
    let sp = cartsense::params::Params::from_meta(p.meta());
    crate::outln!(
        "recommend blend: embedding {} + popularity prior {} + co-purchase {} + transitions {} + \
         basket neighbours {} ({} neighbours, {} candidates, position weights {}; {} baskets stored)",
        sp.embedding_weight,
        sp.popularity_weight,
        sp.neighbour_weight,
        sp.transition_weight,
        sp.knn_weight,
        sp.knn_neighbours,
        if sp.knn_sample == 0 { "all".to_string() } else { format!("{} most recent", sp.knn_sample) },
        if sp.knn_positional { "on" } else { "off" },
        p.baskets().map_or(0, |b| b.len())
    );
    let bp = cartsense::bundle::BundleParams::from_meta(p.meta());
    crate::outln!(
        "completeCart blend: (co-purchase {} + cart affinity {} + profile affinity {} + basket \
         neighbours {} + popularity prior {}) x (price / mean)^{}; substitutes x {}",
        bp.copurchase_weight,
        bp.cart_affinity_weight,
        bp.profile_weight,
        bp.knn_weight,
        bp.popularity_weight,
        bp.value_exponent,
        bp.substitute_penalty
    );
    // What the wasm uses for returning shoppers (the defaults when the pack has no choice).
    let rp = cartsense::returning::ReturningParams::from_meta(p.meta());
    let how = match meta.get("returning").and_then(|r| r.get("validationCases")) {
        Some(n) => format!("chosen by build on {n} held-out returning customers"),
        None => "defaults: the pack has no returning-customer choice".to_string(),
    };
    crate::outln!(
        "returning: completeCart buy-again weight {} ({} scaling), buy-again half-life {} days, \
         repurchase stats {}; profile memoryWeight {} ({how})",
        rp.buy_again_weight,
        rp.norm.name(),
        rp.half_life_days,
        if rp.repurchase { "used" } else { "not used" },
        cartsense::params::Params::from_meta(p.meta()).memory_weight
    );
    let with_stats: Vec<usize> = (0..p.len())
        .filter(|&i| p.repurchase(i).is_some_and(|(_, d)| d > 0.0))
        .collect();
    if !p.is_empty() && p.repurchase(0).is_some() {
        let known = meta
            .get("repurchase")
            .and_then(|r| r.get("itemsWithCustomers"))
            .and_then(|v| v.as_u64())
            .map(|n| format!("{n} items bought by known customers, "))
            .unwrap_or_default();
        crate::outln!(
            "repurchase: stats for {} items ({known}{} with a typical interval)",
            p.len(),
            with_stats.len()
        );
        let step = (with_stats.len() / a.sample.max(1)).max(1);
        for &i in with_stats.iter().step_by(step).take(a.sample) {
            if let Some((rate, days)) = p.repurchase(i) {
                crate::outln!(
                    "  {:12} repeat rate {:.3}  every {:.0} days  {}",
                    p.id(i),
                    rate,
                    days,
                    p.title(i)
                );
            }
        }
    } else {
        crate::outln!("repurchase: none (the orders had no customer column)");
    }
    crate::outln!("sample items:");
    let step = (p.len() / a.sample.max(1)).max(1);
    for i in (0..p.len()).step_by(step).take(a.sample) {
        crate::outln!(
            "  {:>6} {:12} {:8.2} pop {:6} {}",
            i,
            p.id(i),
            p.price(i),
            p.popularity()[i],
            p.title(i)
        );
    }
    Ok(())
}

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Example:\n  cartsense recommend --model model.cspk --history 22423,85123A --cart 47566 -k 5"
)]
pub struct RecommendArgs {
    /// The pack.
    #[arg(long)]
    pub model: PathBuf,
    /// Viewed item ids, oldest first (comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub history: Vec<String>,
    /// Item ids in the cart (comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub cart: Vec<String>,
    /// List length.
    #[arg(short, long, default_value_t = 10)]
    pub k: usize,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn recommend(a: &RecommendArgs) -> Result<()> {
    let mut eng = Engine::new(load(&a.model)?);
    let mut t = 1_700_000_000_000.0;
    for (kind, ids) in [
        (EventKind::View, &a.history),
        (EventKind::AddToCart, &a.cart),
    ] {
        for id in ids.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
            if eng.pack().index_of(id).is_none() {
                eprintln!("note: {id:?} is not in the pack; ignored in scoring");
            }
            eng.record(kind, id, t).map_err(|e| anyhow!("{e}"))?;
            t += 60_000.0;
        }
    }
    let recs = eng
        .recommend(&Query {
            k: a.k,
            ..Query::default()
        })
        .map_err(|e| anyhow!("{e}"))?;
    if a.json {
        let v: Vec<serde_json::Value> = recs
            .iter()
            .map(|r| {
                serde_json::json!({"id": r.id, "score": r.score, "title": r.title, "price": r.price,
                "because": {"kind": r.because.kind.as_str(), "item": r.because.item}})
            })
            .collect();
        crate::outln!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(());
    }
    for (n, r) in recs.iter().enumerate() {
        crate::outln!(
            "{:>3}. {:12} {:9.4} {:8.2}  {:40}  ({}{})",
            n + 1,
            r.id,
            r.score,
            r.price,
            r.title,
            r.because.kind.as_str(),
            r.because
                .item
                .as_deref()
                .map(|i| format!(" {i}"))
                .unwrap_or_default()
        );
    }
    Ok(())
}
