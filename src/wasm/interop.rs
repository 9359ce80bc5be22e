//! Conversion at the boundary, written once: the traits and readers behind `js_struct!`
//! (`js_struct.rs`), which declares every option and result type once and emits from one field
//! list the Rust struct, its reader (options) or writer (results), and its TypeScript interface
//! (a `typescript_custom_section`, so it lands in `pkg/cartsense.d.ts`): a field cannot be read
//! without being declared, or declared without being read. Why a macro and not
//! serde-wasm-bindgen: docs/boundary.md.
//!
//! The readers check JS types only (a string, a number, an integer, an array, an object) and
//! name the field in the `BAD_ARGUMENT` message; what a value may be (k from 1 to 1000, no
//! negative prices, ...) is checked once, by the core (`Query::validate`, `PackWriter`, ...).
//!
//! Every read of a caller's value is a catching `Reflect.get`, so a throwing getter, a Proxy
//! trap or a revoked Proxy becomes a `BAD_ARGUMENT` instead of a JS exception unwinding
//! through wasm (which would skip Rust's cleanup and leave the instance borrowed for good).

use std::fmt;

use wasm_bindgen::prelude::*;

use super::error::{bad, JsResult};

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

/// Where a value sits in the caller's arguments, as messages print it: `options.exclude[2]`.
#[derive(Clone, Copy)]
pub enum Path<'a> {
    /// A parameter.
    Arg(&'a str),
    /// A field of an object.
    Key(&'a Path<'a>, &'a str),
    /// An element of an array.
    Index(&'a Path<'a>, u32),
}

impl<'a> Path<'a> {
    /// The field `key` of the object here.
    pub fn key(&'a self, key: &'a str) -> Path<'a> {
        Path::Key(self, key)
    }
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Path::Arg(a) => f.write_str(a),
            Path::Key(p, k) => write!(f, "{p}.{k}"),
            Path::Index(p, i) => write!(f, "{p}[{i}]"),
        }
    }
}

/// The TypeScript type of a value that crosses the boundary.
pub trait Ts {
    /// The type as TypeScript writes it.
    const TS: &'static str;
    /// Declared as `key?:` in an interface: the caller may leave it out.
    const OPTIONAL: bool = false;
}

/// A value read from JS.
pub trait FromJs: Sized {
    /// Read `v`, which may be any JS value: a wrong type is a `BAD_ARGUMENT` naming `at`.
    fn from_js(v: &JsValue, at: Path) -> JsResult<Self>;
    /// The value when the caller left it out (`undefined` or `null`).
    fn absent(at: Path) -> JsResult<Self> {
        Err(required(at))
    }
}

// The non-generic halves of the generic readers and writers live in plain functions, so each
// type instantiates only a few lines (the wasm size budget, docs/boundary.md).

fn required(at: Path) -> JsValue {
    bad(format!("{at} is required"))
}

/// A value written to JS.
pub trait ToJs {
    /// The JS value.
    fn to_js(&self) -> JsValue;
    /// As a field of an object; `None` leaves the key out.
    fn field_js(&self) -> Option<JsValue> {
        Some(self.to_js())
    }
}

/// Parameter `name` of an export (`undefined` and `null` mean left out).
pub fn arg<T: FromJs>(v: &JsValue, name: &str) -> JsResult<T> {
    let at = Path::Arg(name);
    if is_absent(v) {
        T::absent(at)
    } else {
        T::from_js(v, at)
    }
}

fn is_absent(v: &JsValue) -> bool {
    v.is_undefined() || v.is_null()
}

/// The `BAD_ARGUMENT` for a value of the wrong type.
pub fn wrong(at: Path, want: &str, v: &JsValue) -> JsValue {
    bad(format!("{at} must be {want}, got {}", got(v)))
}

/// A value in a message: numbers as written, anything else by its `typeof`.
fn got(v: &JsValue) -> String {
    match v.as_f64() {
        Some(x) => crate::error::num(x).to_string(),
        None => type_name(v),
    }
}

