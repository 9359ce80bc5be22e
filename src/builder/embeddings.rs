//! `cartsense pack`: bring your own embeddings (.npy float32 [n, d] + ids file, or CSV
//! `id,v1..vd`) ([`read`]), add catalog facts, write a pack ([`pack`]).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use serde_json::json;

use crate::builder::data::catalog;
use crate::pack::{PackWriter, Quantize};

/// Options of [`pack`].
#[derive(Debug, Clone)]
pub struct PackOptions {
    /// Catalog CSV (id plus any of title, category, price).
    pub catalog: Option<PathBuf>,
    /// Embedding storage.
    pub quantize: Quantize,
    /// Ridge of the stored Gram matrix for least-squares fold-in (0 = mean profile only).
    pub lambda: f32,
    /// Fold-in confidence scale (c = 1 + alpha * event weight), as used in training.
    pub alpha: f32,
    /// Currency code.
    pub currency: String,
}

/// A float32 `[n, d]` .npy file (C order): (n, d, row-major values).
pub fn read_npy(path: &Path) -> Result<(usize, usize, Vec<f32>)> {
    let b = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let bad = |m: &str| anyhow!("{}: not a float32 [n, d] .npy file: {m}", path.display());
    if b.len() < 10 || &b[..6] != b"\x93NUMPY" {
        return Err(bad("missing the \\x93NUMPY magic"));
    }
    let (hlen, start) = match b[6] {
        1 => (u16::from_le_bytes([b[8], b[9]]) as usize, 10),
        2 | 3 if b.len() >= 12 => (u32::from_le_bytes([b[8], b[9], b[10], b[11]]) as usize, 12),
        v => return Err(bad(&format!("unsupported version {v}"))),
    };
    let header = b
        .get(start..start + hlen)
        .and_then(|h| std::str::from_utf8(h).ok())
        .ok_or_else(|| bad("truncated header"))?;
    if !header.contains("'<f4'") {
        return Err(bad(&format!(
            "dtype must be '<f4' (float32); header: {header}"
        )));
    }
    if header.contains("'fortran_order': True") {
        return Err(bad(
            "Fortran order is not supported; save with np.ascontiguousarray",
        ));
    }
    let shape = header
        .split("'shape':")
        .nth(1)
        .and_then(|s| s.split(')').next())
        .ok_or_else(|| bad("no shape"))?;
    let dims: Vec<usize> = shape
        .trim()
        .trim_start_matches('(')
        .split(',')
        .map(|x| x.trim())
        .filter(|x| !x.is_empty())
        .map(|x| x.parse::<usize>().map_err(|_| bad("bad shape")))
        .collect::<Result<_>>()?;
    if dims.len() != 2 {
        return Err(bad(&format!("shape must be 2-D, not {shape})")));
    }
    let (n, d) = (dims[0], dims[1]);
    let body = &b[start + hlen..];
    if n.checked_mul(d).and_then(|x| x.checked_mul(4)) != Some(body.len()) {
        return Err(bad(&format!(
            "{} data bytes for shape ({n}, {d})",
            body.len()
        )));
    }
    let v = body
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    Ok((n, d, v))
}

