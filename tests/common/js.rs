//! JS-value builders shared by the wasm-bindgen test files (`mod common;` in each).
#![allow(dead_code)]

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::prelude::*;

/// A plain object from (key, value) pairs.
pub fn obj(pairs: &[(&str, JsValue)]) -> JsValue {
    let o = Object::new();
    for (k, v) in pairs {
        Reflect::set(&o, &(*k).into(), v).unwrap();
    }
    o.into()
}

/// An array of strings.
pub fn strs(v: &[&str]) -> JsValue {
    v.iter()
        .map(|s| JsValue::from_str(s))
        .collect::<Array>()
        .into()
}
