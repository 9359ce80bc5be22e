//! `cartsense eval`: the PROTOCOL.md evaluation ([`cartsense::builder::eval`]) as a table,
//! JSON and a chart.

use std::path::PathBuf;

use anyhow::{bail, Result};
use cartsense::builder::eval::{self, report, Datasets, EvalOptions, Orders};
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Which {
    All,
    OnlineRetail,
    Diginetica,
    Bakery,
    Instacart,
}

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  cartsense eval\n  cartsense eval --json eval.json --svg docs/quality.svg\n  \
cartsense eval --dataset online-retail --external my-lists.jsonl\n  \
cartsense eval --orders orders.csv --order-col order_id --item-col sku --time-col created_at"
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
    /// Bakery transactions (PROTOCOL.md §4.4).
    #[arg(
        long,
        default_value = "../shared/data/bakery-breadbasket/BreadBasket_DMS.csv"
    )]
    pub bakery: PathBuf,
    /// Instacart sample prior orders (PROTOCOL.md §4.5).
    #[arg(
        long,
        default_value = "../shared/data/instacart-sample/order_products__prior.csv"
    )]
    pub instacart: PathBuf,
    /// Your shop's orders (CSV files or folders, read as `cartsense build` reads them, with the
    /// same column and cleaning flags): split by time as PROTOCOL.md §4 says (newest 15% of
    /// orders = test, the 15% before = validation) and evaluated instead of the shared datasets.
    #[arg(long, num_args = 1..)]
    pub orders: Vec<PathBuf>,
    #[command(flatten)]
    pub cols: crate::build::ColArgs,
    #[command(flatten)]
    pub clean: crate::build::CleanArgs,
    /// Also write the results as JSON to this file ("-" = stdout instead of the table).
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// Write a bar chart (SVG) of the results.
    #[arg(long)]
    pub svg: Option<PathBuf>,
    /// Score a ranked-list file (JSONL `{"case": id, "items": [...]}`) on the chosen dataset.
    #[arg(long)]
    pub external: Vec<PathBuf>,
    /// Score a pack trained on the dataset's training split (e.g. `cartsense pack --from-spark`
    /// of a Spark job run with `--before`), through the engine as the wasm runs it.
    #[arg(long)]
    pub pack: Vec<PathBuf>,
    /// Embedding dimensions of our build.
    #[arg(long, default_value_t = 128)]
    pub dims: usize,
    /// Co-purchase neighbours kept per item in our build.
    #[arg(long, default_value_t = 100)]
    pub neighbours: usize,
    /// Our build's pack budget in KB after gzip -9, as `cartsense build --max-pack-kb`.
    #[arg(long, default_value_t = cartsense::builder::model::MAX_PACK_KB)]
    pub max_pack_kb: usize,
    /// Seed of our build.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Skip the slower baselines (sknn without sampling, ALS).
    #[arg(long)]
    pub fast: bool,
    /// Re-render the table and chart of an earlier `--json` file instead of evaluating.
    #[arg(long)]
    pub from_json: Option<PathBuf>,
    /// Baselines (and external files) only: do not build and score our pack.
    #[arg(long)]
    pub skip_ours: bool,
}

impl From<Which> for Datasets {
    fn from(w: Which) -> Datasets {
        match w {
            Which::All => Datasets::All,
            Which::OnlineRetail => Datasets::OnlineRetail,
            Which::Diginetica => Datasets::Diginetica,
            Which::Bakery => Datasets::Bakery,
            Which::Instacart => Datasets::Instacart,
        }
    }
}

pub fn run(a: &EvalArgs) -> Result<()> {
    if !a.external.is_empty() && a.dataset == Which::All && a.orders.is_empty() {
        bail!("--external needs --dataset online-retail or --dataset diginetica");
    }
    if !a.pack.is_empty() && a.dataset == Which::All && a.orders.is_empty() {
        bail!("--pack needs one dataset (--dataset online-retail, ...)");
    }
    if let Some(p) = &a.from_json {
        let text = std::fs::read_to_string(p)
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", p.display()))?;
        let v: Value = serde_json::from_str(&text)
            .map_err(|e| anyhow::anyhow!("{}: not an eval JSON file: {e}", p.display()))?;
        crate::out!("{}", report::tables(&v));
        if let Some(svg) = &a.svg {
            std::fs::write(svg, report::svg(&v))?;
        }
        return Ok(());
    }
    let o = EvalOptions {
        datasets: a.dataset.into(),
        online_retail: a.online_retail.clone(),
        diginetica: a.diginetica.clone(),
        bakery: a.bakery.clone(),
        instacart: a.instacart.clone(),
        orders: (!a.orders.is_empty()).then(|| Orders {
            inputs: a.orders.clone(),
            columns: a.cols.columns(),
            rules: a.clean.rules(),
            name: a
                .orders
                .first()
                .and_then(|p| p.file_stem())
                .map_or("orders".into(), |s| s.to_string_lossy().into_owned()),
        }),
        external: a.external.clone(),
        packs: a.pack.clone(),
        dims: a.dims,
        neighbours: a.neighbours,
        max_pack_kb: a.max_pack_kb,
        seed: a.seed,
        fast: a.fast,
        skip_ours: a.skip_ours,
    };
    let v = eval::run(&o, &|s| eprintln!("{s}"))?;
    let to_stdout = a.json.as_ref().is_some_and(|p| p.as_os_str() == "-");
    if to_stdout {
        crate::outln!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        crate::out!("{}", report::tables(&v));
        if let Some(p) = &a.json {
            std::fs::write(p, serde_json::to_string_pretty(&v)?)?;
        }
    }
    if let Some(p) = &a.svg {
        std::fs::write(p, report::svg(&v))?;
    }
    Ok(())
}
