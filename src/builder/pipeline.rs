//! A tuned pack from a clean dataset: hold out the most recent groups, choose the scorer on
//! them ([`choose`]), choose the returning-shopper weights when the orders have customers, then
//! train on everything ([`finish`]). [`build`] is the whole of `cartsense build` after reading.

use std::collections::HashSet;
use std::time::Instant;

use anyhow::{anyhow, Result};
use serde_json::json;

use crate::builder::cases::Case;
use crate::builder::data::{CleanReport, Dataset, Kind};
use crate::builder::model::{self, Choice, Opts};
use crate::builder::train::coldstart;
use crate::builder::{repurchase, returning, split, tune};

/// Most validation cases `build` tunes on.
pub const MAX_VALIDATION_CASES: usize = 2000;

/// Options of [`build`].
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// Model options (dims, seed, quantisation, neighbours, iterations, cold start).
    pub model: Opts,
    /// Share of the most recent groups held out for tuning (`cartsense build` checks
    /// `0 <= holdout < 0.9`).
    pub holdout: f64,
    /// The item ids were upper-cased when read: the pack says so (metadata `idCase`), and the
    /// storefront's ids as written still match.
    pub upper_ids: bool,
}

/// What [`build`] made.
#[derive(Debug, Clone)]
pub struct Built {
    /// The pack.
    pub pack: Vec<u8>,
    /// The scorer choice stored in it.
    pub choice: Choice,
    /// Validation cases the choice was made on (0 = defaults).
    pub validation_cases: usize,
}

/// `cartsense build` after reading: tune on the most recent `o.holdout` of the groups
/// ([`split::recent`]), choose the returning-shopper weights, train on all of `ds`. `clean` is
/// stored in the pack metadata; progress goes to `log`.
pub fn build(
    ds: &Dataset,
    clean: &CleanReport,
    o: &BuildOptions,
    log: &dyn Fn(&str),
) -> Result<Built> {
    let t0 = Instant::now();
    let (sub, mut valid) = split::recent(ds, o.holdout);
    // The newest cases are the most like tomorrow's shoppers, and more than this many add
    // time, not information (the standard error of HR@10 is below 0.01 at 2,000).
    if valid.len() > MAX_VALIDATION_CASES {
        valid.drain(..valid.len() - MAX_VALIDATION_CASES);
    }
    let split = format!("most recent {:.0}% of groups", o.holdout * 100.0);
    let max_baskets = model::baskets_within(ds, o.model.basket_bytes);
    let tuned = choose(&sub, &valid, &o.model, &split, max_baskets, log)?;
    log(&format!("tuned in {:.1}s", t0.elapsed().as_secs_f64()));
    let mut extra = json!({ "clean": clean });
    if o.upper_ids {
        extra["idCase"] = json!("upper");
    }
    let mut choice = tuned.choice;
    if let Some(pack) = &tuned.pack {
        if let Some((r, memory_weight)) = tune_returning(ds, &sub, &valid, pack, log)? {
            extra["returning"] = r;
            choice.params.memory_weight = memory_weight;
            log(&format!(
                "returning-shopper weights chosen at {:.1}s; training on everything",
                t0.elapsed().as_secs_f64()
            ));
        }
    }
    let pack = finish(ds, &choice, tuned.quality, &o.model, extra, log)?;
    Ok(Built {
        pack,
        choice,
        validation_cases: valid.len(),
    })
}

/// What [`choose`] chose.
pub struct Chosen {
    /// The choice.
    pub choice: Choice,
    /// Its validation record.
    pub quality: serde_json::Value,
    /// The pack it was validated with (trained on the tuning split; `None` with defaults).
    pub pack: Option<Vec<u8>>,
}

/// Tune on `sub`/`valid` when there is enough (20 cases, 50 groups), else defaults (`split`
/// names the validation split in the record). The final pack may store `max_baskets`.
pub fn choose(
    sub: &Dataset,
    valid: &[Case],
    o: &Opts,
    split: &str,
    max_baskets: usize,
    log: &dyn Fn(&str),
) -> Result<Chosen> {
    if valid.len() < 20 || sub.groups.len() < 50 {
        log(&format!(
            "too little data to hold out ({} validation cases): using default scorer settings",
            valid.len()
        ));
        return Ok(Chosen {
            choice: tune::default_choice(sub.kind, o.dims, o.neighbours),
            quality: json!({"split": split, "validationCases": valid.len()}),
            pack: None,
        });
    }
    log(&format!(
        "tuning on {} validation cases ({split})",
        valid.len()
    ));
    let t = tune::tune(sub, valid, o, max_baskets, log)?;
    let mut quality = t.quality;
    quality["split"] = json!(split);
    Ok(Chosen {
        choice: t.choice,
        quality,
        pack: Some(t.pack),
    })
}

