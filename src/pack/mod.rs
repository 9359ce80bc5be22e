//! The model pack (`.cspk`): item facts and embeddings in one validated binary file.
//!
//! [`PackWriter`] builds one; [`Pack::from_bytes`] validates it once (magic, version, section
//! bounds and layout, CRC-32 of the header and of every section, index ranges, finite numbers,
//! unique ids) and then serves zero-copy typed views. The byte layout is specified in
//! `docs/pack-format.md`.

pub mod baskets;
mod compact;
mod crc;
mod digest;
pub mod format;
mod idindex;
mod reader;
mod writer;

#[cfg(test)]
mod tests;

pub use baskets::BasketStore;
pub use digest::check_sha256;
pub use reader::{Embeddings, Gram, Neighbours, Pack};
pub use writer::{quantize_row, split_rows, PackWriter, Quantize, SparseRows};
