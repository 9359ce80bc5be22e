use super::format::*;
use super::writer::assemble;
use super::*;
use crate::error::PackError;

fn sample(q: Quantize) -> Vec<u8> {
    PackWriter::new(
        vec!["A1".into(), "B2".into(), "C3".into()],
        2,
        vec![1.0, 0.5, -0.25, 2.0, 0.0, 0.0],
    )
    .titles(vec!["Mug".into(), "Teapot".into(), "<b>Tea</b>".into()])
    .categories(vec!["Kitchen".into(), "".into(), "Kitchen".into()])
    .prices(vec![4.5, 20.0, 3.25])
    .popularity(vec![10.0, 3.0, 7.0])
    .neighbours(vec![vec![(1, 0.5), (2, 0.25)], vec![], vec![(0, 1.0)]])
    .fold_in(0.1, 2.0)
    .currency("GBP")
    .meta(serde_json::json!({"name": "test"}))
    .quantize(q)
    .to_bytes()
    .unwrap()
}

#[test]
fn round_trip_keeps_every_fact() {
    for q in [Quantize::F32, Quantize::I8] {
        let p = Pack::from_bytes(&sample(q)).unwrap();
        assert_eq!((p.len(), p.dims(), p.currency()), (3, 2, "GBP"));
        assert_eq!(p.index_of("C3"), Some(2));
        assert_eq!(p.index_of("c3"), None);
        assert_eq!(p.title(2), "<b>Tea</b>");
        assert_eq!(p.category(0), "Kitchen");
        assert_eq!(p.category(1), "");
        assert_eq!(p.prices(), &[4.5, 20.0, 3.25]);
        assert_eq!(p.popularity()[0], 10.0);
        assert_eq!(p.neighbours(0).index, &[1, 2]);
        assert_eq!(p.neighbours(1).index, &[] as &[u32]);
        assert_eq!(p.meta()["name"], "test");
        let g = p.gram().unwrap();
        assert_eq!((g.lambda, g.alpha), (0.1, 2.0));
        let mut row = [0.0; 2];
        p.embedding(1, &mut row);
        assert!(
            (row[0] + 0.25).abs() < 0.02 && (row[1] - 2.0).abs() < 0.02,
            "{row:?}"
        );
        // The Gram matrix is of the stored rows.
        let mut want = [0.0f32; 4];
        for i in 0..3 {
            p.embedding(i, &mut row);
            for a in 0..2 {
                for b in 0..2 {
                    want[a * 2 + b] += row[a] * row[b];
                }
            }
        }
        for (x, y) in g.matrix.iter().zip(want) {
            assert!((x - y).abs() < 1e-5);
        }
    }
}

#[test]
fn writing_is_deterministic() {
    assert_eq!(sample(Quantize::I8), sample(Quantize::I8));
}

#[test]
fn from_vec_and_from_bytes_agree() {
    let b = sample(Quantize::F32);
    let p = Pack::from_vec(b.clone()).unwrap();
    let q = Pack::from_bytes(&b).unwrap();
    assert_eq!(p.id(1), q.id(1));
    // A buffer that starts at an odd address is copied into an aligned one.
    let mut shifted = vec![0u8];
    shifted.extend_from_slice(&b);
    let p = Pack::from_bytes(&shifted[1..]).unwrap();
    assert_eq!(p.prices()[1], 20.0);
}

#[test]
fn every_single_byte_corruption_is_detected() {
    let b = sample(Quantize::I8);
    for i in 0..b.len() {
        for flip in [0x01u8, 0x80, 0xff] {
            let mut c = b.clone();
            c[i] ^= flip;
            assert!(
                Pack::from_bytes(&c).is_err(),
                "flipping byte {i} with {flip:#x} went unnoticed"
            );
        }
    }
}

#[test]
fn every_truncation_is_an_error() {
    let b = sample(Quantize::F32);
    for len in 0..b.len() {
        let e = Pack::from_bytes(&b[..len]).unwrap_err();
        assert!(
            matches!(e, PackError::Truncated { .. } | PackError::Invalid(_)),
            "len {len}: {e:?}"
        );
    }
    assert!(matches!(
        Pack::from_bytes(&b[..100]).unwrap_err(),
        PackError::Truncated { .. }
    ));
}

#[test]
fn error_kinds() {
    assert_eq!(
        Pack::from_bytes(b"PK\x03\x04zip").unwrap_err(),
        PackError::BadMagic
    );
    assert_eq!(Pack::from_bytes(b"").unwrap_err().code(), "PACK_TRUNCATED");
    let mut b = sample(Quantize::F32);
    b[8] = 3;
    assert_eq!(
        Pack::from_bytes(&b).unwrap_err(),
        PackError::Version {
            found: 3,
            supported: 2
        }
    );
    b[8] = 0;
    assert_eq!(Pack::from_bytes(&b).unwrap_err().code(), "PACK_VERSION");
    let mut b = sample(Quantize::F32);
    let last = b.len() - 1;
    b[last] ^= 1;
    assert_eq!(Pack::from_bytes(&b).unwrap_err().code(), "PACK_CHECKSUM");
    let mut b = sample(Quantize::F32);
    b.push(0);
    assert_eq!(Pack::from_bytes(&b).unwrap_err().code(), "PACK_INVALID");
}

