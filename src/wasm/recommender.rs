//! `Recommender`: the loaded model plus the shopper's on-device history.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::error::{bad, js, JsResult};
use super::interop::{arg, Price, ToJs};
use super::options::{ListOptions, RecommendOptions, RecommenderOptions};
use super::storage::Store;
use super::types::{recs_to_js, HistoryEvent, ImportResult, Item};
use crate::history::{EventKind, History};
use crate::pack::Pack;
use crate::rank::Engine;

pub(crate) struct Inner {
    pub engine: Engine,
    pub store: Option<Store>,
    /// The stored value as we last wrote or read it; a different value means another
    /// instance (this page or another tab) wrote since.
    last_seen: Option<String>,
}

impl Inner {
    /// Persist after a change (never throws).
    pub fn save(&mut self) {
        if let Some(s) = &mut self.store {
            let v = self.engine.export_history();
            s.save(&v);
            self.last_seen = Some(v);
        }
    }

    /// Bring in what other instances stored under the same key since we last looked.
    /// Same generation: union of events. A newer generation (someone called clearHistory):
    /// theirs replaces ours. A value that is gone, or is not a cartsense history at all, is a
    /// fault (another script, manual clearing, corruption): ours survives and is written back.
    pub fn sync(&mut self) {
        let Some(store) = &self.store else { return };
        let current = store.load();
        if current == self.last_seen {
            return;
        }
        match current {
            None => self.save(),
            Some(v) => {
                let h = self.engine.history();
                let (theirs, report) =
                    History::from_json_bounded(&v, h.max_events(), h.max_cart_lines());
                let foreign = report.kept == 0 && report.dropped > 0 && theirs.cart().is_empty();
                if !foreign {
                    self.engine.history_mut().merge(&theirs);
                }
                self.last_seen = Some(v.clone());
                if self.engine.export_history() != v {
                    self.save();
                }
            }
        }
    }
}

/// A loaded model pack and the shopper's session history. Build it once with
/// `Recommender.fromBytes`, query it as often as you like, and call `free()` when the page no
/// longer needs it (it releases the wasm memory and the `storage` listener).
///
/// ```js
/// import init, { Recommender } from 'cartsense';
/// await init();
/// const bytes = new Uint8Array(await (await fetch('/model.cspk')).arrayBuffer());
/// const rec = Recommender.fromBytes(bytes, { storageKey: 'cartsense:history' });
/// rec.view('85123A');
/// for (const r of rec.recommend({ k: 8 })) console.log(r.title, r.because);
/// ```
#[wasm_bindgen]
pub struct Recommender {
    pub(crate) inner: Rc<RefCell<Inner>>,
    listener: Option<Closure<dyn FnMut(web_sys::StorageEvent)>>,
}

fn random_generation() -> u64 {
    let mut b = [0u8; 8];
    // Without a random source the generation only needs to differ from the current one.
    if getrandom::fill(&mut b).is_err() {
        return js_sys::Date::now() as u64;
    }
    u64::from_le_bytes(b)
}

/// A call into the same `Recommender` from inside one of its calls: a page script that
/// `localStorage.setItem` (or a `storage` listener) runs while a call saves the history.
fn reentrant() -> JsValue {
    bad("re-entrant call into the same Recommender (from a callback it triggered, such as localStorage.setItem)")
}

/// An optional timestamp in ms; left out means now (the range is `History`'s to check).
fn timestamp(at: Option<JsValue>) -> JsResult<f64> {
    Ok(arg::<Option<f64>>(&at.unwrap_or_default(), "at")?.unwrap_or_else(js_sys::Date::now))
}

impl Recommender {
    /// Every call that reads or changes the history goes through here: the state is borrowed
    /// with `try_borrow_mut`, so a re-entrant call gets a `BAD_ARGUMENT` instead of a panic,
    /// and other tabs' changes are merged first. Arguments are read before (their getters may
    /// call back in).
    pub(crate) fn with<R>(&self, f: impl FnOnce(&mut Inner) -> JsResult<R>) -> JsResult<R> {
        let mut g = self.inner.try_borrow_mut().map_err(|_| reentrant())?;
        g.sync();
        f(&mut g)
    }

