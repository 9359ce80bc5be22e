//! Cart completion, "frequently bought together" and ready-made bundles on `Recommender`.

use wasm_bindgen::prelude::*;

use super::args::{self, amount, count, options, FromOptions, Opts};
use super::error::{js, JsResult};
use super::recommender::{recs_to_js, Recommender};
use crate::bundle::{BundleQuery, CartQuery, MAX_BUNDLES};
use crate::rank::MAX_K;

#[derive(Default)]
struct CartOptions {
    cart: Option<Vec<String>>,
    k: Option<f64>,
    free_shipping_threshold: Option<f64>,
    category: Option<String>,
    max_price: Option<f64>,
    exclude: Option<Vec<String>>,
}

impl FromOptions for CartOptions {
    fn read(o: &Opts) -> JsResult<Self> {
        Ok(CartOptions {
            cart: o.texts("cart")?,
            k: o.num("k")?,
            free_shipping_threshold: o.num("freeShippingThreshold")?,
            category: o.text("category")?,
            max_price: o.num("maxPrice")?,
            exclude: o.texts("exclude")?,
        })
    }
}

#[derive(Default)]
struct FbtOptions {
    k: Option<f64>,
}

impl FromOptions for FbtOptions {
    fn read(o: &Opts) -> JsResult<Self> {
        Ok(FbtOptions { k: o.num("k")? })
    }
}

#[derive(Default)]
struct BundleOptions {
    anchor: Option<String>,
    cart: Option<Vec<String>>,
    size: Option<f64>,
    count: Option<f64>,
    discount: Option<f64>,
}

impl FromOptions for BundleOptions {
    fn read(o: &Opts) -> JsResult<Self> {
        Ok(BundleOptions {
            anchor: o.text("anchor")?,
            cart: o.texts("cart")?,
            size: o.num("size")?,
            count: o.num("count")?,
            discount: o.num("discount")?,
        })
    }
}

/// A set as `{ items, total, price, score }`.
fn bundle_to_js(items: &[String], total: f32, price: f32, score: f32) -> JsValue {
    args::object(&[
        ("items", args::str_array(items)),
        ("total", args::decimal(total).into()),
        ("price", args::decimal(price).into()),
        ("score", score.into()),
    ])
}

#[wasm_bindgen]
impl Recommender {
    /// Add-ons that complete the whole cart (the recorded cart unless `cart` is given), and,
    /// with `freeShippingThreshold`, the gap to free shipping and the items that close it.
    /// Unknown cart ids count as price 0 and are listed in `unknown`. For a returning shopper
    /// (a purchase record from earlier orders or `importOrders`) the items blend in what they
    /// bought before (`because.kind === 'bought-before'`), weighted as the pack's metadata
    /// `returning` says (chosen by `cartsense build` on the shop's own returning customers).
    ///
    /// ```js
    /// const s = rec.completeCart({ k: 6, freeShippingThreshold: 25 });
    /// if (s.gap > 0) show(`£${s.gap.toFixed(2)} to free delivery`, s.closers);
    /// ```
    #[wasm_bindgen(js_name = completeCart, unchecked_return_type = "CartSuggestions")]
    pub fn complete_cart(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "CompleteCartOptions")] opts: Option<
            JsValue,
        >,
    ) -> JsResult<JsValue> {
        let o: CartOptions = options(&opts.unwrap_or_default(), "options")?;
        let q = CartQuery {
            cart: o.cart,
            k: count(o.k, 10, "k", MAX_K)?,
            free_shipping_threshold: amount(o.free_shipping_threshold, "freeShippingThreshold")?,
            category: o.category,
            max_price: amount(o.max_price, "maxPrice")?,
            exclude: o.exclude.unwrap_or_default(),
        };
        let s = self.with(|st| js(st.engine.complete_cart(&q)))?;
        let out = js_sys::Object::new();
        let set = |k: &str, v: JsValue| js_sys::Reflect::set(&out, &k.into(), &v).map(|_| ());
        let sets = args::array(
            s.closer_sets
                .iter()
                .map(|c| bundle_to_js(&c.items, c.total, c.total, c.score)),
        );
        set("items", recs_to_js(&s.items)?)?;
        set("cartTotal", args::decimal(s.cart_total).into())?;
        set("gap", args::decimal(s.gap).into())?;
        set("closers", recs_to_js(&s.closers)?)?;
        set("closerSets", sets)?;
        set("unknown", args::str_array(&s.unknown))?;
        Ok(out.into())
    }

    /// Items often bought with `itemId` (strict co-purchase first, then embedding complements;
    /// never empty while the catalogue has other items). Throws `UNKNOWN_ITEM`.
    ///
    /// ```js
    /// rec.frequentlyBoughtTogether('85123A', { k: 3 })
    /// ```
    #[wasm_bindgen(js_name = frequentlyBoughtTogether, unchecked_return_type = "Recommendation[]")]
    pub fn frequently_bought_together(
        &self,
        #[wasm_bindgen(js_name = itemId, unchecked_param_type = "string")] item_id: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "{ k?: number }")] opts: Option<JsValue>,
    ) -> JsResult<JsValue> {
        let id = args::string(&item_id, "itemId")?;
        let o: FbtOptions = options(&opts.unwrap_or_default(), "options")?;
        let k = count(o.k, 4, "k", MAX_K)?;
        let recs = self.with(|st| js(st.engine.frequently_bought_together(&id, k)))?;
        recs_to_js(&recs)
    }

    /// Ready-made sets around an anchor item or the cart, maximising expected basket value, with
    /// `price = total * (1 - discount)` rounded to the currency's minor unit.
    ///
    /// ```js
    /// rec.bundles({ anchor: '85123A', size: 3, count: 2, discount: 0.1 })
    /// ```
    #[wasm_bindgen(unchecked_return_type = "Bundle[]")]
    pub fn bundles(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "BundleOptions")] opts: Option<JsValue>,
    ) -> JsResult<JsValue> {
        let o: BundleOptions = options(&opts.unwrap_or_default(), "options")?;
        let d = BundleQuery::default();
        let q = BundleQuery {
            anchor: o.anchor,
            cart: o.cart,
            size: count(o.size, d.size, "size", 4)?,
            count: count(o.count, d.count, "count", MAX_BUNDLES)?,
            discount: match o.discount {
                None => d.discount,
                Some(x) => x as f32,
            },
        };
        let b = self.with(|st| js(st.engine.bundles(&q)))?;
        Ok(args::array(b.iter().map(|b| {
            bundle_to_js(&b.items, b.total, b.price, b.score)
        })))
    }
}