/// Final training on `ds` with `choice`; returns the pack bytes. `quality` and `extra` go into
/// the metadata (`extra["returning"]`, when present, becomes the top-level `returning`).
pub fn finish(
    ds: &Dataset,
    choice: &Choice,
    quality: serde_json::Value,
    o: &Opts,
    extra: serde_json::Value,
    log: &dyn Fn(&str),
) -> Result<Vec<u8>> {
    let o = &choice.sized(o);
    let parts = model::parts(ds, choice.method, o, &|| {});
    let cold = coldstart::holdout(ds, &parts.cooc.count, &parts.emb, o.dims, o.cold_below);
    let n_cold = parts
        .flags
        .iter()
        .filter(|&&f| f & model::COLD != 0)
        .count();
    let rep = repurchase::compute(ds);
    let mut extra = extra;
    let returning = extra.as_object_mut().and_then(|m| m.remove("returning"));
    let id_case = extra.as_object_mut().and_then(|m| m.remove("idCase"));
    let meta = json!({
        "generator": format!("cartsense build {}", env!("CARGO_PKG_VERSION")),
        "kind": ds.kind,
        "scorer": choice.params,
        "bundle": choice.bundle,
        "quality": quality,
        "model": {
            "method": choice.method,
            "cooccurrence": choice.measure,
            "dims": o.dims,
            "seed": o.seed,
            "iterations": o.iterations,
            "neighbours": o.neighbours,
            "maxPackBytes": o.max_pack_bytes,
            "groups": ds.groups.len(),
            "baskets": choice.baskets,
        },
        "coldStart": {
            "items": n_cold,
            "belowGroups": o.cold_below,
            "holdout": cold.map(|(c, h, n)| json!({"items": n, "meanCosine": c, "nearestInTrueTop10": h})),
        },
        "build": extra,
        "repurchase": rep.as_ref().map(|r| r.meta()),
        "returning": returning,
    });
    let mut meta = meta;
    if let Some(c) = id_case {
        meta["idCase"] = c;
    }
    // The budget was met on the tuning split; on all the data the pack is a little larger.
    // Then sizes are trimmed by bytes alone, in the order that costs the least to re-check:
    // stored baskets (a tenth at a time), neighbours per item, then embedding dimensions
    // (retrained). The log says so; the validated trade-off is in `quality.size`.
    let mut choice = choice.clone();
    let mut o = o.clone();
    let mut parts = parts;
    loop {
        let mut w = model::writer(ds, &parts, &choice, &o, meta.clone());
        if let Some(r) = &rep {
            w = w.repurchase(r.per_item.clone());
        }
        let bytes = model::bytes(&w)?;
        if o.max_pack_bytes == 0 {
            return Ok(bytes);
        }
        let gz = model::gzip_len(&bytes);
        if gz <= o.max_pack_bytes {
            return Ok(bytes);
        }
        let what = if choice.baskets > 0 {
            choice.baskets = if choice.baskets > 100 {
                choice.baskets * 9 / 10
            } else {
                0
            };
            format!("{} baskets", choice.baskets)
        } else if o.neighbours > 0 {
            o.neighbours = tune::NEIGHBOUR_STEPS
                .into_iter()
                .find(|&n| n < o.neighbours)
                .unwrap_or(0);
            format!("{} neighbours per item", o.neighbours)
        } else if o.dims / 2 >= tune::MIN_DIMS {
            o.dims /= 2;
            parts = model::parts(ds, choice.method, &o, &|| {});
            format!("{} dimensions", o.dims)
        } else {
            return Err(anyhow!(
                "the smallest pack is {gz} bytes gzip, over the {} byte budget (--max-pack-kb): \
                 raise the budget, or leave facts out with --facts prices or --facts none",
                o.max_pack_bytes
            ));
        };
        log(&format!(
            "final pack {gz} bytes gzip, over the {} budget: trying {what}",
            o.max_pack_bytes
        ));
        (choice.neighbours, choice.dims) = (o.neighbours, o.dims);
        meta["model"]["baskets"] = json!(choice.baskets);
        meta["model"]["neighbours"] = json!(o.neighbours);
        meta["model"]["dims"] = json!(o.dims);
    }
}

/// Issue 7: the buy-again ranking and its weight in `completeCart` (`ReturningParams`),
/// chosen on the shop's own recent returning customers (held-out cases whose customer has an
/// earlier order in the tuning split; memory = that customer's earlier orders). `None` without
/// customer ids or with fewer than 20 such cases. `pack` is the validated pack of the tuning split.
/// Returns the metadata and the scorer's `memoryWeight` chosen with them.
fn tune_returning(
    ds: &Dataset,
    sub: &Dataset,
    valid: &[Case],
    pack: &[u8],
    log: &dyn Fn(&str),
) -> Result<Option<(serde_json::Value, f32)>> {
    if ds.kind != Kind::Baskets || repurchase::compute(sub).is_none() {
        return Ok(None);
    }
    let in_sub: HashSet<&str> = sub.groups.iter().map(|g| g.id.as_str()).collect();
    let r = returning::select_by(
        ds,
        valid,
        |g| in_sub.contains(g.id.as_str()),
        |h, g| h.at < g.at,
        |a, b| a.at.total_cmp(&b.at),
    );
    if r.cases.len() < 20 {
        log(&format!(
            "returning customers: {} held-out cases, too few to tune the buy-again weight",
            r.cases.len()
        ));
        return Ok(None);
    }
    let (t, grids) = returning::tune(pack, &r, sub)?;
    log(&format!(
        "returning customers: {} held-out cases; buy-again weight {} ({}), half-life {} days, \
         repurchase stats {}, memory weight {}",
        r.cases.len(),
        t.rp.buy_again_weight,
        t.rp.norm.name(),
        t.rp.half_life_days,
        if t.rp.repurchase { "used" } else { "not used" },
        t.memory_weight
    ));
    Ok(Some((
        returning::meta(&t, r.cases.len(), grids),
        t.memory_weight,
    )))
}
