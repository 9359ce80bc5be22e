//! Scoring scans: the dot product of one query with every embedding row.
//!
//! int8 rows are scored against a query quantised to i16, so the inner loop is an exact integer
//! dot product: `e_j = f32(f32(f32(dot_j) * scale_j) * query_scale)`. The scalar versions are
//! the reference; on wasm32 with `simd128` the SIMD versions are used and the tests hold them
//! to the scalar results (exactly for int8, to float rounding for f32).

/// Query quantised for the int8 scan.
#[derive(Debug, Clone, Default)]
pub struct QueryI16 {
    /// Quantised values.
    pub q: Vec<i16>,
    /// `u ~= scale * q`.
    pub scale: f32,
}

/// Largest |q| such that 127 * qmax * d stays within i32.
fn qmax(d: usize) -> f32 {
    let m = (i32::MAX as f64 / (127.0 * d.max(1) as f64)).floor();
    m.min(i16::MAX as f64) as f32
}

/// Quantise a query for [`score_i8`] (symmetric, max-abs, i16 range shrunk for large `d` so
/// that integer dot products cannot overflow).
pub fn quantize_query(u: &[f32], out: &mut QueryI16) {
    let m = u.iter().fold(0.0f32, |m, x| m.max(x.abs()));
    out.q.clear();
    if m == 0.0 || !m.is_finite() {
        out.q.resize(u.len(), 0);
        out.scale = 0.0;
        return;
    }
    let qm = qmax(u.len());
    out.scale = m / qm;
    out.q.extend(
        u.iter()
            .map(|&x| (x / out.scale).round().clamp(-qm, qm) as i16),
    );
}

/// Scalar reference kernels.
pub mod scalar {
    /// Dot product with four partial sums (the lane order the SIMD kernel uses).
    pub fn dot_f32(a: &[f32], b: &[f32]) -> f32 {
        let mut acc = [0.0f32; 4];
        let mut ca = a.chunks_exact(4);
        let mut cb = b.chunks_exact(4);
        for (x, y) in (&mut ca).zip(&mut cb) {
            for l in 0..4 {
                acc[l] += x[l] * y[l];
            }
        }
        let mut s = (acc[0] + acc[2]) + (acc[1] + acc[3]);
        for (x, y) in ca.remainder().iter().zip(cb.remainder()) {
            s += x * y;
        }
        s
    }

    /// Exact integer dot product of an int8 row with an i16 query.
    pub fn dot_i8(a: &[i8], q: &[i16]) -> i32 {
        a.iter().zip(q).map(|(&x, &y)| x as i32 * y as i32).sum()
    }

    /// `out[j] = rows[j] . q`.
    pub fn score_f32(rows: &[f32], d: usize, q: &[f32], out: &mut [f32]) {
        for (o, r) in out.iter_mut().zip(rows.chunks_exact(d)) {
            *o = dot_f32(r, q);
        }
    }

    /// `out[j] = f32(f32(dot) * scales[j]) * qs`.
    pub fn score_i8(scales: &[f32], rows: &[i8], d: usize, q: &[i16], qs: f32, out: &mut [f32]) {
        for ((o, r), &s) in out.iter_mut().zip(rows.chunks_exact(d)).zip(scales) {
            *o = dot_i8(r, q) as f32 * s * qs;
        }
    }
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
#[allow(unsafe_code)]
/// wasm simd128 kernels.
pub mod simd {
    use core::arch::wasm32::*;

    /// Same lane order as [`super::scalar::dot_f32`].
    #[inline]
    pub fn dot_f32(a: &[f32], b: &[f32]) -> f32 {
        let mut acc = f32x4_splat(0.0);
        let mut ca = a.chunks_exact(4);
        let mut cb = b.chunks_exact(4);
        for (x, y) in (&mut ca).zip(&mut cb) {
            // SAFETY: chunks_exact(4) guarantees 16 readable bytes; v128_load is unaligned.
            let (vx, vy) = unsafe {
                (
                    v128_load(x.as_ptr() as *const v128),
                    v128_load(y.as_ptr() as *const v128),
                )
            };
            acc = f32x4_add(acc, f32x4_mul(vx, vy));
        }
        let l = |i| match i {
            0 => f32x4_extract_lane::<0>(acc),
            1 => f32x4_extract_lane::<1>(acc),
            2 => f32x4_extract_lane::<2>(acc),
            _ => f32x4_extract_lane::<3>(acc),
        };
        let mut s = (l(0) + l(2)) + (l(1) + l(3));
        for (x, y) in ca.remainder().iter().zip(cb.remainder()) {
            s += x * y;
        }
        s
    }

