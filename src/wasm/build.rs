//! `buildPack`: make a pack in the browser or in Node from embeddings already in JS.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::error::{bad, js, JsResult};
use super::interop::{self, arg, wrong, FromJs, Path, Ts};
use super::js_struct::js_struct;
use crate::pack::{split_rows, PackWriter, Quantize, SparseRows};

/// Numbers from a typed array or an array of numbers, as f64 (exact for u32 indices).
fn numbers64(v: &JsValue, at: Path) -> JsResult<Vec<f64>> {
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
    if !interop::is_array(v) {
        return Err(wrong(at, "a typed array or an array of numbers", v));
    }
    Vec::<f64>::from_js(v, at)
}

/// Numbers (embeddings, prices, popularity, weights), as a typed array or an array.
pub struct Floats(pub Vec<f32>);

impl Ts for Floats {
    const TS: &'static str = "Float32Array | number[]";
}

impl FromJs for Floats {
    fn from_js(v: &JsValue, at: Path) -> JsResult<Self> {
        Ok(Floats(
            numbers64(v, at)?.into_iter().map(|x| x as f32).collect(),
        ))
    }
}

/// Item indices or offsets, as a typed array or an array.
pub struct Indices(pub Vec<u32>);

impl Ts for Indices {
    const TS: &'static str = "Uint32Array | number[]";
}

impl FromJs for Indices {
    fn from_js(v: &JsValue, at: Path) -> JsResult<Self> {
        numbers64(v, at)?
            .into_iter()
            .enumerate()
            .map(|(i, x)| {
                interop::whole(x).ok_or_else(|| {
                    let at = Path::Index(&at, i as u32);
                    bad(format!(
                        "{at} must be {}, got {}",
                        interop::INTEGER,
                        crate::error::num(x)
                    ))
                })
            })
            .collect::<JsResult<_>>()
            .map(Indices)
    }
}

/// A JSON-serialisable object, kept as its JSON text (checked to be an object by the writer).
pub struct Meta(pub String);

impl Ts for Meta {
    const TS: &'static str = "Record<string, unknown>";
}

impl FromJs for Meta {
    fn from_js(v: &JsValue, at: Path) -> JsResult<Self> {
        js_sys::JSON::stringify(v)
            .ok()
            .and_then(|s| s.as_string())
            .map(Meta)
            .ok_or_else(|| bad(format!("{at} must be JSON-serialisable")))
    }
}

impl Ts for Quantize {
    const TS: &'static str = "'f32' | 'int8'";
}

impl FromJs for Quantize {
    fn from_js(v: &JsValue, at: Path) -> JsResult<Self> {
        js(String::from_js(v, at)?.parse())
    }
}

js_struct! {
    /// Per-item lists in compressed rows: item i's entries are `index[offsets[i]..offsets[i+1]]`
    /// with the same range of `weight`.
    #[js(read)]
    pub struct CompressedRows {
        /// ids.length + 1 non-decreasing offsets, from 0 to index.length.
        pub offsets: Indices,
        /// Item indices.
        pub index: Indices,
        /// One weight per index.
        pub weight: Floats,
    }
}

impl CompressedRows {
    /// Per-item lists (`what` names the field in messages). The core checks the layout
    /// ([`split_rows`]) and the writer the items and weights.
    fn rows(self, what: &str) -> JsResult<SparseRows> {
        let (offsets, index, weight) = (self.offsets.0, self.index.0, self.weight.0);
        if index.len() != weight.len() {
            return Err(bad(format!(
                "{what}: index and weight must have the same length, not {} and {}",
                index.len(),
                weight.len()
            )));
        }
        let index = js(split_rows(&offsets, &index, what))?;
        let weight = js(split_rows(&offsets, &weight, what))?;
        Ok(index
            .into_iter()
            .zip(weight)
            .map(|(i, w)| i.iter().copied().zip(w.iter().copied()).collect())
            .collect())
    }
}

js_struct! {
    /// Past baskets (orders, or sessions) in compressed rows, most recent first: basket b holds
    /// the items `index[offsets[b]..offsets[b+1]]`.
    #[js(read)]
    pub struct Baskets {
        /// baskets + 1 non-decreasing offsets, from 0 to index.length.
        pub offsets: Indices,
        /// Item indices into `ids` (a repeat within a basket counts once; empty baskets are
        /// skipped).
        pub index: Indices,
    }
}

js_struct! {
    /// The implicit-ALS regularisation the item factors were trained with.
    #[js(read)]
    pub struct FoldIn {
        pub lambda: f32,
        pub alpha: f32,
    }
}

js_struct! {
    /// What `buildPack()` makes a pack of.
    #[js(read)]
    pub struct PackSpec {
        pub ids: Vec<String>,
        pub dims: usize,
        /// Row-major, ids.length x dims.
        pub embeddings: Floats,
        pub titles: Option<Vec<String>>,
        pub prices: Option<Floats>,
        pub categories: Option<Vec<String>>,
        pub popularity: Option<Floats>,
        /// Storage of the embedding rows (default 'int8').
        pub quantize: Option<Quantize>,
        /// Up to 4 capital letters, e.g. 'GBP'.
        pub currency: Option<String>,
        /// Co-purchase lists.
        pub neighbours: Option<CompressedRows>,
        /// Directed transitions item -> next item.
        pub transitions: Option<CompressedRows>,
        /// Past baskets for basket neighbours (session kNN; weights in `meta.scorer`:
        /// `knnWeight`, `knnNeighbours`, `knnSample`, `knnPositional`).
        pub baskets: Option<Baskets>,
        /// Store the Gram matrix of the rows so the profile is the least-squares fold-in of
        /// implicit ALS (use the lambda and alpha your item factors were trained with).
        #[js = "foldIn"]
        pub fold_in: Option<FoldIn>,
        /// Extra JSON metadata (e.g. `{ name: 'my shop' }`).
        pub meta: Option<Meta>,
    }
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
    let s: PackSpec = arg(&spec, "spec")?;
    let mut w = PackWriter::new(s.ids, s.dims, s.embeddings.0);
    if let Some(v) = s.titles {
        w = w.titles(v);
    }
    if let Some(v) = s.categories {
        w = w.categories(v);
    }
    if let Some(v) = s.prices {
        w = w.prices(v.0);
    }
    if let Some(v) = s.popularity {
        w = w.popularity(v.0);
    }
    if let Some(v) = s.currency {
        w = w.currency(v);
    }
    if let Some(v) = s.quantize {
        w = w.quantize(v);
    }
    if let Some(v) = s.neighbours {
        w = w.neighbours(v.rows("spec.neighbours")?);
    }
    if let Some(v) = s.transitions {
        w = w.transitions(v.rows("spec.transitions")?);
    }
    if let Some(b) = s.baskets {
        let rows = js(split_rows(&b.offsets.0, &b.index.0, "spec.baskets"))?;
        w = w.baskets(rows.into_iter().map(<[u32]>::to_vec).collect());
    }
    if let Some(f) = s.fold_in {
        w = w.fold_in(f.lambda, f.alpha);
    }
    if let Some(m) = s.meta {
        w = w.meta(m.0);
    }
    let bytes = js(w.to_bytes())?;
    Ok(js_sys::Uint8Array::from(bytes.as_slice()))
}
