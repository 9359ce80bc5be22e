//! PROTOCOL.md §3 references computed in the same run as ours: repeat (earlier purchases by
//! count, then recency), session kNN on the cart plus the decayed history, and their blend, each
//! tuned on the validation cases.

use std::collections::HashMap;

use rayon::prelude::*;
use serde_json::{json, Value};

use super::baselines::{self, Sknn};
use crate::builder::cases::Case;
use crate::builder::data::Dataset;
use crate::builder::returning::{hr_mrr, row, Entry, Returning};

/// Train indices of the history items: (item, invoices containing it, index of the newest one).
fn history_counts(train: &Dataset, hist: &[Entry]) -> Vec<(u32, u32, usize)> {
    let index = train.id_index();
    let mut out: Vec<(u32, u32, usize)> = Vec::new();
    for (n, e) in hist.iter().enumerate() {
        for id in &e.ids {
            let Some(&i) = index.get(id.as_str()) else {
                continue;
            };
            match out.iter_mut().find(|x| x.0 == i) {
                Some(x) => {
                    x.1 += 1;
                    x.2 = n;
                }
                None => out.push((i, 1, n)),
            }
        }
    }
    out
}

/// Reference **repeat**: earlier-bought items not in the cart by the number of history invoices
/// containing them, then recency, filled up with the cart-only list `fill`.
pub fn repeat_lists(train: &Dataset, r: &Returning, fill: &[Vec<u32>], k: usize) -> Vec<Vec<u32>> {
    r.cases
        .iter()
        .zip(&r.hist)
        .zip(fill)
        .map(|((c, h), f)| {
            let mut hc = history_counts(train, h);
            hc.retain(|x| !c.ctx.contains(&x.0));
            hc.sort_by(|a, b| b.1.cmp(&a.1).then(b.2.cmp(&a.2)));
            let mut l: Vec<u32> = hc.iter().map(|x| x.0).take(k).collect();
            for &j in f {
                if l.len() >= k {
                    break;
                }
                if !l.contains(&j) && !c.ctx.contains(&j) {
                    l.push(j);
                }
            }
            l
        })
        .collect()
}

const DAY_MS: f64 = 86_400_000.0;

/// Weighted context of one case: cart items weight 1; each other history item
/// `w · (decay-weighted share of past invoices containing it)`, decay `0.5^(age / half_life)`,
/// age in days before the case's invoice.
fn weighted_ctx(
    train: &Dataset,
    c: &Case,
    hist: &[Entry],
    w: f32,
    half_life_days: f64,
) -> Vec<(u32, f32)> {
    let mut ctx: Vec<(u32, f32)> = Vec::new();
    for &i in &c.ctx {
        if !ctx.iter().any(|x| x.0 == i) {
            ctx.push((i, 1.0));
        }
    }
    if w <= 0.0 || hist.is_empty() {
        return ctx;
    }
    let now = c.ats.first().copied().unwrap_or(0.0);
    let index = train.id_index();
    let mut total = 0.0f64;
    let mut acc: Vec<(u32, f64)> = Vec::new();
    for e in hist {
        let age = ((now - e.at) / DAY_MS).max(0.0);
        let d = 0.5f64.powf(age / half_life_days);
        total += d;
        for id in &e.ids {
            let Some(&i) = index.get(id.as_str()) else {
                continue;
            };
            match acc.iter_mut().find(|x| x.0 == i) {
                Some(x) => x.1 += d,
                None => acc.push((i, d)),
            }
        }
    }
    if total <= 0.0 {
        return ctx;
    }
    for (i, d) in acc {
        if !ctx.iter().any(|x| x.0 == i) {
            ctx.push((i, w * (d / total) as f32));
        }
    }
    ctx
}

/// Session kNN (k100, most recent 500 candidate neighbours) on a weighted context: overlap =
/// sum of the weights of shared items, sim = overlap / sqrt(sum of weights · |b|). Returns the
/// non-zero item scores.
fn sknn_weighted(sk: &Sknn, ctx: &[(u32, f32)], overlap: &mut [f32]) -> Vec<(u32, f32)> {
    let m: f32 = ctx.iter().map(|x| x.1).sum::<f32>().max(1e-6);
    let sims = sk.neighbours(ctx, m, Some(500), 100, overlap);
    let mut acc: HashMap<u32, f32> = HashMap::new();
    for &(s, b) in &sims {
        for &j in &sk.sets[b as usize] {
            *acc.entry(j).or_insert(0.0) += s;
        }
    }
    acc.into_iter().collect()
}

/// Top `k` of dense `scores` (tie-break popularity, then index), cart items excluded.
fn top(scores: &[f32], pop: &[f32], k: usize, cart: &[u32]) -> Vec<u32> {
    crate::topk::top_k(scores, pop, k, |j| !cart.contains(&(j as u32)))
        .into_iter()
        .map(|s| s.index)
        .collect()
}

/// Per case: (SKNN + history sparse scores, repeat counts).
type RefScores = Vec<(Vec<(u32, f32)>, Vec<(u32, f32)>)>;

