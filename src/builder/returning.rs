//! Returning customers (issue 7, PROTOCOL.md §3): the held-out cases whose customer ordered
//! before, with that customer's earlier orders as the on-device memory; our rankings of them
//! through `Engine` exactly as the wasm runs them (memory seeded with `import_orders`, cart as
//! add-to-cart events, `buy_again` blended into `completeCart`); and the choice of the
//! returning-shopper weights on them ([`tune`]), used by `cartsense build` and `cartsense eval`.

use std::collections::HashMap;

use anyhow::{anyhow, Result};
use rayon::prelude::*;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::builder::cases::Case;
use crate::builder::data::Kind;
use crate::builder::data::{Dataset, Group};
use crate::builder::repurchase::customer_key;
use crate::bundle::{BlendCandidates, CartQuery};
use crate::metrics::{rank_in, uplift, Tally};
use crate::params::Params;
use crate::rank::{Engine, Query};
use crate::returning::{BlendNorm, ReturningParams};

/// One earlier invoice: date string, time in ms, item ids (distinct, first-appearance order).
#[derive(Debug, Clone)]
pub struct Entry {
    /// Invoice date as written.
    pub time: String,
    /// Invoice time in ms.
    pub at: f64,
    /// Item ids.
    pub ids: Vec<String>,
}

/// The returning-customer cases of one split, with their histories.
pub struct Returning {
    /// The cases.
    pub cases: Vec<Case>,
    /// Per case, the customer's earlier invoices, oldest first.
    pub hist: Vec<Vec<Entry>>,
}

/// §3.2–3.3: keep the cases whose invoice's customer has an invoice dated before `cut`;
/// history = that customer's invoices dated strictly before the case's invoice.
pub fn select(full: &Dataset, cases: &[Case], cut: &str) -> Returning {
    select_by(
        full,
        cases,
        |g| g.time.as_str() < cut,
        |h, g| h.time < g.time,
        |a, b| a.time.cmp(&b.time),
    )
}

/// [`select`] with the train test, the "strictly before" test and the date order given (the
/// build's own hold-out compares times in ms).
pub fn select_by(
    full: &Dataset,
    cases: &[Case],
    is_train: impl Fn(&Group) -> bool,
    before: impl Fn(&Group, &Group) -> bool,
    order: impl Fn(&Group, &Group) -> std::cmp::Ordering,
) -> Returning {
    let mut by_id: HashMap<&str, usize> = HashMap::new();
    let mut by_cust: HashMap<&str, Vec<usize>> = HashMap::new();
    for (gi, g) in full.groups.iter().enumerate() {
        by_id.insert(g.id.as_str(), gi);
        let c = customer_key(&g.customer);
        if !c.is_empty() {
            by_cust.entry(c).or_default().push(gi);
        }
    }
    let mut out = Returning {
        cases: Vec::new(),
        hist: Vec::new(),
    };
    for c in cases {
        let Some(&gi) = by_id.get(c.id.as_str()) else {
            continue;
        };
        let g = &full.groups[gi];
        let Some(mine) = by_cust.get(customer_key(&g.customer)) else {
            continue;
        };
        if !mine.iter().any(|&h| is_train(&full.groups[h])) {
            continue;
        }
        // Groups are in order of their first clean row; a stable sort by date keeps that
        // order among equal dates.
        let mut earlier: Vec<usize> = mine
            .iter()
            .copied()
            .filter(|&h| before(&full.groups[h], g))
            .collect();
        earlier.sort_by(|&a, &b| order(&full.groups[a], &full.groups[b]));
        let hist = earlier
            .into_iter()
            .map(|h| {
                let hg = &full.groups[h];
                Entry {
                    time: hg.time.clone(),
                    at: hg.at,
                    ids: hg
                        .items
                        .iter()
                        .map(|&i| full.ids[i as usize].clone())
                        .collect(),
                }
            })
            .collect();
        out.cases.push(c.clone());
        out.hist.push(hist);
    }
    out
}

