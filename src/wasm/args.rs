//! Argument conversion with `BAD_ARGUMENT` errors that name the argument, instead of the
//! generic TypeErrors (or silent coercions) of the default glue.

use serde::de::DeserializeOwned;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::error::{bad, JsResult};

/// A required string.
pub fn string(v: &JsValue, what: &str) -> JsResult<String> {
    v.as_string()
        .ok_or_else(|| bad(format!("{what} must be a string, got {}", type_name(v))))
}

/// An optional timestamp in ms; `undefined`/`null` means now.
pub fn timestamp(v: &JsValue) -> JsResult<f64> {
    if v.is_undefined() || v.is_null() {
        return Ok(js_sys::Date::now());
    }
    match v.as_f64() {
        Some(x) if x.is_finite() => Ok(x),
        _ => Err(bad(format!(
            "timestamp must be a finite number of milliseconds, got {}",
            describe(v)
        ))),
    }
}

/// An array of strings.
pub fn strings(v: &JsValue, what: &str) -> JsResult<Vec<String>> {
    if !js_sys::Array::is_array(v) {
        return Err(bad(format!(
            "{what} must be an array of strings, got {}",
            type_name(v)
        )));
    }
    let a: &js_sys::Array = v.unchecked_ref();
    a.iter()
        .enumerate()
        .map(|(i, x)| string(&x, &format!("{what}[{i}]")))
        .collect()
}

/// A small options object via serde; `undefined`/`null` gives the default.
pub fn options<T: DeserializeOwned + Default>(v: &JsValue, what: &str) -> JsResult<T> {
    if v.is_undefined() || v.is_null() {
        return Ok(T::default());
    }
    if !v.is_object() || js_sys::Array::is_array(v) {
        return Err(bad(format!(
            "{what} must be an object, got {}",
            type_name(v)
        )));
    }
    serde_wasm_bindgen::from_value(v.clone()).map_err(|e| {
        let m = e.to_string();
        bad(format!(
            "{what}: {}",
            m.strip_prefix("Error: ").unwrap_or(&m)
        ))
    })
}

/// An optional count in 1..=max.
pub fn count(v: Option<f64>, default: usize, what: &str, max: usize) -> JsResult<usize> {
    match v {
        None => Ok(default),
        Some(x) if x.fract() == 0.0 && x >= 1.0 && x <= max as f64 => Ok(x as usize),
        Some(x) => Err(bad(format!(
            "{what} must be an integer from 1 to {max}, not {x}"
        ))),
    }
}

/// An optional non-negative finite number (as f32).
pub fn amount(v: Option<f64>, what: &str) -> JsResult<Option<f32>> {
    match v {
        None => Ok(None),
        Some(x) if x.is_finite() && x >= 0.0 => Ok(Some(x as f32)),
        Some(x) => Err(bad(format!("{what} must be a finite number >= 0, not {x}"))),
    }
}

/// `typeof`-style name for messages.
pub fn type_name(v: &JsValue) -> String {
    if v.is_null() {
        "null".into()
    } else if js_sys::Array::is_array(v) {
        "array".into()
    } else {
        v.js_typeof()
            .as_string()
            .unwrap_or_else(|| "unknown".into())
    }
}

fn describe(v: &JsValue) -> String {
    match v.as_f64() {
        Some(x) => x.to_string(),
        None => type_name(v),
    }
}

/// Serialise a result as a plain JS object/array.
pub fn to_value<T: serde::Serialize>(x: &T) -> JsResult<JsValue> {
    x.serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| JsValue::from(js_sys::Error::new(&e.to_string())))
}

/// An f32 amount as the f64 with the same shortest decimal form (29.04, not 29.040000915527344),
/// so prices and totals print the way the shop wrote them.
pub fn decimal(x: f32) -> f64 {
    x.to_string().parse().unwrap_or(x as f64)
}
