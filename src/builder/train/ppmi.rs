//! Item embeddings from a truncated eigendecomposition of the positive PMI co-occurrence
//! matrix (Levy and Goldberg 2014: the factorisation skip-gram with negative sampling performs
//! implicitly). Randomised subspace iteration (Halko, Martinsson, Tropp 2011) keeps it linear in
//! the number of non-zeros.

use nalgebra::{DMatrix, SymmetricEigen};

use crate::builder::train::cooc::Cooc;
use crate::builder::train::rng::Rng;

/// Sparse symmetric PPMI rows: max(0, ln(C_ij N / (c_i c_j))).
fn ppmi_rows(c: &Cooc) -> Vec<Vec<(u32, f64)>> {
    let n = c.groups.max(1) as f64;
    c.rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            r.iter()
                .filter_map(|&(j, cij)| {
                    let pmi =
                        (cij as f64 * n / (c.count[i] as f64 * c.count[j as usize] as f64)).ln();
                    (pmi > 0.0).then_some((j, pmi))
                })
                .collect()
        })
        .collect()
}

fn mul(rows: &[Vec<(u32, f64)>], q: &DMatrix<f64>) -> DMatrix<f64> {
    let (n, k) = (rows.len(), q.ncols());
    let mut y = DMatrix::<f64>::zeros(n, k);
    for (i, r) in rows.iter().enumerate() {
        for &(j, v) in r {
            for c in 0..k {
                y[(i, c)] += v * q[(j as usize, c)];
            }
        }
    }
    y
}

fn orthonormal(y: DMatrix<f64>) -> DMatrix<f64> {
    y.qr().q()
}

/// `n x dims` row-major embeddings: Q V sqrt(λ) for the top `dims` eigenpairs.
pub fn train(c: &Cooc, dims: usize, seed: u64) -> Vec<f32> {
    let n = c.rows.len();
    let rows = ppmi_rows(c);
    let k = (dims + 10).min(n.max(1));
    let mut rng = Rng::new(seed);
    let omega = DMatrix::<f64>::from_fn(n, k, |_, _| rng.normal());
    let mut q = orthonormal(mul(&rows, &omega));
    for _ in 0..3 {
        q = orthonormal(mul(&rows, &q));
    }
    let mq = mul(&rows, &q);
    let b = q.transpose() * mq;
    let b = (&b + b.transpose()) * 0.5;
    let eig = SymmetricEigen::new(b);
    let mut order: Vec<usize> = (0..eig.eigenvalues.len()).collect();
    order.sort_by(|&a, &b| eig.eigenvalues[b].total_cmp(&eig.eigenvalues[a]));
    let mut out = vec![0.0f32; n * dims];
    let qv = q * &eig.eigenvectors;
    for (t, &e) in order.iter().take(dims).enumerate() {
        let s = eig.eigenvalues[e].max(0.0).sqrt();
        for i in 0..n {
            out[i * dims + t] = (qv[(i, e)] * s) as f32;
        }
    }
    // Unit rows: PMI inflates rare items' norms, which would otherwise dominate dot products.
    for row in out.chunks_exact_mut(dims) {
        let norm = row.iter().map(|x| x * x).sum::<f32>().sqrt();
        if norm > 0.0 {
            row.iter_mut().for_each(|x| *x /= norm);
        }
    }
    out
}