/// `typeof`-style name for messages (`array` and `null` told apart).
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

/// `v` if it is an object (not an array, not a function).
pub fn object<'v>(v: &'v JsValue, at: Path) -> JsResult<&'v JsValue> {
    if v.is_object() && !is_array(v) {
        Ok(v)
    } else {
        Err(wrong(at, "an object", v))
    }
}

/// Field `key` of the object `o` (`None`: the whole object was left out).
#[doc(hidden)]
pub fn field<T: FromJs>(o: Option<&JsValue>, key: &'static str, at: Path) -> JsResult<T> {
    let at = at.key(key);
    match get(o, key, at)? {
        None => T::absent(at),
        Some(v) => T::from_js(&v, at),
    }
}

/// The value of `o[key]` if present.
fn get(o: Option<&JsValue>, key: &'static str, at: Path) -> JsResult<Option<JsValue>> {
    let Some(o) = o else { return Ok(None) };
    let mut v = Ok(JsValue::UNDEFINED);
    with_word(key, &mut |k| v = js_sys::Reflect::get(o, k));
    let v = v.map_err(|_| bad(format!("{at} cannot be read (its getter threw)")))?;
    Ok((!is_absent(&v)).then_some(v))
}

/// The elements of a JS array, each read with a catching `Reflect.get` (getters, Proxies).
pub fn elements(v: &JsValue, at: Path) -> JsResult<Vec<JsValue>> {
    if !is_array(v) {
        return Err(wrong(at, "an array", v));
    }
    let len = js_sys::Reflect::get(v, &"length".into())
        .ok()
        .and_then(|l| l.as_f64())
        .filter(|l| l.fract() == 0.0 && *l >= 0.0 && *l <= MAX_ELEMENTS as f64)
        .ok_or_else(|| bad(format!("{at}: the array length cannot be read")))? as u32;
    (0..len)
        .map(|i| {
            js_sys::Reflect::get_u32(v, i).map_err(|_| {
                let at = Path::Index(&at, i);
                bad(format!("{at} cannot be read (its getter threw)"))
            })
        })
        .collect()
}

impl<T: FromJs> FromJs for Vec<T> {
    fn from_js(v: &JsValue, at: Path) -> JsResult<Self> {
        elements(v, at)?
            .iter()
            .enumerate()
            .map(|(i, x)| T::from_js(x, Path::Index(&at, i as u32)))
            .collect()
    }
}

impl<T: ToJs> ToJs for Vec<T> {
    fn to_js(&self) -> JsValue {
        let a = js_sys::Array::new_with_length(self.len() as u32);
        for (i, x) in self.iter().enumerate() {
            a.set(i as u32, x.to_js());
        }
        a.into()
    }
}

impl Ts for Vec<String> {
    const TS: &'static str = "string[]";
}

impl<T: Ts> Ts for Option<T> {
    const TS: &'static str = T::TS;
    const OPTIONAL: bool = true;
}

impl<T: FromJs> FromJs for Option<T> {
    fn from_js(v: &JsValue, at: Path) -> JsResult<Self> {
        T::from_js(v, at).map(Some)
    }
    fn absent(_: Path) -> JsResult<Self> {
        Ok(None)
    }
}

impl<T: ToJs> ToJs for Option<T> {
    fn to_js(&self) -> JsValue {
        self.as_ref().map_or(JsValue::UNDEFINED, T::to_js)
    }
    fn field_js(&self) -> Option<JsValue> {
        self.as_ref().map(T::to_js)
    }
}

impl Ts for String {
    const TS: &'static str = "string";
}

impl FromJs for String {
    fn from_js(v: &JsValue, at: Path) -> JsResult<Self> {
        v.as_string().ok_or_else(|| wrong(at, "a string", v))
    }
}

impl ToJs for String {
    fn to_js(&self) -> JsValue {
        JsValue::from_str(self)
    }
}

impl Ts for bool {
    const TS: &'static str = "boolean";
}

