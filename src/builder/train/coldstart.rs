//! Cold start: items bought too rarely to have a trustworthy embedding get one predicted from
//! their title and category text. Tokens are hashed into `FEATURES` buckets; a ridge regression
//! from those features to the embedding space is fitted on the well-known items.

use nalgebra::{DMatrix, DVector};

use crate::builder::data::Dataset;
use crate::pack::format::ITEM_FLAG_COLD;

/// Hashed feature buckets.
pub const FEATURES: usize = 1024;
const RIDGE: f64 = 1.0;

fn fnv(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// L2-normalised hashed token features of a title and category.
pub fn features(title: &str, category: &str) -> Vec<(usize, f64)> {
    let mut f: Vec<(usize, f64)> = Vec::new();
    let mut add = |tok: String| {
        let b = (fnv(&tok) % FEATURES as u64) as usize;
        match f.iter_mut().find(|(i, _)| *i == b) {
            Some((_, v)) => *v += 1.0,
            None => f.push((b, 1.0)),
        }
    };
    for w in title
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.len() > 1)
    {
        add(format!("w:{}", w.to_lowercase()));
    }
    if !category.is_empty() {
        add(format!("c:{}", category.to_lowercase()));
    }
    let norm = f.iter().map(|(_, v)| v * v).sum::<f64>().sqrt();
    if norm > 0.0 {
        f.iter_mut().for_each(|(_, v)| *v /= norm);
    }
    f.sort_by_key(|x| x.0);
    f
}

/// Ridge map `FEATURES x d` fitted on the items `train` selects.
pub fn fit(
    feats: &[Vec<(usize, f64)>],
    emb: &[f32],
    d: usize,
    train: &[usize],
) -> Option<DMatrix<f64>> {
    let mut xtx = DMatrix::<f64>::zeros(FEATURES, FEATURES);
    let mut xty = DMatrix::<f64>::zeros(FEATURES, d);
    for &i in train {
        let f = &feats[i];
        for &(a, va) in f {
            for &(b, vb) in f {
                xtx[(a, b)] += va * vb;
            }
            for t in 0..d {
                xty[(a, t)] += va * emb[i * d + t] as f64;
            }
        }
    }
    for a in 0..FEATURES {
        xtx[(a, a)] += RIDGE;
    }
    let chol = xtx.cholesky()?;
    Some(chol.solve(&xty))
}

/// Prediction for one item.
pub fn predict(w: &DMatrix<f64>, f: &[(usize, f64)], d: usize) -> Vec<f32> {
    let mut y = DVector::<f64>::zeros(d);
    for &(a, v) in f {
        for t in 0..d {
            y[t] += v * w[(a, t)];
        }
    }
    y.iter().map(|&x| x as f32).collect()
}

/// Replace the rows of items in fewer than `below` groups (and with a title) by their
/// predicted rows. Returns the per-item flags (bit 0 = cold-start row).
pub fn apply(ds: &Dataset, count: &[u32], emb: &mut [f32], d: usize, below: u32) -> Vec<u8> {
    let n = ds.n_items();
    let mut flags = vec![0u8; n];
    if below == 0 {
        return flags;
    }
    let feats: Vec<Vec<(usize, f64)>> = (0..n)
        .map(|i| features(&ds.titles[i], &ds.categories[i]))
        .collect();
    let known: Vec<usize> = (0..n)
        .filter(|&i| count[i] >= below && !feats[i].is_empty())
        .collect();
    let cold: Vec<usize> = (0..n)
        .filter(|&i| count[i] < below && !feats[i].is_empty())
        .collect();
    if cold.is_empty() || known.len() < 20 {
        return flags;
    }
    let Some(w) = fit(&feats, emb, d, &known) else {
        return flags;
    };
    for i in cold {
        let y = predict(&w, &feats[i], d);
        emb[i * d..(i + 1) * d].copy_from_slice(&y);
        flags[i] |= ITEM_FLAG_COLD;
    }
    flags
}

/// Item hold-out check: fit on 90% of the well-known items, predict the other 10% from their
/// text, and report (mean cosine to their trained rows, share whose nearest trained neighbour by
/// the predicted row is among the true row's 10 nearest).
pub fn holdout(
    ds: &Dataset,
    count: &[u32],
    emb: &[f32],
    d: usize,
    below: u32,
) -> Option<(f64, f64, usize)> {
    let n = ds.n_items();
    let feats: Vec<Vec<(usize, f64)>> = (0..n)
        .map(|i| features(&ds.titles[i], &ds.categories[i]))
        .collect();
    let known: Vec<usize> = (0..n)
        .filter(|&i| count[i] >= below.max(1) && !feats[i].is_empty())
        .collect();
    let held: Vec<usize> = known.iter().copied().filter(|i| i % 10 == 7).collect();
    let fit_on: Vec<usize> = known.iter().copied().filter(|i| i % 10 != 7).collect();
    if held.is_empty() || fit_on.len() < 20 {
        return None;
    }
    let w = fit(&feats, emb, d, &fit_on)?;
    let row = |i: usize| &emb[i * d..(i + 1) * d];
    let norm = |v: &[f32]| v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-12);
    let cos = |a: &[f32], b: &[f32]| {
        a.iter().zip(b).map(|(x, y)| x * y).sum::<f32>() / (norm(a) * norm(b))
    };
    let nearest = |q: &[f32], skip: usize, k: usize| -> Vec<usize> {
        let mut s: Vec<(f32, usize)> = fit_on
            .iter()
            .filter(|&&j| j != skip)
            .map(|&j| (cos(q, row(j)), j))
            .collect();
        s.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        s.into_iter().take(k).map(|x| x.1).collect()
    };
    let (mut sum_cos, mut hits) = (0.0f64, 0usize);
    for &i in &held {
        let p = predict(&w, &feats[i], d);
        sum_cos += cos(&p, row(i)) as f64;
        let truth = nearest(row(i), i, 10);
        let guess = nearest(&p, i, 1);
        if guess.first().is_some_and(|g| truth.contains(g)) {
            hits += 1;
        }
    }
    Some((
        sum_cos / held.len() as f64,
        hits as f64 / held.len() as f64,
        held.len(),
    ))
}
