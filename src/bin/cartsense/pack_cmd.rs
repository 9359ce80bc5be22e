//! `cartsense pack`: a pack from your own embeddings ([`cartsense::builder::embeddings`]) or
//! from the Spark job's output folder ([`cartsense::builder::spark`]).

use std::path::PathBuf;

use anyhow::{anyhow, Context, Result};
use cartsense::builder::embeddings::{self, PackOptions};
use cartsense::builder::spark::{self, SparkPackOptions};
use cartsense::pack::Quantize;

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  cartsense pack --embeddings item_factors.csv --catalog catalog.csv --out model.cspk\n  \
cartsense pack --embeddings factors.npy --ids ids.txt --catalog catalog.csv --out model.cspk\n  \
cartsense pack --from-spark spark-out/ --out model.cspk   (spark/README.md)"
)]
pub struct PackArgs {
    /// Embeddings: .npy (float32, shape [n, d], C order) or CSV `id,v1,...,vd` (header optional).
    #[arg(
        long,
        required_unless_present = "from_spark",
        conflicts_with = "from_spark"
    )]
    pub embeddings: Option<PathBuf>,
    /// The --out folder of spark/cartsense_job.py: popularity, prices, co-purchase neighbours,
    /// the basket sample, ALS embeddings and validation figures, assembled into one pack.
    #[arg(long, conflicts_with_all = ["ids", "catalog"])]
    pub from_spark: Option<PathBuf>,
    /// Item ids, one per line, in the row order of a .npy file.
    #[arg(long)]
    pub ids: Option<PathBuf>,
    /// Catalog CSV (id plus any of title, category, price, popularity).
    #[arg(long)]
    pub catalog: Option<PathBuf>,
    /// Output pack.
    #[arg(long)]
    pub out: PathBuf,
    /// Embedding storage: int8 or f32.
    #[arg(long, default_value = "int8")]
    pub quantize: String,
    /// Store a Gram matrix for least-squares fold-in with this ridge (0 = mean profile only).
    #[arg(long, default_value_t = 0.1)]
    pub lambda: f32,
    /// Fold-in confidence scale (c = 1 + alpha * event weight), as used in training.
    #[arg(long, default_value_t = 10.0)]
    pub alpha: f32,
    /// Currency code.
    #[arg(long, default_value = "")]
    pub currency: String,
}

pub fn run(a: &PackArgs) -> Result<()> {
    let quantize: Quantize = a.quantize.parse().map_err(|e| anyhow!("--quantize: {e}"))?;
    if let Some(dir) = &a.from_spark {
        return from_spark(dir, quantize, a);
    }
    let Some(emb_path) = &a.embeddings else {
        return Err(anyhow!("--embeddings or --from-spark is required"));
    };
    let (ids, d, emb) = embeddings::read(emb_path, a.ids.as_deref())?;
    let n = ids.len();
    let o = PackOptions {
        catalog: a.catalog.clone(),
        quantize,
        lambda: a.lambda,
        alpha: a.alpha,
        currency: a.currency.clone(),
    };
    let (bytes, matched) = embeddings::pack(ids, d, emb, &o)?;
    if let Some(m) = matched {
        eprintln!("catalog: {m} of {n} items matched");
    }
    std::fs::write(&a.out, &bytes).with_context(|| format!("cannot write {}", a.out.display()))?;
    eprintln!(
        "wrote {} ({n} items, {d} dims, {} bytes)",
        a.out.display(),
        bytes.len()
    );
    Ok(())
}

fn from_spark(dir: &std::path::Path, quantize: Quantize, a: &PackArgs) -> Result<()> {
    let s = spark::read(dir)?;
    let o = SparkPackOptions {
        quantize,
        currency: a.currency.clone(),
    };
    let bytes = spark::pack(&s, &o)?;
    std::fs::write(&a.out, &bytes).with_context(|| format!("cannot write {}", a.out.display()))?;
    let nnz: usize = s.neighbours.iter().map(|r| r.len()).sum();
    eprintln!(
        "wrote {} ({} items, {} dims, {nnz} neighbour entries, {} baskets, {} bytes) from {}",
        a.out.display(),
        s.ids.len(),
        s.dims,
        s.baskets.len(),
        bytes.len(),
        dir.display()
    );
    Ok(())
}
