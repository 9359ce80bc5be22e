//! From raw rows to a clean dataset: cleaning rules (reported, never silent), item facts
//! (median price, title, category) and groups (baskets or sessions).

use std::collections::HashMap;
use std::path::PathBuf;

use anyhow::{bail, Result};

use crate::csv_in::{self, Columns, Row};

/// Cleaning rules.
#[derive(Debug, Clone)]
pub struct CleanRules {
    /// Order ids made of this prefix followed by digits are cancellations.
    pub cancel_prefix: String,
    /// Item codes that are not products (compared after normalisation).
    pub drop_codes: Vec<String>,
    /// Item code prefixes that are not products.
    pub drop_prefixes: Vec<String>,
    /// Upper-case item ids (after trimming).
    pub upper_ids: bool,
}

impl Default for CleanRules {
    fn default() -> Self {
        CleanRules {
            cancel_prefix: "C".into(),
            drop_codes: [
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
            ]
            .iter()
            .map(|s| s.to_string())
            .collect(),
            drop_prefixes: vec!["GIFT_".into(), "DCGS".into()],
            upper_ids: true,
        }
    }
}

/// What cleaning did.
#[derive(Debug, Clone, Default, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CleanReport {
    pub files: usize,
    pub rows: u64,
    pub cancellations: u64,
    pub non_positive_quantity: u64,
    pub non_positive_price: u64,
    pub non_product_codes: u64,
    pub empty_ids: u64,
    pub kept: u64,
}

impl CleanReport {
    pub fn print(&self) {
        eprintln!(
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
    }
}

/// Baskets (unordered sets bought together) or sessions (ordered event sequences).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    Baskets,
    Sessions,
}

/// One basket or session.
#[derive(Debug, Clone)]
pub struct Group {
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
    pub customer: String,
    /// (item, unit price) of every clean row with a price, for medians over any subset.
    pub row_prices: Vec<(u32, f32)>,
}

/// A clean dataset. Items are sorted by id (as strings), which is the pack order.
#[derive(Debug, Clone)]
pub struct Dataset {
    pub kind: Kind,
    pub ids: Vec<String>,
    pub titles: Vec<String>,
    pub categories: Vec<String>,
    /// Median price over the clean rows (0 when unknown).
    pub prices: Vec<f32>,
    /// Groups in order of their first clean row.
    pub groups: Vec<Group>,
}

