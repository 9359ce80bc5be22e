//! Run cases through `crate::rank::Engine`, exactly as the wasm storefront would: the
//! context becomes add-to-cart events (baskets) or views (sessions), then `recommend`.

use crate::bundle::BundleParams;
use crate::history::{EventKind, History};
use crate::params::Params;
use crate::rank::{Engine, Query};
use anyhow::{anyhow, Result};
use rayon::prelude::*;

use crate::builder::cases::Case;
use crate::builder::data::Kind;

/// Ranked item indices (top `k`) for every case.
pub fn run(
    pack: &[u8],
    cases: &[Case],
    kind: Kind,
    k: usize,
    params: Option<Params>,
) -> Result<Vec<Vec<u32>>> {
    let base = Engine::from_bytes(pack).map_err(|e| anyhow!("the pack does not load: {e}"))?;
    let mut base = base;
    if let Some(p) = params {
        base.set_params(p).map_err(|e| anyhow!("{e}"))?;
    }
    let chunk = cases
        .len()
        .div_ceil(rayon::current_num_threads() * 4)
        .max(1);
    let parts: Vec<Result<Vec<Vec<u32>>>> = cases
        .par_chunks(chunk)
        .map(|part| {
            let mut eng = base.clone();
            part.iter().map(|c| one(&mut eng, c, kind, k)).collect()
        })
        .collect();
    let mut out = Vec::with_capacity(cases.len());
    for p in parts {
        out.extend(p?);
    }
    Ok(out)
}

/// Put case `c` into the engine as the storefront would: its context becomes add-to-cart
/// events (baskets) or views (sessions), at the case's event times.
pub fn load_case(eng: &mut Engine, c: &Case, kind: Kind) -> Result<()> {
    // Bounds that hold the whole context (wholesale invoices reach 1,000+ lines).
    let n = c.ctx.len().clamp(1, crate::history::MAX_MAX_EVENTS);
    let mut h = History::new(n).map_err(|e| anyhow!("{e}"))?;
    h.set_max_cart_lines(n.max(crate::cart::DEFAULT_MAX_CART_LINES))
        .map_err(|e| anyhow!("{e}"))?;
    let ev = match kind {
        Kind::Baskets => EventKind::AddToCart,
        Kind::Sessions => EventKind::View,
    };
    for (&i, &at) in c.ctx.iter().zip(&c.ats) {
        let id = eng.pack().id(i as usize).to_owned();
        h.push(ev, &id, at).map_err(|e| anyhow!("{e}"))?;
    }
    eng.set_history(h);
    Ok(())
}

/// One case through the engine: `recommend({ k })` after [`load_case`] (the current item of a
/// session is the newest event, which `recommend` never lists).
pub fn one(eng: &mut Engine, c: &Case, kind: Kind, k: usize) -> Result<Vec<u32>> {
    load_case(eng, c, kind)?;
    let q = Query {
        k,
        ..Query::default()
    };
    let recs = eng.recommend(&q).map_err(|e| anyhow!("{e}"))?;
    Ok(recs.into_iter().map(|r| r.index as u32).collect())
}

/// Ranked item indices of `Engine::complete_cart_for` (the wasm `completeCart` ranking for a
/// given cart, no history; weights from the pack's `bundle` metadata) for every case.
pub fn complete_cart(pack: &[u8], cases: &[Case], k: usize) -> Result<Vec<Vec<u32>>> {
    complete_cart_with(pack, cases, k, None)
}

/// [`complete_cart`] with explicit cart weights (`None`: the pack's).
pub fn complete_cart_with(
    pack: &[u8],
    cases: &[Case],
    k: usize,
    params: Option<&BundleParams>,
) -> Result<Vec<Vec<u32>>> {
    let base = Engine::from_bytes(pack).map_err(|e| anyhow!("the pack does not load: {e}"))?;
    let params = params.copied().unwrap_or_else(|| base.bundle_params());
    params.validate().map_err(|e| anyhow!("{e}"))?;
    let chunk = cases
        .len()
        .div_ceil(rayon::current_num_threads() * 4)
        .max(1);
    Ok(cases
        .par_chunks(chunk)
        .flat_map_iter(|part| {
            let mut eng = base.clone();
            part.iter()
                .map(|c| {
                    let cart: Vec<String> = c
                        .ctx
                        .iter()
                        .map(|&i| eng.pack().id(i as usize).to_owned())
                        .collect();
                    eng.complete_cart_for_with(&cart, k, &params)
                        .unwrap_or_default()
                        .into_iter()
                        .map(|j| j as u32)
                        .collect::<Vec<u32>>()
                })
                .collect::<Vec<_>>()
        })
        .collect())
}

/// The free-shipping nudge on basket cases: for every cart whose total (train median prices)
/// is below `threshold`, ask `complete_cart` for up to `k` closers and count how often the hidden
/// item is among them. Returns (carts below the threshold, carts whose closers hold the target).
pub fn nudge(
    pack: &[u8],
    cases: &[Case],
    prices: &[f32],
    threshold: f32,
    k: usize,
) -> Result<(usize, usize)> {
    let mut eng = Engine::from_bytes(pack).map_err(|e| anyhow!("the pack does not load: {e}"))?;
    let (mut below, mut hits) = (0, 0);
    for c in cases {
        let total: f32 = c.ctx.iter().map(|&i| prices[i as usize]).sum();
        if total >= threshold {
            continue;
        }
        below += 1;
        let cart: Vec<String> = c
            .ctx
            .iter()
            .map(|&i| eng.pack().id(i as usize).to_owned())
            .collect();
        let q = crate::bundle::CartQuery {
            cart: Some(cart),
            k,
            free_shipping_threshold: Some(threshold),
            ..crate::bundle::CartQuery::default()
        };
        let s = eng.complete_cart(&q).map_err(|e| anyhow!("{e}"))?;
        let target = eng.pack().id(c.target as usize);
        if s.closers.iter().any(|r| r.id == target) {
            hits += 1;
        }
    }
    Ok((below, hits))
}