    /// Calls that only read the pack (facts, items, categories, metadata): a shared borrow,
    /// guarded the same way, and no storage access.
    fn read<R>(&self, f: impl FnOnce(&Inner) -> R) -> JsResult<R> {
        let g = self.inner.try_borrow().map_err(|_| reentrant())?;
        Ok(f(&g))
    }

    fn record(&self, kind: EventKind, item_id: &JsValue, at: Option<JsValue>) -> JsResult<()> {
        let id: String = arg(item_id, "itemId")?;
        let at = timestamp(at)?;
        self.with(|s| {
            js(s.engine.record(kind, &id, at))?;
            s.save();
            Ok(())
        })
    }

    /// Listen for other tabs writing the same key: merge their events (or follow their clear).
    fn listen(&mut self, key: String) {
        let Some(window) = web_sys::window() else {
            return;
        };
        let weak = Rc::downgrade(&self.inner);
        let cb =
            Closure::<dyn FnMut(web_sys::StorageEvent)>::new(move |e: web_sys::StorageEvent| {
                // key() is None when another tab called localStorage.clear().
                if e.key().is_some_and(|k| k != key) {
                    return;
                }
                if let Some(inner) = weak.upgrade() {
                    if let Ok(mut s) = inner.try_borrow_mut() {
                        s.sync();
                    }
                }
            });
        if window
            .add_event_listener_with_callback("storage", cb.as_ref().unchecked_ref())
            .is_ok()
        {
            self.listener = Some(cb);
        }
    }
}

impl Drop for Recommender {
    fn drop(&mut self) {
        if let (Some(cb), Some(w)) = (self.listener.take(), web_sys::window()) {
            let _ = w.remove_event_listener_with_callback("storage", cb.as_ref().unchecked_ref());
        }
    }
}

#[wasm_bindgen]
impl Recommender {
    /// Load a model pack (validated once; throws `PACK_*` errors for broken packs).
    ///
    /// ```js
    /// const rec = Recommender.fromBytes(bytes, { storageKey: 'shop:history', maxEvents: 200, maxCartLines: 5000 });
    /// ```
    #[wasm_bindgen(js_name = fromBytes)]
    pub fn from_bytes(
        #[wasm_bindgen(unchecked_param_type = "Uint8Array")] pack: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "RecommenderOptions")] options: Option<
            JsValue,
        >,
    ) -> JsResult<Recommender> {
        let view = pack.dyn_ref::<js_sys::Uint8Array>().ok_or_else(|| {
            bad(format!(
                "pack must be a Uint8Array, got {}",
                super::interop::type_name(&pack)
            ))
        })?;
        // A detached buffer (transferred to a worker) reads as empty; copying from it throws.
        let bytes = if view.length() == 0 {
            Vec::new()
        } else {
            view.to_vec()
        };
        let opts: RecommenderOptions = arg(&options.unwrap_or_default(), "options")?;
        if let Some(want) = &opts.sha256 {
            js(crate::pack::check_sha256(&bytes, want))?;
        }
        if opts.storage_key.as_deref() == Some("") {
            return Err(bad("storageKey must not be empty"));
        }
        let mut engine = Engine::new(js(Pack::from_vec(bytes).map_err(Into::into))?);
        if let Some(h) = opts.half_life_hours {
            let mut p = *engine.params();
            p.half_life_hours = h;
            js(engine.set_params(p))?;
        }
        let max = opts
            .max_events
            .unwrap_or(crate::history::DEFAULT_MAX_EVENTS);
        js(engine.history_mut().set_max_events(max))?;
        let max_cart = opts
            .max_cart_lines
            .unwrap_or(crate::cart::DEFAULT_MAX_CART_LINES);
        js(engine.history_mut().set_max_cart_lines(max_cart))?;
        let store = opts.storage_key.clone().map(Store::new);
        let mut inner = Inner {
            engine,
            store,
            last_seen: None,
        };
        inner.sync();
        let mut r = Recommender {
            inner: Rc::new(RefCell::new(inner)),
            listener: None,
        };
        if let Some(k) = opts.storage_key {
            r.listen(k);
        }
        Ok(r)
    }

    /// Number of items in the pack.
    #[wasm_bindgen(getter, js_name = itemCount)]
    pub fn item_count(&self) -> JsResult<usize> {
        self.read(|s| s.engine.pack().len())
    }

