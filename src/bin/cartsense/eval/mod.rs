//! `cartsense eval`: PROTOCOL.md §1 (basket completion, Online Retail) and §2 (next item,
//! Diginetica sample), our rankers through `Engine` beside the baselines, one table.

mod baselines;
mod cold;
mod external;
mod report;
pub mod returning;
mod returning_refs;

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{bail, Result};
use cartsense::metrics::rank_in;
use cartsense::pack::Quantize;
use cartsense::params::{Params, ProfileMethod};
use serde_json::{json, Value};

use crate::build;
use crate::cases::{self, Case};
use crate::csv_in::{parse_time, Columns};
use crate::data::{self, CleanRules, Dataset, Kind};
use crate::engine_run;
use crate::model::Opts;
use crate::tune;

pub const OR_TEST: (usize, &str) = (
    3308,
    "3e72080c9494efd6677d240901c5f816669c2111d3751b980ae4cef5eb6b3318",
);
pub const OR_VALID: (usize, &str) = (
    1819,
    "7f0954b56cff2794988b05b3896616afc76d7513f824a7a382dbe5faf2db2e17",
);
pub const DG_TEST: (usize, &str) = (
    232,
    "d0f23284e4d698b197d2d226b363bfa51b704cf6aba8ca5abfee4923cd6caba2",
);
pub const DG_VALID: (usize, &str) = (
    86,
    "6447c3242abc4ecf1006d42850963760faae702e5ed2fb56d09d55ab35dd0072",
);

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Which {
    All,
    OnlineRetail,
    Diginetica,
}

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  cartsense eval\n  cartsense eval --json eval.json --svg docs/quality.svg\n  \
cartsense eval --dataset online-retail --external my-lists.jsonl"
)]
pub struct EvalArgs {
    /// Which protocol(s) to run.
    #[arg(long, value_enum, default_value = "all")]
    pub dataset: Which,
    /// Online Retail day files folder.
    #[arg(long, default_value = "../shared/data/online-retail-uci/by-day")]
    pub online_retail: PathBuf,
    /// Diginetica sample file.
    #[arg(
        long,
        default_value = "../shared/data/diginetica-sample/sample_train-item-views.csv"
    )]
    pub diginetica: PathBuf,
    /// Also write the results as JSON to this file ("-" = stdout instead of the table).
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// Write a bar chart (SVG) of the results.
    #[arg(long)]
    pub svg: Option<PathBuf>,
    /// Score a ranked-list file (JSONL `{"case": id, "items": [...]}`) on the chosen dataset.
    #[arg(long)]
    pub external: Vec<PathBuf>,
    /// Embedding dimensions of our build.
    #[arg(long, default_value_t = 128)]
    pub dims: usize,
    /// Co-purchase neighbours kept per item in our build.
    #[arg(long, default_value_t = 100)]
    pub neighbours: usize,
    /// Seed of our build.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Skip the slower baselines (sknn without sampling).
    #[arg(long)]
    pub fast: bool,
    /// Re-render the table and chart of an earlier `--json` file instead of evaluating.
    #[arg(long)]
    pub from_json: Option<PathBuf>,
    /// Baselines (and external files) only: do not build and score our pack.
    #[arg(long)]
    pub skip_ours: bool,
}

/// One dataset's protocol material.
pub struct Split {
    pub name: &'static str,
    /// All clean groups (for the §3 customer histories).
    pub full: Dataset,
    pub kind: Kind,
    pub train: Dataset,
    pub test: Vec<Case>,
    pub subtrain: Dataset,
    pub valid: Vec<Case>,
    pub recency: Vec<u32>,
    pub k: usize,
}

fn quiet_bar() -> indicatif::ProgressBar {
    indicatif::ProgressBar::hidden()
}

pub fn online_retail(path: &PathBuf) -> Result<Split> {
    let (full, _) = data::load(
        std::slice::from_ref(path),
        &Columns::default(),
        &CleanRules::default(),
        Some(Kind::Baskets),
        &quiet_bar(),
    )?;
    let train = full.subset(|g| g.time.as_str() < "2011-11-01");
    let test = cases::build(
        &full,
        &train,
        full.groups
            .iter()
            .filter(|g| g.time.as_str() >= "2011-11-01"),
    );
    let subtrain = full.subset(|g| g.time.as_str() < "2011-10-01");
    let valid = cases::build(
        &full,
        &subtrain,
        full.groups
            .iter()
            .filter(|g| g.time.as_str() >= "2011-10-01" && g.time.as_str() < "2011-11-01"),
    );
    let recency = (0..train.groups.len() as u32).collect();
    Ok(Split {
        full,
        name: "online-retail",
        kind: Kind::Baskets,
        train,
        test,
        subtrain,
        valid,
        recency,
        k: 10,
    })
}

