//! Argument conversion with `BAD_ARGUMENT` errors that name the argument, instead of the
//! generic TypeErrors (or silent coercions) of the default glue.

use serde::de::DeserializeOwned;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::error::{bad, JsResult};

// Every read of a caller's value goes through a `catch` import: a Proxy trap, a throwing getter
// or a revoked Proxy then becomes a `BAD_ARGUMENT` instead of a JS exception unwinding through
// wasm (which would skip Rust's cleanup and leave the instance borrowed for good).
#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(catch, js_namespace = Array, js_name = isArray)]
    fn is_array_checked(v: &JsValue) -> Result<bool, JsValue>;
}

/// `Array.isArray` that treats a revoked Proxy as "not an array" instead of throwing.
pub fn is_array(v: &JsValue) -> bool {
    is_array_checked(v).unwrap_or(false)
}

/// Most elements copied out of one JS array argument.
const MAX_ELEMENTS: u32 = 1 << 24;

/// The elements of a JS array, each read with a catching `Reflect.get` (getters, Proxies).
pub fn elements(v: &JsValue, what: &str) -> JsResult<Vec<JsValue>> {
    let len = js_sys::Reflect::get(v, &"length".into())
        .ok()
        .and_then(|l| l.as_f64())
        .filter(|l| l.fract() == 0.0 && *l >= 0.0 && *l <= MAX_ELEMENTS as f64)
        .ok_or_else(|| bad(format!("{what}: the array length cannot be read")))?
        as u32;
    (0..len)
        .map(|i| {
            js_sys::Reflect::get_u32(v, i)
                .map_err(|_| bad(format!("{what}[{i}] cannot be read (its getter threw)")))
        })
        .collect()
}

/// A plain-data copy of an options value (objects and arrays, up to a small depth), read with
/// catching `Reflect` calls so that serde never touches a getter or a Proxy.
fn snapshot(v: &JsValue, what: &str, depth: u32) -> JsResult<JsValue> {
    if !v.is_object() || v.is_function() {
        return Ok(v.clone());
    }
    if depth == 0 {
        return Err(bad(format!("{what} is nested too deeply")));
    }
    if is_array(v) {
        let out = js_sys::Array::new();
        for (i, x) in elements(v, what)?.iter().enumerate() {
            out.push(&snapshot(x, &format!("{what}[{i}]"), depth - 1)?);
        }
        return Ok(out.into());
    }
    if v.is_instance_of::<js_sys::Date>() || js_sys::ArrayBuffer::is_view(v) {
        return Ok(v.clone());
    }
    let keys = js_sys::Reflect::own_keys(v)
        .map_err(|_| bad(format!("{what} cannot be read (a Proxy trap threw)")))?;
    let out = js_sys::Object::new();
    for k in elements(&keys, what)? {
        let Some(name) = k.as_string() else { continue };
        let x = js_sys::Reflect::get(v, &k)
            .map_err(|_| bad(format!("{what}.{name} cannot be read (its getter threw)")))?;
        let x = snapshot(&x, &format!("{what}.{name}"), depth - 1)?;
        let _ = js_sys::Reflect::set(&out, &k, &x);
    }
    Ok(out.into())
}

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
    if !is_array(v) {
        return Err(bad(format!(
            "{what} must be an array of strings, got {}",
            type_name(v)
        )));
    }
    elements(v, what)?
        .iter()
        .enumerate()
        .map(|(i, x)| string(x, &format!("{what}[{i}]")))
        .collect()
}

/// A small options object via serde; `undefined`/`null` gives the default.
pub fn options<T: DeserializeOwned + Default>(v: &JsValue, what: &str) -> JsResult<T> {
    if v.is_undefined() || v.is_null() {
        return Ok(T::default());
    }
    if !v.is_object() || is_array(v) {
        return Err(bad(format!(
            "{what} must be an object, got {}",
            type_name(v)
        )));
    }
    serde_wasm_bindgen::from_value(snapshot(v, what, 4)?).map_err(|e| {
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
            "{what} must be an integer from 1 to {max}, not {x}",
            x = crate::error::num(x)
        ))),
    }
}

/// An optional non-negative finite number (as f32).
pub fn amount(v: Option<f64>, what: &str) -> JsResult<Option<f32>> {
    match v {
        None => Ok(None),
        Some(x) if x.is_finite() && x >= 0.0 => Ok(Some(x as f32)),
        Some(x) => Err(bad(format!(
            "{what} must be a finite number >= 0, not {x}",
            x = crate::error::num(x)
        ))),
    }
}

/// `typeof`-style name for messages.
pub fn type_name(v: &JsValue) -> String {
    if v.is_null() {
        "null".into()
    } else if is_array(v) {
        "array".into()
    } else {
        v.js_typeof()
            .as_string()
            .unwrap_or_else(|| "unknown".into())
    }
}

fn describe(v: &JsValue) -> String {
    match v.as_f64() {
        Some(x) => crate::error::num(x).to_string(),
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
    crate::json::f32_decimal(x)
}
