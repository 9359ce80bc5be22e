//! The little JSON the core reads and writes: the stored history and purchase memory
//! (`localStorage`, so possibly garbage) and the pack metadata object.
//!
//! A strict RFC 8259 parser into [`Value`] and a string writer, in place of `serde_json`, whose
//! parser, float printing and `Value` (de)serialisers were about 45 KB of the wasm. The
//! accessors mirror the `serde_json::Value` subset the crate uses (`get`, `as_f64`, `as_str`,
//! ...), so `value["key"]` and `value.get("key")` read the same.
//!
//! The parser never panics and runs in time linear in the input: nesting deeper than
//! [`MAX_DEPTH`] is an error (as in `serde_json`), and numbers are checked against the JSON
//! grammar. Whole numbers and decimals of up to 15 significant digits read back exactly (longer
//! ones to within a relative 1e-14): every number this crate writes does.
//!
//! Differences from `serde_json::Value`, none of which the stored shapes rely on: numbers are a
//! `u64` or else an `f64` (no exact negative integers below -2^53), and objects keep their
//! members in text order, duplicates included ([`Value::get`] finds the last one, as
//! `serde_json` keeps the last).

use std::fmt;

/// Deepest nesting of arrays and objects accepted (`serde_json` fails at 128 as well).
pub const MAX_DEPTH: usize = 127;

/// A parsed JSON value.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Value {
    /// `null`
    #[default]
    Null,
    /// `true` / `false`
    Bool(bool),
    /// A whole number written without sign, fraction or exponent that fits a `u64`, exactly
    /// (like `serde_json`'s `PosInt`: a history generation counter round-trips).
    UInt(u64),
    /// Any other number, as the nearest `f64`.
    Number(f64),
    /// A string, escapes decoded.
    String(String),
    /// An array.
    Array(Vec<Value>),
    /// An object's members in text order.
    Object(Vec<(String, Value)>),
}

static NULL: Value = Value::Null;

impl Value {
    /// The member `key` of an object (the last one if it is repeated); `None` for non-objects.
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Object(o) => o.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The number, if this is one.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Number(x) => Some(*x),
            Value::UInt(x) => Some(*x as f64),
            _ => None,
        }
    }

    /// The number, if it was written as a whole number in `0..2^64` (`3`, not `3.0`).
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Value::UInt(x) => Some(*x),
            _ => None,
        }
    }

    /// The boolean, if this is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The elements, if this is an array.
    pub fn as_array(&self) -> Option<&Vec<Value>> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }

    /// The members in text order, if this is an object.
    pub fn as_object(&self) -> Option<&[(String, Value)]> {
        match self {
            Value::Object(o) => Some(o),
            _ => None,
        }
    }

    /// Whether this is an object.
    pub fn is_object(&self) -> bool {
        matches!(self, Value::Object(_))
    }

    /// Whether this is `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }
}

/// `value["key"]`: the member, or `null` when it is missing or `value` is not an object.
impl std::ops::Index<&str> for Value {
    type Output = Value;
    fn index(&self, key: &str) -> &Value {
        self.get(key).unwrap_or(&NULL)
    }
}

impl PartialEq<&str> for Value {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == Some(*other)
    }
}

/// The same value, for tests and the CLI that build JSON with `serde_json::json!`.
#[cfg(any(test, feature = "cli"))]
impl From<&serde_json::Value> for Value {
    fn from(v: &serde_json::Value) -> Value {
        use serde_json::Value as J;
        match v {
            J::Null => Value::Null,
            J::Bool(b) => Value::Bool(*b),
            J::Number(n) => match n.as_u64() {
                Some(u) => Value::UInt(u),
                None => Value::Number(n.as_f64().unwrap_or(f64::NAN)),
            },
            J::String(s) => Value::String(s.clone()),
            J::Array(a) => Value::Array(a.iter().map(Value::from).collect()),
            J::Object(o) => Value::Object(o.iter().map(|(k, v)| (k.clone(), v.into())).collect()),
        }
    }
}

/// Why a text is not JSON: what was wrong and at which byte.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what} at byte {at}")]
pub struct ParseError {
    /// What was expected or found.
    pub what: &'static str,
    /// Byte offset into the text.
    pub at: usize,
}

/// Parse one JSON value (surrounding whitespace allowed, nothing else).
pub fn parse(text: &str) -> Result<Value, ParseError> {
    let mut p = Parser {
        b: text.as_bytes(),
        i: 0,
    };
    let v = p.value(0)?;
    p.ws();
    if p.i != p.b.len() {
        return Err(p.err("trailing characters"));
    }
    Ok(v)
}

/// [`parse`] for bytes, which must be UTF-8.
pub fn parse_bytes(b: &[u8]) -> Result<Value, ParseError> {
    let text = std::str::from_utf8(b).map_err(|e| ParseError {
        what: "invalid UTF-8",
        at: e.valid_up_to(),
    })?;
    parse(text)
}

