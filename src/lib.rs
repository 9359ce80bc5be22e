//! # cartsense
//!
//! On-device recommendations for web shops. A storefront loads a compact **model pack** of item
//! embeddings and facts, records what the shopper does in a **session history** that never
//! leaves the device, and asks for personalised lists, similar items and cart completions,
//! each scored against every item in about a millisecond.
//!
//! The crate is one core and two thin front ends:
//! - [`pack`]: the `.cspk` format ([`pack::PackWriter`], [`pack::Pack::from_bytes`]).
//! - [`history`]: bounded event log, its JSON storage form and cross-tab merge ([`ids`]: the
//!   id and timestamp checks it shares with [`memory`] and [`cart`]).
//! - [`cart`]: the cart, its own bounded state beside the log (merged item by item).
//! - [`profile`]: the shopper's query vector (least-squares fold-in or weighted mean).
//! - [`knn`]: basket neighbours (session kNN) over the pack's stored past baskets.
//! - [`kernels`] and [`topk`]: the scoring scan and the bounded, NaN-safe top-k.
//! - [`metrics`]: HR, MRR, NDCG and revenue-weighted HR for offline evaluation.
//! - [`rank`]: [`rank::Engine`], which ties it all together: `recommend`, `similar`, `popular`.
//! - `wasm` (wasm32 only): the JS API (`Recommender`, `buildPack`) on top of [`rank::Engine`].
//! - `builder` (feature `cli`): packs from order history: data loading and cleaning, time
//!   splits and cases, training, tuning and the evaluation protocol.
//! - the `cartsense` binary (feature `cli`): a thin command-line front end to `builder`.
//!
//! ```
//! use cartsense::pack::{PackWriter, Quantize};
//! use cartsense::rank::{Engine, Query};
//!
//! let ids = vec!["mug".to_string(), "tea".to_string(), "spoon".to_string()];
//! let emb = vec![1.0, 0.0, 0.9, 0.1, 0.0, 1.0];
//! let bytes = PackWriter::new(ids, 2, emb).quantize(Quantize::F32).to_bytes().unwrap();
//! let mut engine = Engine::from_bytes(&bytes).unwrap();
//! engine.view("mug", 1_000.0).unwrap();
//! let recs = engine.recommend(&Query { k: 1, exclude_viewed: true, ..Query::default() }).unwrap();
//! assert_eq!(recs[0].id, "tea");
//! ```
#![deny(unsafe_code)]
#![warn(missing_docs)]

pub mod bundle;
pub mod cart;
pub mod error;
pub mod history;
pub mod ids;
pub mod json;
pub mod kernels;
pub mod knn;
pub mod memory;
pub mod metrics;
pub mod pack;
pub mod params;
pub mod profile;
pub mod rank;
pub mod returning;
mod sort;
pub mod topk;

#[cfg(target_arch = "wasm32")]
pub mod wasm;

#[cfg(feature = "cli")]
pub mod builder;

pub use error::{Error, PackError, Result};
