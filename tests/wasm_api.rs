//! The JS boundary, exercised through the exported functions with JS values: error codes,
//! argument checks, and the SIMD kernels against the scalar reference. Runs under
//! `wasm-pack test --node` and `wasm-pack test --headless --chrome`.
#![cfg(target_arch = "wasm32")]

mod common;

use cartsense::kernels::{self, scalar, QueryI16};
use cartsense::wasm::{build_pack, Recommender};
use common::js::{obj, strs};
use js_sys::{Array, Float32Array, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

fn pack() -> Uint8Array {
    let emb: Vec<f32> = vec![1.0, 0.0, 0.9, 0.1, 0.0, 1.0, 0.1, 0.9];
    build_pack(obj(&[
        ("ids", strs(&["a", "b", "c", "d"])),
        ("dims", 2.into()),
        ("embeddings", Float32Array::from(emb.as_slice()).into()),
        ("titles", strs(&["A", "B", "C", "D"])),
        (
            "prices",
            Float32Array::from([1.0f32, 2.0, 3.0, 4.0].as_slice()).into(),
        ),
        ("currency", "GBP".into()),
    ]))
    .unwrap()
}

fn code(e: JsValue) -> String {
    Reflect::get(&e, &"code".into())
        .unwrap()
        .as_string()
        .unwrap_or_default()
}

fn ids(v: &JsValue) -> Vec<String> {
    Array::from(v)
        .iter()
        .map(|r| Reflect::get(&r, &"id".into()).unwrap().as_string().unwrap())
        .collect()
}

#[wasm_bindgen_test]
fn broken_packs_throw_their_codes() {
    let good = pack().to_vec();
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (b"PK\x03\x04".to_vec(), "PACK_BAD_MAGIC"),
        (good[..40].to_vec(), "PACK_TRUNCATED"),
        (
            {
                let mut b = good.clone();
                b[8] = 9;
                b
            },
            "PACK_VERSION",
        ),
        (
            {
                let mut b = good.clone();
                let l = b.len() - 1;
                b[l] ^= 0x20;
                b
            },
            "PACK_CHECKSUM",
        ),
        (
            {
                let mut b = good.clone();
                b.push(0);
                b
            },
            "PACK_INVALID",
        ),
    ];
    for (bytes, want) in cases {
        let e = Recommender::from_bytes(Uint8Array::from(bytes.as_slice()).into(), None)
            .err()
            .expect("must throw");
        assert_eq!(code(e.clone()), want);
        assert!(e.is_instance_of::<js_sys::Error>());
    }
    let e = Recommender::from_bytes("not bytes".into(), None)
        .err()
        .unwrap();
    assert_eq!(code(e), "BAD_ARGUMENT");
}

#[wasm_bindgen_test]
fn bad_arguments_throw_and_the_instance_keeps_working() {
    let r = Recommender::from_bytes(pack().into(), None).unwrap();
    let bad = |e: Result<(), JsValue>| assert_eq!(code(e.expect_err("must throw")), "BAD_ARGUMENT");
    bad(r.view(5.into(), None));
    bad(r.view("a".into(), Some(f64::NAN.into())));
    bad(r.view("a".into(), Some("yesterday".into())));
    bad(r.purchase(strs(&["a", ""]), None));
    bad(r.purchase("a".into(), None));
    for opts in [
        obj(&[("k", 0.into())]),
        obj(&[("k", 1001.into())]),
        obj(&[("k", 2.5.into())]),
        obj(&[("k", "3".into())]),
        obj(&[("minPrice", (-1.0).into())]),
        obj(&[("diversity", f64::NAN.into())]),
        obj(&[("exclude", 7.into())]),
        "k=3".into(),
    ] {
        bad(r.recommend(Some(opts)).map(|_| ()));
    }
    assert_eq!(
        code(r.similar("zz".into(), None).err().unwrap()),
        "UNKNOWN_ITEM"
    );
    // Unknown ids are fine to view; still works afterwards.
    r.view("never-heard-of-it".into(), Some(1.0.into()))
        .unwrap();
    r.view("a".into(), Some(2.0.into())).unwrap();
    r.add_to_cart("c".into(), Some(3.0.into())).unwrap();
    let recs = r.recommend(Some(obj(&[("k", 2.into())]))).unwrap();
    assert_eq!(ids(&recs), ["d", "b"]);
    assert_eq!(r.cart().unwrap(), ["c"]);
    assert!(r.item("zz".into()).unwrap().is_undefined());
}

