//! Self-tuning on a time-based hold-out: the co-occurrence measure, the embedding method, and
//! the scorer's blend weights, half-life and profile, each chosen by HR@K then MRR@K on the
//! validation cases, scored through the same `Engine` the storefront runs.

use crate::metrics::{rank_in, Tally};
use crate::params::{Params, ProfileMethod};
use crate::topk::top_k;
use anyhow::Result;
use serde_json::json;

use crate::builder::cases::Case;
use crate::builder::data::{Dataset, Kind};
use crate::builder::engine_run;
use crate::builder::model::{self, Choice, Method, Opts, Parts};
use crate::builder::train::cooc::{Cooc, Measure};

/// List length used for choosing: 10 for baskets, 20 for sessions.
pub fn k_of(kind: Kind) -> usize {
    match kind {
        Kind::Baskets => 10,
        Kind::Sessions => 20,
    }
}

/// Score ranked lists against the cases.
pub fn tally(lists: &[Vec<u32>], cases: &[Case], prices: &[f32], k: usize) -> Tally {
    let mut t = Tally::default();
    for (l, c) in lists.iter().zip(cases) {
        t.add(rank_in(l, &c.target, k), prices[c.target as usize] as f64);
    }
    t
}

/// The choosing rule: higher HR@k, then higher MRR@k.
pub fn better(a: &Tally, b: &Tally) -> bool {
    (a.hit_rate(), a.mrr()) > (b.hit_rate(), b.mrr())
}

/// Ranked lists of a co-occurrence measure (ties: popularity, then index).
pub fn cooc_lists(c: &Cooc, m: Measure, cases: &[Case], kind: Kind, k: usize) -> Vec<Vec<u32>> {
    let pop: Vec<f32> = c.count.iter().map(|&x| x as f32).collect();
    let mut s = vec![0.0f32; c.count.len()];
    cases
        .iter()
        .map(|cs| {
            s.iter_mut().for_each(|x| *x = 0.0);
            c.score_into(m, &cs.ctx, &mut s);
            let excl: Vec<u32> = match kind {
                Kind::Baskets => cs.ctx.clone(),
                Kind::Sessions => cs.ctx.last().copied().into_iter().collect(),
            };
            top_k(&s, &pop, k, |j| !excl.contains(&(j as u32)))
                .into_iter()
                .map(|x| x.index)
                .collect()
        })
        .collect()
}

/// A pack with every optional section, for trying blends.
fn trial_pack(sub: &Dataset, parts: &Parts, measure: Measure, o: &Opts) -> Result<Vec<u8>> {
    let choice = Choice {
        measure,
        method: Method::PpmiSvd,
        params: Params {
            neighbour_weight: 1.0,
            transition_weight: 1.0,
            ..Params::default()
        },
    };
    model::bytes(&model::writer(sub, parts, &choice, o, json!({})))
}

/// Defaults when there is too little data to hold any out.
pub fn default_choice(kind: Kind) -> Choice {
    Choice {
        measure: Measure::Cosine,
        method: Method::Als { alpha: 10.0 },
        params: Params {
            event_weights: model::event_weights(kind),
            neighbour_weight: 0.5,
            transition_weight: if kind == Kind::Sessions { 0.5 } else { 0.0 },
            ..Params::default()
        },
    }
}

