//! Implicit-feedback ALS (Hu, Koren, Volinsky 2008) on the binary group x item matrix, with
//! confidence c = 1 + alpha for observed pairs. Each half-step solves every row's ridge system
//! `(YᵀY + λI + α Σ_{i∈u} y_i y_iᵀ) x = (1 + α) Σ_{i∈u} y_i` by a few conjugate-gradient steps
//! warm-started from the previous solution (as `implicit` does), in parallel over rows; every
//! row's result depends only on the previous half-step, so the output is deterministic.

use rayon::prelude::*;

use crate::builder::train::rng::Rng;

/// ALS settings.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct AlsParams {
    /// Factor dimensions.
    pub dims: usize,
    /// Confidence scale: c = 1 + alpha for observed pairs.
    pub alpha: f32,
    /// Ridge.
    pub lambda: f32,
    /// Alternating iterations.
    pub iterations: usize,
    /// Conjugate-gradient steps per row and half-step.
    pub cg_steps: usize,
}

fn gram(m: &[f32], d: usize) -> Vec<f32> {
    let mut g = vec![0.0f64; d * d];
    for row in m.chunks_exact(d) {
        for a in 0..d {
            let ra = row[a] as f64;
            for b in a..d {
                g[a * d + b] += ra * row[b] as f64;
            }
        }
    }
    for a in 0..d {
        for b in 0..a {
            g[a * d + b] = g[b * d + a];
        }
    }
    g.into_iter().map(|x| x as f32).collect()
}

/// Dot product with eight independent partial sums, so the compiler can keep them in one
/// SIMD register (a single running sum is a dependency chain it may not reorder).
#[inline]
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0.0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in ca.zip(cb) {
        for k in 0..8 {
            acc[k] += x[k] * y[k];
        }
    }
    acc.iter().sum::<f32>() + tail
}

/// `out = (G + λI) v + α Σ_{i ∈ rows} (y_i·v) y_i`.
fn apply(g: &[f32], lambda: f32, alpha: f32, y: &[f32], rows: &[u32], v: &[f32], out: &mut [f32]) {
    let d = v.len();
    for a in 0..d {
        out[a] = dot(&g[a * d..(a + 1) * d], v) + lambda * v[a];
    }
    for &i in rows {
        let yi = &y[i as usize * d..(i as usize + 1) * d];
        let s = alpha * dot(yi, v);
        for (o, &w) in out.iter_mut().zip(yi) {
            *o += s * w;
        }
    }
}

/// Conjugate-gradient refinement of one row `x` in place.
fn solve_row(p: &AlsParams, g: &[f32], y: &[f32], rows: &[u32], x: &mut [f32]) {
    let d = x.len();
    let mut b = vec![0.0f32; d];
    for &i in rows {
        let yi = &y[i as usize * d..(i as usize + 1) * d];
        for (bb, &w) in b.iter_mut().zip(yi) {
            *bb += (1.0 + p.alpha) * w;
        }
    }
    let mut ax = vec![0.0f32; d];
    apply(g, p.lambda, p.alpha, y, rows, x, &mut ax);
    let mut r: Vec<f32> = b.iter().zip(&ax).map(|(b, a)| b - a).collect();
    let mut dir = r.clone();
    let mut rs = dot(&r, &r);
    let mut ap = vec![0.0f32; d];
    for _ in 0..p.cg_steps {
        if rs < 1e-20 {
            break;
        }
        apply(g, p.lambda, p.alpha, y, rows, &dir, &mut ap);
        let den = dot(&dir, &ap);
        if den <= 0.0 || !den.is_finite() {
            break;
        }
        let a = rs / den;
        for k in 0..d {
            x[k] += a * dir[k];
            r[k] -= a * ap[k];
        }
        let rs_new = dot(&r, &r);
        let beta = rs_new / rs;
        for k in 0..d {
            dir[k] = r[k] + beta * dir[k];
        }
        rs = rs_new;
    }
}

fn half_step(p: &AlsParams, fixed: &[f32], lists: &[Vec<u32>], solve: &mut [f32]) {
    let d = p.dims;
    let g = gram(fixed, d);
    solve
        .par_chunks_mut(d)
        .zip(lists.par_iter())
        .for_each(|(x, rows)| {
            if rows.is_empty() {
                x.iter_mut().for_each(|v| *v = 0.0);
            } else {
                solve_row(p, &g, fixed, rows, x);
            }
        });
}

/// Train on `groups` (item indices below `n_items`); returns the `n_items x dims` item factors.
pub fn train(
    groups: &[Vec<u32>],
    n_items: usize,
    p: &AlsParams,
    seed: u64,
    tick: &dyn Fn(),
) -> Vec<f32> {
    let d = p.dims;
    let mut rng = Rng::new(seed);
    let mut item_lists: Vec<Vec<u32>> = vec![Vec::new(); n_items];
    let user_lists: Vec<Vec<u32>> = groups
        .iter()
        .map(|g| {
            let mut s = g.clone();
            s.sort_unstable();
            s.dedup();
            s
        })
        .collect();
    for (u, g) in user_lists.iter().enumerate() {
        for &i in g {
            item_lists[i as usize].push(u as u32);
        }
    }
    let scale = 0.01f64;
    let mut y: Vec<f32> = (0..n_items * d)
        .map(|_| (rng.uniform() * scale) as f32)
        .collect();
    let mut x: Vec<f32> = (0..groups.len() * d)
        .map(|_| (rng.uniform() * scale) as f32)
        .collect();
    for _ in 0..p.iterations {
        half_step(p, &y, &user_lists, &mut x);
        half_step(p, &x, &item_lists, &mut y);
        tick();
    }
    y
}