struct Parser<'a> {
    b: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn err(&self, what: &'static str) -> ParseError {
        ParseError { what, at: self.i }
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.i += 1;
        }
    }

    fn literal(&mut self, word: &'static [u8], v: Value) -> Result<Value, ParseError> {
        if self.b[self.i..].starts_with(word) {
            self.i += word.len();
            Ok(v)
        } else {
            Err(self.err("expected a value"))
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value, ParseError> {
        self.ws();
        match self.peek() {
            None => Err(self.err("unexpected end of input")),
            Some(b'n') => self.literal(b"null", Value::Null),
            Some(b't') => self.literal(b"true", Value::Bool(true)),
            Some(b'f') => self.literal(b"false", Value::Bool(false)),
            Some(b'"') => Ok(Value::String(self.string()?)),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b'[') => {
                if depth >= MAX_DEPTH {
                    return Err(self.err("nested too deeply"));
                }
                self.i += 1;
                let mut a = Vec::new();
                self.ws();
                if self.peek() == Some(b']') {
                    self.i += 1;
                    return Ok(Value::Array(a));
                }
                loop {
                    a.push(self.value(depth + 1)?);
                    self.ws();
                    match self.peek() {
                        Some(b',') => self.i += 1,
                        Some(b']') => {
                            self.i += 1;
                            return Ok(Value::Array(a));
                        }
                        _ => return Err(self.err("expected ',' or ']'")),
                    }
                }
            }
            Some(b'{') => {
                if depth >= MAX_DEPTH {
                    return Err(self.err("nested too deeply"));
                }
                self.i += 1;
                let mut o = Vec::new();
                self.ws();
                if self.peek() == Some(b'}') {
                    self.i += 1;
                    return Ok(Value::Object(o));
                }
                loop {
                    self.ws();
                    if self.peek() != Some(b'"') {
                        return Err(self.err("expected a string key"));
                    }
                    let k = self.string()?;
                    self.ws();
                    if self.peek() != Some(b':') {
                        return Err(self.err("expected ':'"));
                    }
                    self.i += 1;
                    o.push((k, self.value(depth + 1)?));
                    self.ws();
                    match self.peek() {
                        Some(b',') => self.i += 1,
                        Some(b'}') => {
                            self.i += 1;
                            return Ok(Value::Object(o));
                        }
                        _ => return Err(self.err("expected ',' or '}'")),
                    }
                }
            }
            Some(_) => Err(self.err("expected a value")),
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.i;
        while let Some(b'0'..=b'9') = self.peek() {
            self.i += 1;
        }
        self.i - start
    }

    fn number(&mut self) -> Result<Value, ParseError> {
        let start = self.i;
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        match self.peek() {
            Some(b'0') => self.i += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(self.err("invalid number")),
        }
        let int = &self.b[start..self.i];
        if !matches!(self.peek(), Some(b'.' | b'e' | b'E')) && int[0] != b'-' {
            let mut u: u64 = 0;
            let fits = int.iter().all(|&d| {
                u.checked_mul(10)
                    .and_then(|x| x.checked_add(u64::from(d - b'0')))
                    .map(|x| u = x)
                    .is_some()
            });
            if fits {
                return Ok(Value::UInt(u));
            }
        }
        let mut frac = &self.b[self.i..self.i];
        if self.peek() == Some(b'.') {
            self.i += 1;
            let f0 = self.i;
            if self.digits() == 0 {
                return Err(self.err("invalid number"));
            }
            frac = &self.b[f0..self.i];
        }
        let mut exp: i64 = 0;
        if let Some(b'e' | b'E') = self.peek() {
            self.i += 1;
            let neg = match self.peek() {
                Some(b'-') => {
                    self.i += 1;
                    true
                }
                Some(b'+') => {
                    self.i += 1;
                    false
                }
                _ => false,
            };
            let e0 = self.i;
            if self.digits() == 0 {
                return Err(self.err("invalid number"));
            }
            for &d in &self.b[e0..self.i] {
                exp = (exp * 10 + i64::from(d - b'0')).min(1 << 40);
            }
            if neg {
                exp = -exp;
            }
        }
        let negative = int[0] == b'-';
        let digits = if negative { &int[1..] } else { int };
        let x = decimal_to_f64(digits, frac, exp);
        if !x.is_finite() {
            return Err(ParseError {
                what: "number out of range",
                at: start,
            });
        }
        Ok(Value::Number(if negative { -x } else { x }))
    }

    fn hex4(&mut self) -> Result<u32, ParseError> {
        let mut n = 0;
        for _ in 0..4 {
            let d = match self.peek() {
                Some(c @ b'0'..=b'9') => c - b'0',
                Some(c @ b'a'..=b'f') => c - b'a' + 10,
                Some(c @ b'A'..=b'F') => c - b'A' + 10,
                _ => return Err(self.err("invalid \\u escape")),
            };
            n = n * 16 + u32::from(d);
            self.i += 1;
        }
        Ok(n)
    }

    fn string(&mut self) -> Result<String, ParseError> {
        self.i += 1; // the opening quote
        let mut s = String::new();
        loop {
            // Copy the run of plain characters in one go (the input is valid UTF-8 and the run
            // ends at an ASCII byte, so it is a whole number of characters).
            let start = self.i;
            while let Some(c) = self.peek() {
                if c == b'"' || c == b'\\' || c < 0x20 {
                    break;
                }
                self.i += 1;
            }
            s.push_str(std::str::from_utf8(&self.b[start..self.i]).unwrap_or_default());
            match self.peek() {
                None => return Err(self.err("unterminated string")),
                Some(b'"') => {
                    self.i += 1;
                    return Ok(s);
                }
                Some(b'\\') => {
                    self.i += 1;
                    let c = match self.peek() {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => {
                            self.i += 1;
                            let hi = self.hex4()?;
                            let code = if (0xD800..0xDC00).contains(&hi) {
                                if !self.b[self.i..].starts_with(b"\\u") {
                                    return Err(self.err("lone surrogate in \\u escape"));
                                }
                                self.i += 2;
                                let lo = self.hex4()?;
                                if !(0xDC00..0xE000).contains(&lo) {
                                    return Err(self.err("lone surrogate in \\u escape"));
                                }
                                0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                            } else {
                                hi
                            };
                            s.push(
                                char::from_u32(code)
                                    .ok_or_else(|| self.err("lone surrogate in \\u escape"))?,
                            );
                            continue;
                        }
                        _ => return Err(self.err("invalid escape")),
                    };
                    self.i += 1;
                    s.push(c);
                }
                Some(_) => return Err(self.err("control character in string")),
            }
        }
    }
}

/// `s` as a JSON string literal, for messages that quote an id or a value: the same text as
/// `{:?}` for ordinary strings, without pulling `char::escape_debug` and `str`'s `Debug` (2.6 KB
/// of wasm) into the build.
pub fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    write_str(&mut out, s);
    out
}