/// Build a pack by hand so that content rules (not checksums) are what fails.
fn raw(n: u32, d: u32, sections: &[([u8; 4], u32, Vec<u8>)]) -> Result<Pack, PackError> {
    Pack::from_bytes(&assemble(n, d, "GBP", sections))
}

fn strtab(v: &[&str]) -> Vec<u8> {
    let mut b = (v.len() as u32).to_le_bytes().to_vec();
    let mut off = 0u32;
    b.extend(0u32.to_le_bytes());
    for s in v {
        off += s.len() as u32;
        b.extend(off.to_le_bytes());
    }
    for s in v {
        b.extend(s.as_bytes());
    }
    b
}

fn f32b(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

fn msg(r: Result<Pack, PackError>) -> String {
    match r {
        Ok(_) => "accepted".into(),
        Err(e) => e.to_string(),
    }
}

#[test]
fn content_rules() {
    let emb = (TAG_EMBEDDINGS, ENC_F32 << 8, f32b(&[1.0, 2.0]));
    assert!(raw(2, 1, &[(TAG_IDS, 0, strtab(&["a", "b"])), emb.clone()]).is_ok());
    assert!(
        msg(raw(2, 1, &[(TAG_IDS, 0, strtab(&["a", "a"])), emb.clone()]))
            .contains("duplicate item id \"a\"")
    );
    assert!(msg(raw(2, 1, &[(TAG_IDS, 0, strtab(&["a", ""])), emb.clone()])).contains("empty id"));
    assert!(
        msg(raw(2, 0, &[(TAG_IDS, 0, strtab(&["a", "b"])), emb.clone()])).contains("dims is 0")
    );
    assert!(msg(raw(2, 1, &[(TAG_IDS, 0, strtab(&["a", "b"]))])).contains("EMBD"));
    let nan = (TAG_EMBEDDINGS, ENC_F32 << 8, f32b(&[1.0, f32::NAN]));
    assert!(msg(raw(2, 1, &[(TAG_IDS, 0, strtab(&["a", "b"])), nan])).contains("not a finite"));
    let ids = (TAG_IDS, 0, strtab(&["a", "b"]));
    // Neighbour pointing outside the catalogue.
    let mut nb = Vec::new();
    for x in [0u32, 1, 1, 7] {
        nb.extend(x.to_le_bytes());
    }
    nb.extend(f32b(&[0.5]));
    assert!(msg(raw(
        2,
        1,
        &[ids.clone(), emb.clone(), (TAG_NEIGHBOURS, 0, nb)]
    ))
    .contains("beyond the 2 items"));
    // Negative price.
    assert!(msg(raw(
        2,
        1,
        &[
            ids.clone(),
            emb.clone(),
            (TAG_PRICES, 0, f32b(&[1.0, -2.0]))
        ]
    ))
    .contains("negative"));
    // Category index out of range.
    let mut ci = Vec::new();
    for x in [0u32, 3] {
        ci.extend(x.to_le_bytes());
    }
    assert!(msg(raw(
        2,
        1,
        &[
            ids.clone(),
            emb.clone(),
            (TAG_CAT_NAMES, 0, strtab(&["x"])),
            (TAG_CAT_INDEX, 0, ci)
        ]
    ))
    .contains("category index 3"));
    // Unknown optional sections are skipped; unknown critical ones are refused.
    assert!(raw(
        2,
        1,
        &[ids.clone(), emb.clone(), (*b"ZZZZ", 0, vec![1, 2, 3])]
    )
    .is_ok());
    assert!(msg(raw(
        2,
        1,
        &[ids.clone(), emb.clone(), (*b"ZZZZ", FLAG_CRITICAL, vec![])]
    ))
    .contains("critical"));
    // Invalid UTF-8 in an id.
    let mut bad = strtab(&["a", "b"]);
    let l = bad.len() - 1;
    bad[l] = 0xff;
    assert!(msg(raw(2, 1, &[(TAG_IDS, 0, bad), emb.clone()])).contains("UTF-8"));
}

#[test]
fn writer_rejects_bad_input() {
    let w = |ids: Vec<&str>, d: usize, e: Vec<f32>| {
        PackWriter::new(ids.into_iter().map(String::from).collect(), d, e).to_bytes()
    };
    assert!(w(vec![], 2, vec![]).is_err());
    assert!(w(vec!["a"], 0, vec![]).is_err());
    assert!(w(vec!["a", "a"], 1, vec![1.0, 1.0]).is_err());
    assert!(w(vec!["a", "b"], 2, vec![1.0; 3]).is_err());
    assert!(w(vec!["a"], 1, vec![f32::INFINITY]).is_err());
    let e = PackWriter::new(vec!["a".into()], 1, vec![1.0])
        .prices(vec![-1.0])
        .to_bytes()
        .unwrap_err();
    assert_eq!(e.code(), "BAD_ARGUMENT");
    assert!(e.to_string().contains("prices[0]"));
}

/// A pack whose builder upper-cased the shop's ids still finds them as the storefront writes
/// them; a pack that did not say so matches exactly.
#[test]
fn upper_cased_ids_match_as_written() {
    let w = PackWriter::new(vec!["ABC".into(), "X1".into()], 1, vec![1.0, 2.0]);
    let p =
        Pack::from_bytes(&w.clone().meta(r#"{"idCase": "upper"}"#).to_bytes().unwrap()).unwrap();
    assert_eq!(p.index_of("abc"), Some(0));
    assert_eq!(p.index_of(" x1 "), Some(1));
    assert_eq!(p.index_of("ABC"), Some(0));
    assert_eq!(p.index_of("abd"), None);
    let exact = Pack::from_bytes(&w.to_bytes().unwrap()).unwrap();
    assert_eq!(exact.index_of("abc"), None);
}

#[test]
fn split_rows_accepts_exactly_the_compressed_row_layout() {
    let v = [7u32, 8, 9];
    let rows = split_rows(&[0, 0, 2, 3, 3], &v, "x").unwrap();
    assert_eq!(rows, [&[][..], &[7, 8], &[9], &[]]);
    assert_eq!(split_rows(&[0], &[] as &[u32], "x").unwrap().len(), 0);
    // Each refusal names the field and the offending offset.
    for (offsets, says) in [
        (&[][..], "x.offsets is empty"),
        (&[1, 3], "x.offsets[0] is 1"),
        (&[0, 2, 1, 3], "x.offsets[2] is 1 after 2"),
        (&[0, 4], "x.offsets[1] is 4 after 0"),
        (&[0, 2], "x.offsets end at 2 but there are 3 values"),
    ] {
        let e = split_rows(offsets, &v, "x").unwrap_err();
        assert_eq!(e.code(), "BAD_ARGUMENT");
        assert!(e.to_string().contains(says), "{offsets:?}: {e}");
    }
}

#[test]
fn writer_checks_baskets_and_stores_them_as_sets() {
    let w = |b: Vec<Vec<u32>>| {
        PackWriter::new(vec!["a".into(), "b".into(), "c".into()], 1, vec![1.0; 3])
            .baskets(b)
            .to_bytes()
    };
    let e = w(vec![vec![0, 1], vec![3]]).unwrap_err();
    assert!(e.to_string().contains("baskets[1] names item 3"), "{e}");
    let p = Pack::from_bytes(&w(vec![vec![2, 0, 2], vec![], vec![1]]).unwrap()).unwrap();
    let s = p.baskets().unwrap();
    assert_eq!(
        (s.len(), s.basket(0), s.basket(1)),
        (2, &[0, 2][..], &[1][..])
    );
}

/// The sample pack with compact neighbours and transitions (format version 2).
fn compact_sample() -> Vec<u8> {
    PackWriter::new(
        vec!["A1".into(), "B2".into(), "C3".into()],
        2,
        vec![1.0, 0.5, -0.25, 2.0, 0.0, 0.0],
    )
    .neighbours(vec![vec![(2, 0.25), (1, 0.5)], vec![], vec![(0, 1.0)]])
    .transitions(vec![vec![], vec![(0, 3.0), (2, 3.0)], vec![]])
    .compact_lists(true)
    .to_bytes()
    .unwrap()
}

#[test]
fn compact_lists_load_as_the_raw_layout() {
    let b = compact_sample();
    assert_eq!(
        u16::from_le_bytes([b[8], b[9]]),
        2,
        "compact lists are version 2"
    );
    assert_eq!(
        u16::from_le_bytes([sample(Quantize::I8)[8], 0]),
        1,
        "raw stays version 1"
    );
    let p = Pack::from_bytes(&b).unwrap();
    // Weight order restored (0.5 before 0.25); the row's largest weight is exact.
    let n0 = p.neighbours(0);
    assert_eq!(n0.index, &[1, 2]);
    assert_eq!(n0.weight[0], 0.5);
    assert!((n0.weight[1] - 0.25).abs() < 0.002, "{}", n0.weight[1]);
    assert!(p.neighbours(1).index.is_empty());
    // Equal weights: index order, as the raw layout's writers give it.
    assert_eq!(p.transitions(1).index, &[0, 2]);
    assert_eq!(p.transitions(1).weight, &[3.0, 3.0]);
}

#[test]
fn every_single_byte_corruption_of_a_compact_pack_is_detected() {
    let b = compact_sample();
    for i in 0..b.len() {
        let mut c = b.clone();
        c[i] ^= 0x01;
        assert!(
            Pack::from_bytes(&c).is_err(),
            "flipping byte {i} went unnoticed"
        );
    }
}
