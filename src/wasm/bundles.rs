//! Cart completion, "frequently bought together" and ready-made bundles on `Recommender`.

use wasm_bindgen::prelude::*;

use super::error::{js, JsResult};
use super::interop::{arg, Price, ToJs};
use super::options::{BundleOptions, CompleteCartOptions, FbtOptions, FBT_DEFAULT_K};
use super::recommender::Recommender;
use super::types::{recs_to_js, Bundle, CartSuggestions, Recommendation};

/// A core set as the JS `Bundle`.
fn bundle(items: Vec<String>, total: f32, price: f32, score: f32) -> Bundle {
    Bundle {
        items,
        total: Price(total),
        price: Price(price),
        score,
    }
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
        let q = arg::<CompleteCartOptions>(&opts.unwrap_or_default(), "options")?.query();
        let s = self.with(|st| js(st.engine.complete_cart(&q)))?;
        let recs = |v: Vec<crate::rank::Rec>| v.into_iter().map(Recommendation::from).collect();
        Ok(CartSuggestions {
            items: recs(s.items),
            cart_total: Price(s.cart_total),
            gap: Price(s.gap),
            closers: recs(s.closers),
            closer_sets: s
                .closer_sets
                .into_iter()
                .map(|c| bundle(c.items, c.total, c.total, c.score))
                .collect(),
            unknown: s.unknown,
        }
        .to_js())
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
        #[wasm_bindgen(unchecked_optional_param_type = "FbtOptions")] opts: Option<JsValue>,
    ) -> JsResult<JsValue> {
        let id: String = arg(&item_id, "itemId")?;
        let o: FbtOptions = arg(&opts.unwrap_or_default(), "options")?;
        let k = o.k.unwrap_or(FBT_DEFAULT_K);
        let recs = self.with(|st| js(st.engine.frequently_bought_together(&id, k)))?;
        Ok(recs_to_js(recs))
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
        let q = arg::<BundleOptions>(&opts.unwrap_or_default(), "options")?.query();
        let b = self.with(|st| js(st.engine.bundles(&q)))?;
        Ok(b.into_iter()
            .map(|b| bundle(b.items, b.total, b.price, b.score))
            .collect::<Vec<_>>()
            .to_js())
    }
}