#[wasm_bindgen_test]
fn max_cart_lines_is_checked_and_a_full_cart_refuses_a_new_line() {
    for bad in [
        JsValue::from(0),
        100_001.into(),
        2.5.into(),
        f64::NAN.into(),
        "5".into(),
    ] {
        let e = Recommender::from_bytes(pack().into(), Some(obj(&[("maxCartLines", bad)])))
            .err()
            .expect("must throw");
        assert_eq!(code(e), "BAD_ARGUMENT");
    }
    let r = Recommender::from_bytes(
        pack().into(),
        Some(obj(&[("maxCartLines", 2.into()), ("maxEvents", 1.into())])),
    )
    .unwrap();
    r.add_to_cart("a".into(), Some(1.0.into())).unwrap();
    r.add_to_cart("b".into(), Some(2.0.into())).unwrap();
    let saved = r.export_history().unwrap();
    let e = r.add_to_cart("c".into(), Some(3.0.into())).unwrap_err();
    assert_eq!(code(e), "BAD_ARGUMENT");
    assert_eq!(r.export_history().unwrap(), saved, "nothing recorded");
    r.view("c".into(), Some(4.0.into())).unwrap();
    assert_eq!(
        r.cart().unwrap(),
        ["a", "b"],
        "a view never pushes a line out"
    );
    // Of the four items, the two cart lines stay out of the list, and so does c, the item of
    // the newest event (the one being looked at): d alone is left.
    let recs = ids(&r.recommend(Some(obj(&[("k", 2.into())]))).unwrap());
    assert_eq!(recs, ["d"], "cart items stay out of the list");
    r.remove_from_cart("a".into(), Some(5.0.into())).unwrap();
    r.add_to_cart("c".into(), Some(6.0.into())).unwrap();
    assert_eq!(r.cart().unwrap(), ["b", "c"]);
}

#[wasm_bindgen_test]
fn import_never_throws_for_content() {
    let r = Recommender::from_bytes(pack().into(), None).unwrap();
    r.view("a".into(), Some(1.0.into())).unwrap();
    let saved = r.export_history().unwrap();
    let res = r.import_history("{{garbage".into()).unwrap();
    assert_eq!(
        Reflect::get(&res, &"dropped".into()).unwrap().as_f64(),
        Some(1.0)
    );
    let res = r.import_history(saved.into()).unwrap();
    assert_eq!(
        Reflect::get(&res, &"kept".into()).unwrap().as_f64(),
        Some(1.0)
    );
    assert_eq!(
        code(r.import_history(42.into()).err().unwrap()),
        "BAD_ARGUMENT"
    );
}

#[wasm_bindgen_test]
fn build_pack_rejects_bad_specs() {
    for spec in [
        JsValue::NULL,
        obj(&[("ids", strs(&["a"]))]),
        obj(&[
            ("ids", strs(&["a"])),
            ("dims", 0.into()),
            ("embeddings", Array::new().into()),
        ]),
        obj(&[
            ("ids", strs(&["a", "a"])),
            ("dims", 1.into()),
            (
                "embeddings",
                Float32Array::from([1.0f32, 2.0].as_slice()).into(),
            ),
        ]),
        obj(&[
            ("ids", strs(&["a"])),
            ("dims", 2.into()),
            ("embeddings", Float32Array::from([1.0f32].as_slice()).into()),
        ]),
        obj(&[
            ("ids", strs(&["a"])),
            ("dims", 1.into()),
            ("embeddings", Float32Array::from([1.0f32].as_slice()).into()),
            ("prices", Float32Array::from([-1.0f32].as_slice()).into()),
        ]),
        obj(&[
            ("ids", strs(&["a"])),
            ("dims", 1.into()),
            ("embeddings", Float32Array::from([1.0f32].as_slice()).into()),
            ("quantize", "int4".into()),
        ]),
    ] {
        assert_eq!(
            code(build_pack(spec).expect_err("must throw")),
            "BAD_ARGUMENT"
        );
    }
}

