//! A pack from the output folder of the Spark job (`spark/cartsense_job.py`, issue 16): the
//! distributed part computed popularity, prices, co-purchase neighbours, the basket sample, ALS
//! item embeddings and validation figures; this assembles them on one machine with the same
//! [`PackWriter`] as `cartsense build` (`cartsense pack --from-spark DIR`).
//!
//! The folder holds Spark CSV folders (`items/`, `neighbours/`, `baskets/`, `embeddings/`, each
//! a set of `part-*.csv` files with a header) and `meta.json`. Items are the `items/` rows,
//! sorted by id (the pack order, as the builder's).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::Result;
use serde_json::{json, Value};

use crate::builder::data::Kind;
use crate::builder::model::ALS_LAMBDA;
use crate::builder::tune;
use crate::pack::{PackWriter, Quantize, SparseRows};

/// What is wrong with a Spark output folder; every message names the file (and line).
#[derive(Debug, thiserror::Error)]
pub enum SparkInputError {
    /// A part of the output is missing.
    #[error("{0}: missing (is this the --out folder of spark/cartsense_job.py?)")]
    Missing(PathBuf),
    /// A file cannot be read or parsed as CSV.
    #[error("{file}: line {line}: {msg}")]
    Csv {
        /// The file.
        file: PathBuf,
        /// 1-based line (0 = the file as a whole).
        line: u64,
        /// What went wrong.
        msg: String,
    },
    /// A value is not what its column needs.
    #[error("{file}: line {line}, column {column}: {value:?} {what}")]
    Value {
        /// The file.
        file: PathBuf,
        /// 1-based line.
        line: u64,
        /// The column name.
        column: String,
        /// The value as written.
        value: String,
        /// What it should be.
        what: &'static str,
    },
    /// `meta.json` is not a JSON object.
    #[error("{0}: not a JSON object: {1}")]
    Meta(PathBuf, String),
    /// The embeddings do not cover every item.
    #[error("{file}: {missing} of {n} items have no embedding (e.g. {example:?})")]
    Uncovered {
        /// The embeddings folder.
        file: PathBuf,
        /// Items without a row.
        missing: usize,
        /// Items.
        n: usize,
        /// One of them.
        example: String,
    },
}

/// The Spark job's results, in pack order.
#[derive(Debug, Clone)]
pub struct SparkOutput {
    /// Item ids, sorted.
    pub ids: Vec<String>,
    /// Groups containing each item.
    pub popularity: Vec<f32>,
    /// Median unit price (0 = unknown).
    pub prices: Vec<f32>,
    /// Titles ("" = unknown).
    pub titles: Vec<String>,
    /// Co-purchase neighbours (index, weight), strongest first.
    pub neighbours: SparseRows,
    /// The basket sample, most recent first.
    pub baskets: Vec<Vec<u32>>,
    /// Embedding dimensions (0 = none were computed).
    pub dims: usize,
    /// `n x dims` row-major.
    pub emb: Vec<f32>,
    /// The job's `meta.json`.
    pub meta: Value,
}

/// A CSV folder's part files (or a single file), in name order.
fn parts(dir: &Path, name: &str) -> Result<Vec<PathBuf>, SparkInputError> {
    let p = dir.join(name);
    if p.is_file() {
        return Ok(vec![p]);
    }
    let rd = std::fs::read_dir(&p).map_err(|_| SparkInputError::Missing(p.clone()))?;
    let mut v: Vec<PathBuf> = rd
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|f| {
            f.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("part-") && n.ends_with(".csv"))
        })
        .collect();
    v.sort();
    Ok(v)
}

