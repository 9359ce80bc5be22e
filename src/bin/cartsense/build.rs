//! `cartsense build`: orders or events in, a tuned pack out.

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use cartsense::pack::Quantize;
use serde_json::json;

use crate::cases;
use crate::csv_in::Columns;
use crate::data::{self, CleanRules, Dataset, Kind};
use crate::model::{self, Choice, Opts};
use crate::train::coldstart;
use crate::tune;

/// Hold out the most recent `frac` of groups by time (at least the last group time).
pub fn recent_split(ds: &Dataset, frac: f64) -> (Dataset, Vec<cases::Case>) {
    let mut ats: Vec<f64> = ds.groups.iter().map(|g| g.at).collect();
    ats.sort_by(|a, b| a.total_cmp(b));
    if ats.is_empty() {
        return (ds.clone(), Vec::new());
    }
    let pos = ((ats.len() as f64 * (1.0 - frac)) as usize).min(ats.len() - 1);
    if ats[0] == ats[ats.len() - 1] {
        // No usable timestamps: the file order is the best guess at time order.
        let ids: std::collections::HashSet<&str> =
            ds.groups[pos..].iter().map(|g| g.id.as_str()).collect();
        let sub = ds.subset(|g| !ids.contains(g.id.as_str()));
        let valid = cases::build(ds, &sub, ds.groups[pos..].iter());
        return (sub, valid);
    }
    let cut = ats[pos];
    let sub = ds.subset(|g| g.at < cut);
    let valid = cases::build(ds, &sub, ds.groups.iter().filter(|g| g.at >= cut));
    (sub, valid)
}

/// Tune on `sub`/`valid` when there is enough, else defaults; logs to stderr.
pub fn choose(
    sub: &Dataset,
    valid: &[cases::Case],
    o: &Opts,
    split: &str,
    quiet: bool,
) -> Result<(Choice, serde_json::Value)> {
    let log = |s: &str| {
        if !quiet {
            eprintln!("{s}");
        }
    };
    if valid.len() < 20 || sub.groups.len() < 50 {
        log(&format!(
            "too little data to hold out ({} validation cases): using default scorer settings",
            valid.len()
        ));
        return Ok((
            tune::default_choice(sub.kind),
            json!({"split": split, "validationCases": valid.len()}),
        ));
    }
    log(&format!(
        "tuning on {} validation cases ({split})",
        valid.len()
    ));
    let (c, mut q) = tune::tune(sub, valid, o, &log)?;
    q["split"] = json!(split);
    Ok((c, q))
}

/// Final training on `ds` with `choice`; returns the pack bytes.
pub fn finish(
    ds: &Dataset,
    choice: &Choice,
    quality: serde_json::Value,
    o: &Opts,
    extra: serde_json::Value,
) -> Result<Vec<u8>> {
    let parts = model::parts(ds, choice.method, o, &|| {});
    let cold = coldstart::holdout(ds, &parts.cooc.count, &parts.emb, o.dims, o.cold_below);
    let n_cold = parts
        .flags
        .iter()
        .filter(|&&f| f & model::COLD != 0)
        .count();
    let rep = crate::repurchase::compute(ds);
    let mut extra = extra;
    let returning = extra.as_object_mut().and_then(|m| m.remove("returning"));
    let meta = json!({
        "generator": format!("cartsense build {}", env!("CARGO_PKG_VERSION")),
        "kind": ds.kind,
        "scorer": choice.params,
        "quality": quality,
        "model": {
            "method": choice.method,
            "cooccurrence": choice.measure,
            "dims": o.dims,
            "seed": o.seed,
            "iterations": o.iterations,
            "neighbours": o.neighbours,
            "groups": ds.groups.len(),
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
    let mut w = model::writer(ds, &parts, choice, o, meta);
    if let Some(r) = rep {
        w = w.repurchase(r.per_item);
    }
    model::bytes(&w)
}

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Example:\n  cartsense build --orders data/online-retail-uci/by-day --out model.cspk\n  \
cartsense build --orders views.csv --order-col session_id --item-col item_id --seq-col timeframe --out m.cspk"
)]
pub struct BuildArgs {
    /// Order/event CSV files or folders of them (read in name order).
    #[arg(long, required = true, num_args = 1..)]
    pub orders: Vec<PathBuf>,
    /// Output pack.
    #[arg(long)]
    pub out: PathBuf,
    /// Optional item catalog CSV (id, title, category, price columns) for item facts.
    #[arg(long)]
    pub catalog: Option<PathBuf>,
    #[command(flatten)]
    pub cols: ColArgs,
    /// Baskets or sessions (default: detected from the data).
    #[arg(long, value_enum)]
    pub kind: Option<Kind>,
    /// Embedding dimensions.
    #[arg(long, default_value_t = 128)]
    pub dims: usize,
    /// Seed of every random choice.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Embedding storage: int8 or f32.
    #[arg(long, default_value = "int8")]
    pub quantize: String,
    /// Co-purchase neighbours and transitions kept per item.
    #[arg(long, default_value_t = 100)]
    pub neighbours: usize,
    /// ALS iterations.
    #[arg(long, default_value_t = 15)]
    pub iterations: usize,
    /// Items in fewer groups than this get a title-based (cold-start) embedding; 0 = off.
    #[arg(long, default_value_t = 3)]
    pub cold_below: u32,
    /// Share of the most recent groups held out for tuning.
    #[arg(long, default_value_t = 0.1)]
    pub holdout: f64,
    /// Order ids made of this prefix and digits are cancellations ("" = none).
    #[arg(long, default_value = "C")]
    pub cancel_prefix: String,
    /// Comma-separated item codes that are not products.
    #[arg(
        long,
        default_value = "POST,DOT,M,C2,D,S,B,CRUK,PADS,AMAZONFEE,BANK CHARGES"
    )]
    pub drop_codes: String,
    /// Comma-separated item code prefixes that are not products.
    #[arg(long, default_value = "GIFT_,DCGS")]
    pub drop_prefixes: String,
    /// Keep item ids' letter case (default: trim and upper-case them).
    #[arg(long)]
    pub keep_id_case: bool,
    /// Currency code stored in the pack.
    #[arg(long, default_value = "")]
    pub currency: String,
    /// No progress or tuning log.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Debug, Clone, clap::Args)]
