//! `--catalog`: item facts (title, category, price) from a separate CSV. Catalog items that
//! were never ordered are added (they get cold-start embeddings from their text).

use std::collections::HashMap;
use std::path::Path;

use anyhow::{bail, Context, Result};

use crate::builder::data::Dataset;

/// One catalog row: id, title, category, price.
pub type CatalogRow = (String, String, String, Option<f32>);

/// Catalog rows.
pub fn read(path: &Path, upper: bool) -> Result<Vec<CatalogRow>> {
    let mut rd = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    let headers: Vec<String> = rd
        .headers()
        .with_context(|| format!("{}: line 1: cannot read the header", path.display()))?
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    let find = |names: &[&str]| {
        names
            .iter()
            .find_map(|n| headers.iter().position(|h| h == n))
    };
    let Some(id) = find(&["id", "item_id", "itemid", "stockcode", "product_id", "sku"]) else {
        bail!(
            "{}: line 1: no item id column (id, item_id, StockCode, product_id or sku)",
            path.display()
        );
    };
    let title = find(&["title", "name", "description", "product_name"]);
    let cat = find(&["category", "category_id", "category_code"]);
    let price = find(&["price", "unitprice", "unit_price"]);
    let mut out = Vec::new();
    for (n, r) in rd.records().enumerate() {
        let r = r.map_err(|e| anyhow::anyhow!("{}: line {}: {e}", path.display(), n + 2))?;
        let get = |c: Option<usize>| c.and_then(|c| r.get(c)).unwrap_or("").trim().to_string();
        let mut item = get(Some(id));
        if upper {
            item = item.to_uppercase();
        }
        if item.is_empty() {
            continue;
        }
        let p = match price {
            Some(c) => {
                let s = get(Some(c));
                if s.is_empty() {
                    None
                } else {
                    match s.parse::<f32>() {
                        Ok(x) if x.is_finite() && x >= 0.0 => Some(x),
                        _ => bail!(
                            "{}: line {}, column {}: {s:?} is not a price",
                            path.display(),
                            n + 2,
                            c + 1
                        ),
                    }
                }
            }
            None => None,
        };
        out.push((item, get(title), get(cat), p));
    }
    Ok(out)
}

/// Merge catalog facts into `ds` (catalog wins for title/category; price only fills gaps).
pub fn merge(ds: &mut Dataset, path: &Path, upper: bool) -> Result<()> {
    let rows = read(path, upper)?;
    let mut index: HashMap<String, usize> = ds
        .ids
        .iter()
        .enumerate()
        .map(|(i, s)| (s.clone(), i))
        .collect();
    let mut added = false;
    for (id, title, cat, price) in rows {
        let i = match index.get(&id) {
            Some(&i) => i,
            None => {
                ds.ids.push(id.clone());
                ds.titles.push(String::new());
                ds.categories.push(String::new());
                ds.prices.push(0.0);
                index.insert(id, ds.ids.len() - 1);
                added = true;
                ds.ids.len() - 1
            }
        };
        if !title.is_empty() {
            ds.titles[i] = title;
        }
        if !cat.is_empty() {
            ds.categories[i] = cat;
        }
        if let Some(p) = price {
            if ds.prices[i] == 0.0 {
                ds.prices[i] = p;
            }
        }
    }
    if added {
        // Keep items sorted by id: remap groups.
        let mut order: Vec<usize> = (0..ds.ids.len()).collect();
        order.sort_by(|&a, &b| ds.ids[a].cmp(&ds.ids[b]));
        let mut remap = vec![0u32; order.len()];
        for (new, &old) in order.iter().enumerate() {
            remap[old] = new as u32;
        }
        let perm = |v: &Vec<String>| order.iter().map(|&o| v[o].clone()).collect::<Vec<_>>();
        ds.ids = perm(&ds.ids);
        ds.titles = perm(&ds.titles);
        ds.categories = perm(&ds.categories);
        ds.prices = order.iter().map(|&o| ds.prices[o]).collect();
        for g in &mut ds.groups {
            g.items.iter_mut().for_each(|i| *i = remap[*i as usize]);
            g.row_prices
                .iter_mut()
                .for_each(|p| p.0 = remap[p.0 as usize]);
        }
    }
    Ok(())
}
