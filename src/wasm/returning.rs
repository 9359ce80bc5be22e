//! Returning shoppers on `Recommender`: seed the long-term memory, "buy it again".

use wasm_bindgen::prelude::*;

use super::error::{js, JsResult};
use super::interop::{arg, ToJs};
use super::options::{ListOptions, Order};
use super::recommender::Recommender;
use super::types::{recs_to_js, ImportResult, PurchaseRecord};
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
        #[wasm_bindgen(unchecked_param_type = "Order[]")] orders: JsValue,
    ) -> JsResult<JsValue> {
        let orders: Vec<Order> = arg(&orders, "orders")?;
        let parsed: Vec<(Vec<String>, f64)> = orders.into_iter().map(|o| (o.items, o.at)).collect();
        js(check_orders(&parsed))?;
        self.with(|s| {
            let r = s.engine.import_orders(&parsed);
            s.save();
            Ok(ImportResult::from(r).to_js())
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
        #[wasm_bindgen(unchecked_optional_param_type = "ListOptions")] opts: Option<JsValue>,
    ) -> JsResult<JsValue> {
        let q = arg::<ListOptions>(&opts.unwrap_or_default(), "options")?.query();
        let recs = self.with(|s| js(s.engine.buy_again(&q)))?;
        Ok(recs_to_js(recs))
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
            let records: Vec<PurchaseRecord> = items
                .into_iter()
                .map(|(_, r)| PurchaseRecord {
                    item_id: r.id.clone(),
                    purchases: r.purchases,
                    last_purchase: r.last_purchase,
                    cart_adds: r.cart_adds,
                })
                .collect();
            Ok(records.to_js())
        })
    }
}
