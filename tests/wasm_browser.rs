//! Persistence in a real browser: localStorage round trip, corrupt storage, two instances on
//! one key, storage that throws. Runs under `wasm-pack test --headless --chrome`.
#![cfg(target_arch = "wasm32")]

mod common;

use cartsense::history::{EventKind, History};
use cartsense::wasm::{build_pack, Recommender};
use common::js::{obj, strs};
use js_sys::{Array, Float32Array};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn open(key: &str) -> Recommender {
    let emb: Vec<f32> = vec![1.0, 0.0, 0.9, 0.1, 0.0, 1.0, 0.1, 0.9];
    let bytes = build_pack(obj(&[
        ("ids", strs(&["a", "b", "c", "d"])),
        ("dims", 2.into()),
        ("embeddings", Float32Array::from(emb.as_slice()).into()),
    ]))
    .unwrap();
    Recommender::from_bytes(bytes.into(), Some(obj(&[("storageKey", key.into())]))).unwrap()
}

fn storage() -> web_sys::Storage {
    web_sys::window().unwrap().local_storage().unwrap().unwrap()
}

fn events(r: &Recommender) -> usize {
    Array::from(&r.history().unwrap()).length() as usize
}

#[wasm_bindgen_test]
fn history_round_trips_through_local_storage() {
    let key = "t:roundtrip";
    storage().remove_item(key).unwrap();
    let r = open(key);
    assert!(r.persistent().unwrap());
    r.view("a".into(), Some(1.0.into())).unwrap();
    r.add_to_cart("b".into(), Some(2.0.into())).unwrap();
    r.view("unknown-id".into(), Some(3.0.into())).unwrap();
    drop(r);
    let again = open(key);
    assert_eq!(
        events(&again),
        3,
        "events survive a reload, unknown ids included"
    );
    assert_eq!(again.cart().unwrap(), ["b"]);
    again.clear_history().unwrap();
    assert_eq!(events(&open(key)), 0);
}

#[wasm_bindgen_test]
fn corrupt_storage_is_recovered_without_throwing() {
    let key = "t:corrupt";
    storage()
        .set_item(
            key,
            "{\"v\":1,\"events\":[[\"v\",\"a\",1],\"junk\",[\"a\",\"c\",2]]}",
        )
        .unwrap();
    let r = open(key);
    assert_eq!(events(&r), 2, "valid events kept");
    storage().set_item(key, "%%% not json").unwrap();
    r.view("d".into(), Some(3.0.into())).unwrap();
    assert_eq!(events(&r), 3, "garbage in storage does not wipe memory");
    let stored = storage().get_item(key).unwrap().unwrap();
    assert!(
        stored.contains("\"d\""),
        "the clean history is written back: {stored}"
    );
    storage().remove_item(key).unwrap();
    r.view("b".into(), Some(4.0.into())).unwrap();
    assert_eq!(events(&r), 4, "a removed key is rewritten from memory");
}

#[wasm_bindgen_test]
fn two_instances_on_one_key_lose_nothing() {
    let key = "t:shared";
    storage().remove_item(key).unwrap();
    let a = open(key);
    let b = open(key);
    a.view("a".into(), Some(1.0.into())).unwrap();
    b.view("b".into(), Some(2.0.into())).unwrap();
    a.add_to_cart("c".into(), Some(3.0.into())).unwrap();
    b.view("d".into(), Some(4.0.into())).unwrap();
    assert_eq!(events(&a), 4);
    assert_eq!(events(&b), 4);
    assert_eq!(b.cart().unwrap(), ["c"]);
    a.clear_history().unwrap();
    assert_eq!(
        events(&b),
        0,
        "a clear in one instance is followed by the other"
    );
    b.view("a".into(), Some(5.0.into())).unwrap();
    assert_eq!(events(&a), 1);
}

#[wasm_bindgen_test]
fn two_tabs_merge_their_carts_item_by_item() {
    let key = "t:cart-tabs";
    storage().remove_item(key).unwrap();
    let a = open(key);
    let b = open(key);
    a.add_to_cart("a".into(), Some(1.0.into())).unwrap();
    // Another tab reads the stored value, then acts before it sees this tab's next add.
    let (mut other, _) = History::from_json(&storage().get_item(key).unwrap().unwrap(), 200);
    a.add_to_cart("b".into(), Some(2.0.into())).unwrap();
    other.push(EventKind::AddToCart, "c", 3.0).unwrap();
    other.push(EventKind::RemoveFromCart, "a", 4.0).unwrap();
    storage().set_item(key, &other.to_json()).unwrap();
    assert_eq!(
        a.cart().unwrap(),
        ["b", "c"],
        "both tabs' adds stay; the newer removal wins"
    );
    assert_eq!(b.cart().unwrap(), ["b", "c"]);
    b.add_to_cart("a".into(), Some(5.0.into())).unwrap();
    assert_eq!(
        a.cart().unwrap(),
        ["b", "c", "a"],
        "an add after the removal wins"
    );
    b.clear_history().unwrap();
    assert!(
        a.cart().unwrap().is_empty(),
        "a clear empties the other tab's cart"
    );
}

#[wasm_bindgen_test]
fn a_format_1_value_loads_with_the_cart_it_had() {
    let key = "t:cart-v1";
    let v1 = concat!(
        r#"{"v":1,"g":3,"events":[["a","a",1],["a","b",2],["v","c",3],["r","a",4],"#,
        r#"["a","d",5],["a","a",6]]}"#
    );
    storage().set_item(key, v1).unwrap();
    let r = open(key);
    assert_eq!(r.cart().unwrap(), ["b", "d", "a"]);
    let stored = storage().get_item(key).unwrap().unwrap();
    assert!(
        stored.starts_with(r#"{"v":2,"g":3,"#)
            && stored.contains(r#""cart":[["b",2],["d",5],["a",6]]"#),
        "rewritten in format 2: {stored}"
    );
    assert_eq!(open(key).cart().unwrap(), ["b", "d", "a"]);
}

#[wasm_bindgen_test]
fn quota_errors_fall_back_to_memory() {
    let key = "t:quota";
    storage().remove_item(key).unwrap();
    let r = open(key);
    // Fill storage until it refuses, then keep recording.
    let big = "x".repeat(1 << 20);
    let mut filled = Vec::new();
    for i in 0..64 {
        let k = format!("t:fill{i}");
        if storage().set_item(&k, &big).is_err() {
            break;
        }
        filled.push(k);
    }
    for i in 0..50 {
        r.view(
            format!("item-{i}-{}", "y".repeat(200)).into(),
            Some((i as f64).into()),
        )
        .unwrap();
    }
    assert_eq!(events(&r), 50, "nothing lost in memory");
    for k in filled {
        storage().remove_item(&k).unwrap();
    }
    r.view("a".into(), Some(99.0.into())).unwrap();
    assert!(r.persistent().unwrap(), "writes resume once there is room");
}