pub struct ColArgs {
    /// Order (or session) id column [default: InvoiceNo, order_id, session_id, ...].
    #[arg(long)]
    pub order_col: Option<String>,
    /// Item id column [default: StockCode, item_id, product_id, sku, ...].
    #[arg(long)]
    pub item_col: Option<String>,
    /// Timestamp column [default: InvoiceDate, timestamp, eventdate, ...].
    #[arg(long)]
    pub time_col: Option<String>,
    /// Numeric within-order sequence column, added to the time in ms [default: timeframe].
    #[arg(long)]
    pub seq_col: Option<String>,
    /// Quantity column [default: Quantity].
    #[arg(long)]
    pub quantity_col: Option<String>,
    /// Unit price column [default: UnitPrice, price].
    #[arg(long)]
    pub price_col: Option<String>,
    /// Title column [default: Description, title, name].
    #[arg(long)]
    pub title_col: Option<String>,
    /// Category column [default: category].
    #[arg(long)]
    pub category_col: Option<String>,
    /// Customer id column, for per-item repurchase stats [default: CustomerID, customer_id,
    /// user_id]; a trailing `.0` is removed.
    #[arg(long, alias = "customer-column")]
    pub customer_col: Option<String>,
}

impl ColArgs {
    pub fn columns(&self) -> Columns {
        Columns {
            order: self.order_col.clone(),
            item: self.item_col.clone(),
            time: self.time_col.clone(),
            seq: self.seq_col.clone(),
            quantity: self.quantity_col.clone(),
            price: self.price_col.clone(),
            title: self.title_col.clone(),
            category: self.category_col.clone(),
            customer: self.customer_col.clone(),
        }
    }
}

pub fn rules(a: &BuildArgs) -> CleanRules {
    let list = |s: &str| -> Vec<String> {
        s.split(',')
            .map(|x| x.trim().to_string())
            .filter(|x| !x.is_empty())
            .collect()
    };
    CleanRules {
        cancel_prefix: a.cancel_prefix.clone(),
        drop_codes: list(&a.drop_codes),
        drop_prefixes: list(&a.drop_prefixes),
        upper_ids: !a.keep_id_case,
    }
}

pub fn bar(len: u64, msg: &str, quiet: bool) -> indicatif::ProgressBar {
    if quiet {
        return indicatif::ProgressBar::hidden();
    }
    let b = indicatif::ProgressBar::new(len);
    if let Ok(s) =
        indicatif::ProgressStyle::with_template("{msg:12} [{bar:30}] {pos}/{len} {elapsed}")
    {
        b.set_style(s);
    }
    b.set_message(msg.to_string());
    b
}