/// Every record of every part of `name`: (file, line, header, record).
fn records(
    dir: &Path,
    name: &str,
    on: &mut dyn FnMut(&Path, u64, &csv::StringRecord, &csv::StringRecord) -> Result<()>,
) -> Result<()> {
    for f in parts(dir, name)? {
        let csv_err = |line: u64, e: &dyn std::fmt::Display| SparkInputError::Csv {
            file: f.clone(),
            line,
            msg: e.to_string(),
        };
        let mut rd = csv::ReaderBuilder::new()
            .has_headers(true)
            .from_path(&f)
            .map_err(|e| csv_err(0, &e))?;
        let header = rd.headers().map_err(|e| csv_err(1, &e))?.clone();
        for (k, r) in rd.records().enumerate() {
            let line = k as u64 + 2;
            let r = r.map_err(|e| csv_err(line, &e))?;
            on(&f, line, &header, &r)?;
        }
    }
    Ok(())
}

/// The value of `column` in `r`.
fn field<'a>(
    f: &Path,
    line: u64,
    h: &csv::StringRecord,
    r: &'a csv::StringRecord,
    column: &str,
) -> Result<&'a str, SparkInputError> {
    h.iter()
        .position(|c| c == column)
        .and_then(|i| r.get(i))
        .ok_or_else(|| SparkInputError::Csv {
            file: f.to_path_buf(),
            line,
            msg: format!("no column {column:?}"),
        })
}

/// `column` as a finite float (`""` = `empty`).
fn number(
    f: &Path,
    line: u64,
    h: &csv::StringRecord,
    r: &csv::StringRecord,
    column: &str,
    empty: Option<f32>,
) -> Result<f32, SparkInputError> {
    let s = field(f, line, h, r, column)?;
    let bad = || SparkInputError::Value {
        file: f.to_path_buf(),
        line,
        column: column.into(),
        value: s.into(),
        what: "is not a finite number",
    };
    match (s.trim(), empty) {
        ("", Some(e)) => Ok(e),
        (t, _) => t
            .parse::<f32>()
            .ok()
            .filter(|x| x.is_finite())
            .ok_or_else(bad),
    }
}

/// The index of the item in `column`.
fn item(
    index: &HashMap<String, u32>,
    f: &Path,
    line: u64,
    h: &csv::StringRecord,
    r: &csv::StringRecord,
    column: &str,
) -> Result<u32, SparkInputError> {
    let s = field(f, line, h, r, column)?;
    index.get(s).copied().ok_or_else(|| SparkInputError::Value {
        file: f.to_path_buf(),
        line,
        column: column.into(),
        value: s.into(),
        what: "is not an item of items/",
    })
}

