//! Packs from a shop's order history (feature `cli`): what `cartsense build`, `cartsense pack`
//! and `cartsense eval` run, as plain functions over a [`Dataset`] and its [`Case`]s, so
//! examples, tests and other front ends reuse them. Never compiled for wasm32.
//!
//! The steps, each its own module (later ones use earlier ones, never the reverse):
//! - [`data`]: read order/event CSV exports, clean them (rules reported, never silent), group
//!   rows into baskets or sessions ([`data::load`]), merge catalog facts.
//! - [`cases`] and [`split`]: held-out groups become cases (context -> next item); the time
//!   splits (`build`'s most recent share, the PROTOCOL.md dates) and the case manifest.
//! - [`train`]: co-occurrence, ALS and PPMI-SVD embeddings, cold-start rows.
//! - [`model`]: learned parts plus a scorer [`Choice`] become a pack writer.
//! - [`engine_run`]: cases through [`crate::rank::Engine`] exactly as the wasm runs them.
//! - [`blend`]: the blend weights of `recommend` and `completeCart` learned on validation
//!   cases; [`tune`]: the scorer choice on validation cases; [`returning`]: returning customers and
//!   the buy-again weights; [`repurchase`]: per-item repurchase stats.
//! - [`pipeline`]: hold out, choose, train on everything: `cartsense build` after reading.
//! - [`embeddings`]: a pack from your own embeddings (`cartsense pack`).
//! - [`spark`]: a pack from the Spark job's output (`cartsense pack --from-spark`).
//! - [`eval`]: the PROTOCOL.md evaluation beside the baselines (`cartsense eval`).
//!
//! ```no_run
//! use cartsense::builder::data::{self, CleanRules, Columns};
//! use cartsense::builder::model::Opts;
//! use cartsense::builder::pipeline::{self, BuildOptions};
//! use cartsense::pack::Quantize;
//!
//! # fn main() -> anyhow::Result<()> {
//! let inputs = ["orders/".into()];
//! let (ds, report) =
//!     data::load(&inputs, &Columns::default(), &CleanRules::default(), None, &mut |_, _| {})?;
//! let model = Opts { dims: 64, seed: 42, quantize: Quantize::I8, neighbours: 100,
//!                    iterations: 15, cold_below: 3, basket_bytes: 1 << 20,
//!                    max_pack_bytes: 1 << 20, facts: Default::default() };
//! let o = BuildOptions { model, holdout: 0.15, upper_ids: true };
//! let built = pipeline::build(&ds, &report, &o, &|line| eprintln!("{line}"))?;
//! std::fs::write("model.cspk", &built.pack)?;
//! # Ok(())
//! # }
//! ```

pub mod blend;
pub mod cases;
pub mod data;
pub mod embeddings;
pub mod engine_run;
pub mod eval;
pub mod model;
pub mod pipeline;
pub mod repurchase;
pub mod returning;
pub mod spark;
pub mod split;
pub mod train;
pub mod tune;

pub use cases::Case;
pub use data::{Dataset, Group, Kind};
pub use model::{Choice, Opts};
