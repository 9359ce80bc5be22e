//! The JS API. Thin: each call converts its arguments, delegates to [`crate::rank::Engine`],
//! and converts the result or the typed error (a thrown `Error` with a stable `code`).
//!
//! Compiled for wasm32 only; the core never depends on anything here.

mod args;
mod build;
mod bundles;
mod error;
mod recommender;
mod returning;
mod storage;
mod types;

pub use build::build_pack;
pub use recommender::Recommender;