fn ref_scores(train: &Dataset, sk: &Sknn, r: &Returning, w: f32, half_life_days: f64) -> RefScores {
    let idx: Vec<usize> = (0..r.cases.len()).collect();
    idx.par_chunks(64)
        .flat_map_iter(|part| {
            let mut overlap = vec![0.0f32; sk.sets.len()];
            part.iter()
                .map(|&n| {
                    let (c, h) = (&r.cases[n], &r.hist[n]);
                    let ctx = weighted_ctx(train, c, h, w, half_life_days);
                    let s = sknn_weighted(sk, &ctx, &mut overlap);
                    let rep: Vec<(u32, f32)> = history_counts(train, h)
                        .into_iter()
                        .map(|x| (x.0, x.1 as f32))
                        .collect();
                    (s, rep)
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

/// λ·minmax(repeat) + (1−λ)·minmax(SKNN + history), dense over the items (min 0 for items
/// without a score), cart excluded, popularity tie-break.
fn ref_blend(
    rs: &RefScores,
    r: &Returning,
    pop: &[f32],
    n_items: usize,
    lambda: f32,
) -> Vec<Vec<u32>> {
    let mut dense = vec![0.0f32; n_items];
    rs.iter()
        .zip(&r.cases)
        .map(|((s, rep), c)| {
            dense.iter_mut().for_each(|x| *x = 0.0);
            let keep = |j: u32| !c.ctx.contains(&j);
            let smax = s
                .iter()
                .filter(|x| keep(x.0))
                .map(|x| x.1)
                .fold(0.0f32, f32::max);
            let rmax = rep
                .iter()
                .filter(|x| keep(x.0))
                .map(|x| x.1)
                .fold(0.0f32, f32::max);
            if smax > 0.0 {
                for &(j, x) in s {
                    dense[j as usize] += (1.0 - lambda) * x / smax;
                }
            }
            if rmax > 0.0 {
                for &(j, x) in rep {
                    dense[j as usize] += lambda * x / rmax;
                }
            }
            top(&dense, pop, 10, &c.ctx)
        })
        .collect()
}

/// Tune (w, half-life) of SKNN + history, then λ of the blend, on validation (`rv` over
/// `subtrain`); score test (`rt` over `train`) into `rows`. Returns the choice and its grid.
pub fn references(
    train: &Dataset,
    subtrain: &Dataset,
    rv: &Returning,
    rt: &Returning,
    rows: &mut Vec<Value>,
    log: &dyn Fn(&str),
) -> Value {
    let vpop = baselines::popularity(subtrain);
    let vsk = Sknn::new(subtrain, (0..subtrain.groups.len() as u32).collect());
    let mut best: Option<(f32, f64, (f64, f64))> = None;
    let mut grid = Vec::new();
    for w in [0.25f32, 0.5, 1.0, 2.0] {
        for hl in [30.0f64, 90.0, 365.0] {
            let rs = ref_scores(subtrain, &vsk, rv, w, hl);
            let l = ref_blend(&rs, rv, &vpop, subtrain.n_items(), 0.0);
            let m = hr_mrr(&row("", "", &l, rv, subtrain));
            grid.push(json!({"w": w, "halfLifeDays": hl, "hr10": m.0, "mrr10": m.1}));
            if best.is_none_or(|b| m > b.2) {
                best = Some((w, hl, m));
            }
        }
    }
    let (w, hl) = best.map(|b| (b.0, b.1)).unwrap_or((1.0, 90.0));
    let rs = ref_scores(subtrain, &vsk, rv, w, hl);
    let mut bl: Option<(f32, (f64, f64))> = None;
    for step in 0..=10 {
        let lambda = step as f32 / 10.0;
        let l = ref_blend(&rs, rv, &vpop, subtrain.n_items(), lambda);
        let m = hr_mrr(&row("", "", &l, rv, subtrain));
        if bl.is_none_or(|b| m > b.1) {
            bl = Some((lambda, m));
        }
    }
    let lambda = bl.map(|b| b.0).unwrap_or(0.5);
    log(&format!(
        "§3 references chosen on validation: w = {w}, half-life = {hl} days, blend lambda = {lambda}"
    ));
    let pop = baselines::popularity(train);
    let sk = Sknn::new(train, (0..train.groups.len() as u32).collect());
    let rs = ref_scores(train, &sk, rt, w, hl);
    rows.push(row(
        &format!("session kNN (k100, s500) + history (w={w}, half-life {hl} d)"),
        "reference",
        &ref_blend(&rs, rt, &pop, train.n_items(), 0.0),
        rt,
        train,
    ));
    rows.push(row(
        &format!("blend of repeat and kNN + history (λ={lambda})"),
        "reference",
        &ref_blend(&rs, rt, &pop, train.n_items(), lambda),
        rt,
        train,
    ));
    json!({"w": w, "halfLifeDays": hl, "lambda": lambda, "validationGrid": grid})
}