/// Read the job's output folder.
pub fn read(dir: &Path) -> Result<SparkOutput> {
    let meta_path = dir.join("meta.json");
    let text = std::fs::read_to_string(&meta_path)
        .map_err(|_| SparkInputError::Missing(meta_path.clone()))?;
    let meta: Value = serde_json::from_str(&text)
        .map_err(|e| SparkInputError::Meta(meta_path.clone(), e.to_string()))?;
    if !meta.is_object() {
        return Err(SparkInputError::Meta(meta_path, "not an object".into()).into());
    }

    let mut rows: Vec<(String, f32, f32, String)> = Vec::new();
    records(dir, "items", &mut |f, line, h, r| {
        let id = field(f, line, h, r, "item")?.to_string();
        let pop = number(f, line, h, r, "popularity", None)?;
        let price = number(f, line, h, r, "price", Some(0.0))?;
        let title = field(f, line, h, r, "title").unwrap_or("").to_string();
        rows.push((id, pop, price, title));
        Ok(())
    })?;
    if rows.is_empty() {
        return Err(SparkInputError::Csv {
            file: dir.join("items"),
            line: 0,
            msg: "no items".into(),
        }
        .into());
    }
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    let ids: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
    let index: HashMap<String, u32> = ids
        .iter()
        .enumerate()
        .map(|(i, s)| (s.clone(), i as u32))
        .collect();
    let n = ids.len();

    let mut ranked: Vec<Vec<(u32, u32, f32)>> = vec![Vec::new(); n];
    records(dir, "neighbours", &mut |f, line, h, r| {
        let i = item(&index, f, line, h, r, "item")?;
        let j = item(&index, f, line, h, r, "neighbour")?;
        let rank = number(f, line, h, r, "rank", None)? as u32;
        let s = number(f, line, h, r, "score", None)?;
        ranked[i as usize].push((rank, j, s));
        Ok(())
    })?;
    let neighbours: SparseRows = ranked
        .into_iter()
        .map(|mut v| {
            v.sort_by_key(|x| x.0);
            v.into_iter().map(|(_, j, s)| (j, s)).collect()
        })
        .collect();

    let mut bmap: HashMap<u32, Vec<u32>> = HashMap::new();
    records(dir, "baskets", &mut |f, line, h, r| {
        let b = number(f, line, h, r, "basket", None)? as u32;
        let i = item(&index, f, line, h, r, "item")?;
        bmap.entry(b).or_default().push(i);
        Ok(())
    })?;
    let mut keys: Vec<u32> = bmap.keys().copied().collect();
    keys.sort_unstable();
    let baskets: Vec<Vec<u32>> = keys
        .iter()
        .filter_map(|k| bmap.remove(k))
        .map(|mut v| {
            v.sort_unstable();
            v.dedup();
            v
        })
        .collect();

    let (mut dims, mut emb) = (0usize, Vec::new());
    if dir.join("embeddings").exists() {
        let mut seen = vec![false; n];
        records(dir, "embeddings", &mut |f, line, h, r| {
            let i = item(&index, f, line, h, r, "item")? as usize;
            if dims == 0 {
                dims = h.len() - 1;
                emb = vec![0.0f32; n * dims];
            }
            for k in 0..dims {
                emb[i * dims + k] = number(f, line, h, r, &format!("v{}", k + 1), None)?;
            }
            seen[i] = true;
            Ok(())
        })?;
        let missing: Vec<usize> = (0..n).filter(|&i| !seen[i]).collect();
        if let Some(&m) = missing.first() {
            return Err(SparkInputError::Uncovered {
                file: dir.join("embeddings"),
                missing: missing.len(),
                n,
                example: ids[m].clone(),
            }
            .into());
        }
    }
    Ok(SparkOutput {
        ids,
        popularity: rows.iter().map(|r| r.1).collect(),
        prices: rows.iter().map(|r| r.2).collect(),
        titles: rows.iter().map(|r| r.3.clone()).collect(),
        neighbours,
        baskets,
        dims,
        emb,
        meta,
    })
}

/// Options of [`pack`].
#[derive(Debug, Clone)]
pub struct SparkPackOptions {
    /// Embedding storage.
    pub quantize: Quantize,
    /// Currency code.
    pub currency: String,
}