    /// Embedding dimensions.
    #[wasm_bindgen(getter)]
    pub fn dims(&self) -> JsResult<usize> {
        self.read(|s| s.engine.pack().dims())
    }

    /// Currency code of the pack's prices (may be '').
    #[wasm_bindgen(getter)]
    pub fn currency(&self) -> JsResult<String> {
        self.read(|s| s.engine.pack().currency().to_owned())
    }

    /// True while the history is being written to `localStorage` (false: memory only).
    #[wasm_bindgen(getter)]
    pub fn persistent(&self) -> JsResult<bool> {
        self.read(|s| s.store.as_ref().is_some_and(Store::persistent))
    }

    /// Record a product view. Unknown ids are kept (a newer pack may know them).
    ///
    /// ```js
    /// rec.view('85123A');            // now
    /// rec.view('85123A', Date.now());
    /// ```
    pub fn view(
        &self,
        #[wasm_bindgen(js_name = itemId, unchecked_param_type = "string")] item_id: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "number")] at: Option<JsValue>,
    ) -> JsResult<()> {
        self.record(EventKind::View, &item_id, at)
    }

    /// Record an add to cart. `rec.addToCart('22423')`. The cart holds up to `maxCartLines`
    /// distinct items (default 5000) however many events follow; an add of a new item to a full
    /// cart throws `BAD_ARGUMENT` and records nothing (re-adding an item in it is fine).
    #[wasm_bindgen(js_name = addToCart)]
    pub fn add_to_cart(
        &self,
        #[wasm_bindgen(js_name = itemId, unchecked_param_type = "string")] item_id: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "number")] at: Option<JsValue>,
    ) -> JsResult<()> {
        self.record(EventKind::AddToCart, &item_id, at)
    }

    /// Record a removal from the cart (the line goes). `rec.removeFromCart('22423')`
    #[wasm_bindgen(js_name = removeFromCart)]
    pub fn remove_from_cart(
        &self,
        #[wasm_bindgen(js_name = itemId, unchecked_param_type = "string")] item_id: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "number")] at: Option<JsValue>,
    ) -> JsResult<()> {
        self.record(EventKind::RemoveFromCart, &item_id, at)
    }

    /// Record a purchase (removes the items from the cart). `rec.purchase(rec.cart())`
    pub fn purchase(
        &self,
        #[wasm_bindgen(js_name = itemIds, unchecked_param_type = "string[]")] item_ids: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "number")] at: Option<JsValue>,
    ) -> JsResult<()> {
        let ids: Vec<String> = arg(&item_ids, "itemIds")?;
        let at = timestamp(at)?;
        self.with(|s| {
            js(s.engine.purchase(&ids, at))?;
            s.save();
            Ok(())
        })
    }

    /// Item ids in the cart, in the order they were added. The cart is its own state, persisted
    /// and merged across tabs with the history: views never push a line out.
    /// `rec.cart() // ['22423']`
    pub fn cart(&self) -> JsResult<Vec<String>> {
        self.with(|s| Ok(s.engine.cart()))
    }

    /// The stored events, oldest first: exactly the event log kept on this device (the cart and
    /// the purchase record are stored beside it: `cart()`, `purchaseRecord()`).
    ///
    /// ```js
    /// rec.history() // [{ type: 'view', itemId: '85123A', at: 1700000000000 }]
    /// ```
    #[wasm_bindgen(unchecked_return_type = "HistoryEvent[]")]
    pub fn history(&self) -> JsResult<JsValue> {
        self.with(|g| {
            let events: Vec<HistoryEvent> = g
                .engine
                .history()
                .events()
                .map(|e| HistoryEvent {
                    kind: e.kind,
                    item_id: e.item.clone(),
                    at: e.at,
                })
                .collect();
            Ok(events.to_js())
        })
    }

    /// Delete the history, the cart and the purchase record (memory and storage; other tabs
    /// with the same key follow).
    #[wasm_bindgen(js_name = clearHistory)]
    pub fn clear_history(&self) -> JsResult<()> {
        self.with(|s| {
            s.engine.clear_history(random_generation());
            s.save();
            Ok(())
        })
    }

