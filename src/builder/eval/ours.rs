//! Our rankers on a protocol split: the pack built as `cartsense build` builds it (tuned on the
//! protocol's validation split), scored through `Engine` exactly as the wasm runs it.

use std::time::Instant;

use anyhow::Result;
use serde_json::{json, Value};

use super::cold;
use super::protocol::{row, Split};
use super::EvalOptions;
use crate::builder::data::Kind;
use crate::builder::engine_run;
use crate::builder::model::{self, Choice, Opts};
use crate::builder::pipeline;
use crate::pack::Quantize;
use crate::params::Params;

/// Our build and its measurements on one split.
pub struct Ours {
    /// Wall time of tuning and training.
    pub build_secs: f64,
    /// Mean time of one `recommend` call on the test cases, in ms.
    pub latency_ms: f64,
    /// The scorer choice.
    pub choice: Choice,
    /// `{"coldStart": .., "nudge": ..}` checks.
    pub checks: Value,
    /// The pack (trained on the train split).
    pub pack: Vec<u8>,
    /// The build options.
    pub opts: Opts,
    /// The pack the choice was validated with (trained on the validation's training part).
    pub valid_pack: Option<Vec<u8>>,
}

/// Build our pack and push its rows (the tuned blend, embeddings-only variants, and for
/// baskets `completeCart`) into `rows`.
pub fn ours(a: &EvalOptions, s: &Split, rows: &mut Vec<Value>, log: &dyn Fn(&str)) -> Result<Ours> {
    let k = s.k;
    let o = Opts {
        dims: a.dims,
        seed: a.seed,
        quantize: Quantize::I8,
        neighbours: a.neighbours,
        iterations: 15,
        cold_below: 3,
        basket_bytes: model::BASKET_BYTES,
        max_pack_bytes: a.max_pack_kb * 1024,
        facts: model::Facts::All,
    };
    let t0 = Instant::now();
    let max_baskets = model::baskets_within(&s.train, o.basket_bytes);
    let chosen = pipeline::choose(
        &s.subtrain,
        &s.valid,
        &o,
        "the protocol's validation split",
        max_baskets,
        log,
    )?;
    let choice = chosen.choice;
    let pack = pipeline::finish(&s.train, &choice, chosen.quality, &o, json!({}), log)?;
    let build_secs = t0.elapsed().as_secs_f64();
    let t1 = Instant::now();
    let lists = engine_run::run(&pack, &s.test, s.kind, k, None)?;
    let latency_ms = t1.elapsed().as_secs_f64() * 1000.0 / s.test.len().max(1) as f64;
    rows.push(row(
        "cartsense (tuned blend, as the wasm runs it)",
        "ours",
        &lists,
        s,
    ));
    let emb_only = Params {
        embedding_weight: 1.0,
        neighbour_weight: 0.0,
        transition_weight: 0.0,
        knn_weight: 0.0,
        popularity_weight: 0.0,
        ..choice.params
    };
    let l = engine_run::run(&pack, &s.test, s.kind, k, Some(emb_only))?;
    rows.push(row(
        "cartsense embeddings only",
        "ours, not used for selection",
        &l,
        s,
    ));
    let mut nudge = Value::Null;
    if s.kind == Kind::Baskets {
        // The cart-completion ranker of the wasm `completeCart` (bundle weights: the pack's
        // `bundle` meta, else the defaults), on the same pack and cases.
        let l = engine_run::complete_cart(&pack, &s.test, k)?;
        rows.push(row(
            "cartsense completeCart (as the wasm runs it)",
            "ours",
            &l,
            s,
        ));
        // Free-shipping nudge at a threshold of our choosing: the median cart total of the
        // validation cases (sub-train prices), so about half the carts are below it.
        let mut totals: Vec<f32> = s
            .valid
            .iter()
            .map(|c| c.ctx.iter().map(|&i| s.subtrain.prices[i as usize]).sum())
            .collect();
        totals.sort_by(f32::total_cmp);
        let threshold = totals.get(totals.len() / 2).copied().unwrap_or(0.0);
        let (below, hits) = engine_run::nudge(&pack, &s.test, &s.train.prices, threshold, 10)?;
        log(&format!(
            "{}: free-shipping nudge at {threshold:.2} (median validation cart): {below} test carts below it, the closers held the hidden item in {hits} ({:.1}%)",
            s.name,
            100.0 * hits as f64 / below.max(1) as f64
        ));
        nudge = json!({ "threshold": threshold, "cartsBelow": below, "closersHoldTarget": hits });
    }
    let cold = if s.train.titles.iter().any(|t| !t.is_empty()) {
        let c = cold::run(s, &pack, emb_only)?;
        log(&format!(
            "{} cold-start check (held-out items, embeddings only): {c}",
            s.name
        ));
        c
    } else {
        Value::Null
    };
    Ok(Ours {
        build_secs,
        latency_ms,
        choice,
        checks: json!({ "coldStart": cold, "nudge": nudge }),
        pack,
        opts: o,
        valid_pack: chosen.pack,
    })
}
