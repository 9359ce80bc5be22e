//! Returning shoppers on `Recommender`: seed the long-term memory, "buy it again".

use wasm_bindgen::prelude::*;

use super::args::{self, options, strings};
use super::error::{bad, js, JsResult};
use super::recommender::{recs_to_js, ListOptions, Recommender};
use crate::returning::check_orders;

#[wasm_bindgen]
impl Recommender {
    /// Seed the on-device purchase record from a logged-in customer's past orders (the data
    /// still never leaves the device). Unknown ids are kept. Throws `BAD_ARGUMENT` (and imports
    /// nothing) unless every order is `{ items: string[], at: finite ms }`.
    ///
    /// ```js
    /// rec.importOrders([{ items: ['85123A', '22423'], at: Date.parse('2011-10-02') }])
    /// ```
    #[wasm_bindgen(js_name = importOrders, unchecked_return_type = "ImportResult")]
    pub fn import_orders(
        &self,
        #[wasm_bindgen(unchecked_param_type = "{ items: string[]; at: number }[]")] orders: JsValue,
    ) -> JsResult<JsValue> {
        if !args::is_array(&orders) {
            return Err(bad(format!(
                "orders must be an array of {{ items, at }}, got {}",
                args::type_name(&orders)
            )));
        }
        let a = args::elements(&orders, "orders")?;
        js(check_orders(a.len()))?;
        let mut parsed = Vec::with_capacity(a.len());
        for (k, o) in a.into_iter().enumerate() {
            if !o.is_object() {
                return Err(bad(format!(
                    "orders[{k}] must be an object {{ items, at }}"
                )));
            }
            let get = |f: &str| js_sys::Reflect::get(&o, &f.into()).unwrap_or(JsValue::UNDEFINED);
            let items = strings(&get("items"), &format!("orders[{k}].items"))?;
            let at = get("at")
                .as_f64()
                .filter(|x| x.is_finite())
                .ok_or_else(|| {
                    bad(format!(
                        "orders[{k}].at must be a finite number of milliseconds"
                    ))
                })?;
            parsed.push((items, at));
        }
        self.with(|s| {
            let r = s.engine.import_orders(&parsed);
            s.save();
            let o = js_sys::Object::new();
            let _ = js_sys::Reflect::set(&o, &"kept".into(), &(r.kept as f64).into());
            let _ = js_sys::Reflect::set(&o, &"dropped".into(), &(r.dropped as f64).into());
            Ok(o.into())
        })
    }

    /// Items this shopper bought before, those due for a repeat first (never cart items).
    /// `recommend()` keeps to new items; use this for a "Buy it again" row.
    ///
    /// ```js
    /// rec.buyAgain({ k: 6 }) // [{ id, ..., because: { kind: 'bought-before', itemId } }]
    /// ```
    #[wasm_bindgen(js_name = buyAgain, unchecked_return_type = "Recommendation[]")]
    pub fn buy_again(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "PopularOptions")] opts: Option<JsValue>,
    ) -> JsResult<JsValue> {
        let q = options::<ListOptions>(&opts.unwrap_or_default(), "options")?.query()?;
        let recs = self.with(|s| js(s.engine.buy_again(&q)))?;
        recs_to_js(&recs)
    }

    /// The long-term purchase record exactly as stored on this device, strongest first.
    ///
    /// ```js
    /// rec.purchaseRecord() // [{ itemId: '85123A', purchases: 3, lastPurchase: 1700000000000, cartAdds: 4 }]
    /// ```
    #[wasm_bindgen(js_name = purchaseRecord, unchecked_return_type = "PurchaseRecord[]")]
    pub fn purchase_record(&self) -> JsResult<JsValue> {
        self.with(|s| {
            let mem = s.engine.history().memory();
            let now = mem.newest();
            let mut items: Vec<_> = mem.items().iter().enumerate().collect();
            crate::sort::sort_by(&mut items, |(i, a), (j, b)| {
                b.strength_now(now, mem.half_life_days())
                    .total_cmp(&a.strength_now(now, mem.half_life_days()))
                    .then(i.cmp(j))
            });
            Ok(args::array(items.into_iter().map(|(_, r)| {
                args::object(&[
                    ("itemId", r.id.as_str().into()),
                    ("purchases", r.purchases.into()),
                    ("lastPurchase", r.last_purchase.into()),
                    ("cartAdds", r.cart_adds.into()),
                ])
            })))
        })
    }
}
