//! Hostile packs that only bite where `usize` is 32 bits (wasm32): counts in the pack whose
//! byte lengths wrap around 2^32 must be refused with `PACK_INVALID`, not accepted and then
//! sliced out of bounds (a panic, which in the package is a wasm `unreachable` trap). Native
//! fuzzing cannot see these; they run under `wasm-pack test --node` (and in Chrome).
#![cfg(target_arch = "wasm32")]

use cartsense::pack::format::{ENTRY_LEN, HEADER_LEN};
use cartsense::pack::{Pack, PackWriter, Quantize};
use wasm_bindgen_test::*;

#[path = "../fuzz/harness.rs"]
#[allow(dead_code)]
mod harness;

/// Byte range of the section tagged `tag`.
fn section(b: &[u8], tag: &[u8; 4]) -> std::ops::Range<usize> {
    let s = u32::from_le_bytes(b[24..28].try_into().unwrap()) as usize;
    (0..s)
        .map(|k| HEADER_LEN + k * ENTRY_LEN)
        .find(|&at| &b[at..at + 4] == tag)
        .map(|at| {
            let off = u64::from_le_bytes(b[at + 8..at + 16].try_into().unwrap()) as usize;
            let len = u64::from_le_bytes(b[at + 16..at + 24].try_into().unwrap()) as usize;
            off..off + len
        })
        .unwrap()
}

fn put_u32(b: &mut [u8], at: usize, x: u32) {
    b[at..at + 4].copy_from_slice(&x.to_le_bytes());
}

fn two_items() -> Vec<u8> {
    PackWriter::new(vec!["a".into(), "b".into()], 2, vec![1.0, 0.0, 0.0, 1.0])
        .neighbours(vec![vec![(1, 0.5)], vec![]])
        .quantize(Quantize::F32)
        .to_bytes()
        .unwrap()
}

fn refused(b: &[u8]) -> &'static str {
    match Pack::from_bytes(b) {
        Ok(_) => "accepted",
        Err(e) => e.code(),
    }
}

#[wasm_bindgen_test]
fn a_string_count_of_u32_max_is_refused() {
    let mut b = two_items();
    let ids = section(&b, b"IDS_");
    // count + 1 wraps to 0 in 32 bits: the offsets would be an empty slice, then indexed.
    put_u32(&mut b, ids.start, u32::MAX);
    harness::reseal(&mut b);
    assert_eq!(refused(&b), "PACK_INVALID");
}

#[wasm_bindgen_test]
fn neighbour_counts_whose_byte_length_wraps_are_refused() {
    let mut b = two_items();
    let nbrs = section(&b, b"NBRS");
    // offsets [0, 2^29 + 1, 2^29 + 1]: nnz * 8 = 2^32 + 8 wraps to 8, the true tail length.
    let nnz = (1u32 << 29) + 1;
    put_u32(&mut b, nbrs.start + 4, nnz);
    put_u32(&mut b, nbrs.start + 8, nnz);
    harness::reseal(&mut b);
    assert_eq!(refused(&b), "PACK_INVALID");
}

#[wasm_bindgen_test]
fn a_section_count_over_the_limit_is_refused_before_any_arithmetic() {
    let mut b = two_items();
    put_u32(&mut b, 24, u32::MAX);
    assert_eq!(refused(&b), "PACK_INVALID");
}

#[wasm_bindgen_test]
fn the_replayed_pack_crashers_are_refused_here_too() {
    let crashers: [&[u8]; 3] = [
        include_bytes!("fuzz-crashers/pack_resealed/strtab-offset-past-data-then-down"),
        include_bytes!("fuzz-crashers/pack_resealed/int8-scale-times-127-overflows"),
        include_bytes!("fuzz-crashers/pack_resealed/int8-scale-times-minus-128-overflows"),
    ];
    for c in crashers {
        harness::pack_resealed(c);
        harness::pack(c);
    }
}
