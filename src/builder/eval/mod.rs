//! `cartsense eval`: PROTOCOL.md §1 (basket completion, Online Retail) and §2 (next item,
//! Diginetica sample), our rankers through `Engine` beside the baselines, one JSON record
//! ([`run`]); [`report`] renders it as tables and a chart.
//!
//! The splits and the metric row are in [`protocol`], our build in [`ours`], the baselines in
//! [`baselines`], the returning-customer protocol (§3) in [`returning`] and
//! [`returning_refs`], the cold-start check in [`cold`], external ranked lists in [`external`].

pub mod baselines;
pub mod cold;
pub mod external;
pub mod ours;
pub mod protocol;
pub mod report;
pub mod returning;
pub mod returning_refs;

use std::path::PathBuf;

use anyhow::Result;
use serde_json::{json, Value};

use crate::builder::data::Kind;
use crate::builder::model;
use crate::builder::pipeline;
use crate::builder::train::cooc::{Cooc, Measure};
use crate::builder::tune;
use crate::metrics::Tally;
use protocol::{
    check_manifest, row, Split, BAKERY_TEST, BAKERY_VALID, DG_TEST, DG_VALID, INSTACART_TEST,
    INSTACART_VALID, OR_TEST, OR_VALID,
};

/// Which protocol(s) [`run`] runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Datasets {
    /// §1 (with §3), §2 and the two §4 instances.
    All,
    /// §1 (and §3) only.
    OnlineRetail,
    /// §2 only.
    Diginetica,
    /// §4.4 only.
    Bakery,
    /// §4.5 only.
    Instacart,
}

/// A shop's own orders for §4 (`cartsense eval --orders`).
#[derive(Debug, Clone)]
pub struct Orders {
    /// CSV files or folders.
    pub inputs: Vec<PathBuf>,
    /// Column mapping (as `cartsense build`).
    pub columns: crate::builder::data::Columns,
    /// Cleaning rules (as `cartsense build`).
    pub rules: crate::builder::data::CleanRules,
    /// Name in the report.
    pub name: String,
}

/// What [`run`] evaluates, and our build's options.
#[derive(Debug, Clone)]
pub struct EvalOptions {
    /// Which protocol(s).
    pub datasets: Datasets,
    /// Online Retail day files folder.
    pub online_retail: PathBuf,
    /// Diginetica sample file.
    pub diginetica: PathBuf,
    /// Bakery transactions file (§4.4).
    pub bakery: PathBuf,
    /// Instacart sample `order_products__prior.csv` (§4.5).
    pub instacart: PathBuf,
    /// A shop's own orders: when given, only they are evaluated (§4).
    pub orders: Option<Orders>,
    /// Ranked-list files (JSONL `{"case": id, "items": [...]}`) to score (one dataset only).
    pub external: Vec<PathBuf>,
    /// Packs trained on the split's training orders (e.g. by the Spark job with `--before`),
    /// scored through the engine beside ours (one dataset only).
    pub packs: Vec<PathBuf>,
    /// Embedding dimensions of our build.
    pub dims: usize,
    /// Co-purchase neighbours kept per item in our build.
    pub neighbours: usize,
    /// Our build's pack budget in KB after gzip (0 = none).
    pub max_pack_kb: usize,
    /// Seed of our build.
    pub seed: u64,
    /// Skip the slower baselines (sknn without sampling, ALS).
    pub fast: bool,
    /// Baselines (and external files) only: do not build and score our pack.
    pub skip_ours: bool,
}

/// Run the chosen protocols; returns `{"protocol", "results": [one record per dataset]}`.
/// Manifest checks, choices and side checks go to `log`.
pub fn run(a: &EvalOptions, log: &dyn Fn(&str)) -> Result<Value> {
    let mut out = Vec::new();
    if let Some(o) = &a.orders {
        let (full, clean) = crate::builder::data::load(
            &o.inputs,
            &o.columns,
            &o.rules,
            Some(Kind::Baskets),
            &mut |_, _| {},
        )?;
        log(&clean.summary());
        let s = protocol::generic(&o.name, full);
        out.push(run_one(a, &s, None, log)?);
        return Ok(json!({"protocol": "PROTOCOL.md v1, §4", "results": out}));
    }
    let want = |d: Datasets| a.datasets == Datasets::All || a.datasets == d;
    if want(Datasets::OnlineRetail) {
        let s = protocol::online_retail(&a.online_retail)?;
        out.push(run_one(a, &s, Some((OR_TEST, OR_VALID)), log)?);
    }
    if want(Datasets::Diginetica) {
        let s = protocol::diginetica(&a.diginetica)?;
        out.push(run_one(a, &s, Some((DG_TEST, DG_VALID)), log)?);
    }
    if want(Datasets::Bakery) {
        let s = protocol::bakery(&a.bakery)?;
        out.push(run_one(a, &s, Some((BAKERY_TEST, BAKERY_VALID)), log)?);
    }
    if want(Datasets::Instacart) {
        let s = protocol::instacart(&a.instacart)?;
        out.push(run_one(
            a,
            &s,
            Some((INSTACART_TEST, INSTACART_VALID)),
            log,
        )?);
    }
    Ok(json!({"protocol": "PROTOCOL.md v1", "results": out}))
}

/// Expected (count, sha256) of the test and validation cases.
type Manifests = ((usize, &'static str), (usize, &'static str));