pub fn run(a: &BuildArgs) -> Result<()> {
    let t0 = std::time::Instant::now();
    let quantize: Quantize = a
        .quantize
        .parse()
        .map_err(|e| anyhow::anyhow!("--quantize: {e}"))?;
    if a.dims == 0 || a.dims > 512 {
        bail!("--dims must be between 1 and 512, not {}", a.dims);
    }
    if !(0.0..0.9).contains(&a.holdout) {
        bail!("--holdout must be between 0 and 0.9, not {}", a.holdout);
    }
    let b = bar(0, "reading", a.quiet);
    let (mut ds, rep) = data::load(&a.orders, &a.cols.columns(), &rules(a), a.kind, &b)?;
    b.finish_and_clear();
    if !a.quiet {
        rep.print();
    }
    if let Some(cat) = &a.catalog {
        crate::catalog::merge(&mut ds, cat, !a.keep_id_case)?;
    }
    if !a.quiet {
        eprintln!("{} items, {} {:?}", ds.n_items(), ds.groups.len(), ds.kind);
    }
    let o = Opts {
        dims: a.dims,
        seed: a.seed,
        quantize,
        neighbours: a.neighbours,
        iterations: a.iterations,
        cold_below: a.cold_below,
    };
    let (sub, valid) = recent_split(&ds, a.holdout);
    let split = format!("most recent {:.0}% of groups by time", a.holdout * 100.0);
    if !a.quiet {
        eprintln!("read and cleaned in {:.1}s", t0.elapsed().as_secs_f64());
    }
    let (choice, quality) = choose(&sub, &valid, &o, &split, a.quiet)?;
    if !a.quiet {
        eprintln!(
            "tuned in {:.1}s; training on everything",
            t0.elapsed().as_secs_f64()
        );
    }
    let mut extra = json!({"clean": rep});
    let mut choice = choice;
    if let Some((r, memory_weight)) = tune_returning(&ds, &sub, &valid, &choice, &o, a.quiet)? {
        extra["returning"] = r;
        choice.params.memory_weight = memory_weight;
    }
    let bytes = finish(&ds, &choice, quality, &o, extra)?;
    std::fs::write(&a.out, &bytes).with_context(|| format!("cannot write {}", a.out.display()))?;
    if !a.quiet {
        eprintln!(
            "wrote {} ({} items, {} bytes) in {:.1}s",
            a.out.display(),
            ds.n_items(),
            bytes.len(),
            t0.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

/// Issue 7: the buy-again ranking and its weight in `completeCart` (`ReturningParams`),
/// chosen on the shop's own recent returning customers (held-out cases whose customer has an
/// earlier order in the tuning split; memory = that customer's earlier orders). `None` without
/// customer ids or with fewer than 20 such cases. Costs one more training run on the split.
/// Returns the metadata and the scorer's `memoryWeight` chosen with them.
fn tune_returning(
    ds: &Dataset,
    sub: &Dataset,
    valid: &[cases::Case],
    choice: &Choice,
    o: &Opts,
    quiet: bool,
) -> Result<Option<(serde_json::Value, f32)>> {
    use crate::eval::returning;
    if ds.kind != Kind::Baskets || crate::repurchase::compute(sub).is_none() {
        return Ok(None);
    }
    let in_sub: std::collections::HashSet<&str> =
        sub.groups.iter().map(|g| g.id.as_str()).collect();
    let r = returning::select_by(
        ds,
        valid,
        |g| in_sub.contains(g.id.as_str()),
        |h, g| h.at < g.at,
        |a, b| a.at.total_cmp(&b.at),
    );
    if r.cases.len() < 20 {
        if !quiet {
            eprintln!(
                "returning customers: {} held-out cases, too few to tune the buy-again weight",
                r.cases.len()
            );
        }
        return Ok(None);
    }
    let pack = finish(sub, choice, serde_json::Value::Null, o, json!({}))?;
    let (t, grids) = returning::tune(&pack, &r, sub)?;
    if !quiet {
        eprintln!(
            "returning customers: {} held-out cases; buy-again weight {} ({}), half-life {} days, \
             repurchase stats {}, memory weight {}",
            r.cases.len(),
            t.rp.buy_again_weight,
            t.rp.norm.name(),
            t.rp.half_life_days,
            if t.rp.repurchase { "used" } else { "not used" },
            t.memory_weight
        );
    }
    Ok(Some((
        returning::meta(&t, r.cases.len(), grids),
        t.memory_weight,
    )))
}
