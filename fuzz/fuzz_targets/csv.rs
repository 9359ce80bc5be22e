#![no_main]
//! Fuzz target `csv`: the CLI's CSV reader, see `fuzz/harness_csv.rs` (shared with
//! `tests/fuzz_crashers.rs`).

#[path = "../../src/builder/data/csv_in/mod.rs"]
#[allow(dead_code, unused_imports)]
mod csv_in;

#[path = "../harness_csv.rs"]
mod harness_csv;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness_csv::csv(data));