/// One protocol: manifests, our rows, the baselines, §3 (Online Retail), external files.
fn run_one(
    a: &EvalOptions,
    s: &Split,
    want: Option<Manifests>,
    log: &dyn Fn(&str),
) -> Result<Value> {
    let test_m = check_manifest(
        &format!("{} test", s.name),
        &s.test,
        &s.train.ids,
        want.map(|w| w.0),
        log,
    );
    let valid_m = check_manifest(
        &format!("{} validation", s.name),
        &s.valid,
        &s.subtrain.ids,
        want.map(|w| w.1),
        log,
    );
    let k = s.k;
    let mut rows = Vec::new();
    // Ours: the same build as `cartsense build`, tuned on the protocol's validation split.
    let ours = if a.skip_ours {
        None
    } else {
        Some(ours::ours(a, s, &mut rows, log)?)
    };
    // Baselines.
    let pop = baselines::popularity(&s.train);
    rows.push(row(
        "popularity",
        "baseline",
        &baselines::pop_lists(&pop, &s.test, s.kind, k),
        s,
    ));
    let groups = model::groups_of(&s.train);
    let cooc = Cooc::with_cap(
        s.train.n_items(),
        groups.iter().map(|g| g.as_slice()),
        usize::MAX,
    );
    let cooc_valid = {
        let sg = model::groups_of(&s.subtrain);
        Cooc::with_cap(
            s.subtrain.n_items(),
            sg.iter().map(|g| g.as_slice()),
            usize::MAX,
        )
    };
    let mut best_m = None;
    for m in Measure::ALL {
        let tv = tune::tally(
            &tune::cooc_lists(&cooc_valid, m, &s.valid, s.kind, k),
            &s.valid,
            &s.subtrain.prices,
            k,
        );
        if best_m
            .as_ref()
            .is_none_or(|(_, b): &(_, Tally)| tune::better(&tv, b))
        {
            best_m = Some((m, tv));
        }
        let l = tune::cooc_lists(&cooc, m, &s.test, s.kind, k);
        let note = if m == Measure::SizeCosine {
            "ours (item-item measure), not a PROTOCOL.md baseline"
        } else {
            "baseline"
        };
        rows.push(row(&format!("cooc-{}", m.name()), note, &l, s));
    }
    if s.kind == Kind::Sessions {
        rows.push(row(
            "markov1-last-item",
            "baseline",
            &baselines::markov_lists(&s.train, &pop, &s.test, k),
            s,
        ));
    }
    let alphas: &[f32] = if a.fast { &[] } else { &[1.0, 10.0, 40.0] };
    for &alpha in alphas {
        rows.push(row(
            &format!("als-a{alpha} (fold-in)"),
            "baseline",
            &baselines::als_lists(&s.train, &s.test, s.kind, k, alpha, a.seed)?,
            s,
        ));
    }
    let sk = baselines::Sknn::new(&s.train, s.recency.clone());
    rows.push(row(
        "sknn-k100-s500",
        "baseline",
        &sk.lists(&pop, &s.test, s.kind, k, 100, Some(500), false),
        s,
    ));
    if s.kind == Kind::Sessions {
        rows.push(row(
            "vsknn-k100-s500",
            "baseline",
            &sk.lists(&pop, &s.test, s.kind, k, 100, Some(500), true),
            s,
        ));
    }
    if !a.fast {
        rows.push(row(
            "sknn-k100-all",
            "baseline",
            &sk.lists(&pop, &s.test, s.kind, k, 100, None, false),
            s,
        ));
    }
    let returning = if s.name == "online-retail" {
        let packs = match &ours {
            Some(o) => {
                let vpack = match &o.valid_pack {
                    Some(p) => p.clone(),
                    None => pipeline::finish(
                        &s.subtrain,
                        &o.choice,
                        Value::Null,
                        &o.opts,
                        json!({}),
                        &|_| {},
                    )?,
                };
                Some((vpack, o.pack.clone()))
            }
            None => None,
        };
        let r = returning::run(&returning::Input {
            full: &s.full,
            train: &s.train,
            subtrain: &s.subtrain,
            test: &s.test,
            valid: &s.valid,
            packs,
            fast: a.fast,
            log,
        })?;
        Some(r)
    } else {
        None
    };
    for f in &a.packs {
        rows.push(external::score_pack(f, s)?);
    }
    let mut externals = Vec::new();
    for f in &a.external {
        let (r, counts) = external::score(f, s)?;
        rows.push(r);
        externals.push(counts);
    }
    Ok(json!({
        "dataset": s.name,
        "kind": s.kind,
        "k": k,
        "trainItems": s.train.n_items(),
        "trainGroups": s.train.groups.len(),
        "testManifest": test_m,
        "validationManifest": valid_m,
        "buildSeconds": ours.as_ref().map(|o| o.build_secs),
        "packBytes": ours.as_ref().map(|o| o.pack.len()),
        "latencyMs": ours.as_ref().map(|o| o.latency_ms),
        "chosen": ours.as_ref().map(|o| o.choice.clone()),
        "coldStart": ours.as_ref().map(|o| o.checks["coldStart"].clone()),
        "nudge": ours.as_ref().map(|o| o.checks["nudge"].clone()),
        "chosenCooc": best_m.map(|m| m.0),
        "rows": rows,
        "external": externals,
        "returning": returning,
    }))
}