    /// Exact integer dot product, eight lanes at a time.
    #[inline]
    pub fn dot_i8(a: &[i8], q: &[i16]) -> i32 {
        let mut acc = i32x4_splat(0);
        let mut ca = a.chunks_exact(8);
        let mut cq = q.chunks_exact(8);
        for (x, y) in (&mut ca).zip(&mut cq) {
            // SAFETY: chunks_exact guarantees 8 readable i8 and 8 readable i16.
            let (vx, vy) = unsafe {
                (
                    i16x8_load_extend_i8x8(x.as_ptr()),
                    v128_load(y.as_ptr() as *const v128),
                )
            };
            acc = i32x4_add(acc, i32x4_dot_i16x8(vx, vy));
        }
        let mut s = i32x4_extract_lane::<0>(acc)
            + i32x4_extract_lane::<1>(acc)
            + i32x4_extract_lane::<2>(acc)
            + i32x4_extract_lane::<3>(acc);
        for (&x, &y) in ca.remainder().iter().zip(cq.remainder()) {
            s += x as i32 * y as i32;
        }
        s
    }

    /// SIMD [`super::scalar::score_f32`].
    pub fn score_f32(rows: &[f32], d: usize, q: &[f32], out: &mut [f32]) {
        for (o, r) in out.iter_mut().zip(rows.chunks_exact(d)) {
            *o = dot_f32(r, q);
        }
    }

    /// SIMD [`super::scalar::score_i8`].
    pub fn score_i8(scales: &[f32], rows: &[i8], d: usize, q: &[i16], qs: f32, out: &mut [f32]) {
        for ((o, r), &s) in out.iter_mut().zip(rows.chunks_exact(d)).zip(scales) {
            *o = dot_i8(r, q) as f32 * s * qs;
        }
    }
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
use simd as fast;

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
use scalar as fast;

/// Score every f32 row (the fastest kernel this build has).
pub fn score_f32(rows: &[f32], d: usize, q: &[f32], out: &mut [f32]) {
    fast::score_f32(rows, d, q, out)
}

/// Score every int8 row (the fastest kernel this build has).
pub fn score_i8(scales: &[f32], rows: &[i8], d: usize, q: &QueryI16, out: &mut [f32]) {
    fast::score_i8(scales, rows, d, &q.q, q.scale, out)
}

/// Dot product of two f32 vectors (the fastest kernel this build has).
pub fn dot_f32(a: &[f32], b: &[f32]) -> f32 {
    fast::dot_f32(a, b)
}

/// Whether this build scores with wasm simd128.
pub const SIMD: bool = cfg!(all(target_arch = "wasm32", target_feature = "simd128"));

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_quantisation_never_overflows() {
        for d in [1usize, 8, 64, 300, 4096] {
            let u: Vec<f32> = (0..d)
                .map(|i| if i % 2 == 0 { 3.0 } else { -3.0 })
                .collect();
            let mut q = QueryI16::default();
            quantize_query(&u, &mut q);
            let row = vec![127i8; d];
            let neg = vec![-127i8; d];
            // i64 reference of the worst case stays inside i32.
            let worst: i64 = row
                .iter()
                .zip(&q.q)
                .map(|(&a, &b)| (a as i64 * b as i64).abs())
                .sum();
            assert!(worst <= i32::MAX as i64, "d={d}");
            let _ = scalar::dot_i8(&neg, &q.q);
        }
    }

    #[test]
    fn int8_scan_tracks_the_f32_dot_product() {
        let d = 16;
        let u: Vec<f32> = (0..d).map(|i| (i as f32 * 0.37).sin()).collect();
        let rows: Vec<f32> = (0..d * 5).map(|i| (i as f32 * 0.11).cos()).collect();
        let mut q = QueryI16::default();
        quantize_query(&u, &mut q);
        let mut scales = vec![];
        let mut qr = vec![];
        for r in rows.chunks_exact(d) {
            let (s, v) = crate::pack::quantize_row(r);
            scales.push(s);
            qr.extend(v);
        }
        let mut out = vec![0.0; 5];
        score_i8(&scales, &qr, d, &q, &mut out);
        for (j, r) in rows.chunks_exact(d).enumerate() {
            let exact = scalar::dot_f32(r, &u);
            assert!((out[j] - exact).abs() < 0.05, "{} vs {exact}", out[j]);
        }
    }
}
