//! Turn a clean dataset and a set of choices into a pack: popularity, prices, co-purchase
//! neighbours, transitions, embeddings (ALS or PPMI-SVD), cold-start rows and metadata.

use crate::bundle::BundleParams;
use crate::pack::format::ITEM_FLAG_COLD;
use crate::pack::{PackWriter, Quantize};
use crate::params::{EventWeights, Params};
use anyhow::{anyhow, Result};

use crate::builder::data::{Dataset, Kind};
use crate::builder::split;
use crate::builder::train::cooc::{self, Cooc, Measure};
use crate::builder::train::{als, coldstart, ppmi};

/// An embedding method.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
#[serde(rename_all = "kebab-case", tag = "name")]
pub enum Method {
    /// Implicit ALS with this confidence alpha.
    Als {
        /// Confidence scale: c = 1 + alpha for observed pairs.
        alpha: f32,
    },
    /// Truncated SVD of the shifted PPMI co-occurrence matrix.
    PpmiSvd,
}

/// Everything the tuner chooses.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Choice {
    /// Association measure of the co-purchase neighbours.
    pub measure: Measure,
    /// Embedding method.
    pub method: Method,
    /// Scorer settings stored in the pack (`recommend`, `similar`).
    pub params: Params,
    /// Cart scorer settings stored in the pack (`completeCart`, `frequentlyBoughtTogether`,
    /// `bundles`).
    pub bundle: BundleParams,
    /// How many of the most recent groups the pack stores for basket neighbours (0 = none).
    pub baskets: usize,
    /// Embedding dimensions (at most `--dims`; fewer when the byte budget asks for it).
    pub dims: usize,
    /// Co-purchase neighbours and transitions kept per item (at most `--neighbours`).
    pub neighbours: usize,
}

impl Choice {
    /// The build options with this choice's sizes.
    pub fn sized(&self, o: &Opts) -> Opts {
        Opts {
            dims: self.dims,
            neighbours: self.neighbours,
            ..o.clone()
        }
    }
}

/// Fixed build options.
#[derive(Debug, Clone)]
pub struct Opts {
    /// Embedding dimensions.
    pub dims: usize,
    /// Seed of every random choice.
    pub seed: u64,
    /// Embedding storage.
    pub quantize: Quantize,
    /// Co-purchase neighbours and transitions kept per item.
    pub neighbours: usize,
    /// ALS iterations.
    pub iterations: usize,
    /// Items in fewer groups than this get a cold-start (title) embedding.
    pub cold_below: u32,
    /// Most bytes the stored baskets (`BSKT`) may take.
    pub basket_bytes: usize,
    /// Most bytes of the whole pack after gzip -9 (`--max-pack-kb`; 0 = no budget). Dims,
    /// neighbours per item and stored baskets are traded down on validation to fit.
    pub max_pack_bytes: usize,
    /// Which item facts the pack carries (`--facts`).
    pub facts: Facts,
}

/// Item facts stored in the pack: a shop that renders its own product table can leave titles
/// and categories (and prices) out of the download.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Facts {
    /// Ids only (no titles, categories or prices: `completeCart` has no value term).
    None,
    /// Prices, no titles or categories.
    Prices,
    /// Titles, categories and prices.
    #[default]
    All,
}

/// Default pack budget (`--max-pack-kb`): 1,024 KB after gzip, what a storefront can fetch
/// on a phone before its first personalised list.
pub const MAX_PACK_KB: usize = 1024;

/// Size of `b` after gzip -9, as a web server would send it.
pub fn gzip_len(b: &[u8]) -> usize {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    // Writing into a Vec cannot fail.
    let _ = e.write_all(b);
    e.finish().map_or(usize::MAX, |v| v.len())
}

/// Default byte budget of the stored baskets (`--basket-bytes`): 1 MiB, about 40,000 baskets
/// of 20 items from a 10,000-item catalogue; basket neighbours score them in well under a
/// millisecond (`make bench`).
pub const BASKET_BYTES: usize = 1 << 20;

/// ALS ridge (as `implicit`'s default; validation on Online Retail was flat from 0.01 to 5).
pub const ALS_LAMBDA: f32 = 0.01;

/// Event weights with the dominant event of the data at 1, so the fold-in confidence matches
/// the confidence the embeddings were trained with.
pub fn event_weights(kind: Kind) -> EventWeights {
    match kind {
        Kind::Baskets => EventWeights {
            view: 1.0 / 3.0,
            add_to_cart: 1.0,
            remove_from_cart: -1.0,
            purchase: 2.0 / 3.0,
        },
        Kind::Sessions => EventWeights::default(),
    }
}

/// Learned parts that do not depend on the blend weights.
pub struct Parts {
    /// Co-occurrence counts.
    pub cooc: Cooc,
    /// Item embeddings, `n x dims` row-major.
    pub emb: Vec<f32>,
    /// Embedding dimensions.
    pub dims: usize,
    /// Fold-in confidence scale matching the training.
    pub fold_alpha: f32,
    /// Directed transitions (sessions only).
    pub transitions: Option<crate::pack::SparseRows>,
    /// Per-item flags (cold-start rows).
    pub flags: Vec<u8>,
}

