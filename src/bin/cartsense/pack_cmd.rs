//! `cartsense pack`: a pack from your own embeddings ([`cartsense::builder::embeddings`]).

use std::path::PathBuf;

use anyhow::{anyhow, Context, Result};
use cartsense::builder::embeddings::{self, PackOptions};
use cartsense::pack::Quantize;

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  cartsense pack --embeddings item_factors.csv --catalog catalog.csv --out model.cspk\n  \
cartsense pack --embeddings factors.npy --ids ids.txt --catalog catalog.csv --out model.cspk"
)]
pub struct PackArgs {
    /// Embeddings: .npy (float32, shape [n, d], C order) or CSV `id,v1,...,vd` (header optional).
    #[arg(long)]
    pub embeddings: PathBuf,
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
    let (ids, d, emb) = embeddings::read(&a.embeddings, a.ids.as_deref())?;
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
