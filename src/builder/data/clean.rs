//! Cleaning rules and their report. The defaults are PROTOCOL.md §1.2 (Online Retail): they are
//! defined here once, and `cartsense build`'s `--cancel-prefix`, `--drop-codes` and
//! `--drop-prefixes` defaults, the evaluation protocol and the examples all use them.

use super::csv_in::Row;

/// Item codes that are not products (postage, fees, manual adjustments, ...), compared after
/// trimming and upper-casing.
pub const NON_PRODUCT_CODES: &[&str] = &[
    "POST",
    "DOT",
    "M",
    "C2",
    "D",
    "S",
    "B",
    "CRUK",
    "PADS",
    "AMAZONFEE",
    "BANK CHARGES",
];

/// Prefixes of item codes that are not products (gift vouchers, ...).
pub const NON_PRODUCT_PREFIXES: &[&str] = &["GIFT_", "DCGS"];

/// Order ids made of this prefix followed by digits are cancellations.
pub const CANCEL_PREFIX: &str = "C";

/// Cleaning rules.
#[derive(Debug, Clone)]
pub struct CleanRules {
    /// Order ids made of this prefix followed by digits are cancellations ("" = none).
    pub cancel_prefix: String,
    /// Item codes that are not products (compared ignoring ASCII case).
    pub drop_codes: Vec<String>,
    /// Item code prefixes that are not products (compared ignoring ASCII case).
    pub drop_prefixes: Vec<String>,
    /// Upper-case item ids (after trimming).
    pub upper_ids: bool,
}

impl Default for CleanRules {
    /// [`CANCEL_PREFIX`], [`NON_PRODUCT_CODES`], [`NON_PRODUCT_PREFIXES`], upper-cased ids.
    fn default() -> Self {
        let own = |v: &[&str]| v.iter().map(|s| s.to_string()).collect();
        CleanRules {
            cancel_prefix: CANCEL_PREFIX.into(),
            drop_codes: own(NON_PRODUCT_CODES),
            drop_prefixes: own(NON_PRODUCT_PREFIXES),
            upper_ids: true,
        }
    }
}

/// What cleaning did.
#[derive(Debug, Clone, Default, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CleanReport {
    /// Input files read.
    pub files: usize,
    /// Data rows read.
    pub rows: u64,
    /// Rows of cancelled orders.
    pub cancellations: u64,
    /// Rows with quantity <= 0.
    pub non_positive_quantity: u64,
    /// Rows with a price <= 0.
    pub non_positive_price: u64,
    /// Rows whose item is not a product.
    pub non_product_codes: u64,
    /// Rows with an empty order or item id.
    pub empty_ids: u64,
    /// Rows kept.
    pub kept: u64,
    /// Kept rows whose non-empty time could not be read (kept, timed like their group's other
    /// rows).
    pub unreadable_times: u64,
    /// The columns used per role, as `order = InvoiceNo, item = StockCode, ...` (one entry
    /// per distinct mapping among the files, joined with ` | `).
    pub columns: String,
    /// How times were read when that was a choice: the day/month order and its evidence, or
    /// the fall-back to file order ("" = nothing to say).
    pub times: String,
}

impl CleanReport {
    /// One line for the build log.
    pub fn summary(&self) -> String {
        let mut s = format!(
            "read {} rows from {} file(s); dropped {} cancellations, {} with quantity <= 0, \
             {} with price <= 0, {} non-product codes, {} with an empty order or item id; kept {}",
            self.rows,
            self.files,
            self.cancellations,
            self.non_positive_quantity,
            self.non_positive_price,
            self.non_product_codes,
            self.empty_ids,
            self.kept
        );
        if self.unreadable_times > 0 {
            s += &format!(
                "; {} kept rows have a time that could not be read",
                self.unreadable_times
            );
        }
        s
    }
}

impl CleanRules {
    /// Apply the rules to one row, in order (empty ids, cancellation, quantity, price, item
    /// code), counting the reason of a drop (or the keep) in `rep`. Returns the normalised item
    /// id of a kept row.
    pub fn keep(&self, r: &Row, rep: &mut CleanReport) -> Option<String> {
        let item = if self.upper_ids {
            r.item.to_uppercase()
        } else {
            r.item.clone()
        };
        if r.order.is_empty() || item.is_empty() {
            rep.empty_ids += 1;
            return None;
        }
        let p = &self.cancel_prefix;
        if !p.is_empty()
            && r.order.len() > p.len()
            && r.order.starts_with(p.as_str())
            && r.order[p.len()..].bytes().all(|b| b.is_ascii_digit())
        {
            rep.cancellations += 1;
            return None;
        }
        if r.quantity <= 0.0 {
            rep.non_positive_quantity += 1;
            return None;
        }
        if r.price.is_some_and(|p| p <= 0.0) {
            rep.non_positive_price += 1;
            return None;
        }
        // Ignoring case, also when ids keep theirs (`--drop-codes NONE` drops `None`).
        if self
            .drop_codes
            .iter()
            .any(|c| c.eq_ignore_ascii_case(&item))
            || self.drop_prefixes.iter().any(|c| {
                !c.is_empty()
                    && item
                        .get(..c.len())
                        .is_some_and(|h| h.eq_ignore_ascii_case(c))
            })
        {
            rep.non_product_codes += 1;
            return None;
        }
        rep.kept += 1;
        Some(item)
    }
}
