//! Compact encoding of the `NBRS` and `TRAN` sections (format version 2): per row, the item
//! indices as sorted delta varints and the weights as one byte each.
//!
//! Body: a 16-byte head `u32 rows`, `u32 nnz` (entries in all rows), `u32 encoding` (1),
//! `u32 0`; then per row the varint `c` (its entry count) and, when `c > 0`, the row's f32
//! scale (the largest weight, little-endian), `c` varints (the smallest index, then each gap to
//! the next minus one) and `c` bytes `q`. An entry's weight is `scale · (q / 255)²`: square-root
//! companding keeps small weights (down to 1/65,025 of the row's largest) distinct, where a
//! linear byte would round everything under 1/510 to zero. A 100-neighbour row of a 4,000-item
//! shop takes about 205 bytes instead of 800. The reader decodes the whole section once,
//! rejecting any inconsistency, and serves rows in the raw layout's order: weight descending,
//! then index ascending.

#[cfg(any(feature = "cli", test))]
use super::baskets::put_varint;
use super::baskets::Reader;
use crate::error::PackError;

/// Encoding tag inside the body (the section's flags carry [`super::format::ENC_COMPACT`]).
const BODY_ENCODING: u32 = 1;

fn invalid(msg: impl Into<String>) -> PackError {
    PackError::Invalid(msg.into())
}

/// Rows in memory, as the raw layout holds them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DecodedRows {
    /// `offsets[i]..offsets[i + 1]` are row i's entries.
    pub offsets: Vec<u32>,
    /// Other item indices.
    pub index: Vec<u32>,
    /// Weights, same length as `index`.
    pub weight: Vec<f32>,
}

/// The byte a weight is stored as, given its row's scale.
#[cfg(any(feature = "cli", test))]
fn quantize(w: f32, scale: f32) -> u8 {
    if scale > 0.0 {
        ((w / scale).clamp(0.0, 1.0).sqrt() * 255.0).round() as u8
    } else {
        0
    }
}

/// The weight a stored byte stands for.
fn dequantize(q: u8, scale: f32) -> f32 {
    let x = f32::from(q) / 255.0;
    scale * x * x
}

/// Encode rows (entries `(other item, weight >= 0)`, any order) as a section body. (Native
/// only: the builder writes compact packs; the wasm's `buildPack` writes the raw layout.)
#[cfg(any(feature = "cli", test))]
pub fn encode(rows: &[Vec<(u32, f32)>]) -> Vec<u8> {
    let mut body = Vec::new();
    let mut nnz = 0u32;
    let mut row = Vec::new();
    for r in rows {
        row.clear();
        row.extend_from_slice(r);
        crate::sort::sort_by(&mut row, |a, b| a.0.cmp(&b.0));
        put_varint(&mut body, row.len() as u32);
        let Some(&(first, _)) = row.first() else {
            continue;
        };
        nnz += row.len() as u32;
        let scale = row.iter().fold(0.0f32, |m, e| m.max(e.1));
        body.extend_from_slice(&scale.to_le_bytes());
        put_varint(&mut body, first);
        for w in row.windows(2) {
            put_varint(&mut body, w[1].0 - w[0].0 - 1);
        }
        body.extend(row.iter().map(|e| quantize(e.1, scale)));
    }
    let mut out = Vec::with_capacity(16 + body.len());
    for x in [rows.len() as u32, nnz, BODY_ENCODING, 0] {
        out.extend_from_slice(&x.to_le_bytes());
    }
    out.extend(body);
    out
}