/// Append `s` as a JSON string literal (quotes, `"` and `\` and control characters escaped,
/// everything else as is: the same text `serde_json` writes).
pub fn write_str(out: &mut String, s: &str) {
    out.push('"');
    let mut start = 0;
    for (i, c) in s.char_indices() {
        let esc = match c {
            '"' => "\\\"",
            '\\' => "\\\\",
            '\n' => "\\n",
            '\r' => "\\r",
            '\t' => "\\t",
            '\u{8}' => "\\b",
            '\u{c}' => "\\f",
            c if (c as u32) < 0x20 => "",
            _ => continue,
        };
        out.push_str(&s[start..i]);
        if esc.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.push_str("\\u00");
            out.push(HEX[(c as usize) >> 4] as char);
            out.push(HEX[(c as usize) & 15] as char);
        } else {
            out.push_str(esc);
        }
        start = i + c.len_utf8();
    }
    out.push_str(&s[start..]);
    out.push('"');
}

/// Exact powers of ten up to the largest an `f64` holds exactly.
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// `int.frac × 10^exp` (ASCII digits) as an `f64`.
///
/// Exact (correctly rounded) when the significant digits form an integer below 2^53 and the
/// decimal exponent is within ±22: one exact integer and one correctly rounded multiplication
/// or division (Clinger's fast path). That covers every number this crate writes (integers,
/// 4-decimal strengths) and what `serde_json` wrote before. Longer or more extreme numbers
/// (only in pack metadata, read as `f32` weights) are within a relative 1e-14: the standard
/// library's exact parser would add its 10 KB power-of-five table to the wasm.
fn decimal_to_f64(int: &[u8], frac: &[u8], exp: i64) -> f64 {
    let mut m: u64 = 0;
    let mut e = exp;
    let mut inexact = false;
    for (i, &d) in int.iter().chain(frac).enumerate() {
        let d = u64::from(d - b'0');
        if m < 1_000_000_000_000_000_000 {
            m = m * 10 + d;
            if i >= int.len() {
                e -= 1;
            }
        } else {
            inexact |= d != 0;
            if i < int.len() {
                e += 1;
            }
        }
    }
    if m == 0 {
        return 0.0;
    }
    let x = m as f64;
    if !inexact && m < (1 << 53) && (-22..=22).contains(&e) {
        return if e >= 0 {
            x * POW10[e as usize]
        } else {
            x / POW10[(-e) as usize]
        };
    }
    let mut x = x;
    let mut e = e.clamp(-800, 800);
    while e > 0 {
        let k = e.min(22);
        x *= POW10[k as usize];
        e -= k;
    }
    while e < 0 {
        let k = (-e).min(22);
        x /= POW10[k as usize];
        e += k;
    }
    x
}

