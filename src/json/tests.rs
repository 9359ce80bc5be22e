//! Differential tests: this parser and writer against `serde_json` (with `float_roundtrip`, so
//! both sides parse numbers exactly).

use super::*;
use proptest::prelude::*;

/// Whether our value is the one `serde_json` read (numbers compared as f64, objects as maps
/// with the last of repeated keys, as `serde_json::Map` keeps).
fn same(ours: &Value, theirs: &serde_json::Value) -> bool {
    use serde_json::Value as J;
    match (ours, theirs) {
        (Value::Null, J::Null) => true,
        (Value::Bool(a), J::Bool(b)) => a == b,
        (Value::UInt(a), J::Number(b)) => b.as_u64() == Some(*a),
        (Value::Number(a), J::Number(b)) if b.as_u64().is_none() => {
            b.as_f64().is_some_and(|b| close(*a, b))
        }
        (Value::String(a), J::String(b)) => a == b,
        (Value::Array(a), J::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same(x, y))
        }
        (Value::Object(a), J::Object(b)) => {
            let mut keys: Vec<&String> = a.iter().map(|(k, _)| k).collect();
            keys.sort();
            keys.dedup();
            keys.len() == b.len()
                && keys
                    .iter()
                    .all(|k| b.get(*k).is_some_and(|y| same(&ours[k.as_str()], y)))
        }
        _ => false,
    }
}

/// Equal, or (numbers beyond the exact fast path, see `decimal_to_f64`) within a relative
/// 1e-14, or both below 1e-300 (subnormals lose bits in the scaling).
fn close(a: f64, b: f64) -> bool {
    a == b || (a - b).abs() <= 1e-14 * b.abs() || (a.abs() < 1e-300 && b.abs() < 1e-300)
}

fn check(text: &str) -> std::result::Result<(), TestCaseError> {
    let ours = parse(text);
    let theirs = serde_json::from_str::<serde_json::Value>(text);
    match (&ours, &theirs) {
        (Ok(a), Ok(b)) => prop_assert!(same(a, b), "{text:?}: {a:?} vs {b:?}"),
        (Err(_), Err(_)) => {}
        _ => prop_assert!(false, "{text:?}: ours {ours:?}, serde_json {theirs:?}"),
    }
    Ok(())
}

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::Value as J;
    let leaf = prop_oneof![
        Just(J::Null),
        any::<bool>().prop_map(J::Bool),
        any::<i64>().prop_map(J::from),
        any::<u64>().prop_map(J::from),
        any::<f64>().prop_map(J::from),
        (-1e6f64..1e6).prop_map(J::from),
        any::<String>().prop_map(J::String),
        "[a-z\"\\\\/\u{0}-\u{1f}\u{e9}\u{1f600}]{0,12}".prop_map(J::String),
    ];
    leaf.prop_recursive(5, 64, 8, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..8).prop_map(J::Array),
            proptest::collection::btree_map("[a-z\"\\\\]{0,6}", inner, 0..8)
                .prop_map(|m| J::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(512)
    ))]

    #[test]
    fn reads_what_serde_json_writes(v in json_value()) {
        let compact = serde_json::to_string(&v).unwrap();
        let parsed = parse(&compact);
        prop_assert!(parsed.as_ref().is_ok_and(|p| same(p, &v)), "{compact}: {parsed:?}");
        let pretty = serde_json::to_string_pretty(&v).unwrap();
        prop_assert!(parse(&pretty).is_ok_and(|p| same(&p, &v)));
    }

    // Garbage from a JSON-ish alphabet: accepted and rejected exactly as serde_json does.
    #[test]
    fn agrees_on_random_text(s in "[\\[\\]{}\",:0-9eE.+\\- \\\\/ntrfualsbx\u{1}\u{e9}]{0,40}") {
        check(&s)?;
    }

    // Valid documents with one byte deleted, replaced or inserted.
    #[test]
    fn agrees_on_damaged_documents(v in json_value(), pos in any::<prop::sample::Index>(),
                                   op in 0u8..3, c in "[\\[\\]{}\",:0-9eE.\\-\\\\u ]") {
        let text = serde_json::to_string(&v).unwrap();
        let cs: Vec<char> = text.chars().collect();
        let i = pos.index(cs.len() + 1);
        let mut t: Vec<char> = cs.clone();
        match op {
            0 if i < t.len() => { t.remove(i); }
            1 if i < t.len() => t[i] = c.chars().next().unwrap(),
            _ => t.insert(i.min(t.len()), c.chars().next().unwrap()),
        }
        check(&t.into_iter().collect::<String>())?;
    }

    // Up to 15 significant digits and a small exponent: exactly the correctly rounded value.
    #[test]
    fn short_numbers_are_exact(s in "-?[1-9][0-9]{0,7}(\\.[0-9]{1,7})?([eE][+-]?[0-9])?") {
        let ours = parse(&s).unwrap().as_f64().unwrap();
        prop_assert_eq!(ours.to_bits(), s.parse::<f64>().unwrap().to_bits(), "{}", s);
    }

    // Prices and totals: the shortest decimal of the f32, as the old to_string().parse() gave.
    #[test]
    fn f32_decimal_is_the_shortest_form(x in prop_oneof![0.0f32..1000.0, 1e-6f32..1e15, any::<f32>()],
                                         cents in 0u32..10_000_000) {
        for y in [x, cents as f32 / 100.0, -x] {
            let want = if (1e-6..1e15).contains(&y.abs()) {
                y.to_string().parse::<f64>().unwrap()
            } else {
                f64::from(y)
            };
            let got = f32_decimal(y);
            prop_assert!(got.to_bits() == want.to_bits() || (y.is_nan() && got.is_nan()), "{} -> {} want {}", y, got, want);
        }
    }

    // Messages print numbers as `{}` does whenever `{}` needs at most 17 decimals and no
    // more digits than an exact f64 integer; the scientific form reads back within 1e-14.
    #[test]
    fn write_f64_matches_display(x in prop_oneof![
        (-100_000i64..100_000, 0u32..5).prop_map(|(k, s)| k as f64 / 10f64.powi(s as i32)),
        any::<f32>().prop_map(|x| f64::from(crate::json::f32_decimal(x) as f32)),
        -1e16f64..1e16,
        any::<f64>(),
    ]) {
        prop_assume!(x.is_finite());
        let mut out = String::new();
        write_f64(&mut out, x);
        let std = x.to_string();
        if out.contains('e') {
            let back: f64 = out.parse().unwrap();
            prop_assert!((back - x).abs() <= 1e-14 * x.abs(), "{} vs {}", out, std);
        } else {
            prop_assert_eq!(&out, &std);
        }
    }

    #[test]
    fn numbers_agree(s in "-?(0|[1-9][0-9]{0,25})(\\.[0-9]{1,25})?([eE][+-]?[0-9]{1,3})?") {
        check(&s)?;
    }

    #[test]
    fn writes_strings_as_serde_json_does(s in any::<String>()) {
        let mut out = String::new();
        write_str(&mut out, &s);
        prop_assert_eq!(&out, &serde_json::to_string(&s).unwrap());
        prop_assert_eq!(parse(&out).unwrap(), Value::String(s));
    }

    // The 4-decimal form reads back as exactly the rounded f64 the old writer stored.
    #[test]
    fn decimal4_round_trips(x in prop_oneof![0.0f64..10.0, 0.0f64..1e11, Just(0.5), Just(1.0)]) {
        let mut out = String::new();
        write_decimal4(&mut out, x);
        let want = (x * 1e4).round() / 1e4;
        prop_assert_eq!(parse(&out).unwrap().as_f64(), Some(want), "{}", out);
        prop_assert_eq!(parse(&serde_json::to_string(&want).unwrap()).unwrap().as_f64(), Some(want));
    }

    #[test]
    fn ints_round_trip(x in prop_oneof![-8.64e15f64..8.64e15, Just(-0.0), Just(0.0)]) {
        let x = x.round();
        let mut out = String::new();
        write_int(&mut out, x);
        prop_assert_eq!(parse(&out).unwrap().as_f64().map(f64::to_bits), Some(x.to_bits()));
    }
}

