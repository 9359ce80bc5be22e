//! Argument conversion with `BAD_ARGUMENT` errors that name the argument, instead of the
//! generic TypeErrors (or silent coercions) of the default glue.

use wasm_bindgen::prelude::*;

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

/// An options object read field by field (each read a catching `Reflect.get`, so a getter or a
/// Proxy trap that throws becomes a `BAD_ARGUMENT`). Unknown fields are ignored;
/// `undefined` and `null` fields count as absent.
pub struct Opts<'a> {
    v: &'a JsValue,
    what: &'a str,
}

impl Opts<'_> {
    fn field(&self, key: &str) -> JsResult<Option<JsValue>> {
        let x = js_sys::Reflect::get(self.v, &key.into()).map_err(|_| {
            bad(format!(
                "{}.{key} cannot be read (its getter threw)",
                self.what
            ))
        })?;
        Ok((!x.is_undefined() && !x.is_null()).then_some(x))
    }

    fn wrong(&self, key: &str, want: &str, x: &JsValue) -> JsValue {
        bad(format!(
            "{}.{key} must be {want}, got {}",
            self.what,
            type_name(x)
        ))
    }

    /// A number field.
    pub fn num(&self, key: &str) -> JsResult<Option<f64>> {
        match self.field(key)? {
            None => Ok(None),
            Some(x) => x
                .as_f64()
                .map(Some)
                .ok_or_else(|| self.wrong(key, "a number", &x)),
        }
    }

    /// A boolean field.
    pub fn flag(&self, key: &str) -> JsResult<Option<bool>> {
        match self.field(key)? {
            None => Ok(None),
            Some(x) => x
                .as_bool()
                .map(Some)
                .ok_or_else(|| self.wrong(key, "a boolean", &x)),
        }
    }

    /// A string field.
    pub fn text(&self, key: &str) -> JsResult<Option<String>> {
        match self.field(key)? {
            None => Ok(None),
            Some(x) => x
                .as_string()
                .map(Some)
                .ok_or_else(|| self.wrong(key, "a string", &x)),
        }
    }

    /// An array-of-strings field.
    pub fn texts(&self, key: &str) -> JsResult<Option<Vec<String>>> {
        match self.field(key)? {
            None => Ok(None),
            Some(x) => strings(&x, &format!("{}.{key}", self.what)).map(Some),
        }
    }
}

/// An options type read from a JS object.
pub trait FromOptions: Default {
    /// Read the fields.
    fn read(o: &Opts) -> JsResult<Self>;
}

/// A small options object; `undefined`/`null` gives the default.
pub fn options<T: FromOptions>(v: &JsValue, what: &str) -> JsResult<T> {
    if v.is_undefined() || v.is_null() {
        return Ok(T::default());
    }
    if !v.is_object() || is_array(v) {
        return Err(bad(format!(
            "{what} must be an object, got {}",
            type_name(v)
        )));
    }
    T::read(&Opts { v, what })
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

thread_local! {
    /// JS strings of the field names and other fixed words, made once: creating them per
    /// object cost about 8% of a `recommend()` call that returns 10 objects.
    static WORDS: std::cell::RefCell<Vec<(&'static str, JsValue)>> = const {
        std::cell::RefCell::new(Vec::new())
    };
}

/// `f` with the JS string of a fixed word (made on first use).
fn with_word<R>(w: &'static str, f: impl FnOnce(&JsValue) -> R) -> R {
    WORDS.with(|words| {
        let mut words = words.borrow_mut();
        let i = match words.iter().position(|(s, _)| *s == w) {
            Some(i) => i,
            None => {
                words.push((w, JsValue::from_str(w)));
                words.len() - 1
            }
        };
        f(&words[i].1)
    })
}

/// The JS string of a fixed word (a field value from a small set, like a reason kind).
pub fn word(w: &'static str) -> JsValue {
    with_word(w, JsValue::clone)
}

/// A plain JS object with these fields, in this order.
pub fn object(fields: &[(&'static str, JsValue)]) -> JsValue {
    let o = js_sys::Object::new();
    for (k, v) in fields {
        with_word(k, |key| {
            let _ = js_sys::Reflect::set(&o, key, v);
        });
    }
    o.into()
}

/// A JS array of these values.
pub fn array(items: impl IntoIterator<Item = JsValue>) -> JsValue {
    let a = js_sys::Array::new();
    for x in items {
        a.push(&x);
    }
    a.into()
}

/// A JS array of strings.
pub fn str_array(items: &[String]) -> JsValue {
    array(items.iter().map(|s| JsValue::from_str(s)))
}

/// An f32 amount as the f64 with the same shortest decimal form (29.04, not 29.040000915527344),
/// so prices and totals print the way the shop wrote them.
pub fn decimal(x: f32) -> f64 {
    crate::json::f32_decimal(x)
}
