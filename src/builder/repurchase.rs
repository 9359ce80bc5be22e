//! Per-item repurchase behaviour learned from orders that carry a customer id (issue 7):
//! the repeat rate (share of an item's customers who bought it in two or more distinct orders,
//! smoothed toward the catalogue mean) and the typical interval (median days between
//! consecutive purchases of the item by the same customer; 0 when nobody re-bought it).

use std::collections::HashMap;

use serde_json::json;

use crate::builder::data::Dataset;

/// Weight (in customers) of the catalogue mean in the smoothed repeat rate.
pub const PRIOR_CUSTOMERS: f64 = 5.0;

const DAY_MS: f64 = 86_400_000.0;

/// A customer id as written, trimmed, with a trailing `.0` removed (exports that went through
/// a spreadsheet write `17850.0`). Empty = no customer.
pub fn customer_key(raw: &str) -> &str {
    let s = raw.trim();
    s.strip_suffix(".0").unwrap_or(s)
}

/// Repurchase stats of every item of `ds`, or `None` when no order has a customer id.
#[derive(Debug, Clone)]
pub struct Stats {
    /// Per item: (smoothed repeat rate in 0..=1, typical interval in days).
    pub per_item: Vec<(f32, f32)>,
    /// Items bought by at least one known customer.
    pub items_with_customers: usize,
    /// Items re-bought by at least one customer (interval > 0 or same-time repeats).
    pub items_rebought: usize,
    /// Distinct customers.
    pub customers: usize,
    /// Orders with a customer id.
    pub orders_with_customer: usize,
    /// Unsmoothed catalogue mean: repeat (item, customer) pairs / all (item, customer) pairs.
    pub mean_rate: f64,
}

impl Stats {
    /// The pack metadata `repurchase`.
    pub fn meta(&self) -> serde_json::Value {
        json!({
            "itemsWithCustomers": self.items_with_customers,
            "itemsRebought": self.items_rebought,
            "customers": self.customers,
            "ordersWithCustomer": self.orders_with_customer,
            "meanRepeatRate": self.mean_rate,
            "priorCustomers": PRIOR_CUSTOMERS,
        })
    }
}

