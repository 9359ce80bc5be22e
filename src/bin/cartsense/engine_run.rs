//! Run cases through `cartsense::rank::Engine`, exactly as the wasm storefront would: the
//! context becomes add-to-cart events (baskets) or views (sessions), then `recommend`.

use anyhow::{anyhow, Result};
use cartsense::history::{EventKind, History};
use cartsense::params::Params;
use cartsense::rank::{Engine, Query};
use rayon::prelude::*;

use crate::cases::Case;
use crate::data::Kind;

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

/// One case through the engine.
pub fn one(eng: &mut Engine, c: &Case, kind: Kind, k: usize) -> Result<Vec<u32>> {
    let mut h = History::new(c.ctx.len().clamp(1, 100_000)).map_err(|e| anyhow!("{e}"))?;
    let ev = match kind {
        Kind::Baskets => EventKind::AddToCart,
        Kind::Sessions => EventKind::View,
    };
    for (&i, &at) in c.ctx.iter().zip(&c.ats) {
        let id = eng.pack().id(i as usize).to_owned();
        h.push(ev, &id, at).map_err(|e| anyhow!("{e}"))?;
    }
    eng.set_history(h);
    let mut q = Query {
        k,
        ..Query::default()
    };
    if kind == Kind::Sessions {
        if let Some(&last) = c.ctx.last() {
            q.exclude.push(eng.pack().id(last as usize).to_owned());
        }
    }
    let recs = eng.recommend(&q).map_err(|e| anyhow!("{e}"))?;
    Ok(recs.into_iter().map(|r| r.index as u32).collect())
}
