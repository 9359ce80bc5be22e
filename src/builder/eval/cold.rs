//! Cold-start check by holding out items: every 10th well-known item (with a title) loses its
//! trained embedding and gets the one predicted from its title by the ridge map fitted on the
//! other items. Test cases whose target is such an item are then scored through `Engine`
//! (embeddings only) with the trained rows, the title rows, and no rows at all (zeros: the item
//! can only come back through the popularity tie-break), the three situations a new item can be in.

use crate::metrics::{rank_in, Tally};
use crate::pack::{Pack, PackWriter, Quantize};
use crate::params::Params;
use anyhow::{anyhow, Result};
use serde_json::{json, Value};

use super::protocol::Split;
use crate::builder::engine_run;
use crate::builder::train::coldstart;

/// The check on the test cases of `s` with our pack and (embeddings-only) `params`.
pub fn run(s: &Split, pack_bytes: &[u8], params: Params) -> Result<Value> {
    let pack = Pack::from_bytes(pack_bytes).map_err(|e| anyhow!("{e}"))?;
    let (n, d) = (pack.len(), pack.dims());
    let mut emb = vec![0.0f32; n * d];
    for i in 0..n {
        pack.embedding(i, &mut emb[i * d..(i + 1) * d]);
    }
    let pop = pack.popularity().to_vec();
    let feats: Vec<_> = (0..n)
        .map(|i| coldstart::features(&s.train.titles[i], &s.train.categories[i]))
        .collect();
    let known: Vec<usize> = (0..n)
        .filter(|&i| pop[i] >= 3.0 && !feats[i].is_empty() && pack.item_flags(i) & 1 == 0)
        .collect();
    let held: Vec<usize> = known.iter().copied().filter(|i| i % 10 == 7).collect();
    let fit_on: Vec<usize> = known.iter().copied().filter(|i| i % 10 != 7).collect();
    let Some(w) = coldstart::fit(&feats, &emb, d, &fit_on) else {
        return Ok(json!({"error": "ridge fit failed"}));
    };
    let mut is_held = vec![false; n];
    held.iter().for_each(|&i| is_held[i] = true);
    let cases: Vec<_> = s
        .test
        .iter()
        .filter(|c| is_held[c.target as usize])
        .cloned()
        .collect();
    let gram = pack.gram().map(|g| (g.lambda, g.alpha));
    let variant = |rows: &dyn Fn(usize) -> Vec<f32>| -> Result<Tally> {
        let mut e = emb.clone();
        for &i in &held {
            e[i * d..(i + 1) * d].copy_from_slice(&rows(i));
        }
        let mut wr = PackWriter::new(s.train.ids.clone(), d, e)
            .popularity(pop.clone())
            .quantize(Quantize::I8);
        if let Some((l, a)) = gram {
            wr = wr.fold_in(l, a);
        }
        let bytes = wr.to_bytes().map_err(|e| anyhow!("{e}"))?;
        let lists = engine_run::run(&bytes, &cases, s.kind, s.k, Some(params))?;
        let mut t = Tally::default();
        for (l, c) in lists.iter().zip(&cases) {
            t.add(rank_in(l, &c.target, 10), 0.0);
        }
        Ok(t)
    };
    let trained = variant(&|i| emb[i * d..(i + 1) * d].to_vec())?;
    let title = variant(&|i| coldstart::predict(&w, &feats[i], d))?;
    let none = variant(&|_| vec![0.0; d])?;
    let row = |t: &Tally| json!({"hr10": t.hit_rate(), "mrr10": t.mrr()});
    Ok(json!({
        "heldOutItems": held.len(),
        "cases": cases.len(),
        "trainedEmbedding": row(&trained),
        "titleEmbedding": row(&title),
        "noEmbedding": row(&none),
    }))
}
