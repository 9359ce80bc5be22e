//! `buildPack`: make a pack in the browser or in Node from embeddings already in JS.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::args::{elements, is_array, string, strings, type_name};
use super::error::{bad, js, JsResult};
use crate::pack::{PackWriter, Quantize};

fn field(spec: &JsValue, name: &str) -> JsResult<Option<JsValue>> {
    let v = js_sys::Reflect::get(spec, &name.into())
        .map_err(|_| bad(format!("spec.{name} cannot be read")))?;
    Ok((!v.is_undefined() && !v.is_null()).then_some(v))
}

/// Numbers from a typed array or an array of numbers, as f64 (exact for u32 indices).
fn numbers64(v: &JsValue, what: &str) -> JsResult<Vec<f64>> {
    // A typed array whose buffer was transferred (detached) has length 0, and copying out of
    // it throws a TypeError; it holds no numbers.
    if js_sys::ArrayBuffer::is_view(v) && v.unchecked_ref::<js_sys::Uint8Array>().byte_length() == 0
    {
        return Ok(Vec::new());
    }
    if let Some(a) = v.dyn_ref::<js_sys::Float32Array>() {
        return Ok(a.to_vec().into_iter().map(f64::from).collect());
    }
    if let Some(a) = v.dyn_ref::<js_sys::Float64Array>() {
        return Ok(a.to_vec());
    }
    if let Some(a) = v.dyn_ref::<js_sys::Uint32Array>() {
        return Ok(a.to_vec().into_iter().map(f64::from).collect());
    }
    if let Some(a) = v.dyn_ref::<js_sys::Int32Array>() {
        return Ok(a.to_vec().into_iter().map(f64::from).collect());
    }
    if !is_array(v) {
        return Err(bad(format!(
            "{what} must be a typed array or an array of numbers, got {}",
            type_name(v)
        )));
    }
    elements(v, what)?
        .iter()
        .enumerate()
        .map(|(i, x)| {
            x.as_f64().ok_or_else(|| {
                bad(format!(
                    "{what}[{i}] must be a number, got {}",
                    type_name(x)
                ))
            })
        })
        .collect()
}

/// Numbers as f32 (embeddings, prices, popularity, weights).
fn numbers(v: &JsValue, what: &str) -> JsResult<Vec<f32>> {
    Ok(numbers64(v, what)?.into_iter().map(|x| x as f32).collect())
}

/// `{ offsets, index, weight }` compressed rows into per-item lists (checked again by the writer).
fn csr(v: &JsValue, what: &str) -> JsResult<crate::pack::SparseRows> {
    let get = |k: &str| -> JsResult<Vec<f64>> {
        numbers64(
            &field(v, k)?.ok_or_else(|| bad(format!("{what}.{k} is required")))?,
            &format!("{what}.{k}"),
        )
    };
    let (offsets, index, weight) = (get("offsets")?, get("index")?, get("weight")?);
    if index.len() != weight.len() || offsets.first() != Some(&0.0) {
        return Err(bad(format!(
            "{what}: offsets must start at 0 and index and weight must have the same length"
        )));
    }
    if let Some(x) = index
        .iter()
        .find(|x| x.fract() != 0.0 || **x < 0.0 || **x > u32::MAX as f64)
    {
        return Err(bad(format!(
            "{what}.index holds {x}, not an item index",
            x = crate::error::num(*x)
        )));
    }
    let mut rows = Vec::with_capacity(offsets.len().saturating_sub(1));
    for w in offsets.windows(2) {
        let (a, b) = (w[0] as usize, w[1] as usize);
        if w[0] > w[1] || b > index.len() || w[0].fract() != 0.0 || w[1].fract() != 0.0 {
            return Err(bad(format!(
                "{what}: offsets must be non-decreasing integers up to {}",
                index.len()
            )));
        }
        rows.push(
            (a..b)
                .map(|k| (index[k] as u32, weight[k] as f32))
                .collect::<Vec<_>>(),
        );
    }
    Ok(rows)
}

/// Build a model pack from item ids and embeddings (plus optional facts).
///
/// ```js
/// import { buildPack, Recommender } from 'cartsense';
/// const bytes = buildPack({ ids: ['a', 'b'], dims: 2, embeddings: new Float32Array([1, 0, 0, 1]),
///                           titles: ['Mug', 'Tea'], prices: [4.5, 2], currency: 'GBP' });
/// const rec = Recommender.fromBytes(bytes);
/// ```
#[wasm_bindgen(js_name = buildPack)]
pub fn build_pack(
    #[wasm_bindgen(unchecked_param_type = "PackSpec")] spec: JsValue,
) -> JsResult<js_sys::Uint8Array> {
    if !spec.is_object() || is_array(&spec) {
        return Err(bad(format!(
            "spec must be an object, got {}",
            type_name(&spec)
        )));
    }
    let ids = strings(
        &field(&spec, "ids")?.ok_or_else(|| bad("spec.ids is required"))?,
        "spec.ids",
    )?;
    let dims = field(&spec, "dims")?
        .ok_or_else(|| bad("spec.dims is required"))?
        .as_f64()
        .filter(|d| d.fract() == 0.0 && *d >= 1.0 && *d <= crate::pack::format::MAX_DIMS as f64)
        .ok_or_else(|| bad("spec.dims must be an integer from 1 to 4096"))? as usize;
    let emb = numbers(
        &field(&spec, "embeddings")?.ok_or_else(|| bad("spec.embeddings is required"))?,
        "spec.embeddings",
    )?;
    let mut w = PackWriter::new(ids, dims, emb);
    if let Some(v) = field(&spec, "titles")? {
        w = w.titles(strings(&v, "spec.titles")?);
    }
    if let Some(v) = field(&spec, "categories")? {
        w = w.categories(strings(&v, "spec.categories")?);
    }
    if let Some(v) = field(&spec, "prices")? {
        w = w.prices(numbers(&v, "spec.prices")?);
    }
    if let Some(v) = field(&spec, "popularity")? {
        w = w.popularity(numbers(&v, "spec.popularity")?);
    }
    if let Some(v) = field(&spec, "currency")? {
        w = w.currency(string(&v, "spec.currency")?);
    }
    if let Some(v) = field(&spec, "quantize")? {
        w = w.quantize(js(string(&v, "spec.quantize")?.parse::<Quantize>())?);
    }
    for (name, is_nbrs) in [("neighbours", true), ("transitions", false)] {
        if let Some(v) = field(&spec, name)? {
            let rows = csr(&v, &format!("spec.{name}"))?;
            w = if is_nbrs {
                w.neighbours(rows)
            } else {
                w.transitions(rows)
            };
        }
    }
    if let Some(v) = field(&spec, "foldIn")? {
        let num = |k: &str| -> JsResult<f32> {
            field(&v, k)?
                .and_then(|x| x.as_f64())
                .map(|x| x as f32)
                .ok_or_else(|| bad(format!("spec.foldIn.{k} must be a number")))
        };
        w = w.fold_in(num("lambda")?, num("alpha")?);
    }
    if let Some(v) = field(&spec, "meta")? {
        let s = js_sys::JSON::stringify(&v)
            .ok()
            .and_then(|s| s.as_string())
            .ok_or_else(|| bad("spec.meta must be JSON-serialisable"))?;
        crate::json::parse(&s).map_err(|e| bad(format!("spec.meta: {e}")))?;
        w = w.meta(s);
    }
    let bytes = js(w.to_bytes())?;
    Ok(js_sys::Uint8Array::from(bytes.as_slice()))
}