/// A CSV of `id,v1,...,vd` rows (a header line is skipped): (ids, d, row-major values).
pub fn read_csv(path: &Path) -> Result<(Vec<String>, usize, Vec<f32>)> {
    let mut rd = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_path(path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    let (mut ids, mut v, mut d) = (Vec::new(), Vec::new(), 0usize);
    for (n, r) in rd.records().enumerate() {
        let line = n + 1;
        let r = r.map_err(|e| anyhow!("{}: line {line}: {e}", path.display()))?;
        if r.len() < 2 {
            bail!("{}: line {line}: expected id,v1,...,vd", path.display());
        }
        let vals: Vec<Result<f32, usize>> = (1..r.len())
            .map(|c| r[c].trim().parse::<f32>().map_err(|_| c))
            .collect();
        if n == 0 && vals.iter().any(|x| x.is_err()) {
            continue; // a header line
        }
        if d == 0 {
            d = r.len() - 1;
        } else if r.len() - 1 != d {
            bail!(
                "{}: line {line}: {} values, expected {d}",
                path.display(),
                r.len() - 1
            );
        }
        for x in vals {
            match x {
                Ok(x) if x.is_finite() => v.push(x),
                Ok(_) | Err(_) => {
                    let c = x.err().unwrap_or(0);
                    bail!(
                        "{}: line {line}, column {}: {:?} is not a finite number",
                        path.display(),
                        c + 1,
                        r.get(c).unwrap_or("")
                    )
                }
            }
        }
        ids.push(r[0].trim().to_string());
    }
    if ids.is_empty() {
        bail!("{}: no embedding rows", path.display());
    }
    Ok((ids, d, v))
}

/// Embeddings from `embeddings` (.npy with the row ids in `ids`, one per line, or CSV
/// `id,v1..vd`): (ids, d, row-major values).
pub fn read(embeddings: &Path, ids: Option<&Path>) -> Result<(Vec<String>, usize, Vec<f32>)> {
    let is_npy = embeddings.extension().and_then(|e| e.to_str()) == Some("npy");
    if !is_npy {
        return read_csv(embeddings);
    }
    let (n, d, v) = read_npy(embeddings)?;
    let Some(idp) = ids else {
        bail!("a .npy file needs --ids FILE (one id per line, in row order)");
    };
    let text =
        std::fs::read_to_string(idp).with_context(|| format!("cannot read {}", idp.display()))?;
    let ids: Vec<String> = text
        .lines()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect();
    if ids.len() != n {
        bail!(
            "{} has {} ids but {} has {n} rows",
            idp.display(),
            ids.len(),
            embeddings.display()
        );
    }
    Ok((ids, d, v))
}

/// A pack of `ids` with their `d`-dimensional rows `emb` (any order: the pack sorts by id) and
/// the catalog's facts. Returns the bytes and, with a catalog, how many items it matched.
pub fn pack(
    ids: Vec<String>,
    d: usize,
    emb: Vec<f32>,
    o: &PackOptions,
) -> Result<(Vec<u8>, Option<usize>)> {
    // Pack order: sorted by id.
    let mut order: Vec<usize> = (0..ids.len()).collect();
    order.sort_by(|&x, &y| ids[x].cmp(&ids[y]));
    let sorted_ids: Vec<String> = order.iter().map(|&i| ids[i].clone()).collect();
    let mut rows = Vec::with_capacity(emb.len());
    for &i in &order {
        rows.extend_from_slice(&emb[i * d..(i + 1) * d]);
    }
    let n = sorted_ids.len();
    let mut titles = vec![String::new(); n];
    let mut cats = vec![String::new(); n];
    let mut prices = vec![0.0f32; n];
    let mut matched = None;
    if let Some(cat) = &o.catalog {
        let index: HashMap<&str, usize> = sorted_ids
            .iter()
            .enumerate()
            .map(|(i, s)| (s.as_str(), i))
            .collect();
        let mut m = 0usize;
        for (id, t, c, p) in catalog::read(cat, false)? {
            if let Some(&i) = index.get(id.as_str()) {
                m += 1;
                titles[i] = t;
                cats[i] = c;
                prices[i] = p.unwrap_or(0.0);
            }
        }
        matched = Some(m);
    }
    let mut w = PackWriter::new(sorted_ids, d, rows)
        .titles(titles)
        .prices(prices)
        .quantize(o.quantize)
        .currency(o.currency.clone())
        .meta(
            json!({"generator": format!("cartsense pack {}", env!("CARGO_PKG_VERSION")),
                     "source": "external embeddings"}),
        );
    if cats.iter().any(|c| !c.is_empty()) {
        w = w.categories(cats);
    }
    if o.lambda > 0.0 {
        w = w.fold_in(o.lambda, o.alpha);
    }
    let bytes = w
        .to_bytes()
        .map_err(|e| anyhow!("cannot write the pack: {e}"))?;
    Ok((bytes, matched))
}
