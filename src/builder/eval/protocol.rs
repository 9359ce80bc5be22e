//! The PROTOCOL.md splits (§1 Online Retail baskets, §2 Diginetica sessions), their case
//! manifests, and the row of metrics every ranker gets on them.

use std::path::Path;

use anyhow::Result;
use serde_json::{json, Value};

use crate::builder::cases::{self, Case};
use crate::builder::data::csv_in::parse_time;
use crate::builder::data::{self, CleanRules, Columns, Dataset, Group, Kind};
use crate::builder::split;
use crate::builder::tune::k_of;
use crate::metrics::{rank_in, uplift, Tally};

/// §1 test cases: (count, case manifest sha256) of PROTOCOL.md.
pub const OR_TEST: (usize, &str) = (
    3308,
    "3e72080c9494efd6677d240901c5f816669c2111d3751b980ae4cef5eb6b3318",
);
/// §1.6 validation cases.
pub const OR_VALID: (usize, &str) = (
    1819,
    "7f0954b56cff2794988b05b3896616afc76d7513f824a7a382dbe5faf2db2e17",
);
/// §2 test cases.
pub const DG_TEST: (usize, &str) = (
    232,
    "d0f23284e4d698b197d2d226b363bfa51b704cf6aba8ca5abfee4923cd6caba2",
);
/// §4.4 bakery test cases.
pub const BAKERY_TEST: (usize, &str) = (
    884,
    "02f9d9947087097e069d07f677506c3c535fe59bead3441797b10e77de12d01e",
);
/// §4.4 bakery validation cases.
pub const BAKERY_VALID: (usize, &str) = (
    884,
    "3f878f1f3881e1146648fc12e726e56395dedaad4df68eec82fba39fa977e3b9",
);
/// §4.5 Instacart sample test cases.
pub const INSTACART_TEST: (usize, &str) = (
    435,
    "54a7a54c1aa6c4f0d99bfd917d0146844841dad8a78ce9140005f0615ba80596",
);
/// §4.5 Instacart sample validation cases.
pub const INSTACART_VALID: (usize, &str) = (
    437,
    "2e77e65f481f32c5486a4772d3a5a117bb4839b5b39c4caed78ab24693e67aff",
);
/// §2.5 validation cases.
pub const DG_VALID: (usize, &str) = (
    86,
    "6447c3242abc4ecf1006d42850963760faae702e5ed2fb56d09d55ab35dd0072",
);

/// One dataset's protocol material.
pub struct Split {
    /// `online-retail` or `diginetica`.
    pub name: String,
    /// All clean groups (for the §3 customer histories).
    pub full: Dataset,
    /// Baskets or sessions.
    pub kind: Kind,
    /// Train split.
    pub train: Dataset,
    /// Test cases over the train items.
    pub test: Vec<Case>,
    /// Sub-train split (for choosing).
    pub subtrain: Dataset,
    /// Validation cases over the sub-train items.
    pub valid: Vec<Case>,
    /// Recency rank of each train group (larger = more recent), for SKNN sampling.
    pub recency: Vec<u32>,
    /// List length of the protocol (10 or 20).
    pub k: usize,
}

/// §1: Online Retail day files, train before 2011-11-01, validation on October 2011.
pub fn online_retail(path: &Path) -> Result<Split> {
    let (full, _) = data::load(
        &[path.to_path_buf()],
        &Columns::default(),
        &CleanRules::default(),
        Some(Kind::Baskets),
        &mut |_, _| {},
    )?;
    let (train, test) = split::by_date(&full, "2011-11-01", None);
    let (subtrain, valid) = split::by_date(&full, "2011-10-01", Some("2011-11-01"));
    let recency = (0..train.groups.len() as u32).collect();
    Ok(Split {
        full,
        name: "online-retail".into(),
        kind: Kind::Baskets,
        train,
        test,
        subtrain,
        valid,
        recency,
        k: 10,
    })
}

fn day(s: &str) -> f64 {
    parse_time(s).unwrap_or(0.0) / 86_400_000.0
}

fn sid_key(s: &str) -> (u64, String) {
    (s.parse::<u64>().unwrap_or(u64::MAX), s.to_string())
}

/// §2: Diginetica sample, the final 7 days are the test sessions, the 7 days before the
/// validation sessions; cases in session id order.
pub fn diginetica(path: &Path) -> Result<Split> {
    let rules = CleanRules {
        upper_ids: false,
        ..CleanRules::default()
    };
    let (mut full, _) = data::load(
        &[path.to_path_buf()],
        &Columns::default(),
        &rules,
        Some(Kind::Sessions),
        &mut |_, _| {},
    )?;
    full.groups.retain(|g| g.items.len() >= 2);
    let dmax = full
        .groups
        .iter()
        .map(|g| day(&g.time))
        .fold(f64::MIN, f64::max);
    let is_test = |g: &Group| day(&g.time) >= dmax - 6.0;
    let mut test_groups: Vec<&Group> = full.groups.iter().filter(|g| is_test(g)).collect();
    test_groups.sort_by_key(|g| sid_key(&g.id));
    let (train, test) = split::holdout(&full, |g| !is_test(g), test_groups.into_iter());
    let dmax2 = train
        .groups
        .iter()
        .map(|g| day(&g.time))
        .fold(f64::MIN, f64::max);
    let is_valid = |g: &Group| !is_test(g) && day(&g.time) >= dmax2 - 6.0;
    let mut vg: Vec<&Group> = full.groups.iter().filter(|g| is_valid(g)).collect();
    vg.sort_by_key(|g| sid_key(&g.id));
    let (subtrain, valid) = split::holdout(&full, |g| !is_test(g) && !is_valid(g), vg.into_iter());
    let mut order: Vec<usize> = (0..train.groups.len()).collect();
    order.sort_by(|&a, &b| {
        let (ga, gb) = (&train.groups[a], &train.groups[b]);
        ga.time
            .cmp(&gb.time)
            .then(sid_key(&ga.id).cmp(&sid_key(&gb.id)))
    });
    let mut recency = vec![0u32; order.len()];
    for (r, &g) in order.iter().enumerate() {
        recency[g] = r as u32;
    }
    Ok(Split {
        full,
        name: "diginetica".into(),
        kind: Kind::Sessions,
        train,
        test,
        subtrain,
        valid,
        recency,
        k: 20,
    })
}

