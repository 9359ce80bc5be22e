//! Self-tuning on a time-based hold-out. Everything the pack's lists use is chosen on the
//! shop's own validation cases, scored as the storefront scores them; nothing is a constant
//! picked on a shared dataset (`docs/quality.md` lists the few fixed settings and why).
//!
//! The steps, each chosen by HR@K then MRR@K (K = 10 for baskets, 20 for sessions):
//! 1. the co-occurrence measure of the co-purchase neighbours (alone);
//! 2. the embedding method (ALS alpha 1 / 10 / 40, PPMI-SVD), each by the best blend it reaches
//!    ([`blend`]: coordinate ascent over the weights of embedding, popularity prior,
//!    neighbours, transitions and basket neighbours);
//! 3. one setting at a time with the blend re-learned for each: profile (fold-in or mean),
//!    half-life (sessions), basket-neighbour count, candidate sample and position weights
//!    (sessions), then how many recent baskets to store (within the byte budget; ties go to
//!    fewer);
//! 4. the guard: the blend and every term alone run through the engine exactly as the wasm
//!    runs them; a single term that beats the blend is kept instead;
//! 5. `completeCart`: its relevance weights the same way over its own terms (co-purchase, cart
//!    affinity, basket neighbours, popularity prior, same guard), then the order-value exponent
//!    (the largest revenue-weighted HR among exponents whose HR stays within one standard
//!    error of the exponent-0 HR) and the substitute penalty (when the catalogue has
//!    categories).

use crate::builder::blend::{self, Score, Shape, Tables};
use crate::bundle::BundleParams;
use crate::metrics::{rank_in, Tally};
use crate::params::{Params, ProfileMethod};
use crate::rank::Engine;
use crate::topk::top_k;
use anyhow::{anyhow, Result};
use serde_json::{json, Value};

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

