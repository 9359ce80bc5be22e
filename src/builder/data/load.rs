//! [`load`]: read the inputs, clean them and group the rows into baskets or sessions.

use std::collections::HashMap;
use std::path::PathBuf;

use anyhow::{bail, Result};

use super::csv_in::{self, Columns, Row};
use super::{median, CleanReport, CleanRules, Dataset, Group, Kind};

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

/// Read, clean and group the inputs (files, or folders of them read in name order). `kind`
/// `None` = detect: sessions when a sequence column or distinct times within most multi-row
/// groups say the order inside a group is known. `on_file(files done, files)` is called
/// before the first file and after each one.
pub fn load(
    inputs: &[PathBuf],
    cols: &Columns,
    rules: &CleanRules,
    kind: Option<Kind>,
    on_file: &mut dyn FnMut(usize, usize),
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
    on_file(0, files.len());
    for (done, file) in files.iter().enumerate() {
        let mut on_row = |r: Row| {
            rep.rows += 1;
            let Some(item) = rules.keep(&r, &mut rep) else {
                return;
            };
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
        on_file(done + 1, files.len());
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