    /// The history as compact JSON (the value stored under `storageKey`): events, cart, purchase
    /// record.
    #[wasm_bindgen(js_name = exportHistory)]
    pub fn export_history(&self) -> JsResult<String> {
        self.with(|s| Ok(s.engine.export_history()))
    }

    /// Replace the history (and cart) with exported JSON. Never throws for bad content: valid
    /// entries are kept; `kept` counts events, `dropped` every entry left out (unreadable, or
    /// beyond `maxEvents` or `maxCartLines`). `rec.importHistory(saved) // { kept: 12, dropped: 0 }`
    #[wasm_bindgen(js_name = importHistory, unchecked_return_type = "ImportResult")]
    pub fn import_history(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] json: JsValue,
    ) -> JsResult<JsValue> {
        let json: String = arg(&json, "json")?;
        self.with(|s| {
            let r = s.engine.import_history(&json);
            s.save();
            Ok(ImportResult::from(r).to_js())
        })
    }

    /// Personalised list from the history (popular items when it is empty). Cart items and
    /// items bought before (this visit or earlier ones) are never returned: the list is for
    /// discovery; `buyAgain()` has the repeats.
    ///
    /// ```js
    /// rec.recommend({ k: 8, category: 'Kitchen', maxPrice: 20, diversity: 0.3 })
    /// ```
    #[wasm_bindgen(unchecked_return_type = "Recommendation[]")]
    pub fn recommend(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "RecommendOptions")] opts: Option<JsValue>,
    ) -> JsResult<JsValue> {
        let q = arg::<RecommendOptions>(&opts.unwrap_or_default(), "options")?.query();
        let recs = self.with(|s| js(s.engine.recommend(&q)))?;
        Ok(recs_to_js(recs))
    }

    /// Items most like `itemId` (cosine of embeddings). Throws `UNKNOWN_ITEM` for an id the pack
    /// does not hold. `rec.similar('85123A', { k: 6, maxPrice: 20 })`
    #[wasm_bindgen(unchecked_return_type = "Recommendation[]")]
    pub fn similar(
        &self,
        #[wasm_bindgen(js_name = itemId, unchecked_param_type = "string")] item_id: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "ListOptions")] opts: Option<JsValue>,
    ) -> JsResult<JsValue> {
        let id: String = arg(&item_id, "itemId")?;
        let q = arg::<ListOptions>(&opts.unwrap_or_default(), "options")?.query();
        let recs = self.with(|s| js(s.engine.similar(&id, &q)))?;
        Ok(recs_to_js(recs))
    }

    /// Most popular items. `rec.popular({ k: 8, category: 'Kitchen', minPrice: 5 })`
    #[wasm_bindgen(unchecked_return_type = "Recommendation[]")]
    pub fn popular(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "ListOptions")] opts: Option<JsValue>,
    ) -> JsResult<JsValue> {
        let q = arg::<ListOptions>(&opts.unwrap_or_default(), "options")?.query();
        let recs = self.with(|s| js(s.engine.popular(&q)))?;
        Ok(recs_to_js(recs))
    }

    /// Facts of one item, or `undefined`. `rec.item('85123A')?.title`
    #[wasm_bindgen(unchecked_return_type = "Item | undefined")]
    pub fn item(
        &self,
        #[wasm_bindgen(js_name = itemId, unchecked_param_type = "string")] item_id: JsValue,
    ) -> JsResult<JsValue> {
        let id: String = arg(&item_id, "itemId")?;
        let item = self.read(|s| s.engine.item(&id))?;
        Ok(item
            .map(|i| Item {
                id: i.id,
                title: i.title,
                price: Price(i.price),
                category: i.category,
            })
            .to_js())
    }

    /// Category names in the pack. `rec.categories() // ['Kitchen', 'Garden']`
    pub fn categories(&self) -> JsResult<Vec<String>> {
        self.read(|s| s.engine.pack().categories().to_vec())
    }

    /// The pack's JSON metadata (name, build time, source, quality figures, tuned scorer).
    #[wasm_bindgen(unchecked_return_type = "Record<string, unknown>")]
    pub fn meta(&self) -> JsResult<JsValue> {
        // The stored text, parsed by the JS engine: no Rust-side conversion of a JSON tree.
        let text = self.read(|s| s.engine.pack().meta_text().to_owned())?;
        js_sys::JSON::parse(&text)
    }
}
