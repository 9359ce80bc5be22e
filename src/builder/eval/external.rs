//! Score an external ranked-list file (PROTOCOL.md's JSONL) with the same metric code.

use std::collections::HashMap;
use std::io::BufRead;
use std::path::Path;

use crate::metrics::{rank_in, Tally};
use anyhow::{bail, Context, Result};
use serde_json::{json, Value};

use super::protocol::Split;
use crate::builder::data::Kind;

fn id_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Returns the table row and the protocol counters.
pub fn score(path: &Path, s: &Split) -> Result<(Value, Value)> {
    let f = std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut lists: HashMap<String, Vec<String>> = HashMap::new();
    for (n, line) in std::io::BufReader::new(f).lines().enumerate() {
        let line =
            line.with_context(|| format!("{}: line {}: not UTF-8 text", path.display(), n + 1))?;
        if line.trim().is_empty() {
            continue;
        }
        let v: Value = serde_json::from_str(&line)
            .with_context(|| format!("{}: line {}: not JSON", path.display(), n + 1))?;
        let (Some(case), Some(items)) = (
            v.get("case").and_then(id_of),
            v.get("items").and_then(|x| x.as_array()),
        ) else {
            bail!(
                "{}: line {}: expected {{\"case\": id, \"items\": [...]}}",
                path.display(),
                n + 1
            );
        };
        lists.insert(case, items.iter().filter_map(id_of).collect());
    }
    let k = s.k;
    let ids = &s.train.ids;
    let (mut t10, mut tk) = (Tally::default(), Tally::default());
    let (mut missing, mut short, mut with_cart) = (0usize, 0usize, 0usize);
    let mut seen = std::collections::HashSet::new();
    for c in &s.test {
        let target = ids[c.target as usize].clone();
        let price = s.train.prices[c.target as usize] as f64;
        let Some(l) = lists.get(&c.id) else {
            missing += 1;
            t10.add(0, price);
            tk.add(0, price);
            continue;
        };
        let mut dedup: Vec<&String> = Vec::new();
        for x in l {
            if !dedup.contains(&x) {
                dedup.push(x);
            }
        }
        dedup.truncate(k);
        if dedup.len() < k {
            short += 1;
        }
        if s.kind == Kind::Baskets && c.ctx.iter().any(|&i| dedup.contains(&&ids[i as usize])) {
            with_cart += 1;
        }
        for x in &dedup {
            seen.insert((*x).clone());
        }
        t10.add(rank_in(l, &target, 10), price);
        tk.add(rank_in(l, &target, k), price);
    }
    let known = seen.iter().filter(|x| ids.binary_search(x).is_ok()).count();
    let name = format!("external: {}", path.display());
    let row = json!({
        "name": name, "note": "external file", "cases": t10.cases,
        "hr10": t10.hit_rate(), "mrr10": t10.mrr(), "ndcg10": t10.ndcg(), "revhr10": t10.value_hit_rate(),
        "hrK": tk.hit_rate(), "mrrK": tk.mrr(), "ndcgK": tk.ndcg(),
        "cov": known as f64 / ids.len().max(1) as f64, "k": k,
    });
    let counts = json!({"file": path.display().to_string(), "missing_cases": missing, "short_lists": short,
        "lists_with_cart_items": with_cart});
    Ok((row, counts))
}

/// Score a pack trained on `s`'s training orders (its items must be the training items, so a
/// case's indices mean the same items) through the engine as the wasm runs it: the table row.
pub fn score_pack(path: &Path, s: &Split) -> Result<Value> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let pack = crate::pack::Pack::from_bytes(&bytes)
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    let n = pack.len();
    if n != s.train.n_items() || (0..n).any(|i| pack.id(i) != s.train.ids[i]) {
        let first = (0..n.min(s.train.n_items()))
            .find(|&i| pack.id(i) != s.train.ids[i])
            .map_or(String::new(), |i| {
                format!(
                    "; first difference at {i}: pack {:?}, split {:?}",
                    pack.id(i),
                    s.train.ids[i]
                )
            });
        bail!(
            "{}: {n} items, but the {} training split has {}{first}: train the pack on the \
             split's training orders (the Spark job's --before)",
            path.display(),
            s.name,
            s.train.n_items()
        );
    }
    let generator = pack
        .meta_serde()
        .get("generator")
        .and_then(Value::as_str)
        .unwrap_or("pack")
        .to_string();
    let lists = crate::builder::engine_run::run(&bytes, &s.test, s.kind, s.k, None)?;
    let name = format!(
        "{} ({generator})",
        path.file_name()
            .map_or("pack".into(), |f| f.to_string_lossy())
    );
    Ok(super::protocol::row(&name, "given pack", &lists, s))
}
