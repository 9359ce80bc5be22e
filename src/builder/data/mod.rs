//! From raw rows to a clean dataset: reading order/event exports ([`csv_in`]), cleaning rules
//! that are reported, never silent ([`clean`]), grouping into baskets or sessions with item
//! facts (median price, title, category) ([`load()`]), and catalog facts ([`catalog`]).

use std::collections::HashMap;

pub mod catalog;
pub mod clean;
pub mod csv_in;
mod load;

pub use clean::{CleanReport, CleanRules, CANCEL_PREFIX, NON_PRODUCT_CODES, NON_PRODUCT_PREFIXES};
pub use csv_in::{Columns, DateOrder};
pub use load::load;

/// Baskets (unordered sets bought together) or sessions (ordered event sequences).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// Baskets: the items of an order, bought together, no order among them.
    Baskets,
    /// Sessions: events in sequence (views, clicks), the next one to predict.
    Sessions,
}

/// One basket or session.
#[derive(Debug, Clone)]
pub struct Group {
    /// Order (or session) id as written.
    pub id: String,
    /// Basket: time of its first clean row; session: its latest time (as written).
    pub time: String,
    /// Same as `time`, in ms since the epoch (0 when unknown).
    pub at: f64,
    /// Item indices: basket = distinct, in first-appearance order; session = sorted by
    /// sequence, consecutive repeats collapsed.
    pub items: Vec<u32>,
    /// Event time (ms) of each entry of `items`.
    pub ats: Vec<f64>,
    /// Customer id as written ("" = unknown).
    pub customer: String,
    /// (item, unit price) of every clean row with a price, for medians over any subset.
    pub row_prices: Vec<(u32, f32)>,
}

/// A clean dataset. Items are sorted by id (as strings), which is the pack order.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// Baskets or sessions.
    pub kind: Kind,
    /// Item ids, sorted.
    pub ids: Vec<String>,
    /// Item titles ("" = unknown), parallel to `ids`.
    pub titles: Vec<String>,
    /// Item categories ("" = unknown), parallel to `ids`.
    pub categories: Vec<String>,
    /// Median price over the clean rows (0 when unknown).
    pub prices: Vec<f32>,
    /// Groups in order of their first clean row.
    pub groups: Vec<Group>,
}

impl Dataset {
    /// Number of items.
    pub fn n_items(&self) -> usize {
        self.ids.len()
    }

    /// Item id -> index.
    pub fn id_index(&self) -> HashMap<&str, u32> {
        self.ids
            .iter()
            .enumerate()
            .map(|(i, s)| (s.as_str(), i as u32))
            .collect()
    }

    /// The dataset made of the groups `keep` selects, restricted to the items they contain
    /// (still sorted by id), with prices recomputed over their rows. Groups left empty are
    /// dropped.
    pub fn subset(&self, keep: impl Fn(&Group) -> bool) -> Dataset {
        let chosen: Vec<&Group> = self.groups.iter().filter(|g| keep(g)).collect();
        let mut used = vec![false; self.n_items()];
        for g in &chosen {
            for &i in &g.items {
                used[i as usize] = true;
            }
        }
        let mut remap = vec![u32::MAX; self.n_items()];
        let mut n = 0u32;
        for (i, u) in used.iter().enumerate() {
            if *u {
                remap[i] = n;
                n += 1;
            }
        }
        let pick = |v: &[String]| -> Vec<String> {
            v.iter()
                .zip(&used)
                .filter(|(_, u)| **u)
                .map(|(x, _)| x.clone())
                .collect()
        };
        let mut price_rows: Vec<Vec<f64>> = vec![Vec::new(); n as usize];
        let groups: Vec<Group> = chosen
            .into_iter()
            .map(|g| {
                for &(i, p) in &g.row_prices {
                    let r = remap[i as usize];
                    if r != u32::MAX {
                        price_rows[r as usize].push(p as f64);
                    }
                }
                Group {
                    id: g.id.clone(),
                    time: g.time.clone(),
                    at: g.at,
                    items: g.items.iter().map(|&i| remap[i as usize]).collect(),
                    ats: g.ats.clone(),
                    customer: g.customer.clone(),
                    row_prices: g
                        .row_prices
                        .iter()
                        .map(|&(i, p)| (remap[i as usize], p))
                        .collect(),
                }
            })
            .filter(|g| !g.items.is_empty())
            .collect();
        Dataset {
            kind: self.kind,
            ids: pick(&self.ids),
            titles: pick(&self.titles),
            categories: pick(&self.categories),
            prices: price_rows.iter_mut().map(|v| median(v) as f32).collect(),
            groups,
        }
    }
}

/// Median of a non-empty list (mean of the two middle values for an even count).
pub fn median(v: &mut [f64]) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}