/// Choose everything on `valid` (cases over `sub`'s items). Returns the choice and a JSON record.
pub fn tune(
    sub: &Dataset,
    valid: &[Case],
    o: &Opts,
    log: &dyn Fn(&str),
) -> Result<(Choice, serde_json::Value)> {
    let kind = sub.kind;
    let k = k_of(kind);
    let groups = model::groups_of(sub);
    let cooc = Cooc::new(sub.n_items(), groups.iter().map(|g| g.as_slice()));
    let mut tried = Vec::new();
    let mut best_m = (Measure::Cosine, Tally::default());
    for m in Measure::ALL {
        let t = tally(&cooc_lists(&cooc, m, valid, kind, k), valid, &sub.prices, k);
        log(&format!("  cooc-{}: HR@{k} {:.4}", m.name(), t.hit_rate()));
        tried.push(
            json!({"what": format!("cooc-{}", m.name()), "hr": t.hit_rate(), "mrr": t.mrr()}),
        );
        if best_m.1.cases == 0 || better(&t, &best_m.1) {
            best_m = (m, t);
        }
    }
    let measure = best_m.0;
    let base = Params {
        event_weights: model::event_weights(kind),
        ..Params::default()
    };
    let emb_only = Params {
        neighbour_weight: 0.0,
        transition_weight: 0.0,
        ..base
    };
    let mut best: Option<(Method, usize, Tally, ProfileMethod)> = None;
    let mut all_parts: Vec<Parts> = Vec::new();
    for method in [
        Method::Als { alpha: 1.0 },
        Method::Als { alpha: 10.0 },
        Method::Als { alpha: 40.0 },
        Method::PpmiSvd,
    ] {
        // Fewer iterations while choosing keeps the build fast; the final model gets all.
        let quick = Opts {
            iterations: o.iterations.min(10),
            ..o.clone()
        };
        let parts = model::parts(sub, method, &quick, &|| {});
        let pack = trial_pack(sub, &parts, measure, o)?;
        for profile in [ProfileMethod::Auto, ProfileMethod::Mean] {
            let p = Params {
                profile,
                ..emb_only
            };
            let lists = engine_run::run(&pack, valid, kind, k, Some(p))?;
            let t = tally(&lists, valid, &sub.prices, k);
            log(&format!(
                "  {method:?} ({profile:?} profile): HR@{k} {:.4} MRR@{k} {:.4}",
                t.hit_rate(),
                t.mrr()
            ));
            tried.push(
                json!({"what": method, "profile": profile, "hr": t.hit_rate(), "mrr": t.mrr()}),
            );
            if best.as_ref().is_none_or(|b| better(&t, &b.2)) {
                best = Some((method, all_parts.len(), t, profile));
            }
        }
        all_parts.push(parts);
    }
    let Some((method, best_ix, emb_t, best_profile)) = best else {
        return Ok((default_choice(kind), json!({})));
    };
    let nws = [0.0f32, 0.1, 0.2, 0.35, 0.5, 0.75, 1.0, 1.5, 2.0, 4.0];
    let tws: &[f32] = match kind {
        Kind::Sessions => &[0.0, 0.25, 0.5, 1.0, 2.0, 4.0],
        Kind::Baskets => &[0.0],
    };
    let hls: &[f64] = match kind {
        Kind::Sessions => &[0.01, 0.03, 0.1, 0.3, 1.0, 24.0],
        Kind::Baskets => &[24.0],
    };
    let parts = &all_parts[best_ix];
    let emb_only = Params {
        profile: best_profile,
        ..emb_only
    };
    // Coordinate search (half-life, then neighbour weight, then transition weight, twice)
    // instead of the full grid: the same optimum on baskets, where only one axis is open,
    // and a few dozen settings instead of hundreds on sessions.
    let pack = trial_pack(sub, parts, measure, o)?;
    let mut best_p = (emb_only, emb_t);
    let mut tried_p: Vec<(f64, f32, f32)> = vec![(emb_only.half_life_hours, 0.0, 0.0)];
    for _round in 0..2 {
        for axis in 0..3 {
            let values: Vec<f64> = match axis {
                0 => hls.to_vec(),
                1 => nws.iter().map(|&x| x as f64).collect(),
                _ => tws.iter().map(|&x| x as f64).collect(),
            };
            let start = best_p.0;
            for v in values {
                let mut p = start;
                match axis {
                    0 => p.half_life_hours = v,
                    1 => p.neighbour_weight = v as f32,
                    _ => p.transition_weight = v as f32,
                }
                let key = (p.half_life_hours, p.neighbour_weight, p.transition_weight);
                if tried_p.contains(&key) {
                    continue;
                }
                tried_p.push(key);
                let lists = engine_run::run(&pack, valid, kind, k, Some(p))?;
                let t = tally(&lists, valid, &sub.prices, k);
                if better(&t, &best_p.1) {
                    best_p = (p, t);
                }
            }
        }
    }
    let (params, t) = best_p;
    log(&format!(
        "  chosen: {method:?}, cooc-{}, neighbourWeight {}, transitionWeight {}, halfLife {}h, \
         profile {:?}: HR@{k} {:.4} MRR@{k} {:.4}",
        measure.name(),
        params.neighbour_weight,
        params.transition_weight,
        params.half_life_hours,
        params.profile,
        t.hit_rate(),
        t.mrr()
    ));
    let quality = json!({
        "k": k,
        "validationCases": valid.len(),
        "hr": t.hit_rate(),
        "mrr": t.mrr(),
        "ndcg": t.ndcg(),
        "revHr": t.value_hit_rate(),
        "tried": tried,
    });
    Ok((
        Choice {
            measure,
            method,
            params,
        },
        quality,
    ))
}