/// §4: any shop's orders. With the n orders in recency order ([`split::recency`]: time, ties by
/// order id), test = positions >= floor(0.85 n), train = the rest; validation = positions in
/// [floor(0.70 n), floor(0.85 n)) against the orders below. Cases as §1.5, in that order.
pub fn generic(name: &str, full: Dataset) -> Split {
    let order = split::recency(&full);
    let n = order.len();
    let (test_from, valid_from) = (n * 85 / 100, n * 70 / 100);
    let (train, test) = split::newest(&full, &order, test_from, n);
    let (subtrain, valid) = split::newest(&full, &order, valid_from, test_from);
    let mut recency = vec![0u32; train.groups.len()];
    for (r, g) in split::recency(&train).into_iter().enumerate() {
        recency[g] = r as u32;
    }
    Split {
        name: name.to_string(),
        kind: full.kind,
        full,
        train,
        test,
        subtrain,
        valid,
        recency,
        k: k_of(Kind::Baskets),
    }
}

/// §4.4: the bakery's transactions (`Item` as written, `NONE` dropped; time = `Date` +
/// `Time`, ties by `Transaction`).
pub fn bakery(path: &Path) -> Result<Split> {
    let cols = Columns {
        order: Some("Transaction".into()),
        item: Some("Item".into()),
        time: Some("Date+Time".into()),
        ..Columns::default()
    };
    let rules = CleanRules {
        upper_ids: false,
        drop_codes: vec!["NONE".into()],
        drop_prefixes: Vec::new(),
        cancel_prefix: String::new(),
    };
    let (full, _) = data::load(
        &[path.to_path_buf()],
        &cols,
        &rules,
        Some(Kind::Baskets),
        &mut |_, _| {},
    )?;
    Ok(generic("bakery", full))
}

/// §4.5: the Instacart sample's prior orders (`product_id` in `add_to_cart_order`), no time:
/// orders by `order_id` as an integer.
pub fn instacart(path: &Path) -> Result<Split> {
    let cols = Columns {
        order: Some("order_id".into()),
        item: Some("product_id".into()),
        seq: Some("add_to_cart_order".into()),
        ..Columns::default()
    };
    let rules = CleanRules {
        upper_ids: false,
        drop_codes: Vec::new(),
        drop_prefixes: Vec::new(),
        cancel_prefix: String::new(),
    };
    let (mut full, _) = data::load(
        &[path.to_path_buf()],
        &cols,
        &rules,
        Some(Kind::Baskets),
        &mut |_, _| {},
    )?;
    full.groups
        .sort_by_key(|g| g.id.parse::<u64>().unwrap_or(u64::MAX));
    for g in &mut full.groups {
        g.at = 0.0;
    }
    Ok(generic("instacart-sample", full))
}

/// Compare a case manifest with PROTOCOL.md's (`want`; a shop's own data has none); logs and
/// returns it.
pub fn check_manifest(
    what: &str,
    cases: &[Case],
    ids: &[String],
    want: Option<(usize, &str)>,
    log: &dyn Fn(&str),
) -> Value {
    let got = cases::manifest(cases, ids);
    let ok = want.map(|w| cases.len() == w.0 && got == w.1);
    log(&format!(
        "{what}: {} cases, manifest sha256 {got}{}",
        cases.len(),
        match ok {
            Some(true) => " (matches PROTOCOL.md)",
            Some(false) => " (DOES NOT MATCH PROTOCOL.md)",
            None => "",
        }
    ));
    json!({"cases": cases.len(), "sha256": got, "matchesProtocol": ok})
}

/// One ranker's row on the test cases: @10 and @K metrics, coverage, simulated uplift
/// ([`uplift`]).
pub fn row(name: &str, note: &str, lists: &[Vec<u32>], s: &Split) -> Value {
    let k = s.k;
    let mut t10 = Tally::default();
    let mut tk = Tally::default();
    let mut seen = vec![false; s.train.n_items()];
    // Without prices every item weighs 1 (RevHR = HR), as PROTOCOL.md §4.3 says.
    let priced = s.train.prices.iter().any(|&p| p > 0.0);
    for (l, c) in lists.iter().zip(&s.test) {
        let price = if priced {
            s.train.prices[c.target as usize] as f64
        } else {
            1.0
        };
        t10.add(rank_in(l, &c.target, 10), price);
        tk.add(rank_in(l, &c.target, k), price);
        for &j in l.iter().take(k) {
            seen[j as usize] = true;
        }
    }
    let cov = seen.iter().filter(|&&x| x).count() as f64 / s.train.n_items().max(1) as f64;
    let targets: Vec<u32> = s.test.iter().map(|c| c.target).collect();
    json!({
        "name": name, "note": note, "cases": t10.cases,
        "hr10": t10.hit_rate(), "mrr10": t10.mrr(), "ndcg10": t10.ndcg(), "revhr10": t10.value_hit_rate(),
        "hrK": tk.hit_rate(), "mrrK": tk.mrr(), "ndcgK": tk.ndcg(), "cov": cov, "k": k,
        "upliftPerBasket": uplift(lists, &targets, &s.train.prices),
    })
}