/// The item lists of the groups.
pub fn groups_of(ds: &Dataset) -> Vec<Vec<u32>> {
    ds.groups.iter().map(|g| g.items.clone()).collect()
}

/// Train the embeddings of `method` on `ds`.
pub fn embed(ds: &Dataset, cooc: &Cooc, method: Method, o: &Opts, tick: &dyn Fn()) -> Vec<f32> {
    let n = ds.n_items();
    match method {
        Method::Als { alpha } => {
            let p = als::AlsParams {
                dims: o.dims,
                alpha,
                lambda: ALS_LAMBDA,
                iterations: o.iterations,
                cg_steps: 3,
            };
            als::train(&groups_of(ds), n, &p, o.seed, tick)
        }
        Method::PpmiSvd => ppmi::train(cooc, o.dims, o.seed),
    }
}

/// Everything but the blend.
pub fn parts(ds: &Dataset, method: Method, o: &Opts, tick: &dyn Fn()) -> Parts {
    let groups = groups_of(ds);
    let cooc = Cooc::new(ds.n_items(), groups.iter().map(|g| g.as_slice()));
    parts_with(ds, cooc, method, o, tick)
}

/// [`parts`] with the co-occurrence of `ds` already counted.
pub fn parts_with(ds: &Dataset, cooc: Cooc, method: Method, o: &Opts, tick: &dyn Fn()) -> Parts {
    let groups = groups_of(ds);
    let mut emb = embed(ds, &cooc, method, o, tick);
    let flags = coldstart::apply(ds, &cooc.count, &mut emb, o.dims, o.cold_below);
    let transitions = match ds.kind {
        Kind::Sessions => Some(
            cooc::transitions(
                ds.n_items(),
                groups.iter().map(|g| g.as_slice()),
                o.neighbours,
            )
            .0,
        ),
        Kind::Baskets => None,
    };
    let fold_alpha = match method {
        Method::Als { alpha } => alpha,
        Method::PpmiSvd => 1.0,
    };
    Parts {
        cooc,
        emb,
        dims: o.dims,
        fold_alpha,
        transitions,
        flags,
    }
}

/// Assemble the pack: the sections the choice uses (co-purchase neighbours when either list
/// weighs them, transitions, the `choice.baskets` most recent groups) and `meta`.
pub fn writer(
    ds: &Dataset,
    parts: &Parts,
    choice: &Choice,
    o: &Opts,
    meta: serde_json::Value,
) -> PackWriter {
    let p = &choice.params;
    let mut w = PackWriter::new(ds.ids.clone(), parts.dims, parts.emb.clone())
        .popularity(parts.cooc.count.iter().map(|&c| c as f32).collect())
        .fold_in(ALS_LAMBDA.max(1e-3), parts.fold_alpha)
        .item_flags(parts.flags.clone())
        .quantize(o.quantize)
        .compact_lists(true)
        .meta(meta);
    if o.facts != Facts::None {
        w = w.prices(ds.prices.clone());
    }
    if o.facts == Facts::All {
        w = w.titles(ds.titles.clone());
        if ds.categories.iter().any(|c| !c.is_empty()) {
            w = w.categories(ds.categories.clone());
        }
    }
    if p.neighbour_weight > 0.0 || choice.bundle.copurchase_weight > 0.0 {
        w = w.neighbours(parts.cooc.neighbours(choice.measure, o.neighbours));
    }
    if p.transition_weight > 0.0 {
        if let Some(t) = &parts.transitions {
            w = w.transitions(t.clone());
        }
    }
    if choice.baskets > 0 && (p.knn_weight > 0.0 || choice.bundle.knn_weight > 0.0) {
        w = w.baskets(recent_baskets(ds, choice.baskets));
    }
    w
}

/// The `n` most recent groups' items, most recent first ([`split::recency`] order).
pub fn recent_baskets(ds: &Dataset, n: usize) -> Vec<Vec<u32>> {
    split::recency(ds)
        .into_iter()
        .rev()
        .take(n)
        .map(|g| ds.groups[g].items.clone())
        .collect()
}

/// How many of the most recent groups fit in `bytes` of `BSKT` section.
pub fn baskets_within(ds: &Dataset, bytes: usize) -> usize {
    let varint = |x: u32| (32 - x.leading_zeros()).div_ceil(7).max(1) as usize;
    let mut used = 16;
    let mut n = 0;
    for g in split::recency(ds).into_iter().rev() {
        let mut s = ds.groups[g].items.clone();
        s.sort_unstable();
        s.dedup();
        let mut b = varint(s.len() as u32 - 1) + varint(s[0]);
        b += s.windows(2).map(|w| varint(w[1] - w[0] - 1)).sum::<usize>();
        if used + b > bytes {
            break;
        }
        used += b;
        n += 1;
    }
    n
}

/// Bytes of a pack (errors from the writer become messages).
pub fn bytes(w: &PackWriter) -> Result<Vec<u8>> {
    w.to_bytes()
        .map_err(|e| anyhow!("cannot write the pack: {e}"))
}

/// The flag value for a cold-start row.
pub const COLD: u8 = ITEM_FLAG_COLD;