fn day(s: &str) -> f64 {
    parse_time(s).unwrap_or(0.0) / 86_400_000.0
}

fn sid_key(s: &str) -> (u64, String) {
    (s.parse::<u64>().unwrap_or(u64::MAX), s.to_string())
}

pub fn diginetica(path: &PathBuf) -> Result<Split> {
    let rules = CleanRules {
        upper_ids: false,
        ..CleanRules::default()
    };
    let (mut full, _) = data::load(
        std::slice::from_ref(path),
        &Columns::default(),
        &rules,
        Some(Kind::Sessions),
        &quiet_bar(),
    )?;
    full.groups.retain(|g| g.items.len() >= 2);
    let dmax = full
        .groups
        .iter()
        .map(|g| day(&g.time))
        .fold(f64::MIN, f64::max);
    let is_test = |g: &data::Group| day(&g.time) >= dmax - 6.0;
    let train = full.subset(|g| !is_test(g));
    let mut test_groups: Vec<&data::Group> = full.groups.iter().filter(|g| is_test(g)).collect();
    test_groups.sort_by_key(|g| sid_key(&g.id));
    let test = cases::build(&full, &train, test_groups.into_iter());
    let dmax2 = train
        .groups
        .iter()
        .map(|g| day(&g.time))
        .fold(f64::MIN, f64::max);
    let is_valid = |g: &data::Group| !is_test(g) && day(&g.time) >= dmax2 - 6.0;
    let subtrain = full.subset(|g| !is_test(g) && !is_valid(g));
    let mut vg: Vec<&data::Group> = full.groups.iter().filter(|g| is_valid(g)).collect();
    vg.sort_by_key(|g| sid_key(&g.id));
    let valid = cases::build(&full, &subtrain, vg.into_iter());
    let mut order: Vec<usize> = (0..train.groups.len()).collect();
    order.sort_by(|&a, &b| {
        let (ga, gb) = (&train.groups[a], &train.groups[b]);
        ga.time
            .cmp(&gb.time)
            .then(sid_key(&ga.id).cmp(&sid_key(&gb.id)))
    });
    let mut recency = vec![0u32; order.len()];
    for (r, &g) in order.iter().enumerate() {
        recency[g] = r as u32;
    }
    Ok(Split {
        full,
        name: "diginetica",
        kind: Kind::Sessions,
        train,
        test,
        subtrain,
        valid,
        recency,
        k: 20,
    })
}

/// One ranker's row.
fn row(name: &str, note: &str, lists: &[Vec<u32>], s: &Split) -> Value {
    let k = s.k;
    let mut t10 = cartsense::metrics::Tally::default();
    let mut tk = cartsense::metrics::Tally::default();
    let mut seen = vec![false; s.train.n_items()];
    for (l, c) in lists.iter().zip(&s.test) {
        let price = s.train.prices[c.target as usize] as f64;
        t10.add(rank_in(l, &c.target, 10), price);
        tk.add(rank_in(l, &c.target, k), price);
        for &j in l.iter().take(k) {
            seen[j as usize] = true;
        }
    }
    let cov = seen.iter().filter(|&&x| x).count() as f64 / s.train.n_items().max(1) as f64;
    json!({
        "name": name, "note": note, "cases": t10.cases,
        "hr10": t10.hit_rate(), "mrr10": t10.mrr(), "ndcg10": t10.ndcg(), "revhr10": t10.value_hit_rate(),
        "hrK": tk.hit_rate(), "mrrK": tk.mrr(), "ndcgK": tk.ndcg(), "cov": cov, "k": k,
        "upliftPerBasket": uplift(lists, s),
    })
}

/// Simulated order-value uplift of showing a list of 10 add-ons under a basket: each shown item
/// at rank r is assumed bought (one unit, at its median train price) with the probability that
/// this ranker's list has the hidden item at rank r on the test cases (its measured hit rate at
/// that rank), independently of the others; the mean over test baskets of the sum over the 10
/// slots. Assumptions: the shopper sees all 10, accepting one add-on does not change the others,
/// and a hit on the hidden item is as likely for every shown item at that rank.
fn uplift(lists: &[Vec<u32>], s: &Split) -> f64 {
    let targets: Vec<u32> = s.test.iter().map(|c| c.target).collect();
    uplift_of(lists, &targets, &s.train.prices)
}