/// The `f64` nearest to the shortest decimal that reads back as `x` (29.04 for the `f32`
/// nearest 29.04, not 29.040000915527344), so prices print the way the shop wrote them.
///
/// The same as `x.to_string().parse::<f64>()` for magnitudes from 1e-6 to 1e15 (other values
/// are returned as they are), without the float formatting and parsing code.
pub fn f32_decimal(x: f32) -> f64 {
    let v = f64::from(x);
    let a = v.abs();
    if !(1e-6..1e15).contains(&a) {
        return v;
    }
    // Smallest number of decimals (negative: whole tens, hundreds, ...) worth trying: one
    // significant digit. Erring low only costs a try.
    let lead = POW10.iter().rposition(|p| *p <= a).unwrap_or(0) as i32;
    let lead = if a < 1.0 {
        -(POW10.iter().position(|p| a * p >= 1.0).unwrap_or(6) as i32)
    } else {
        lead
    };
    for s in (-lead)..=(-lead + 9) {
        let r = if s >= 0 {
            (a * POW10[s as usize]).round() / POW10[s as usize]
        } else {
            (a / POW10[(-s) as usize]).round() * POW10[(-s) as usize]
        };
        if r as f32 == a as f32 {
            return r.copysign(v);
        }
    }
    v
}

/// Append `x` (finite) as a short decimal: the fewest decimals (up to 17) that read back to
/// exactly `x` by the exact fast path, which for numbers a person typed (`0.5`, `-3`, `0.1`,
/// `1700000000000`) is what `{}` prints. Numbers that need more digits than an exact `f64`
/// integer holds, or are beyond 1e15, are written with 15 significant digits and an exponent
/// (`1.23456789012346e20`): for messages, never read back.
pub fn write_f64(out: &mut String, x: f64) {
    use fmt::Write;
    if x.is_sign_negative() {
        out.push('-');
    }
    let a = x.abs();
    for (s, &p) in POW10.iter().enumerate().take(18) {
        let y = a * p;
        if y >= 9_007_199_254_740_992.0 {
            break;
        }
        let k = y.round();
        // The only s-decimal number that is `a` (two of them would make the choice a guess).
        if k / p == a && (k - 1.0) / p != a && (k + 1.0) / p != a {
            write_fixed(out, k as u64, s);
            return;
        }
    }
    // Scientific: a = m × 10^e with m in [1, 10), 15 significant digits.
    let mut e = 0i32;
    let mut m = a;
    while m >= 10.0 {
        m /= 10.0;
        e += 1;
    }
    while m < 1.0 && m > 0.0 {
        m *= 10.0;
        e -= 1;
    }
    let mut k = (m * 1e14).round() as u64;
    let mut s = 14;
    while s > 0 && k.is_multiple_of(10) {
        k /= 10;
        s -= 1;
    }
    write_fixed(out, k, s);
    let _ = write!(out, "e{e}");
}

/// `k / 10^s` in plain decimal notation.
fn write_fixed(out: &mut String, k: u64, s: usize) {
    use fmt::Write;
    let p = 10u64.pow(s as u32);
    let _ = write!(out, "{}", k / p);
    if s > 0 {
        let _ = write!(out, ".{:0s$}", k % p);
    }
}

/// Append a whole number (|x| < 2^63; timestamps, counts) without a decimal point (`-0` for
/// negative zero, so that the bits read back too).
pub fn write_int(out: &mut String, x: f64) {
    use fmt::Write;
    if x == 0.0 && x.is_sign_negative() {
        out.push_str("-0");
    } else {
        let _ = write!(out, "{}", x as i64);
    }
}

/// Append `x >= 0` rounded to 4 decimals, trailing zeros dropped (`1.5`, `0.0625`, `3`). The
/// text reads back to the same `f64` as `(x * 1e4).round() / 1e4`. Values of 2^53 / 10^4 and
/// more (not a purchase strength any shopper reaches) are written as whole numbers.
pub fn write_decimal4(out: &mut String, x: f64) {
    use fmt::Write;
    let k = (x * 1e4).round();
    if k.is_nan() || k >= 9_007_199_254_740_992.0 {
        write_int(out, x.round().min(9.2e18));
        return;
    }
    let k = k.max(0.0) as u64;
    let _ = write!(out, "{}", k / 10_000);
    let mut frac = k % 10_000;
    if frac != 0 {
        let mut width = 4;
        while frac.is_multiple_of(10) {
            frac /= 10;
            width -= 1;
        }
        let _ = write!(out, ".{frac:0width$}");
    }
}

#[cfg(test)]
mod tests;