/// SIMD kernels equal the scalar reference: exactly for int8, to rounding for f32.
#[wasm_bindgen_test]
fn simd_kernels_match_scalar() {
    const { assert!(kernels::SIMD, "the wasm build must have simd128 enabled") };
    let mut seed = 7u32;
    let mut rnd = || {
        seed = seed.wrapping_mul(1664525).wrapping_add(1013904223);
        (seed >> 8) as f32 / (1u32 << 24) as f32 * 2.0 - 1.0
    };
    // Every dims class the SIMD kernels branch on (the const-size 32/64/128 kernels, other
    // multiples of 4 and 8, tails) and row counts that are and are not multiples of the
    // four-row pass and of the scan block.
    for d in [1usize, 3, 4, 8, 12, 13, 16, 32, 40, 64, 100, 128, 260, 300] {
        for n in [1usize, 3, 4, 65, 257] {
            let rows: Vec<f32> = (0..n * d).map(|_| rnd()).collect();
            let u: Vec<f32> = (0..d).map(|_| rnd()).collect();
            let (mut a, mut b) = (vec![0.0; n], vec![0.0; n]);
            kernels::score_f32(&rows, d, &u, &mut a);
            scalar::score_f32(&rows, d, &u, &mut b);
            // Same lane order and no fused multiply-add: bit-identical to the reference.
            assert_eq!(bits(&a), bits(&b), "f32 d={d} n={n}");
            let mut c = vec![f32::NAN; n];
            kernels::scan_f32(&rows, d, &u, |first, s| {
                c[first..first + s.len()].copy_from_slice(s)
            });
            assert_eq!(bits(&c), bits(&b), "scan_f32 d={d} n={n}");
            let mut scales = vec![];
            let mut q8 = vec![];
            for r in rows.chunks_exact(d) {
                let (s, q) = cartsense::pack::quantize_row(r);
                scales.push(s);
                q8.extend(q);
            }
            let mut q = QueryI16::default();
            kernels::quantize_query(&u, &mut q);
            kernels::score_i8(&scales, &q8, d, &q, &mut a);
            scalar::score_i8(&scales, &q8, d, &q.q, q.scale, &mut b);
            assert_eq!(bits(&a), bits(&b), "int8 d={d} n={n}");
            kernels::scan_i8(&scales, &q8, d, &q, |first, s| {
                c[first..first + s.len()].copy_from_slice(s)
            });
            assert_eq!(bits(&c), bits(&b), "scan_i8 d={d} n={n}");
        }
    }
    // The vector threshold mask, NaN and infinities included.
    let s: Vec<f32> = (0..64)
        .map(|i| match i % 9 {
            0 => f32::NAN,
            1 => f32::INFINITY,
            2 => f32::NEG_INFINITY,
            3 => -0.0,
            _ => rnd(),
        })
        .collect();
    for t in [0.0f32, -0.0, 0.5, -1.0, f32::NEG_INFINITY, f32::INFINITY] {
        for len in [0usize, 1, 5, 63, 64] {
            assert_eq!(
                kernels::ge_mask(&s[..len], t),
                scalar::ge_mask(&s[..len], t),
                "t={t} len={len}"
            );
        }
    }
}

fn bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|x| x.to_bits()).collect()
}

#[wasm_bindgen_test]
fn a_version_2_pack_with_compact_lists_loads_and_lists_the_same_items_as_the_core() {
    // Written by `cartsense build` (tests/fixtures/compact-v2.cspk: 12 items, compact NBRS).
    let bytes: &[u8] = include_bytes!("fixtures/compact-v2.cspk");
    assert_eq!(bytes[8], 2, "the fixture is a version-2 pack");
    let mut core = cartsense::rank::Engine::from_bytes(bytes).unwrap();
    assert!(core.pack().has_neighbours() && !core.pack().neighbours(0).index.is_empty());
    let rec = Recommender::from_bytes(Uint8Array::from(bytes).into(), None).unwrap();
    let first = core.pack().id(0).to_string();
    let got = ids(&rec.similar(first.as_str().into(), None).unwrap());
    let want: Vec<String> = core
        .similar(&first, &cartsense::rank::Query::default())
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert!(!got.is_empty());
    assert_eq!(got, want);
}