/// [`uplift`] for lists with their hidden `targets` and the item `prices`.
pub fn uplift_of(lists: &[Vec<u32>], targets: &[u32], prices: &[f32]) -> f64 {
    let n = lists.len().max(1) as f64;
    let mut at_rank = [0.0f64; 10];
    for (l, t) in lists.iter().zip(targets) {
        let r = rank_in(l, t, 10);
        if (1..=10).contains(&r) {
            at_rank[r - 1] += 1.0 / n;
        }
    }
    let mut total = 0.0;
    for l in lists {
        for (r, &j) in l.iter().take(10).enumerate() {
            total += at_rank[r] * prices[j as usize] as f64;
        }
    }
    total / n
}

fn check_manifest(what: &str, cases: &[Case], ids: &[String], want: (usize, &str)) -> Value {
    let got = cases::manifest(cases, ids);
    let ok = cases.len() == want.0 && got == want.1;
    eprintln!(
        "{what}: {} cases, manifest sha256 {got} {}",
        cases.len(),
        if ok {
            "(matches PROTOCOL.md)"
        } else {
            "(DOES NOT MATCH PROTOCOL.md)"
        }
    );
    json!({"cases": cases.len(), "sha256": got, "matchesProtocol": ok})
}

fn run_one(a: &EvalArgs, s: &Split, want: ((usize, &str), (usize, &str))) -> Result<Value> {
    let test_m = check_manifest(&format!("{} test", s.name), &s.test, &s.train.ids, want.0);
    let valid_m = check_manifest(
        &format!("{} validation", s.name),
        &s.valid,
        &s.subtrain.ids,
        want.1,
    );
    let k = s.k;
    let mut rows = Vec::new();
    // Ours: the same build as `cartsense build`, tuned on the protocol's validation split.
    let ours = if a.skip_ours {
        None
    } else {
        Some(ours(a, s, &mut rows)?)
    };
    // Baselines.
    let pop = baselines::popularity(&s.train);
    rows.push(row(
        "popularity",
        "baseline",
        &baselines::pop_lists(&pop, &s.test, s.kind, k),
        s,
    ));
    let groups = crate::model::groups_of(&s.train);
    let cooc = crate::cooc::Cooc::with_cap(
        s.train.n_items(),
        groups.iter().map(|g| g.as_slice()),
        usize::MAX,
    );
    let cooc_valid = {
        let sg = crate::model::groups_of(&s.subtrain);
        crate::cooc::Cooc::with_cap(
            s.subtrain.n_items(),
            sg.iter().map(|g| g.as_slice()),
            usize::MAX,
        )
    };
    let mut best_m = None;
    for m in crate::cooc::Measure::ALL {
        let tv = tune::tally(
            &tune::cooc_lists(&cooc_valid, m, &s.valid, s.kind, k),
            &s.valid,
            &s.subtrain.prices,
            k,
        );
        if best_m
            .as_ref()
            .is_none_or(|(_, b): &(_, cartsense::metrics::Tally)| {
                (tv.hit_rate(), tv.mrr()) > (b.hit_rate(), b.mrr())
            })
        {
            best_m = Some((m, tv));
        }
        let l = tune::cooc_lists(&cooc, m, &s.test, s.kind, k);
        let note = if m == crate::cooc::Measure::SizeCosine {
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
                let vpack = build::finish(&s.subtrain, &o.3, Value::Null, &o.6, json!({}))?;
                Some((vpack, o.5.clone()))
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
        })?;
        Some(r)
    } else {
        None
    };
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
        "buildSeconds": ours.as_ref().map(|o| o.0),
        "packBytes": ours.as_ref().map(|o| o.1),
        "latencyMs": ours.as_ref().map(|o| o.2),
        "chosen": ours.as_ref().map(|o| o.3.clone()),
        "coldStart": ours.as_ref().map(|o| o.4["coldStart"].clone()),
        "nudge": ours.as_ref().map(|o| o.4["nudge"].clone()),
        "chosenCooc": best_m.map(|m| m.0),
        "rows": rows,
        "external": externals,
        "returning": returning,
    }))
}