/// Decode and validate a section body of `n` rows (`what` names the section in messages).
pub fn decode(b: &[u8], n: usize, what: &'static str) -> Result<DecodedRows, PackError> {
    // Two message shapes with fixed phrases: every formatted argument costs wasm bytes.
    let bad = |why: &str| invalid(format!("{what} {why}"));
    let bad_row = |row: usize, why: &str| invalid(format!("{what}: item {row} {why}"));
    if b.len() < 16 {
        return Err(bad("is shorter than its 16-byte head"));
    }
    let word = |k: usize| u32::from_le_bytes([b[4 * k], b[4 * k + 1], b[4 * k + 2], b[4 * k + 3]]);
    let (rows, nnz, enc, reserved) = (word(0), word(1), word(2), word(3));
    if enc != BODY_ENCODING || reserved != 0 {
        return Err(bad("has an encoding not known to this build"));
    }
    if rows as usize != n {
        return Err(bad("has a row count other than the pack's item count"));
    }
    let body = &b[16..];
    // Every entry takes at least two bytes (an index and a weight): bound before allocating.
    if u64::from(nnz) * 2 > body.len() as u64 {
        return Err(bad("declares more entries than its bytes can hold"));
    }
    let mut out = DecodedRows {
        offsets: Vec::with_capacity(n + 1),
        index: Vec::with_capacity(nnz as usize),
        weight: Vec::with_capacity(nnz as usize),
    };
    out.offsets.push(0);
    let mut r = Reader {
        b: body,
        at: 0,
        what,
    };
    let mut entries: Vec<(u32, f32)> = Vec::new();
    for row in 0..n {
        let c = r.varint()?;
        if u64::from(c) > u64::from(nnz) - out.index.len() as u64 {
            return Err(bad_row(row, "has more entries than declared"));
        }
        if c == 0 {
            out.offsets.push(out.index.len() as u32);
            continue;
        }
        let s = r.bytes(4)?;
        let scale = f32::from_le_bytes([s[0], s[1], s[2], s[3]]);
        if !scale.is_finite() || scale < 0.0 {
            return Err(bad_row(
                row,
                "has a weight scale that is negative or not finite",
            ));
        }
        entries.clear();
        let mut j = 0u32;
        for k in 0..c {
            let x = r.varint()?;
            j = match k {
                0 => Some(x),
                _ => j.checked_add(x).and_then(|v| v.checked_add(1)),
            }
            .filter(|&j| (j as usize) < n)
            .ok_or_else(|| bad_row(row, "points beyond the last item"))?;
            if j as usize == row {
                return Err(bad_row(row, "points to itself"));
            }
            entries.push((j, 0.0));
        }
        let q = r.bytes(c as usize)?;
        for (e, &q) in entries.iter_mut().zip(q) {
            e.1 = dequantize(q, scale);
        }
        crate::sort::sort_by(&mut entries, |a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        out.index.extend(entries.iter().map(|e| e.0));
        out.weight.extend(entries.iter().map(|e| e.1));
        out.offsets.push(out.index.len() as u32);
    }
    if out.index.len() != nnz as usize {
        return Err(bad("holds fewer entries than declared"));
    }
    if r.at != body.len() {
        return Err(bad("has unexpected bytes after its last row"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pack::SparseRows;
    use proptest::prelude::*;

    fn rows_strategy() -> impl Strategy<Value = (usize, SparseRows)> {
        (1usize..40).prop_flat_map(|n| {
            let row = prop::collection::btree_map(0u32..n as u32, 0.0f32..1000.0, 0..12);
            (
                Just(n),
                prop::collection::vec(row, n).prop_map(|rows| {
                    rows.into_iter()
                        .enumerate()
                        .map(|(i, m)| m.into_iter().filter(|e| e.0 as usize != i).collect())
                        .collect()
                }),
            )
        })
    }

    proptest! {
        // Every entry comes back, each weight within the companding error, ordered as the raw
        // layout (weight descending, then index), and the encoding is smaller than raw.
        #[test]
        fn round_trip((n, rows) in rows_strategy()) {
            let body = encode(&rows);
            let d = decode(&body, n, "NBRS").unwrap();
            prop_assert_eq!(d.offsets.len(), n + 1);
            for (i, row) in rows.iter().enumerate() {
                let (s, e) = (d.offsets[i] as usize, d.offsets[i + 1] as usize);
                prop_assert_eq!(e - s, row.len());
                let scale = row.iter().fold(0.0f32, |m, x| m.max(x.1));
                for k in s..e {
                    let j = d.index[k];
                    let want = row.iter().find(|x| x.0 == j).unwrap().1;
                    // sqrt companding: |w - w'| <= scale * (2 * sqrt(w/scale) / 510 + 1/510²).
                    let tol = 1.01 * scale * (2.0 * (want / scale).sqrt() / 510.0 + 1.0 / 260_100.0) + 1e-6;
                    prop_assert!((d.weight[k] - want).abs() <= tol, "{} vs {}", d.weight[k], want);
                    if k > s {
                        let (pw, pj) = (d.weight[k - 1], d.index[k - 1]);
                        prop_assert!(pw > d.weight[k] || (pw == d.weight[k] && pj < j));
                    }
                }
            }
            let nnz: usize = rows.iter().map(Vec::len).sum();
            prop_assert!(body.len() <= 16 + n * 5 + nnz * 5 + 4 * n);
        }

        // Any byte string decodes to rows or to a PACK_INVALID error: never a panic.
        #[test]
        fn hostile_bodies_are_errors(b in prop::collection::vec(any::<u8>(), 0..200), n in 1usize..20) {
            if let Ok(d) = decode(&b, n, "NBRS") {
                prop_assert_eq!(d.offsets.len(), n + 1);
                prop_assert!(d.index.iter().all(|&j| (j as usize) < n));
            }
        }
    }

    #[test]
    fn rejects_self_loops_and_out_of_range() {
        let self_loop: SparseRows = vec![vec![(0, 1.0)], vec![]];
        let e = decode(&encode(&self_loop), 2, "NBRS").unwrap_err();
        assert!(e.to_string().contains("points to itself"), "{e}");
        let beyond: SparseRows = vec![vec![(5, 1.0)], vec![]];
        let e = decode(&encode(&beyond), 2, "TRAN").unwrap_err();
        assert!(
            e.to_string()
                .contains("TRAN: item 0 points beyond the last item"),
            "{e}"
        );
        let ok: SparseRows = vec![vec![(1, 1.0)], vec![]];
        let mut b = encode(&ok);
        b.push(0);
        let e = decode(&b, 2, "NBRS").unwrap_err();
        assert!(e.to_string().contains("unexpected bytes"), "{e}");
        let e = decode(&encode(&ok), 3, "NBRS").unwrap_err();
        assert!(
            e.to_string().contains("NBRS has a row count other than"),
            "{e}"
        );
    }
}
