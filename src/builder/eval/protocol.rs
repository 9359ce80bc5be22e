//! The PROTOCOL.md splits (§1 Online Retail baskets, §2 Diginetica sessions), their case
//! manifests, and the row of metrics every ranker gets on them.

use std::path::Path;

use anyhow::Result;
use serde_json::{json, Value};

use crate::builder::cases::{self, Case};
use crate::builder::data::csv_in::parse_time;
use crate::builder::data::{self, CleanRules, Columns, Dataset, Group, Kind};
use crate::builder::split;
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
/// §2.5 validation cases.
pub const DG_VALID: (usize, &str) = (
    86,
    "6447c3242abc4ecf1006d42850963760faae702e5ed2fb56d09d55ab35dd0072",
);

/// One dataset's protocol material.
pub struct Split {
    /// `online-retail` or `diginetica`.
    pub name: &'static str,
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
        name: "online-retail",
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
        name: "diginetica",
        kind: Kind::Sessions,
        train,
        test,
        subtrain,
        valid,
        recency,
        k: 20,
    })
}

/// Compare a case manifest with PROTOCOL.md's; logs and returns it.
pub fn check_manifest(
    what: &str,
    cases: &[Case],
    ids: &[String],
    want: (usize, &str),
    log: &dyn Fn(&str),
) -> Value {
    let got = cases::manifest(cases, ids);
    let ok = cases.len() == want.0 && got == want.1;
    log(&format!(
        "{what}: {} cases, manifest sha256 {got} {}",
        cases.len(),
        if ok {
            "(matches PROTOCOL.md)"
        } else {
            "(DOES NOT MATCH PROTOCOL.md)"
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
    for (l, c) in lists.iter().zip(&s.test) {
        let price = s.train.prices[c.target as usize] as f64;
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
