//! The option types of the JS API, each declared once with [`js_struct!`] (struct, reader and
//! TypeScript interface), and their conversion into the core's queries. Defaults come from the
//! core's `Default`s; ranges are checked there too (`Query::validate`, `CartQuery`,
//! `BundleQuery`, `History::set_max_events`, ...).

use super::js_struct::js_struct;
use crate::bundle::{BundleQuery, CartQuery};
use crate::rank::Query;

js_struct! {
    /// Options of `Recommender.fromBytes`.
    #[js(read)]
    pub struct RecommenderOptions {
        /// Persist the history in `localStorage` under this key (falls back to memory silently).
        #[js = "storageKey"]
        pub storage_key: Option<String>,
        /// Most events kept (default 200, 1..100000); the oldest are dropped first.
        #[js = "maxEvents"]
        pub max_events: Option<usize>,
        /// Most distinct items in the cart (default 5000, 1..100000); adding a new item to a
        /// full cart throws `BAD_ARGUMENT`. Views never push a line out.
        #[js = "maxCartLines"]
        pub max_cart_lines: Option<usize>,
        /// Recency half-life in hours (default: the pack's tuned value, else 24).
        #[js = "halfLifeHours"]
        pub half_life_hours: Option<f64>,
        /// Expected SHA-256 of the pack bytes (64 hex digits). A mismatch throws `PACK_CHECKSUM`
        /// before the pack is parsed: publish the digest with the pack to refuse stale or
        /// altered files.
        pub sha256: Option<String>,
    }
}

js_struct! {
    /// Options of `similar()`, `popular()` and `buyAgain()`: how many, and which items may appear.
    #[js(read)]
    pub struct ListOptions {
        /// How many (1..1000, default 10).
        pub k: Option<usize>,
        /// Ids never to return.
        pub exclude: Option<Vec<String>>,
        /// Only items of this category.
        pub category: Option<String>,
        /// Only items at or above this price.
        #[js = "minPrice"]
        pub min_price: Option<f32>,
        /// Only items at or below this price.
        #[js = "maxPrice"]
        pub max_price: Option<f32>,
    }
}

impl ListOptions {
    /// The core's query (defaults from `Query::default()`, checked by `Query::validate`).
    pub fn query(self) -> Query {
        let d = Query::default();
        Query {
            k: self.k.unwrap_or(d.k),
            exclude: self.exclude.unwrap_or_default(),
            category: self.category,
            min_price: self.min_price,
            max_price: self.max_price,
            ..d
        }
    }
}

js_struct! {
    /// Options of `recommend()`.
    #[js(read)]
    pub struct RecommendOptions extends ListOptions as list {
        /// 0 (default) = pure relevance; up to 1 = more varied (maximal marginal relevance).
        pub diversity: Option<f32>,
        /// Also leave out items the shopper has viewed (default false: re-views are common).
        #[js = "excludeViewed"]
        pub exclude_viewed: Option<bool>,
    }
}

impl RecommendOptions {
    /// The core's query.
    pub fn query(self) -> Query {
        let q = self.list.query();
        Query {
            diversity: self.diversity.unwrap_or(q.diversity),
            exclude_viewed: self.exclude_viewed.unwrap_or(q.exclude_viewed),
            ..q
        }
    }
}

js_struct! {
    /// Options of `completeCart()`.
    #[js(read)]
    pub struct CompleteCartOptions {
        /// The cart to complete (default: the recorded cart). A repeated id counts as quantity.
        pub cart: Option<Vec<String>>,
        /// How many add-ons (1..1000, default 10); also the most closers.
        pub k: Option<usize>,
        /// Order value from which shipping is free (finite, >= 0).
        #[js = "freeShippingThreshold"]
        pub free_shipping_threshold: Option<f32>,
        /// Only add-ons of this category.
        pub category: Option<String>,
        /// Only add-ons at or below this price.
        #[js = "maxPrice"]
        pub max_price: Option<f32>,
        /// Ids never to suggest.
        pub exclude: Option<Vec<String>>,
    }
}

impl CompleteCartOptions {
    /// The core's query (checked by `Engine::complete_cart`).
    pub fn query(self) -> CartQuery {
        let d = CartQuery::default();
        CartQuery {
            cart: self.cart,
            k: self.k.unwrap_or(d.k),
            free_shipping_threshold: self.free_shipping_threshold,
            category: self.category,
            max_price: self.max_price,
            exclude: self.exclude.unwrap_or_default(),
        }
    }
}

js_struct! {
    /// Options of `frequentlyBoughtTogether()`.
    #[js(read)]
    pub struct FbtOptions {
        /// How many (1..1000, default 4).
        pub k: Option<usize>,
    }
}

/// `k` of `frequentlyBoughtTogether()` when left out: a product page's "bought together" row.
pub const FBT_DEFAULT_K: usize = 4;

js_struct! {
    /// Options of `bundles()`.
    #[js(read)]
    pub struct BundleOptions {
        /// Build sets around this item ...
        pub anchor: Option<String>,
        /// ... or around this cart (default: the recorded cart).
        pub cart: Option<Vec<String>>,
        /// Items per set, 2..4 (default 3).
        pub size: Option<usize>,
        /// How many sets (1..20, default 3).
        pub count: Option<usize>,
        /// 0..0.5 (default 0).
        pub discount: Option<f32>,
    }
}

impl BundleOptions {
    /// The core's query (checked by `Engine::bundles`).
    pub fn query(self) -> BundleQuery {
        let d = BundleQuery::default();
        BundleQuery {
            anchor: self.anchor,
            cart: self.cart,
            size: self.size.unwrap_or(d.size),
            count: self.count.unwrap_or(d.count),
            discount: self.discount.unwrap_or(d.discount),
        }
    }
}

js_struct! {
    /// One past order of a logged-in customer, for `importOrders()`.
    #[js(read)]
    pub struct Order {
        /// Item ids in the order.
        pub items: Vec<String>,
        /// When it was placed, in milliseconds since 1970.
        pub at: f64,
    }
}