/// The stats of `ds` (`None` when no order has a customer id).
pub fn compute(ds: &Dataset) -> Option<Stats> {
    let mut cust_ix: HashMap<&str, u32> = HashMap::new();
    // Per item: (customer, order time) of every order containing it.
    let mut buys: Vec<Vec<(u32, f64)>> = vec![Vec::new(); ds.n_items()];
    let mut orders = 0usize;
    for g in &ds.groups {
        let c = customer_key(&g.customer);
        if c.is_empty() {
            continue;
        }
        orders += 1;
        let n = cust_ix.len() as u32;
        let ci = *cust_ix.entry(c).or_insert(n);
        let mut seen: Vec<u32> = Vec::with_capacity(g.items.len());
        for &i in &g.items {
            if seen.contains(&i) {
                continue;
            }
            seen.push(i);
            buys[i as usize].push((ci, g.at));
        }
    }
    if orders == 0 {
        return None;
    }
    // (customers, repeaters, intervals) per item.
    let mut raw: Vec<(u32, u32, f32)> = Vec::with_capacity(ds.n_items());
    let (mut pairs, mut repeat_pairs) = (0u64, 0u64);
    for b in &mut buys {
        b.sort_by(|x, y| x.0.cmp(&y.0).then(x.1.total_cmp(&y.1)));
        let (mut customers, mut repeaters) = (0u32, 0u32);
        let mut gaps: Vec<f64> = Vec::new();
        let mut k = 0;
        while k < b.len() {
            let mut e = k + 1;
            while e < b.len() && b[e].0 == b[k].0 {
                gaps.push((b[e].1 - b[e - 1].1).max(0.0) / DAY_MS);
                e += 1;
            }
            customers += 1;
            if e - k >= 2 {
                repeaters += 1;
            }
            k = e;
        }
        pairs += customers as u64;
        repeat_pairs += repeaters as u64;
        raw.push((
            customers,
            repeaters,
            crate::builder::data::median(&mut gaps) as f32,
        ));
    }
    let mean = if pairs > 0 {
        repeat_pairs as f64 / pairs as f64
    } else {
        0.0
    };
    let per_item = raw
        .iter()
        .map(|&(c, r, d)| {
            let rate = (r as f64 + PRIOR_CUSTOMERS * mean) / (c as f64 + PRIOR_CUSTOMERS);
            (rate.clamp(0.0, 1.0) as f32, d.max(0.0))
        })
        .collect();
    Some(Stats {
        per_item,
        items_with_customers: raw.iter().filter(|r| r.0 > 0).count(),
        items_rebought: raw.iter().filter(|r| r.1 > 0).count(),
        customers: cust_ix.len(),
        orders_with_customer: orders,
        mean_rate: mean,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builder::data::csv_in::Columns;
    use crate::builder::data::{load, CleanRules};

    /// Load `csv` as an orders file (written to a temporary folder, removed after).
    fn dataset(tag: &str, csv: &str) -> crate::builder::data::Dataset {
        let dir = std::env::temp_dir().join(format!("cs-repurchase-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let f = dir.join("orders.csv");
        std::fs::write(&f, csv).expect("write");
        let (ds, _) = load(
            &[f],
            &Columns::default(),
            &CleanRules::default(),
            None,
            &mut |_, _| {},
        )
        .expect("load");
        let _ = std::fs::remove_dir_all(&dir);
        ds
    }

    #[test]
    fn stats_on_a_tiny_orders_file() {
        // A: bought by c1 on days 1, 11, 31 (gaps 10, 20) and by c2 once; c1's order on day 31
        // has A twice (one order). E: c1 and c2 once each. F: no customer at all.
        let csv = "InvoiceNo,StockCode,Quantity,InvoiceDate,UnitPrice,CustomerID\n\
                   1,A,1,2011-01-01 10:00:00,1.0,17850.0\n\
                   1,E,1,2011-01-01 10:00:00,1.0,17850.0\n\
                   2,A,1,2011-01-11 10:00:00,1.0,17850\n\
                   3,A,1,2011-01-31 10:00:00,1.0,17850.0\n\
                   3,A,2,2011-01-31 10:00:00,1.0,17850.0\n\
                   4,A,1,2011-01-05 10:00:00,1.0,12000.0\n\
                   4,E,1,2011-01-05 10:00:00,1.0,12000.0\n\
                   5,F,1,2011-01-06 10:00:00,1.0,\n";
        let ds = dataset("tiny", csv);
        let s = compute(&ds).expect("customers present");
        assert_eq!(ds.ids, vec!["A", "E", "F"]);
        assert_eq!(s.customers, 2, "17850.0 and 17850 are one customer");
        assert_eq!(s.orders_with_customer, 4);
        assert_eq!(s.items_with_customers, 2);
        assert_eq!(s.items_rebought, 1);
        // Pairs: (A,c1) repeat, (A,c2), (E,c1), (E,c2): mean 1/4.
        assert!((s.mean_rate - 0.25).abs() < 1e-12);
        let m = 0.25 * PRIOR_CUSTOMERS;
        let (ra, da) = s.per_item[0];
        assert!((ra as f64 - (1.0 + m) / (2.0 + PRIOR_CUSTOMERS)).abs() < 1e-6);
        assert!((da - 15.0).abs() < 1e-4, "median of 10 and 20 days: {da}");
        let (rb, db) = s.per_item[1];
        assert!((rb as f64 - m / (2.0 + PRIOR_CUSTOMERS)).abs() < 1e-6);
        assert_eq!(db, 0.0);
        // No customers: the catalogue mean, no interval.
        assert_eq!(s.per_item[2], (0.25, 0.0));
    }

    #[test]
    fn no_customer_column_means_no_stats() {
        let ds = dataset("none", "order_id,item_id\n1,A\n1,B\n2,A\n");
        assert!(compute(&ds).is_none());
    }

    #[test]
    fn customer_ids_lose_a_trailing_dot_zero() {
        assert_eq!(customer_key(" 17850.0 "), "17850");
        assert_eq!(customer_key("17850"), "17850");
        assert_eq!(customer_key(""), "");
    }
}
