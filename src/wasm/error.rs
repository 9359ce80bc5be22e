//! Core errors become thrown JS `Error`s with a stable `code` property.

use wasm_bindgen::prelude::*;

use crate::error::Error;

/// A JS `Error` whose `code` is the core error's code and whose message names the problem.
pub fn to_js(e: Error) -> JsValue {
    let err = js_sys::Error::new(&e.to_string());
    err.set_name("CartsenseError");
    // Reflect::set on a fresh Error object cannot fail; ignore the impossible case.
    let _ = js_sys::Reflect::set(&err, &"code".into(), &e.code().into());
    err.into()
}

/// Shorthand: a `BAD_ARGUMENT` JS error.
pub fn bad(msg: impl Into<String>) -> JsValue {
    to_js(Error::BadArgument(msg.into()))
}

/// Result type of every export.
pub type JsResult<T> = Result<T, JsValue>;

/// Convert a core result.
pub fn js<T>(r: crate::error::Result<T>) -> JsResult<T> {
    r.map_err(to_js)
}
