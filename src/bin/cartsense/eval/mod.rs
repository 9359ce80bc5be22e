//! `cartsense eval`.
use anyhow::Result;

#[derive(Debug, clap::Args)]
pub struct EvalArgs {}

pub fn run(_a: &EvalArgs) -> Result<()> {
    Ok(())
}