#[test]
fn nesting_limit_matches_serde_json_and_never_overflows() {
    for depth in [1, 100, 126, 127, 128, 129, 10_000, 1_000_000] {
        for (open, close) in [("[", "]"), ("{\"a\":", "}")] {
            let text = format!("{}1{}", open.repeat(depth), close.repeat(depth));
            let theirs = if depth < 1000 {
                Some(serde_json::from_str::<serde_json::Value>(&text).is_ok())
            } else {
                None
            };
            let ours = parse(&text).is_ok();
            assert_eq!(ours, depth <= MAX_DEPTH, "depth {depth}");
            if let Some(t) = theirs {
                assert_eq!(ours, t, "depth {depth}: serde_json says {t}");
            }
            // Unclosed nesting fails fast too.
            assert!(parse(&open.repeat(depth)).is_err());
        }
    }
}

#[test]
fn accessors_mirror_serde_json() {
    let text =
        r#"{"a": 1, "b": "x", "c": [1, 2.5], "a": 3, "d": null, "e": {"f": true}, "g": false}"#;
    let ours = parse(text).unwrap();
    let theirs: serde_json::Value = serde_json::from_str(text).unwrap();
    for k in ["a", "b", "c", "d", "e", "g", "missing"] {
        assert_eq!(ours[k].as_f64(), theirs[k].as_f64(), "{k}");
        assert_eq!(ours[k].as_u64(), theirs[k].as_u64(), "{k}");
        assert_eq!(ours[k].as_str(), theirs[k].as_str(), "{k}");
        assert_eq!(ours[k].as_bool(), theirs[k].as_bool(), "{k}");
        assert_eq!(ours[k].is_object(), theirs[k].is_object(), "{k}");
        assert_eq!(ours[k].is_null(), theirs[k].is_null(), "{k}");
        assert_eq!(ours.get(k).is_some(), theirs.get(k).is_some(), "{k}");
        assert_eq!(
            ours[k].as_array().map(Vec::len),
            theirs[k].as_array().map(Vec::len)
        );
    }
    assert_eq!(ours["b"], "x");
    assert_eq!(ours["e"]["f"], Value::Bool(true));
    assert_eq!(ours["a"]["deeper"], Value::Null);
    assert!(parse("\"\\ud83d\\ude00\"").is_ok_and(|v| v == "\u{1f600}"));
    assert!(parse_bytes(b"\"\xff\"").is_err());
}
