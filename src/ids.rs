//! Argument checks shared by the session [`history`](crate::history) and the long-term
//! [`memory`](crate::memory): item ids, timestamps, and what an import kept. Both import them
//! from here, so neither depends on the other for them.

use crate::error::{Error, Result};

/// Longest item id accepted, in bytes.
pub const MAX_ID_LEN: usize = 512;
/// Largest |timestamp| accepted: the JS `Date` range (±100,000,000 days around 1970).
/// Timestamps are whole milliseconds, so every stored one is an integer below 2^53 and reads
/// back exactly.
pub const MAX_TIMESTAMP_MS: f64 = 8.64e15;

/// What an import kept and dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ImportReport {
    /// Events now in the history.
    pub kept: usize,
    /// Entries that could not be read, or did not fit the bound.
    pub dropped: usize,
}

/// Check an item id argument.
pub fn check_id(id: &str) -> Result<()> {
    if id.is_empty() {
        return Err(Error::bad("item id is empty"));
    }
    if id.len() > MAX_ID_LEN {
        return Err(Error::bad(format!(
            "item id is {} bytes long; the limit is {MAX_ID_LEN}",
            id.len()
        )));
    }
    Ok(())
}

/// Check a timestamp and round it to a whole millisecond.
pub fn check_at(at: f64) -> Result<f64> {
    if !at.is_finite() || at.abs() > MAX_TIMESTAMP_MS {
        return Err(Error::bad(format!(
            "timestamp {at} is not a number of milliseconds within the JS Date range",
            at = crate::error::num(at)
        )));
    }
    Ok(at.round())
}
