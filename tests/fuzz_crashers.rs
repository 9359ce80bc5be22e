//! Replays every input the fuzzers kept (`tests/fuzz-crashers/<target>/*`) through the same
//! harness that found it (`fuzz/harness.rs`, `fuzz/harness_csv.rs`), so a fixed crash stays
//! fixed. Add a file here whenever `cargo +nightly fuzz run <target>` reports a crash.
#![cfg(not(target_arch = "wasm32"))]

#[path = "../fuzz/harness.rs"]
#[allow(dead_code)]
mod harness;

#[cfg(feature = "cli")]
use cartsense::builder::data::csv_in;

#[cfg(feature = "cli")]
#[path = "../fuzz/harness_csv.rs"]
mod harness_csv;

use std::path::PathBuf;

/// Run `f` on every kept input of `target`; returns how many there were. Each file is run on
/// its own so a failure names the file. A folder that is missing or empty fails: each test
/// asserts the count it replayed, so a renamed folder cannot turn a replay into a no-op (and a
/// new crasher file is added to the count with it).
fn replay(target: &str, f: fn(&[u8])) -> usize {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz-crashers")
        .join(target);
    let rd =
        std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{} cannot be read: {e}", dir.display()));
    let mut files: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
    files.retain(|p| p.is_file() && p.extension().is_none_or(|x| x != "md"));
    files.sort();
    assert!(!files.is_empty(), "{} holds no inputs", dir.display());
    for p in &files {
        let data = std::fs::read(p).unwrap();
        if std::panic::catch_unwind(|| f(&data)).is_err() {
            panic!("{} panics again", p.display());
        }
    }
    files.len()
}

#[test]
fn pack_inputs_are_rejected_or_served_without_panics() {
    assert_eq!(replay("pack_resealed", harness::pack_resealed), 3);
}

#[test]
fn history_inputs_round_trip_and_merge() {
    assert_eq!(replay("history", harness::history), 1);
}

/// `date-year-overflows-days-from-civil`: a huge year in a date column overflowed i64 in
/// `csv_in::days_from_civil` (a panic with overflow checks, a wrapped timestamp in release);
/// `parse_time` now accepts years 1..=9999 only.
#[cfg(feature = "cli")]
#[test]
fn csv_inputs_are_read_or_refused_without_panics() {
    assert_eq!(replay("csv-fixed", harness_csv::csv), 1);
}