/// Score ranked lists against the cases (without prices every target weighs 1).
pub fn tally(lists: &[Vec<u32>], cases: &[Case], prices: &[f32], k: usize) -> Tally {
    let priced = prices.iter().any(|&p| p > 0.0);
    let mut t = Tally::default();
    for (l, c) in lists.iter().zip(cases) {
        let w = if priced {
            prices[c.target as usize] as f64
        } else {
            1.0
        };
        t.add(rank_in(l, &c.target, k), w);
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

/// Embedding methods tried.
const METHODS: [Method; 4] = [
    Method::Als { alpha: 1.0 },
    Method::Als { alpha: 10.0 },
    Method::Als { alpha: 40.0 },
    Method::PpmiSvd,
];

/// ALS iterations of the models trained while choosing.
const QUICK_ITERATIONS: usize = 6;

/// Order-value exponents tried for `completeCart`.
const VALUE_EXPONENTS: [f32; 8] = [0.0, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0];
/// Substitute penalties tried for `completeCart` (catalogues with categories).
const SUBSTITUTE_PENALTIES: [f32; 5] = [1.0, 0.5, 0.2, 0.1, 0.0];
/// Fewest baskets worth storing when the count is tuned down.
const MIN_BASKETS: usize = 250;

/// The settings of the scorer before its weights (defaults of a tuned pack).
fn base_params(kind: Kind) -> Params {
    Params {
        event_weights: model::event_weights(kind),
        knn_positional: kind == Kind::Sessions,
        ..Params::default()
    }
}

/// Defaults when there is too little data to hold any out, at `dims` and `neighbours` per item.
pub fn default_choice(kind: Kind, dims: usize, neighbours: usize) -> Choice {
    Choice {
        dims,
        neighbours,
        measure: Measure::Cosine,
        method: Method::Als { alpha: 10.0 },
        params: Params {
            neighbour_weight: 0.5,
            transition_weight: if kind == Kind::Sessions { 0.5 } else { 0.0 },
            ..base_params(kind)
        },
        bundle: BundleParams::default(),
        baskets: 0,
    }
}

/// What [`tune`] chose, with its record and the validation pack (trained on the tuning split
/// with the choice, for later steps that need one).
pub struct Tuned {
    /// The choice.
    pub choice: Choice,
    /// Validation numbers and what was tried (pack metadata `quality`).
    pub quality: Value,
    /// The pack the choice was validated with.
    pub pack: Vec<u8>,
}

/// The best `recommend` setting so far, with the trial pack it was scored on.
struct Best {
    parts: Parts,
    method: Method,
    measure: Measure,
    pack: Vec<u8>,
    p: Params,
    w: Vec<f32>,
    score: Score,
    baskets: usize,
    dims: usize,
    neighbours: usize,
}

impl Best {
    /// The choice this setting stands for (blend weights not yet applied).
    fn choice(&self) -> Choice {
        Choice {
            measure: self.measure,
            method: self.method,
            params: self.p,
            bundle: BundleParams::default(),
            baskets: self.baskets,
            dims: self.dims,
            neighbours: self.neighbours,
        }
    }
}

/// A pack of `parts` with every section the blend may use (the engine's weights are set
/// separately, so the stored `scorer` does not matter).
fn trial_pack(
    sub: &Dataset,
    parts: &Parts,
    c: &Choice,
    o: &Opts,
    baskets: usize,
) -> Result<Vec<u8>> {
    let all = Choice {
        params: Params {
            neighbour_weight: 1.0,
            transition_weight: 1.0,
            knn_weight: 1.0,
            ..c.params
        },
        baskets,
        ..c.clone()
    };
    let meta = json!({ "scorer": c.params, "bundle": c.bundle });
    model::bytes(&model::writer(sub, parts, &all, &c.sized(o), meta))
}

/// The scorer parameters with blend weights `w` (in [`blend::REC_TERMS`] order).
fn with_weights(p: &Params, w: &[f32]) -> Params {
    Params {
        embedding_weight: w[0],
        popularity_weight: w[1],
        trend_weight: w[2],
        neighbour_weight: w[3],
        transition_weight: w[4],
        knn_weight: w[5],
        ..*p
    }
}

/// The cart parameters with relevance weights `w` (in [`blend::CART_TERMS`] order); the
/// shopper-profile weight is half the cart-affinity weight (no held-out basket has views
/// beside its cart to tune it on).
fn with_cart_weights(b: &BundleParams, w: &[f32]) -> BundleParams {
    BundleParams {
        copurchase_weight: w[0],
        cart_affinity_weight: w[1],
        profile_weight: 0.5 * w[1],
        knn_weight: w[2],
        popularity_weight: w[3],
        trend_weight: w[4],
        ..*b
    }
}

/// Which `recommend` terms a pack can score.
fn rec_terms(eng: &Engine) -> [bool; 6] {
    let p = eng.pack();
    let baskets = p.baskets().is_some_and(|b| !b.is_empty());
    [
        true,
        p.popularity().iter().any(|&x| x > 0.0),
        baskets,
        p.has_neighbours(),
        p.has_transitions(),
        baskets,
    ]
}

/// Tables of `recommend` on `pack` with scorer settings `p`, and the best blend there.
fn rec_blend(
    pack: &[u8],
    p: &Params,
    valid: &[Case],
    kind: Kind,
    prices: &[f32],
) -> Result<(Vec<f32>, Score, Vec<Score>)> {
    let mut eng = Engine::from_bytes(pack).map_err(|e| anyhow!("trial pack: {e}"))?;
    eng.set_params(*p).map_err(|e| anyhow!("{e}"))?;
    let allowed = rec_terms(&eng);
    let t = blend::recommend_tables(&mut eng, valid, kind, k_of(kind), prices);
    let r = t.ascend(&allowed, &Shape::default());
    Ok(r)
}

fn score_json(s: &Score) -> Value {
    json!({"hr": s.hr(), "mrr": s.mrr(), "revHr": s.rev_hr()})
}

fn tally_json(t: &Tally) -> Value {
    json!({"hr": t.hit_rate(), "mrr": t.mrr(), "ndcg": t.ndcg(), "revHr": t.value_hit_rate()})
}

fn weights_json(names: &[&str], w: &[f32]) -> Value {
    Value::Object(
        names
            .iter()
            .zip(w)
            .map(|(n, &x)| (n.to_string(), json!(x)))
            .collect(),
    )
}

/// Choose everything on `valid` (cases over `sub`'s items); the final pack may store at most
/// `max_baskets` baskets (the byte budget on the final data).
pub fn tune(
    sub: &Dataset,
    valid: &[Case],
    o: &Opts,
    max_baskets: usize,
    log: &dyn Fn(&str),
) -> Result<Tuned> {
    let kind = sub.kind;
    let k = k_of(kind);
    let prices = &sub.prices;
    let t0 = std::time::Instant::now();
    let el = || format!("[{:.1}s]", t0.elapsed().as_secs_f64());
    let groups = model::groups_of(sub);
    let cooc = Cooc::new(sub.n_items(), groups.iter().map(|g| g.as_slice()));
    let mut tried = Vec::new();
    let mut best_m = (Measure::Cosine, Tally::default());
    for m in Measure::ALL {
        let t = tally(&cooc_lists(&cooc, m, valid, kind, k), valid, prices, k);
        log(&format!("  cooc-{}: HR@{k} {:.4}", m.name(), t.hit_rate()));
        tried.push(
            json!({"what": format!("cooc-{}", m.name()), "hr": t.hit_rate(), "mrr": t.mrr()}),
        );
        if best_m.1.cases == 0 || better(&t, &best_m.1) {
            best_m = (m, t);
        }
    }
    let measure = best_m.0;
    let all_baskets = sub.groups.len().min(max_baskets.max(1));
    let base = base_params(kind);
    // 2. The embedding method, by the blend it reaches.
    let mut best: Option<Best> = None;
    for method in METHODS {
        // Fewer iterations while choosing keeps the build fast (ALS ranks the same way after
        // a few); the final model gets all.
        let quick = Opts {
            iterations: o.iterations.min(QUICK_ITERATIONS),
            ..o.clone()
        };
        let parts = model::parts_with(sub, cooc.clone(), method, &quick, &|| {});
        let c = Choice {
            measure,
            method,
            params: base,
            bundle: BundleParams::default(),
            baskets: all_baskets,
            dims: o.dims,
            neighbours: o.neighbours,
        };
        let pack = trial_pack(sub, &parts, &c, o, all_baskets)?;
        let (w, score, singles) = rec_blend(&pack, &base, valid, kind, prices)?;
        log(&format!(
            "  {} {method:?}: embeddings alone HR@{k} {:.4}; blend {} HR@{k} {:.4} MRR@{k} {:.4}",
            el(),
            singles[0].hr(),
            weights_json(&blend::REC_TERMS, &w),
            score.hr(),
            score.mrr()
        ));
        tried.push(
            json!({"what": method, "embeddingsAlone": score_json(&singles[0]),
            "blend": score_json(&score), "weights": weights_json(&blend::REC_TERMS, &w)}),
        );
        if best.as_ref().is_none_or(|b| score.better_than(&b.score)) {
            best = Some(Best {
                parts,
                method,
                measure,
                pack,
                p: base,
                w,
                score,
                baskets: all_baskets,
                dims: o.dims,
                neighbours: o.neighbours,
            });
        }
    }
    let Some(mut b) = best else {
        return Err(anyhow!("no embedding method could be tried"));
    };
    // 3. One setting at a time, the blend re-learned for each.
    let variants = |f: &dyn Fn(&mut Params, usize), n: usize, p: &Params| -> Vec<Params> {
        (0..n)
            .map(|i| {
                let mut q = *p;
                f(&mut q, i);
                q
            })
            .collect()
    };
    let mut axes = vec!["profile"];
    if kind == Kind::Sessions {
        axes.extend(["halfLifeHours", "knnPositional"]);
    }
    axes.extend(["knnNeighbours", "knnSample"]);
    for axis in axes {
        let vs: Vec<Params> = match axis {
            "profile" => variants(
                &|q, i| q.profile = [ProfileMethod::Auto, ProfileMethod::Mean][i],
                2,
                &b.p,
            ),
            "halfLifeHours" => variants(
                &|q, i| q.half_life_hours = [0.01, 0.1, 1.0, 24.0][i],
                4,
                &b.p,
            ),
            "knnPositional" => variants(&|q, i| q.knn_positional = i == 0, 2, &b.p),
            "knnNeighbours" => variants(&|q, i| q.knn_neighbours = [50, 100, 200][i], 3, &b.p),
            _ => variants(&|q, i| q.knn_sample = [0, 500][i], 2, &b.p),
        };
        for p in vs {
            if p == b.p {
                continue;
            }
            let (w, score, _) = rec_blend(&b.pack, &p, valid, kind, prices)?;
            tried.push(json!({"what": axis, "scorer": p, "blend": score_json(&score)}));
            if score.better_than(&b.score) {
                log(&format!("  {} {axis}: HR@{k} {:.4}", el(), score.hr()));
                (b.p, b.w, b.score) = (p, w, score);
            }
        }
    }
    // The number of stored baskets, smallest among the best.
    if b.w[5] > 0.0 || b.w[2] > 0.0 {
        // Fewer baskets only help when older ones mislead (or to save bytes at a tie): two
        // smaller counts are enough to see it.
        let counts: Vec<usize> = [all_baskets / 2, all_baskets / 4]
            .into_iter()
            .filter(|&n| n >= MIN_BASKETS)
            .collect();
        let c = Choice {
            measure,
            method: b.method,
            params: b.p,
            bundle: BundleParams::default(),
            baskets: all_baskets,
            dims: o.dims,
            neighbours: o.neighbours,
        };
        for n in counts {
            let pack = trial_pack(sub, &b.parts, &c, o, n)?;
            let (w, score, _) = rec_blend(&pack, &b.p, valid, kind, prices)?;
            tried.push(json!({"what": "baskets", "count": n, "blend": score_json(&score)}));
            if !b.score.better_than(&score) {
                log(&format!("  {} {n} baskets: HR@{k} {:.4}", el(), score.hr()));
                (b.pack, b.w, b.score, b.baskets) = (pack, w, score, n);
            }
        }
    }
    // The byte budget: sizes traded down on validation until the pack fits.
    let size = fit_budget(sub, valid, o, &mut b, log)?;
    // 4. The guard, through the engine exactly as the wasm runs it.
    let allowed = {
        let eng = Engine::from_bytes(&b.pack).map_err(|e| anyhow!("{e}"))?;
        rec_terms(&eng)
    };
    let exact = |p: &Params| -> Result<Tally> {
        Ok(tally(
            &engine_run::run(&b.pack, valid, kind, k, Some(*p))?,
            valid,
            prices,
            k,
        ))
    };
    let mut params = with_weights(&b.p, &b.w);
    let mut t_rec = exact(&params)?;
    let mut singles = serde_json::Map::new();
    for (x, name) in blend::REC_TERMS.iter().enumerate() {
        if !allowed[x] {
            continue;
        }
        let mut w = vec![0.0; blend::REC_TERMS.len()];
        w[x] = 1.0;
        let p = with_weights(&b.p, &w);
        let t = exact(&p)?;
        singles.insert(name.to_string(), tally_json(&t));
        if better(&t, &t_rec) {
            log(&format!(
                "  guard: {name} alone beats the blend (HR@{k} {:.4} > {:.4}); keeping it",
                t.hit_rate(),
                t_rec.hit_rate()
            ));
            (params, t_rec) = (p, t);
        }
    }
    log(&format!(
        "  {} recommend: {:?}, cooc-{}, weights {}, {} baskets: HR@{k} {:.4} MRR@{k} {:.4}",
        el(),
        b.method,
        measure.name(),
        weights_json(
            &blend::REC_TERMS,
            &[
                params.embedding_weight,
                params.popularity_weight,
                params.trend_weight,
                params.neighbour_weight,
                params.transition_weight,
                params.knn_weight
            ]
        ),
        b.baskets,
        t_rec.hit_rate(),
        t_rec.mrr()
    ));
    // 5. completeCart.
    let mut choice = Choice {
        measure,
        method: b.method,
        params,
        bundle: BundleParams::default(),
        baskets: b.baskets,
        dims: b.dims,
        neighbours: b.neighbours,
    };
    let (bundle, cart_quality) = tune_cart(&b.pack, &choice, valid, k, prices, log)?;
    choice.bundle = bundle;
    let pack = trial_pack(sub, &b.parts, &choice, o, b.baskets)?;
    let quality = json!({
        "k": k,
        "validationCases": valid.len(),
        "hr": t_rec.hit_rate(),
        "mrr": t_rec.mrr(),
        "ndcg": t_rec.ndcg(),
        "revHr": t_rec.value_hit_rate(),
        "singleTerms": singles,
        "completeCart": cart_quality,
        "size": size,
        "tried": tried,
    });
    Ok(Tuned {
        choice,
        quality,
        pack,
    })
}

/// `completeCart`'s weights, exponent and penalty on `valid` (see the module docs).
fn tune_cart(
    pack: &[u8],
    choice: &Choice,
    valid: &[Case],
    k: usize,
    prices: &[f32],
    log: &dyn Fn(&str),
) -> Result<(BundleParams, Value)> {
    let mut eng = Engine::from_bytes(pack).map_err(|e| anyhow!("{e}"))?;
    eng.set_params(choice.params).map_err(|e| anyhow!("{e}"))?;
    let base = BundleParams {
        value_exponent: 0.0,
        substitute_penalty: 1.0,
        ..BundleParams::default()
    };
    let tables: Tables = blend::cart_tables(&eng, valid, k, prices, &base);
    let p = eng.pack();
    let baskets = p.baskets().is_some_and(|b| !b.is_empty());
    let allowed = [
        p.has_neighbours(),
        true,
        baskets,
        p.popularity().iter().any(|&x| x > 0.0),
        baskets,
    ];
    let (w, score, _) = tables.ascend(&allowed, &Shape::default());
    let exact = |bp: &BundleParams| -> Result<Tally> {
        Ok(tally(
            &engine_run::complete_cart_with(pack, valid, k, Some(bp))?,
            valid,
            prices,
            k,
        ))
    };
    let mut bp = with_cart_weights(&base, &w);
    let mut w = w;
    let mut t = exact(&bp)?;
    let mut singles = serde_json::Map::new();
    for (x, name) in blend::CART_TERMS.iter().enumerate() {
        if !allowed[x] {
            continue;
        }
        let mut ws = vec![0.0; blend::CART_TERMS.len()];
        ws[x] = 1.0;
        let s = with_cart_weights(&base, &ws);
        let ts = exact(&s)?;
        singles.insert(name.to_string(), tally_json(&ts));
        if better(&ts, &t) {
            log(&format!(
                "  guard: completeCart {name} alone beats the blend; keeping it"
            ));
            (bp, t, w) = (s, ts, ws);
        }
    }
    // The order-value exponent: the best revenue-weighted HR among exponents that cost at most
    // one standard error of HR.
    let mut gamma = 0.0;
    let mut by_gamma = Vec::new();
    if tables.mean_price.is_some() {
        let s0 = tables.eval(&w, &Shape::default());
        let se = (s0.hr() * (1.0 - s0.hr()) / s0.cases.max(1) as f64).sqrt();
        let mut best = s0;
        for g in VALUE_EXPONENTS {
            let s = tables.eval(
                &w,
                &Shape {
                    value_exponent: g,
                    substitute_penalty: 1.0,
                },
            );
            by_gamma.push(json!({"valueExponent": g, "hr": s.hr(), "revHr": s.rev_hr()}));
            if s.hr() >= s0.hr() - se && s.rev_hr() > best.rev_hr() {
                (best, gamma) = (s, g);
            }
        }
    }
    let mut penalty = 1.0;
    if !eng.pack().categories().is_empty() {
        let shape = |pen| Shape {
            value_exponent: gamma,
            substitute_penalty: pen,
        };
        let mut best = tables.eval(&w, &shape(1.0));
        for pen in SUBSTITUTE_PENALTIES {
            let s = tables.eval(&w, &shape(pen));
            if s.better_than(&best) {
                (best, penalty) = (s, pen);
            }
        }
    }
    bp.value_exponent = gamma;
    bp.substitute_penalty = penalty;
    let t_final = exact(&bp)?;
    log(&format!(
        "  completeCart: weights {}, value exponent {gamma}, substitute penalty {penalty}: \
         HR@{k} {:.4} RevHR@{k} {:.4} (relevance alone {:.4} / {:.4})",
        weights_json(&blend::CART_TERMS, &w),
        t_final.hit_rate(),
        t_final.value_hit_rate(),
        t.hit_rate(),
        t.value_hit_rate()
    ));
    let q = json!({
        "hr": t_final.hit_rate(), "mrr": t_final.mrr(), "revHr": t_final.value_hit_rate(),
        "relevanceAlone": tally_json(&t), "tablesBlend": score_json(&score),
        "singleTerms": singles, "valueExponents": by_gamma,
    });
    Ok((bp, q))
}

/// Neighbour counts tried when the budget asks for fewer (0 = no neighbour lists).
pub const NEIGHBOUR_STEPS: [usize; 5] = [100, 50, 25, 10, 0];
/// Fewest embedding dimensions the budget may ask for.
pub const MIN_DIMS: usize = 16;

/// Trade sizes down until the trial pack's gzip -9 bytes fit 95% of `o.max_pack_bytes` (the
/// final pack also holds repurchase stats and trains on more data; `pipeline::finish` trims
/// baskets if it still does not fit). Each round tries one step down on every axis (half the
/// embedding dimensions, retrained; the next neighbour count; half the stored baskets), with
/// the blend re-learned on validation for each, and takes the step that loses the least
/// validation HR per byte saved (then MRR). Returns the record of the trade-off.
fn fit_budget(
    sub: &Dataset,
    valid: &[Case],
    o: &Opts,
    b: &mut Best,
    log: &dyn Fn(&str),
) -> Result<Value> {
    let kind = sub.kind;
    let k = k_of(kind);
    let mut gz = model::gzip_len(&b.pack);
    let start = json!({"dims": b.dims, "neighbours": b.neighbours, "baskets": b.baskets,
        "gzipBytes": gz, "blend": score_json(&b.score)});
    if o.max_pack_bytes == 0 {
        return Ok(json!({"budget": null, "start": start}));
    }
    let target = o.max_pack_bytes / 20 * 19;
    let mut steps = Vec::new();
    while gz > target {
        struct Step {
            what: &'static str,
            parts: Option<Parts>,
            dims: usize,
            neighbours: usize,
            baskets: usize,
            pack: Vec<u8>,
            w: Vec<f32>,
            score: Score,
            gz: usize,
        }
        let mut cands = Vec::new();
        let mut try_step =
            |what: &'static str, dims: usize, neighbours: usize, baskets: usize| -> Result<()> {
                let parts = (dims != b.dims).then(|| {
                    let quick = Opts {
                        iterations: o.iterations.min(QUICK_ITERATIONS),
                        dims,
                        ..o.clone()
                    };
                    model::parts_with(sub, b.parts.cooc.clone(), b.method, &quick, &|| {})
                });
                let c = Choice {
                    dims,
                    neighbours,
                    baskets,
                    ..b.choice()
                };
                let pack = trial_pack(sub, parts.as_ref().unwrap_or(&b.parts), &c, o, baskets)?;
                let g = model::gzip_len(&pack);
                if g >= gz {
                    return Ok(());
                }
                let (w, score, _) = rec_blend(&pack, &b.p, valid, kind, &sub.prices)?;
                cands.push(Step {
                    what,
                    parts,
                    dims,
                    neighbours,
                    baskets,
                    pack,
                    w,
                    score,
                    gz: g,
                });
                Ok(())
            };
        if b.dims / 2 >= MIN_DIMS {
            try_step("dims", b.dims / 2, b.neighbours, b.baskets)?;
        }
        if let Some(&n) = NEIGHBOUR_STEPS.iter().find(|&&n| n < b.neighbours) {
            try_step("neighbours", b.dims, n, b.baskets)?;
        }
        if b.baskets > 0 {
            let half = if b.baskets / 2 >= MIN_BASKETS {
                b.baskets / 2
            } else {
                0
            };
            try_step("baskets", b.dims, b.neighbours, half)?;
        }
        // Least validation loss per byte saved (a gain counts as negative loss).
        let cost = |s: &Step| {
            let loss = b.score.hr() - s.score.hr() + 1e-3 * (b.score.mrr() - s.score.mrr());
            loss / (gz - s.gz) as f64
        };
        let Some(best) = cands.into_iter().min_by(|x, y| cost(x).total_cmp(&cost(y))) else {
            log(&format!(
                "  size: {gz} bytes gzip is over the {} budget and nothing smaller is left to try",
                o.max_pack_bytes
            ));
            break;
        };
        log(&format!(
            "  size: {} -> dims {}, neighbours {}, baskets {}: {} -> {} bytes gzip, HR@{k} {:.4} -> {:.4}",
            best.what, best.dims, best.neighbours, best.baskets, gz, best.gz, b.score.hr(), best.score.hr()
        ));
        steps.push(
            json!({"what": best.what, "dims": best.dims, "neighbours": best.neighbours,
            "baskets": best.baskets, "gzipBytes": best.gz, "blend": score_json(&best.score)}),
        );
        if let Some(p) = best.parts {
            b.parts = p;
        }
        (b.dims, b.neighbours, b.baskets) = (best.dims, best.neighbours, best.baskets);
        (b.pack, b.w, b.score) = (best.pack, best.w, best.score);
        gz = best.gz;
    }
    Ok(json!({"budget": o.max_pack_bytes, "start": start, "steps": steps, "gzipBytes": gz}))
}