impl Dataset {
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

struct Acc {
    title: String,
    category: String,
    prices: Vec<f64>,
}

struct GAcc {
    id: String,
    time: String,
    at: f64,
    max_time: String,
    max_at: f64,
    customer: String,
    rows: Vec<(f64, f64, u32)>,
    prices: Vec<(u32, f32)>,
}

/// Read, clean and group the inputs.
pub fn load(
    inputs: &[PathBuf],
    cols: &Columns,
    rules: &CleanRules,
    kind: Option<Kind>,
    bar: &indicatif::ProgressBar,
) -> Result<(Dataset, CleanReport)> {
    let files = csv_in::expand_inputs(inputs)?;
    let mut rep = CleanReport {
        files: files.len(),
        ..Default::default()
    };
    let mut item_ix: HashMap<String, u32> = HashMap::new();
    let mut items: Vec<(String, Acc)> = Vec::new();
    let mut group_ix: HashMap<String, usize> = HashMap::new();
    let mut groups: Vec<GAcc> = Vec::new();
    let mut has_seq = false;
    let mut row_no = 0u64;
    bar.set_length(files.len() as u64);
    for file in &files {
        let base = rep.rows;
        let mut on_row = |r: Row| {
            rep.rows += 1;
            row_no += 1;
            let item = if rules.upper_ids {
                r.item.to_uppercase()
            } else {
                r.item.clone()
            };
            if r.order.is_empty() || item.is_empty() {
                rep.empty_ids += 1;
                return;
            }
            let p = &rules.cancel_prefix;
            if !p.is_empty()
                && r.order.len() > p.len()
                && r.order.starts_with(p.as_str())
                && r.order[p.len()..].bytes().all(|b| b.is_ascii_digit())
            {
                rep.cancellations += 1;
                return;
            }
            if r.quantity <= 0.0 {
                rep.non_positive_quantity += 1;
                return;
            }
            if r.price.is_some_and(|p| p <= 0.0) {
                rep.non_positive_price += 1;
                return;
            }
            if rules.drop_codes.contains(&item)
                || rules
                    .drop_prefixes
                    .iter()
                    .any(|c| !c.is_empty() && item.starts_with(c.as_str()))
            {
                rep.non_product_codes += 1;
                return;
            }
            rep.kept += 1;
            let ix = match item_ix.get(&item) {
                Some(&i) => i,
                None => {
                    let i = items.len() as u32;
                    item_ix.insert(item.clone(), i);
                    items.push((
                        item,
                        Acc {
                            title: String::new(),
                            category: String::new(),
                            prices: Vec::new(),
                        },
                    ));
                    i
                }
            };
            let acc = &mut items[ix as usize].1;
            if acc.title.is_empty() && !r.title.is_empty() {
                acc.title = r.title.clone();
            }
            if acc.category.is_empty() && !r.category.is_empty() {
                acc.category = r.category.clone();
            }
            if let Some(p) = r.price {
                acc.prices.push(p);
            }
            let gi = match group_ix.get(&r.order) {
                Some(&g) => g,
                None => {
                    group_ix.insert(r.order.clone(), groups.len());
                    groups.push(GAcc {
                        id: r.order.clone(),
                        time: r.time.clone(),
                        at: r.at,
                        max_time: r.time.clone(),
                        max_at: r.at,
                        customer: r.customer.clone(),
                        rows: Vec::new(),
                        prices: Vec::new(),
                    });
                    groups.len() - 1
                }
            };
            let g = &mut groups[gi];
            if r.time > g.max_time {
                g.max_time = r.time.clone();
            }
            g.max_at = g.max_at.max(r.at);
            let key = r.seq.unwrap_or(r.at);
            g.rows.push((key, r.at, ix));
            if let Some(p) = r.price {
                g.prices.push((ix, p as f32));
            }
        };
        let progress = |_n: u64| {};
        let (_, pos) = csv_in::read_file(file, cols, &progress, &mut on_row)?;
        has_seq |= pos.seq.is_some();
        let _ = base;
        bar.inc(1);
    }
    if rep.kept == 0 {
        bail!(
            "no rows left after cleaning ({} read): nothing to build a pack from",
            rep.rows
        );
    }
    // Sessions when sequence is known inside groups: a sequence column, or distinct times
    // within most multi-row groups.
    let kind = kind.unwrap_or_else(|| {
        if has_seq {
            return Kind::Sessions;
        }
        let multi = groups.iter().filter(|g| g.rows.len() > 1);
        let (mut n, mut varied) = (0usize, 0usize);
        for g in multi {
            n += 1;
            let t0 = g.rows[0].1;
            if g.rows.iter().any(|r| r.1 != t0) {
                varied += 1;
            }
        }
        if n > 0 && varied * 2 > n {
            Kind::Sessions
        } else {
            Kind::Baskets
        }
    });
    // Items sorted by id; remap.
    let mut order: Vec<u32> = (0..items.len() as u32).collect();
    order.sort_by(|&a, &b| items[a as usize].0.cmp(&items[b as usize].0));
    let mut remap = vec![0u32; items.len()];
    for (new, &old) in order.iter().enumerate() {
        remap[old as usize] = new as u32;
    }
    let mut ids = Vec::with_capacity(items.len());
    let mut titles = Vec::with_capacity(items.len());
    let mut categories = Vec::with_capacity(items.len());
    let mut prices = Vec::with_capacity(items.len());
    let mut items: Vec<Option<(String, Acc)>> = items.into_iter().map(Some).collect();
    for &old in &order {
        if let Some((id, mut acc)) = items[old as usize].take() {
            ids.push(id);
            titles.push(acc.title);
            categories.push(acc.category);
            prices.push(median(&mut acc.prices) as f32);
        }
    }
    let groups = groups
        .into_iter()
        .map(|mut g| {
            let mut its: Vec<u32> = Vec::new();
            let mut ats: Vec<f64> = Vec::new();
            match kind {
                Kind::Baskets => {
                    for &(_, at, i) in &g.rows {
                        let i = remap[i as usize];
                        if !its.contains(&i) {
                            its.push(i);
                            ats.push(at);
                        }
                    }
                }
                Kind::Sessions => {
                    // Stable sort keeps file order among equal keys.
                    g.rows.sort_by(|a, b| a.0.total_cmp(&b.0));
                    for &(_, at, i) in &g.rows {
                        let i = remap[i as usize];
                        if its.last() != Some(&i) {
                            its.push(i);
                            ats.push(at);
                        }
                    }
                }
            }
            let (time, at) = match kind {
                Kind::Baskets => (g.time, g.at),
                Kind::Sessions => (g.max_time, g.max_at),
            };
            Group {
                id: g.id,
                time,
                at,
                items: its,
                ats,
                customer: g.customer,
                row_prices: g
                    .prices
                    .iter()
                    .map(|&(i, p)| (remap[i as usize], p))
                    .collect(),
            }
        })
        .collect();
    Ok((
        Dataset {
            kind,
            ids,
            titles,
            categories,
            prices,
            groups,
        },
        rep,
    ))
}