/// (build seconds, pack bytes, ms per call, choice, cold-start check, the pack, build options).
type Ours = (f64, usize, f64, crate::model::Choice, Value, Vec<u8>, Opts);

/// Build our pack as `cartsense build` does (tuned on the protocol's validation split) and
/// score it through the Engine; returns (build seconds, pack bytes, ms per call, choice).
fn ours(a: &EvalArgs, s: &Split, rows: &mut Vec<Value>) -> Result<Ours> {
    let k = s.k;
    let o = Opts {
        dims: a.dims,
        seed: a.seed,
        quantize: Quantize::I8,
        neighbours: a.neighbours,
        iterations: 15,
        cold_below: 3,
    };
    let t0 = Instant::now();
    let (choice, quality) = build::choose(
        &s.subtrain,
        &s.valid,
        &o,
        "PROTOCOL.md validation split",
        false,
    )?;
    let pack = build::finish(&s.train, &choice, quality, &o, json!({}))?;
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
    let variants = [
        (
            "cartsense embeddings only (fold-in)",
            Params {
                neighbour_weight: 0.0,
                transition_weight: 0.0,
                profile: ProfileMethod::Auto,
                ..choice.params
            },
        ),
        (
            "cartsense embeddings only (mean profile)",
            Params {
                neighbour_weight: 0.0,
                transition_weight: 0.0,
                profile: ProfileMethod::Mean,
                ..choice.params
            },
        ),
    ];
    for (name, p) in variants {
        let l = engine_run::run(&pack, &s.test, s.kind, k, Some(p))?;
        rows.push(row(name, "ours, not used for selection", &l, s));
    }
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
        eprintln!(
            "{}: free-shipping nudge at {threshold:.2} (median validation cart): {below} test carts below it, the closers held the hidden item in {hits} ({:.1}%)",
            s.name,
            100.0 * hits as f64 / below.max(1) as f64
        );
        nudge = json!({ "threshold": threshold, "cartsBelow": below, "closersHoldTarget": hits });
    }
    let cold = if s.train.titles.iter().any(|t| !t.is_empty()) {
        let p = Params {
            neighbour_weight: 0.0,
            transition_weight: 0.0,
            ..choice.params
        };
        let c = cold::run(s, &pack, p)?;
        eprintln!(
            "{} cold-start check (held-out items, embeddings only): {c}",
            s.name
        );
        c
    } else {
        Value::Null
    };
    let cold = json!({ "coldStart": cold, "nudge": nudge });
    Ok((build_secs, pack.len(), latency_ms, choice, cold, pack, o))
}

pub fn run(a: &EvalArgs) -> Result<()> {
    if !a.external.is_empty() && a.dataset == Which::All {
        bail!("--external needs --dataset online-retail or --dataset diginetica");
    }
    if let Some(p) = &a.from_json {
        let text = std::fs::read_to_string(p)
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", p.display()))?;
        let v: Value = serde_json::from_str(&text)
            .map_err(|e| anyhow::anyhow!("{}: not an eval JSON file: {e}", p.display()))?;
        report::table(&v);
        returning_tables(&v);
        if let Some(svg) = &a.svg {
            std::fs::write(svg, report::svg(&v))?;
        }
        return Ok(());
    }
    let mut out = Vec::new();
    if a.dataset != Which::Diginetica {
        let s = online_retail(&a.online_retail)?;
        out.push(run_one(a, &s, (OR_TEST, OR_VALID))?);
    }
    if a.dataset != Which::OnlineRetail {
        let s = diginetica(&a.diginetica)?;
        out.push(run_one(a, &s, (DG_TEST, DG_VALID))?);
    }
    let v = json!({"protocol": "PROTOCOL.md v1", "results": out});
    let to_stdout = a.json.as_ref().is_some_and(|p| p.as_os_str() == "-");
    if to_stdout {
        crate::outln!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        report::table(&v);
        returning_tables(&v);
        if let Some(p) = &a.json {
            std::fs::write(p, serde_json::to_string_pretty(&v)?)?;
        }
    }
    if let Some(p) = &a.svg {
        std::fs::write(p, report::svg(&v))?;
    }
    Ok(())
}

fn returning_tables(v: &Value) {
    for r in v["results"].as_array().into_iter().flatten() {
        if r["returning"].is_object() {
            returning::table(&r["returning"]);
        }
    }
}
