//! The result types of the JS API, each declared once with [`js_struct!`] (struct, writer and
//! TypeScript interface), and the few TypeScript unions the results name.

use wasm_bindgen::prelude::*;

use super::interop::{word, Price, ToJs, Ts};
use super::js_struct::js_struct;
use crate::history::{EventKind, ImportReport};
use crate::rank::{ReasonKind, Rec};

/// `type ErrorCode`, `interface CartsenseError`, `type EventType` and `type ReasonKind`.
/// The unions are checked against the core's lists by the tests below.
// Used by the custom section below, which rustc's dead-code lint does not see.
#[allow(dead_code)]
const UNIONS: &str = r#"
/** Stable codes on every error cartsense throws (`err.code`). */
export type ErrorCode =
  | 'PACK_BAD_MAGIC' | 'PACK_TRUNCATED' | 'PACK_CHECKSUM' | 'PACK_VERSION' | 'PACK_INVALID'
  | 'BAD_ARGUMENT' | 'UNKNOWN_ITEM';

/** The `Error` subclass shape thrown by every cartsense call. */
export interface CartsenseError extends Error { name: 'CartsenseError'; code: ErrorCode; }

export type EventType = 'view' | 'add_to_cart' | 'remove_from_cart' | 'purchase';

export type ReasonKind =
  | 'viewed' | 'in-cart' | 'purchased' | 'popular' | 'similar' | 'bought-together' | 'pairs-with'
  | 'bought-before';
"#;

#[wasm_bindgen(typescript_custom_section)]
const TS_UNIONS: &'static str = UNIONS;

impl Ts for EventKind {
    const TS: &'static str = "EventType";
}

impl ToJs for EventKind {
    fn to_js(&self) -> JsValue {
        word(self.as_str())
    }
}

impl Ts for ReasonKind {
    const TS: &'static str = "ReasonKind";
}

impl ToJs for ReasonKind {
    fn to_js(&self) -> JsValue {
        word(self.as_str())
    }
}

js_struct! {
    /// One event of the stored history.
    #[js(write)]
    pub struct HistoryEvent {
        #[js = "type"]
        pub kind: EventKind,
        #[js = "itemId"]
        pub item_id: String,
        /// Milliseconds since 1970.
        pub at: f64,
    }
}

js_struct! {
    /// What an import kept and what it dropped (invalid or beyond the bounds).
    #[js(write)]
    pub struct ImportResult {
        pub kept: usize,
        pub dropped: usize,
    }
}

impl From<ImportReport> for ImportResult {
    fn from(r: ImportReport) -> ImportResult {
        ImportResult {
            kept: r.kept,
            dropped: r.dropped,
        }
    }
}

js_struct! {
    /// One item of the long-term purchase record (`lastPurchase` is 0 if only added to carts).
    #[js(write)]
    pub struct PurchaseRecord {
        #[js = "itemId"]
        pub item_id: String,
        pub purchases: u32,
        #[js = "lastPurchase"]
        pub last_purchase: f64,
        #[js = "cartAdds"]
        pub cart_adds: u32,
    }
}

js_struct! {
    /// Facts of one item.
    #[js(write)]
    pub struct Item {
        pub id: String,
        pub title: String,
        pub price: Price,
        /// '' when the pack has no categories.
        pub category: String,
    }
}

js_struct! {
    /// Why an item is in a list: the kind of reason and the item behind it, if any.
    #[js(write)]
    pub struct Because {
        pub kind: ReasonKind,
        #[js = "itemId"]
        pub item_id: Option<String>,
    }
}

js_struct! {
    /// One item of a list.
    #[js(write)]
    pub struct Recommendation {
        pub id: String,
        /// Higher is better; comparable within one list only.
        pub score: f32,
        pub title: String,
        pub price: Price,
        pub category: String,
        pub because: Because,
    }
}

impl From<Rec> for Recommendation {
    fn from(r: Rec) -> Recommendation {
        Recommendation {
            id: r.id,
            score: r.score,
            title: r.title,
            price: Price(r.price),
            category: r.category,
            because: Because {
                kind: r.because.kind,
                item_id: r.because.item,
            },
        }
    }
}

/// A list as the JS array of `Recommendation`s.
pub fn recs_to_js(recs: Vec<Rec>) -> JsValue {
    recs.into_iter()
        .map(Recommendation::from)
        .collect::<Vec<_>>()
        .to_js()
}

js_struct! {
    /// A set of items: a ready-made bundle, or a set that closes the free-shipping gap.
    #[js(write)]
    pub struct Bundle {
        pub items: Vec<String>,
        /// Sum of the items' prices.
        pub total: Price,
        /// What the set costs: `total` less the bundle discount, in the currency's minor unit.
        pub price: Price,
        pub score: f32,
    }
}

js_struct! {
    /// Add-ons for the whole cart and the way to free shipping.
    #[js(write)]
    pub struct CartSuggestions {
        /// Complements for the whole cart; `because` names the cart item each one completes.
        pub items: Vec<Recommendation>,
        /// Cart value at pack prices (unknown ids count 0).
        #[js = "cartTotal"]
        pub cart_total: Price,
        /// Missing amount to the free-shipping threshold (0 at or above it, or without one).
        pub gap: Price,
        /// Relevant single items whose price closes the gap with the least overshoot.
        pub closers: Vec<Recommendation>,
        /// Pairs that close the gap when no single item does.
        #[js = "closerSets"]
        pub closer_sets: Vec<Bundle>,
        /// Cart ids the pack does not know.
        pub unknown: Vec<String>,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    fn union(name: &str) -> Vec<&'static str> {
        let start = UNIONS.find(&format!("type {name} =")).unwrap();
        let text = &UNIONS[start..];
        let text = &text[..text.find(';').unwrap()];
        text.split('\'').skip(1).step_by(2).collect()
    }

    #[wasm_bindgen_test]
    fn the_unions_list_exactly_the_cores_names() {
        let events: Vec<_> = EventKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(union("EventType"), events);
        let reasons: Vec<_> = ReasonKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(union("ReasonKind"), reasons);
    }

    /// What the macro emits, in full, for one type with doc lines, renamed keys and an
    /// optional field.
    #[wasm_bindgen_test]
    fn a_declaration_as_the_dts_shows_it() {
        assert_eq!(
            Because::DECLARATION,
            "/**\n * Why an item is in a list: the kind of reason and the item behind it, if any.\n */\n\
             export interface Because {\n  kind: ReasonKind;\n  itemId?: string;\n}\n"
        );
        assert!(CartSuggestions::DECLARATION.contains(
            "  /**\n   * Cart value at pack prices (unknown ids count 0).\n   */\n  cartTotal: number;\n"
        ));
    }
}