impl FromJs for bool {
    fn from_js(v: &JsValue, at: Path) -> JsResult<Self> {
        v.as_bool().ok_or_else(|| wrong(at, "a boolean", v))
    }
}

/// Any JS number, NaN and infinities included: whether it is in range is the core's to say.
impl FromJs for f64 {
    fn from_js(v: &JsValue, at: Path) -> JsResult<Self> {
        v.as_f64().ok_or_else(|| wrong(at, "a number", v))
    }
}

impl FromJs for f32 {
    fn from_js(v: &JsValue, at: Path) -> JsResult<Self> {
        f64::from_js(v, at).map(|x| x as f32)
    }
}

/// What a JS number must be to be read as a u32 (or the wasm32 `usize`).
pub const INTEGER: &str = "an integer from 0 to 4294967295";

/// `x` as a u32 if it is one exactly.
pub fn whole(x: f64) -> Option<u32> {
    (x.fract() == 0.0 && (0.0..=u32::MAX as f64).contains(&x)).then_some(x as u32)
}

/// A whole number that fits the Rust type (u32, the wasm32 `usize`); the range the API
/// allows is the core's to check.
impl FromJs for u32 {
    fn from_js(v: &JsValue, at: Path) -> JsResult<Self> {
        v.as_f64()
            .and_then(whole)
            .ok_or_else(|| wrong(at, INTEGER, v))
    }
}

impl FromJs for usize {
    fn from_js(v: &JsValue, at: Path) -> JsResult<Self> {
        u32::from_js(v, at).map(|x| x as usize)
    }
}

macro_rules! number {
    ($($t:ty),*) => {$(
        impl Ts for $t {
            const TS: &'static str = "number";
        }
        impl ToJs for $t {
            fn to_js(&self) -> JsValue {
                JsValue::from_f64(*self as f64)
            }
        }
    )*};
}
number!(f64, f32, u32, usize);

/// An amount of money in the currency: written as the f64 with the f32's shortest decimal form
/// (29.04, not 29.040000915527344), so prices and totals print the way the shop wrote them.
pub struct Price(pub f32);

impl Ts for Price {
    const TS: &'static str = "number";
}

impl ToJs for Price {
    fn to_js(&self) -> JsValue {
        JsValue::from_f64(crate::json::f32_decimal(self.0))
    }
}

/// A word from a fixed set (event type, reason kind), made as a JS string once.
pub fn word(w: &'static str) -> JsValue {
    let mut v = JsValue::UNDEFINED;
    with_word(w, &mut |k| v = k.clone());
    v
}

thread_local! {
    /// JS strings of the field names and other fixed words, made once: creating them per
    /// object cost about 8% of a `recommend()` call that returns 10 objects.
    static WORDS: std::cell::RefCell<Vec<(&'static str, JsValue)>> = const {
        std::cell::RefCell::new(Vec::new())
    };
}

/// `f` with the JS string of a fixed word (made on first use).
fn with_word(w: &'static str, f: &mut dyn FnMut(&JsValue)) {
    WORDS.with(|words| match words.try_borrow_mut() {
        Ok(mut words) => {
            let i = match words.iter().position(|(s, _)| *s == w) {
                Some(i) => i,
                None => {
                    words.push((w, JsValue::from_str(w)));
                    words.len() - 1
                }
            };
            f(&words[i].1)
        }
        // `f` is a `Reflect.get`/`set` that ran a caller's getter or setter, which called back
        // into cartsense while the table is in use: a fresh string (never a panic).
        Err(_) => f(&JsValue::from_str(w)),
    })
}

/// Field `key` of a result object.
#[doc(hidden)]
pub fn set(o: &js_sys::Object, key: &'static str, v: &impl ToJs) {
    if let Some(x) = v.field_js() {
        set_value(o, key, &x);
    }
}

fn set_value(o: &js_sys::Object, key: &'static str, x: &JsValue) {
    // Setting a data property on a fresh plain object cannot fail.
    with_word(key, &mut |k| drop(js_sys::Reflect::set(o, k, x)));
}
