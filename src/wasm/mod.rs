//! The JS API. Thin: each call reads its arguments (types only, see `interop.rs`), delegates to
//! [`crate::rank::Engine`], and writes the result or the typed error (a thrown `Error` with a
//! stable `code`). Option and result types are declared once each, in `options.rs`, `types.rs`
//! and `build.rs`, with `js_struct!`, which also writes their TypeScript interfaces.
//!
//! Compiled for wasm32 only; the core never depends on anything here.

mod build;
mod bundles;
mod error;
mod interop;
mod js_struct;
mod options;
mod recommender;
mod returning;
mod storage;
mod types;

pub use build::build_pack;
pub use recommender::Recommender;
