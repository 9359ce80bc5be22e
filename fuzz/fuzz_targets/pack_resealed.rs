#![no_main]
//! Fuzz target `pack_resealed`: see `fuzz/harness.rs` (shared with `tests/fuzz_crashers.rs`).

#[path = "../harness.rs"]
#[allow(dead_code)]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::pack_resealed(data));