/// The pack of a Spark output. The scorer settings are the builder's defaults for baskets
/// (the job does not run the Rust tuner); `source` holds the job's metadata (Spark version,
/// choices, validation metrics) so `cartsense inspect` shows where the pack came from.
pub fn pack(s: &SparkOutput, o: &SparkPackOptions) -> Result<Vec<u8>> {
    // Sizes come from the job's output, not from the choice.
    let choice = tune::default_choice(Kind::Baskets, s.dims, 0);
    let get = |k: &str| s.meta.get(k).cloned().unwrap_or(Value::Null);
    let choices = get("choices");
    let alpha = choices
        .pointer("/method/alpha")
        .and_then(Value::as_f64)
        .unwrap_or(10.0) as f32;
    // Without embeddings (a job run with --no-als) the rows are zeros of one dimension: the
    // pack still serves co-purchase neighbours and popularity.
    let (dims, emb) = if s.dims == 0 {
        (1, vec![0.0f32; s.ids.len()])
    } else {
        (s.dims, s.emb.clone())
    };
    let meta = json!({
        "generator": format!("cartsense pack --from-spark {}", env!("CARGO_PKG_VERSION")),
        "kind": get("kind"),
        "source": s.meta,
        "scorer": choice.params,
        "bundle": choice.bundle,
        "quality": get("metrics"),
        "model": {
            "method": choices.get("method"),
            "cooccurrence": choices.get("measure"),
            "dims": s.dims,
            "seed": choices.get("seed"),
            "neighbours": choices.get("neighbours"),
            "groups": get("groups"),
            "baskets": s.baskets.len(),
        },
    });
    let mut meta = meta;
    if let Some(c) = s.meta.get("idCase") {
        meta["idCase"] = c.clone();
    }
    let mut w = PackWriter::new(s.ids.clone(), dims, emb)
        .compact_lists(true)
        .titles(s.titles.clone())
        .prices(s.prices.clone())
        .popularity(s.popularity.clone())
        .neighbours(s.neighbours.clone())
        .quantize(o.quantize)
        .currency(o.currency.clone())
        .meta(meta);
    if s.dims > 0 {
        w = w.fold_in(ALS_LAMBDA.max(1e-3), alpha);
    }
    if !s.baskets.is_empty() {
        w = w.baskets(s.baskets.clone());
    }
    w.to_bytes()
        .map_err(|e| anyhow::anyhow!("cannot write the pack: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pack::Pack;

    /// A Spark-like output folder: part files with headers, quoting where Spark quotes.
    fn folder(name: &str, neighbours: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("cartsense-spark-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        let w = |sub: &str, text: &str| {
            std::fs::create_dir_all(d.join(sub)).unwrap();
            std::fs::write(d.join(sub).join("part-00000-x.csv"), text).unwrap();
        };
        w(
            "items",
            "item,popularity,price,title\nB,3,2.5,\"Bread, white\"\nA,5,,\nC,1,1.0,Cake\n",
        );
        w("neighbours", neighbours);
        w("baskets", "basket,item\n0,C\n0,A\n1,B\n");
        w(
            "embeddings",
            "item,v1,v2\nC,0.5,0.5\nA,1.0,0.0\nB,0.0,1.0\n",
        );
        std::fs::write(
            d.join("meta.json"),
            r#"{"builder":"spark","sparkVersion":"3.5.3","kind":"baskets",
               "choices":{"measure":"cosine","method":{"alpha":10.0}},"metrics":{"x":1}}"#,
        )
        .unwrap();
        d
    }

    #[test]
    fn assembles_a_pack_in_id_order_with_the_spark_source() {
        let d = folder(
            "ok",
            "item,neighbour,rank,c,score\nA,C,2,1,0.25\nA,B,1,2,0.5\nB,A,1,2,0.5\n",
        );
        let s = read(&d).unwrap();
        assert_eq!(s.ids, ["A", "B", "C"]);
        assert_eq!(s.neighbours[0], vec![(1, 0.5), (2, 0.25)]);
        assert_eq!(s.baskets, vec![vec![0, 2], vec![1]]);
        assert_eq!(s.titles[1], "Bread, white");
        let bytes = pack(
            &s,
            &SparkPackOptions {
                quantize: Quantize::F32,
                currency: String::new(),
            },
        )
        .unwrap();
        let p = Pack::from_bytes(&bytes).unwrap();
        assert_eq!(p.len(), 3);
        assert_eq!(p.meta_serde()["source"]["builder"], "spark");
        assert_eq!(p.meta_serde()["model"]["cooccurrence"], "cosine");
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn an_unknown_neighbour_names_the_file_line_and_column() {
        let d = folder("bad", "item,neighbour,rank,c,score\nA,Z,1,1,0.5\n");
        let e = read(&d).unwrap_err().to_string();
        assert!(
            e.contains("part-00000-x.csv") && e.contains("line 2") && e.contains("neighbour"),
            "{e}"
        );
        let _ = std::fs::remove_dir_all(&d);
    }
}
