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

    /// Bit `j` set when `s[j] >= t` (false for NaN); at most 64 scores.
    pub fn ge_mask(s: &[f32], t: f32) -> u64 {
        s.iter()
            .enumerate()
            .fold(0, |m, (j, &x)| m | (u64::from(x >= t) << j))
    }
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
#[allow(unsafe_code)]
/// wasm simd128 kernels. The scans score four rows per pass (four accumulators, each query
/// chunk loaded once for the four rows; for d = 32 (f32) and d = 32, 64 (int8) the whole query
/// is held in locals, which the engine keeps in vector registers), then reduce the four
/// accumulators with one transpose so that every row's lanes are summed in the scalar
/// reference's order.
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

    /// `[a0, a1, a2, a3]` lane sums `(l0 + l2) + (l1 + l3)` of four accumulators in one vector.
    #[inline(always)]
    fn hsum4_f32(a: [v128; 4]) -> v128 {
        let t0 = f32x4_add(
            i32x4_shuffle::<0, 4, 1, 5>(a[0], a[1]),
            i32x4_shuffle::<2, 6, 3, 7>(a[0], a[1]),
        );
        let t1 = f32x4_add(
            i32x4_shuffle::<0, 4, 1, 5>(a[2], a[3]),
            i32x4_shuffle::<2, 6, 3, 7>(a[2], a[3]),
        );
        f32x4_add(
            i32x4_shuffle::<0, 1, 4, 5>(t0, t1),
            i32x4_shuffle::<2, 3, 6, 7>(t0, t1),
        )
    }

    /// Integer version of [`hsum4_f32`] (exact in any order).
    #[inline(always)]
    fn hsum4_i32(a: [v128; 4]) -> v128 {
        let t0 = i32x4_add(
            i32x4_shuffle::<0, 4, 1, 5>(a[0], a[1]),
            i32x4_shuffle::<2, 6, 3, 7>(a[0], a[1]),
        );
        let t1 = i32x4_add(
            i32x4_shuffle::<0, 4, 1, 5>(a[2], a[3]),
            i32x4_shuffle::<2, 6, 3, 7>(a[2], a[3]),
        );
        i32x4_add(
            i32x4_shuffle::<0, 1, 4, 5>(t0, t1),
            i32x4_shuffle::<2, 3, 6, 7>(t0, t1),
        )
    }

    /// Four f32 rows at `r` (stride `d`), query chunk `c` from `qv(c)`, `d / 4` chunks.
    ///
    /// # Safety
    /// `r` must point to `4 * d` readable f32, `d` a multiple of 4.
    #[inline(always)]
    unsafe fn rows4_f32(r: *const f32, d: usize, qv: impl Fn(usize) -> v128) -> v128 {
        // Four named accumulators rather than an array: at opt-level "s"/"z" LLVM neither
        // unrolls nor promotes a small array, and the accumulators would live in memory.
        let (mut a0, mut a1, mut a2, mut a3) = (
            f32x4_splat(0.0),
            f32x4_splat(0.0),
            f32x4_splat(0.0),
            f32x4_splat(0.0),
        );
        for c in 0..d / 4 {
            let q = qv(c);
            // SAFETY: k * d + 4 * c + 4 <= 4 * d for k < 4 by the caller's contract.
            let (x0, x1, x2, x3) = unsafe {
                let p = r.add(4 * c);
                (
                    v128_load(p as *const v128),
                    v128_load(p.add(d) as *const v128),
                    v128_load(p.add(2 * d) as *const v128),
                    v128_load(p.add(3 * d) as *const v128),
                )
            };
            a0 = f32x4_add(a0, f32x4_mul(x0, q));
            a1 = f32x4_add(a1, f32x4_mul(x1, q));
            a2 = f32x4_add(a2, f32x4_mul(x2, q));
            a3 = f32x4_add(a3, f32x4_mul(x3, q));
        }
        hsum4_f32([a0, a1, a2, a3])
    }

    /// Four int8 rows at `r` (stride `d`), i16 query chunk `c` from `qv(c)`, `d / 8` chunks.
    ///
    /// # Safety
    /// `r` must point to `4 * d` readable i8, `d` a multiple of 8.
    #[inline(always)]
    unsafe fn rows4_i8(r: *const i8, d: usize, qv: impl Fn(usize) -> v128) -> v128 {
        let (mut a0, mut a1, mut a2, mut a3) = (
            i32x4_splat(0),
            i32x4_splat(0),
            i32x4_splat(0),
            i32x4_splat(0),
        );
        for c in 0..d / 8 {
            let q = qv(c);
            // SAFETY: k * d + 8 * c + 8 <= 4 * d for k < 4 by the caller's contract.
            let (x0, x1, x2, x3) = unsafe {
                let p = r.add(8 * c);
                (
                    i16x8_load_extend_i8x8(p),
                    i16x8_load_extend_i8x8(p.add(d)),
                    i16x8_load_extend_i8x8(p.add(2 * d)),
                    i16x8_load_extend_i8x8(p.add(3 * d)),
                )
            };
            a0 = i32x4_add(a0, i32x4_dot_i16x8(x0, q));
            a1 = i32x4_add(a1, i32x4_dot_i16x8(x1, q));
            a2 = i32x4_add(a2, i32x4_dot_i16x8(x2, q));
            a3 = i32x4_add(a3, i32x4_dot_i16x8(x3, q));
        }
        hsum4_i32([a0, a1, a2, a3])
    }

    /// Load a query of `4 * C` f32 / `8 * C` i16 into `C` vectors (kept in locals).
    #[inline(always)]
    fn load_query<T, const C: usize>(q: &[T], lanes: usize) -> [v128; C] {
        let mut qv = [i32x4_splat(0); C];
        for (c, v) in qv.iter_mut().enumerate() {
            let chunk = &q[c * lanes..(c + 1) * lanes];
            debug_assert_eq!(core::mem::size_of_val(chunk), 16);
            // SAFETY: the slice above is exactly 16 bytes.
            *v = unsafe { v128_load(chunk.as_ptr() as *const v128) };
        }
        qv
    }

    fn score_f32_rows(
        rows: &[f32],
        d: usize,
        q: &[f32],
        qv: impl Fn(usize) -> v128 + Copy,
        out: &mut [f32],
    ) {
        // Index loops rather than zipped chunk iterators: at opt-level "z" the iterator
        // adapters stay calls, one per four rows.
        let groups = out.len().min(rows.len() / d.max(1)) / 4;
        let (rp, op) = (rows.as_ptr(), out.as_mut_ptr());
        for g in 0..groups {
            // SAFETY: 4 * g + 4 <= out.len() and (4 * g + 4) * d <= rows.len(); d % 4 == 0.
            unsafe {
                let v = rows4_f32(rp.add(4 * g * d), d, qv);
                v128_store(op.add(4 * g) as *mut v128, v);
            }
        }
        for (o, r) in out[4 * groups..]
            .iter_mut()
            .zip(rows[4 * groups * d..].chunks_exact(d))
        {
            *o = dot_f32(r, q);
        }
    }

    /// SIMD [`super::scalar::score_f32`].
    pub fn score_f32(rows: &[f32], d: usize, q: &[f32], out: &mut [f32]) {
        let n = out.len().min(rows.len() / d.max(1));
        let (rows, out) = (&rows[..n * d], &mut out[..n]);
        if d == 32 && q.len() == d {
            // Small enough to keep the whole query in registers.
            let qv: [v128; 8] = load_query(q, 4);
            score_f32_rows(rows, d, q, |c| qv[c], out);
        } else if d.is_multiple_of(4) && q.len() == d {
            let p = q.as_ptr();
            // SAFETY: c < d / 4, so 4 * c + 4 <= d = q.len().
            score_f32_rows(
                rows,
                d,
                q,
                |c| unsafe { v128_load(p.add(4 * c) as *const v128) },
                out,
            );
        } else {
            for (o, r) in out.iter_mut().zip(rows.chunks_exact(d)) {
                *o = dot_f32(r, q);
            }
        }
    }

    fn score_i8_rows(
        scales: &[f32],
        rows: &[i8],
        d: usize,
        q: &[i16],
        qs: f32,
        qv: impl Fn(usize) -> v128 + Copy,
        out: &mut [f32],
    ) {
        let vqs = f32x4_splat(qs);
        let groups = out.len().min(scales.len()).min(rows.len() / d.max(1)) / 4;
        let (rp, sp, op) = (rows.as_ptr(), scales.as_ptr(), out.as_mut_ptr());
        for g in 0..groups {
            // SAFETY: 4 * g + 4 <= out.len(), scales.len() and (4 * g + 4) * d <= rows.len();
            // d % 8 == 0.
            unsafe {
                let dots = f32x4_convert_i32x4(rows4_i8(rp.add(4 * g * d), d, qv));
                let s = v128_load(sp.add(4 * g) as *const v128);
                v128_store(
                    op.add(4 * g) as *mut v128,
                    f32x4_mul(f32x4_mul(dots, s), vqs),
                );
            }
        }
        let first = 4 * groups;
        for ((o, r), &s) in out[first..]
            .iter_mut()
            .zip(rows[first * d..].chunks_exact(d))
            .zip(&scales[first..])
        {
            *o = dot_i8(r, q) as f32 * s * qs;
        }
    }

    /// SIMD [`super::scalar::score_i8`].
    pub fn score_i8(scales: &[f32], rows: &[i8], d: usize, q: &[i16], qs: f32, out: &mut [f32]) {
        let n = out.len().min(scales.len()).min(rows.len() / d.max(1));
        let (rows, out, scales) = (&rows[..n * d], &mut out[..n], &scales[..n]);
        if d == 32 && q.len() == d {
            let qv: [v128; 4] = load_query(q, 8);
            score_i8_rows(scales, rows, d, q, qs, |c| qv[c], out);
        } else if d == 64 && q.len() == d {
            // Eight query vectors plus four accumulators still fit the x64 vector registers.
            let qv: [v128; 8] = load_query(q, 8);
            score_i8_rows(scales, rows, d, q, qs, |c| qv[c], out);
        } else if d.is_multiple_of(8) && q.len() == d {
            let p = q.as_ptr();
            // SAFETY: c < d / 8, so 8 * c + 8 <= d = q.len().
            let qv = |c: usize| unsafe { v128_load(p.add(8 * c) as *const v128) };
            score_i8_rows(scales, rows, d, q, qs, qv, out);
        } else {
            for ((o, r), &s) in out.iter_mut().zip(rows.chunks_exact(d)).zip(scales) {
                *o = dot_i8(r, q) as f32 * s * qs;
            }
        }
    }

    /// SIMD [`super::scalar::ge_mask`].
    pub fn ge_mask(s: &[f32], t: f32) -> u64 {
        let vt = f32x4_splat(t);
        let mut m = 0u64;
        let full = s.len().min(64) / 4;
        for i in 0..full {
            // SAFETY: 4 * i + 4 <= s.len().
            let v = unsafe { v128_load(s.as_ptr().add(4 * i) as *const v128) };
            m |= u64::from(i32x4_bitmask(f32x4_ge(v, vt))) << (4 * i);
        }
        for (j, &x) in s.iter().enumerate().take(64).skip(4 * full) {
            m |= u64::from(x >= t) << j;
        }
        m
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

/// Rows per block of the fused scans: a block's scores stay in L1 between the dot products
/// and the top-k threshold test.
pub const BLOCK: usize = 64;

/// Bit `j` set when `s[j] >= t` (false for NaN), for `s.len() <= 64`.
pub fn ge_mask(s: &[f32], t: f32) -> u64 {
    debug_assert!(s.len() <= 64);
    fast::ge_mask(s, t)
}

/// Score the f32 rows block by block: `f(first_row, scores)` for every [`BLOCK`] rows, with
/// the same scores [`score_f32`] gives. The block lives on the stack: no allocation.
pub fn scan_f32(rows: &[f32], d: usize, q: &[f32], mut f: impl FnMut(usize, &mut [f32])) {
    let mut buf = [0.0f32; BLOCK];
    for (b, block) in rows.chunks(BLOCK * d.max(1)).enumerate() {
        let n = block.len() / d.max(1);
        fast::score_f32(block, d, q, &mut buf[..n]);
        f(b * BLOCK, &mut buf[..n]);
    }
}

/// Score the int8 rows block by block (see [`scan_f32`]); same scores as [`score_i8`].
pub fn scan_i8(
    scales: &[f32],
    rows: &[i8],
    d: usize,
    q: &QueryI16,
    mut f: impl FnMut(usize, &mut [f32]),
) {
    let mut buf = [0.0f32; BLOCK];
    for (b, (block, s)) in rows
        .chunks(BLOCK * d.max(1))
        .zip(scales.chunks(BLOCK))
        .enumerate()
    {
        let n = (block.len() / d.max(1)).min(s.len());
        fast::score_i8(s, block, d, &q.q, q.scale, &mut buf[..n]);
        f(b * BLOCK, &mut buf[..n]);
    }
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