/// History manifest of §3.3.
pub fn history_manifest(r: &Returning) -> String {
    let mut h = Sha256::new();
    for (c, hist) in r.cases.iter().zip(&r.hist) {
        let e: Vec<String> = hist
            .iter()
            .map(|e| format!("{},{}", e.time, e.ids.join(" ")))
            .collect();
        h.update(c.id.as_bytes());
        h.update(b"\t");
        h.update(e.join(";").as_bytes());
        h.update(b"\n");
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Run `f` once per case on an engine whose history is the case's cart (add-to-cart events at
/// the case's times) and whose memory is seeded with `import_orders(earlier invoices)`: the
/// state a returning shopper's browser has when the cart is filled.
fn per_case<T: Send>(
    pack: &[u8],
    r: &Returning,
    f: impl Fn(&mut Engine) -> Result<T> + Sync,
) -> Result<Vec<T>> {
    let base = Engine::from_bytes(pack).map_err(|e| anyhow!("the pack does not load: {e}"))?;
    let idx: Vec<(&Case, &Vec<Entry>)> = r.cases.iter().zip(&r.hist).collect();
    let chunk = idx.len().div_ceil(rayon::current_num_threads() * 4).max(1);
    let parts: Vec<Result<Vec<T>>> = idx
        .par_chunks(chunk)
        .map(|part| {
            let mut eng = base.clone();
            part.iter()
                .map(|(c, h)| {
                    crate::builder::engine_run::load_case(&mut eng, c, Kind::Baskets)?;
                    let orders: Vec<(Vec<String>, f64)> =
                        h.iter().map(|e| (e.ids.clone(), e.at)).collect();
                    eng.import_orders(&orders);
                    f(&mut eng)
                })
                .collect()
        })
        .collect();
    let mut out = Vec::with_capacity(r.cases.len());
    for p in parts {
        out.extend(p?);
    }
    Ok(out)
}

/// Our `completeCart()` top 10 per case, exactly as the wasm ranks it (recorded cart, memory
/// in the profile, buy-again blended with `rp`).
/// `memory_weight` replaces the pack's scorer `memoryWeight` (the weight of remembered
/// purchases in the shopper's profile) when given.
pub fn complete_cart_lists(
    pack: &[u8],
    r: &Returning,
    rp: &ReturningParams,
    memory_weight: Option<f32>,
) -> Result<Vec<Vec<u32>>> {
    per_case(pack, r, |eng| {
        if let Some(w) = memory_weight {
            let p = Params {
                memory_weight: w,
                ..*eng.params()
            };
            eng.set_params(p).map_err(|e| anyhow!("{e}"))?;
        }
        let bp = eng.bundle_params();
        let q = CartQuery {
            k: 10,
            ..CartQuery::default()
        };
        let s = eng
            .complete_cart_returning(&q, &bp, rp)
            .map_err(|e| anyhow!("{e}"))?;
        Ok(s.items.iter().map(|x| x.index as u32).collect())
    })
}

/// Per case, the candidates our `completeCart()` blends (scored once; ranked for any weight and
/// scaling by `BlendCandidates::rank`, exactly as `complete_cart` ranks them).
fn candidate_sets(
    pack: &[u8],
    r: &Returning,
    rp: &ReturningParams,
) -> Result<Vec<BlendCandidates>> {
    per_case(pack, r, |eng| {
        let bp = eng.bundle_params();
        let q = CartQuery {
            k: 10,
            ..CartQuery::default()
        };
        eng.complete_cart_candidates(&q, &bp, rp)
            .map_err(|e| anyhow!("{e}"))
    })
}

/// Our `buyAgain()` top 10 per case with `rp`.
pub fn buy_again_lists(pack: &[u8], r: &Returning, rp: &ReturningParams) -> Result<Vec<Vec<u32>>> {
    per_case(pack, r, |eng| {
        let ba = eng
            .buy_again_with(&Query::default(), rp)
            .map_err(|e| anyhow!("{e}"))?;
        Ok(ba.iter().map(|x| x.index as u32).collect())
    })
}

/// Buy-again half-lives (days; 0 = counts only) tried by [`tune`].
const HALF_LIVES: [f32; 7] = [0.0, 7.0, 14.0, 30.0, 90.0, 180.0, 365.0];

/// What [`tune`] chooses: the buy-again and blend weights, and the scorer's `memoryWeight`.
#[derive(Debug, Clone, Copy)]
pub struct Tuned {
    /// Buy-again ranking and `completeCart` blend.
    pub rp: ReturningParams,
    /// Weight of remembered purchases in the shopper's profile.
    pub memory_weight: f32,
}

/// Memory weights tried by [`tune`].
const MEMORY_WEIGHTS: [f32; 5] = [0.0, 0.25, 0.5, 1.0, 2.0];

/// Choose the returning-shopper weights on held-out returning customers, in three steps so the
/// 1,000-odd cases choose among few options at a time: the buy-again ranking (half-life x
/// repurchase stats) by its own HR@10 then MRR@10; then the scaling and weight λ of the
/// `completeCart` blend (3 scalings x λ in 0.0..=1.0 by 0.05); then the scorer's `memoryWeight`
/// (weight of remembered purchases in the profile that `completeCart` also uses), each by
/// HR@10 then MRR@10 of `completeCart`. Returns the choice and the grids.
pub fn tune(pack: &[u8], r: &Returning, train: &Dataset) -> Result<(Tuned, Value)> {
    let mut best: Option<(ReturningParams, (f64, f64))> = None;
    let mut grid_ba = Vec::new();
    for repurchase in [true, false] {
        for hl in HALF_LIVES {
            let rp = ReturningParams {
                half_life_days: hl,
                repurchase,
                ..ReturningParams::default()
            };
            let m = hr_mrr(&row("", "", &buy_again_lists(pack, r, &rp)?, r, train));
            grid_ba.push(
                json!({"halfLifeDays": hl, "repurchase": repurchase, "hr10": m.0, "mrr10": m.1}),
            );
            if best.is_none_or(|b| m > b.1) {
                best = Some((rp, m));
            }
        }
    }
    let base = best.map(|b| b.0).unwrap_or_default();
    let mut best: Option<(ReturningParams, (f64, f64))> = None;
    let mut grid = Vec::new();
    let cands = candidate_sets(pack, r, &base)?;
    for norm in BlendNorm::ALL {
        for step in 0..=20 {
            let p = ReturningParams {
                buy_again_weight: step as f32 / 20.0,
                norm,
                ..base
            };
            let lists: Vec<Vec<u32>> = cands
                .iter()
                .map(|c| c.rank(&p, 10).iter().map(|x| x.0.index).collect())
                .collect();
            let m = hr_mrr(&row("", "", &lists, r, train));
            grid.push(
                json!({"norm": norm.name(), "buyAgainWeight": step as f64 / 20.0,
                "hr10": m.0, "mrr10": m.1}),
            );
            if best.is_none_or(|b| m > b.1) {
                best = Some((p, m));
            }
        }
    }
    let rp = best.map(|b| b.0).unwrap_or(base);
    let current = Engine::from_bytes(pack)
        .map_err(|e| anyhow!("the pack does not load: {e}"))?
        .params()
        .memory_weight;
    let mut best: Option<(f32, (f64, f64))> = None;
    let mut grid_m = Vec::new();
    for w in MEMORY_WEIGHTS {
        let m = hr_mrr(&row(
            "",
            "",
            &complete_cart_lists(pack, r, &rp, Some(w))?,
            r,
            train,
        ));
        grid_m.push(json!({"memoryWeight": w, "hr10": m.0, "mrr10": m.1}));
        if best.is_none_or(|b| m > b.1) {
            best = Some((w, m));
        }
    }
    let memory_weight = best.map(|b| b.0).unwrap_or(current);
    Ok((
        Tuned { rp, memory_weight },
        json!({"buyAgainGrid": grid_ba, "blendGrid": grid, "memoryWeightGrid": grid_m}),
    ))
}

/// Pack metadata `"returning"` for a choice (what the wasm reads, see [`ReturningParams`]).
pub fn meta(t: &Tuned, cases: usize, grids: Value) -> Value {
    let rp = &t.rp;
    json!({
        "memoryWeight": t.memory_weight as f64,
        "buyAgainWeight": rp.buy_again_weight as f64,
        "halfLifeDays": rp.half_life_days as f64,
        "repurchase": rp.repurchase,
        "norm": rp.norm.name(),
        "validationCases": cases,
        "validation": grids,
    })
}

/// One row: HR@10, MRR@10, RevHR@10, HR@10 on repeat / new targets.
pub fn row(name: &str, note: &str, lists: &[Vec<u32>], r: &Returning, train: &Dataset) -> Value {
    let (mut all, mut rep, mut new) = (Tally::default(), Tally::default(), Tally::default());
    let mut with_cart = 0usize;
    let targets: Vec<u32> = r.cases.iter().map(|c| c.target).collect();
    for ((l, c), h) in lists.iter().zip(&r.cases).zip(&r.hist) {
        let price = train.prices[c.target as usize] as f64;
        let rank = rank_in(l, &c.target, 10);
        all.add(rank, price);
        let tid = &train.ids[c.target as usize];
        if h.iter().any(|e| e.ids.contains(tid)) {
            rep.add(rank, price);
        } else {
            new.add(rank, price);
        }
        if l.iter().take(10).any(|j| c.ctx.contains(j)) {
            with_cart += 1;
        }
    }
    json!({
        "name": name, "note": note, "cases": all.cases,
        "hr10": all.hit_rate(), "mrr10": all.mrr(), "revhr10": all.value_hit_rate(),
        "hr10Repeat": rep.hit_rate(), "hr10New": new.hit_rate(),
        "repeatCases": rep.cases, "newCases": new.cases, "listsWithCartItems": with_cart,
        "upliftPerBasket": uplift(lists, &targets, &train.prices),
    })
}

/// HR@10 and MRR@10 of a [`row`].
pub fn hr_mrr(v: &Value) -> (f64, f64) {
    (
        v["hr10"].as_f64().unwrap_or(0.0),
        v["mrr10"].as_f64().unwrap_or(0.0),
    )
}
