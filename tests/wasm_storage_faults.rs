//! Storage faults in a real browser: localStorage that throws on read or write (quota,
//! SecurityError), returns garbage, is cleared by another tab mid-session, is blocked
//! altogether, or is written by two tabs at once. Nothing may be thrown to the page and nothing
//! may be lost beyond what the fault itself destroyed. Runs under `wasm-pack test --headless
//! --chrome` (faults are injected by overriding `Storage.prototype` from JS).
#![cfg(target_arch = "wasm32")]

mod common;

use cartsense::history::History;
use cartsense::wasm::{build_pack, Recommender};
use common::js::obj;
use js_sys::{Array, Float32Array, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen(inline_js = r#"
const P = Storage.prototype;
const real = { getItem: P.getItem, setItem: P.setItem, removeItem: P.removeItem };
let injected = 0;
let garbage = [];
export function fault(op, mode) {
  const err = () => {
    injected++;
    if (mode === 'quota') throw new DOMException('full', 'QuotaExceededError');
    throw new DOMException('blocked', 'SecurityError');
  };
  if (op === 'set') P.setItem = function () { err(); };
  if (op === 'get' && mode !== 'garbage') P.getItem = function () { err(); };
  if (op === 'get' && mode === 'garbage') {
    P.getItem = function (k) {
      injected++;
      return garbage.length ? garbage[injected % garbage.length] : real.getItem.call(this, k);
    };
  }
}
export function set_garbage(values) { garbage = values; }
export function restore() { Object.assign(P, real); }
export function injected_faults() { return injected; }
export function raw_get(k) { return real.getItem.call(localStorage, k); }
export function raw_set(k, v) { real.setItem.call(localStorage, k, v); }
export function raw_clear() { localStorage.clear(); }
export function block_local_storage() {
  try {
    Object.defineProperty(window, 'localStorage', {
      configurable: true, get() { injected++; throw new DOMException('denied', 'SecurityError'); },
    });
    return true;
  } catch (_) { return false; }
}
export function unblock_local_storage() {
  try { delete window.localStorage; } catch (_) {}
}
"#)]
extern "C" {
    fn fault(op: &str, mode: &str);
    fn set_garbage(values: Vec<String>);
    fn restore();
    fn injected_faults() -> u32;
    fn raw_get(k: &str) -> Option<String>;
    fn raw_set(k: &str, v: &str);
    fn raw_clear();
    fn block_local_storage() -> bool;
    fn unblock_local_storage();
}

fn open(key: &str) -> Recommender {
    let ids: Array = ["a", "b", "c", "d"]
        .iter()
        .map(|s| JsValue::from_str(s))
        .collect();
    let emb = [1.0f32, 0.0, 0.9, 0.1, 0.0, 1.0, 0.1, 0.9];
    let bytes = build_pack(obj(&[
        ("ids", ids.into()),
        ("dims", 2.into()),
        ("embeddings", Float32Array::from(&emb[..]).into()),
    ]))
    .unwrap();
    Recommender::from_bytes(bytes.into(), Some(obj(&[("storageKey", key.into())]))).unwrap()
}

fn ids(r: &Recommender) -> Vec<(String, f64)> {
    Array::from(&r.history().unwrap())
        .iter()
        .map(|e| {
            let id = Reflect::get(&e, &"itemId".into())
                .unwrap()
                .as_string()
                .unwrap();
            let at = Reflect::get(&e, &"at".into()).unwrap().as_f64().unwrap();
            (id, at)
        })
        .collect()
}

/// Events in the stored value (read around any fault).
fn stored(key: &str) -> Vec<(String, f64)> {
    let (h, _) = History::from_json(&raw_get(key).unwrap_or_default(), 1000);
    h.events().map(|e| (e.item.clone(), e.at)).collect()
}

fn view(r: &Recommender, id: &str, at: f64) {
    r.view(id.into(), Some(at.into()))
        .expect("a storage fault must never reach the page");
}

#[wasm_bindgen_test]
fn writes_that_throw_keep_everything_in_memory_and_catch_up() {
    for mode in ["quota", "security"] {
        let key = &format!("faults:set:{mode}");
        restore();
        raw_clear();
        let r = open(key);
        view(&r, "a", 1.0);
        fault("set", mode);
        for i in 0..20 {
            view(&r, "b", 2.0 + i as f64);
            r.add_to_cart("c".into(), Some((30.0 + i as f64).into()))
                .unwrap();
        }
        assert!(
            !r.persistent().unwrap(),
            "{mode}: memory only while writes fail"
        );
        assert_eq!(ids(&r).len(), 41, "{mode}: nothing lost in memory");
        assert_eq!(stored(key).len(), 1, "{mode}: storage holds what it had");
        restore();
        view(&r, "d", 100.0);
        assert!(r.persistent().unwrap(), "{mode}: writes resume");
        assert_eq!(
            stored(key),
            ids(&r),
            "{mode}: storage caught up with every event"
        );
        assert_eq!(
            open(key).cart().unwrap(),
            ["c"],
            "{mode}: a reload sees the cart"
        );
    }
}

#[wasm_bindgen_test]
fn reads_that_throw_or_return_garbage_lose_nothing() {
    let key = "faults:get";
    restore();
    raw_clear();
    let r = open(key);
    view(&r, "a", 1.0);
    fault("get", "security");
    for i in 0..10 {
        view(&r, "b", 2.0 + i as f64);
    }
    let _ = r.recommend(None).unwrap();
    assert_eq!(ids(&r).len(), 11);
    restore();
    // Garbage of every kind another script (or a broken extension) could leave there.
    set_garbage(vec![
        String::new(),
        "{".into(),
        "null".into(),
        "[1,2,3]".into(),
        "{\"v\":1,\"events\":\"x\"}".into(),
        "{\"v\":99,\"g\":5,\"events\":[[\"v\",\"zz\",1e400]]}".into(),
        "\u{0}\u{fffd}\u{d7ff}".into(),
        "x".repeat(1 << 16),
        "{\"theme\":\"dark\"}".into(),
    ]);
    fault("get", "garbage");
    for i in 0..30 {
        view(&r, "c", 20.0 + i as f64);
        let _ = r.cart().unwrap();
        let _ = r.history().unwrap();
    }
    restore();
    view(&r, "d", 100.0);
    let mine = ids(&r);
    assert_eq!(mine.len(), 42, "every event recorded survives: {mine:?}");
    assert_eq!(stored(key), mine, "and is what storage holds");
    assert!(injected_faults() >= 40, "faults were injected");
}

#[wasm_bindgen_test]
fn storage_cleared_mid_session_is_rewritten_from_memory() {
    let key = "faults:cleared";
    restore();
    raw_clear();
    let r = open(key);
    view(&r, "a", 1.0);
    r.add_to_cart("b".into(), Some(2.0.into())).unwrap();
    raw_clear(); // another tab (or the user's "clear site data" in another window)
    assert_eq!(r.cart().unwrap(), ["b"], "nothing thrown, cart kept");
    view(&r, "c", 3.0);
    assert_eq!(stored(key).len(), 3, "rewritten from memory");
}

#[wasm_bindgen_test]
fn blocked_local_storage_falls_back_to_memory() {
    restore();
    raw_clear();
    if !block_local_storage() {
        return; // this browser does not let a page redefine window.localStorage
    }
    let r = open("faults:blocked");
    unblock_local_storage();
    assert!(!r.persistent().unwrap());
    for i in 0..10 {
        view(&r, "a", i as f64);
    }
    assert_eq!(ids(&r).len(), 10);
}

#[wasm_bindgen_test]
fn two_writers_interleaving_lose_nothing() {
    let key = "faults:two-writers";
    restore();
    raw_clear();
    let a = open(key);
    let b = open(key);
    let mut want = Vec::new();
    for i in 0..40 {
        let at = i as f64;
        if i % 3 == 0 {
            view(&a, "a", at);
        } else if i % 3 == 1 {
            view(&b, "b", at);
        } else {
            // A third tab writes between the two: its own read-modify-write of the stored value.
            let mut h = History::from_json(&raw_get(key).unwrap_or_default(), 200).0;
            h.push(cartsense::history::EventKind::View, "c", at)
                .unwrap();
            raw_set(key, &h.to_json());
        }
        want.push(at);
    }
    let _ = a.cart().unwrap();
    let _ = b.cart().unwrap();
    let ats = |r: &Recommender| ids(r).into_iter().map(|(_, at)| at).collect::<Vec<_>>();
    assert_eq!(ats(&a), want, "tab a holds all three writers' events");
    assert_eq!(ats(&b), want, "tab b too");
    assert_eq!(
        stored(key)
            .into_iter()
            .map(|(_, at)| at)
            .collect::<Vec<_>>(),
        want
    );
}
