//! `cartsense neighbours`: the co-purchase neighbour lists `cartsense build` stores, for a
//! given measure and N, as CSV (what the Spark job's lists are checked against).

use std::path::PathBuf;

use anyhow::{Context, Result};
use cartsense::builder::data::{self, Kind};
use cartsense::builder::model;
use cartsense::builder::train::cooc::{Cooc, Measure};

use crate::build::{CleanArgs, ColArgs};

/// `--measure`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum MeasureArg {
    Count,
    Cosine,
    Lift,
    SizeCosine,
}

impl From<MeasureArg> for Measure {
    fn from(m: MeasureArg) -> Measure {
        match m {
            MeasureArg::Count => Measure::Count,
            MeasureArg::Cosine => Measure::Cosine,
            MeasureArg::Lift => Measure::Lift,
            MeasureArg::SizeCosine => Measure::SizeCosine,
        }
    }
}

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Example:\n  cartsense neighbours --orders BreadBasket_DMS.csv --time-col Date+Time \
--drop-codes NONE --keep-id-case --measure cosine --top 20 --out nb.csv"
)]
pub struct NeighboursArgs {
    /// Order CSV files or folders of them (read as `cartsense build` reads them).
    #[arg(long, required = true, num_args = 1..)]
    pub orders: Vec<PathBuf>,
    /// Output CSV: item,neighbour,rank,c,score (rank from 1; score as the pack stores it).
    #[arg(long)]
    pub out: PathBuf,
    #[command(flatten)]
    pub cols: ColArgs,
    #[command(flatten)]
    pub clean: CleanArgs,
    /// Association measure.
    #[arg(long, value_enum, default_value = "cosine")]
    pub measure: MeasureArg,
    /// Neighbours kept per item (`build --neighbours`).
    #[arg(long, default_value_t = 100)]
    pub top: usize,
}

pub fn run(a: &NeighboursArgs) -> Result<()> {
    let (ds, rep) = data::load(
        &a.orders,
        &a.cols.columns(),
        &a.clean.rules(),
        Some(Kind::Baskets),
        &mut |_, _| {},
    )?;
    eprintln!("{}", rep.summary());
    let groups = model::groups_of(&ds);
    let cooc = Cooc::new(ds.n_items(), groups.iter().map(|g| g.as_slice()));
    let nb = cooc.neighbours(a.measure.into(), a.top);
    let mut w = csv::Writer::from_path(&a.out)
        .with_context(|| format!("cannot write {}", a.out.display()))?;
    w.write_record(["item", "neighbour", "rank", "c", "score"])?;
    for (i, row) in nb.iter().enumerate() {
        let counts = &cooc.rows[i];
        for (r, &(j, s)) in row.iter().enumerate() {
            let c = counts
                .binary_search_by_key(&j, |x| x.0)
                .map_or(0, |k| counts[k].1);
            w.write_record([
                ds.ids[i].as_str(),
                ds.ids[j as usize].as_str(),
                &(r + 1).to_string(),
                &c.to_string(),
                &s.to_string(),
            ])?;
        }
    }
    w.flush()?;
    eprintln!(
        "wrote {} ({} items, {} groups)",
        a.out.display(),
        ds.n_items(),
        ds.groups.len()
    );
    Ok(())
}
