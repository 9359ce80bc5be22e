//! Reading order / event exports: column mapping ([`columns`]), dates ([`time`]), streaming
//! CSV parse, and errors that name the file, line and column.
//!
//! Self-contained (std, `anyhow`, `csv`): the fuzz crate includes this folder by path.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

pub mod columns;
pub mod time;

pub use columns::{norm, positions, Columns, Positions, Role, BASKET_SEQ, CANDIDATES};
pub use time::{parse_time, DateOrder, DateVotes, Stamp};

/// Rows read before the columns are chosen, to look at their values.
const SAMPLE_ROWS: usize = 64;

/// One raw row, before cleaning.
#[derive(Debug, Clone)]
pub struct Row {
    /// Order (or session) id, trimmed.
    pub order: String,
    /// Item id, trimmed (not yet normalised).
    pub item: String,
    /// Time as written (several time columns joined, see [`Columns::time`]).
    pub time: String,
    /// The time read both ways ([`Stamp::NONE`] when empty or no time); the column's
    /// day/month order is decided after the whole input is read ([`DateVotes`]).
    pub stamp: Stamp,
    /// The within-order sequence column, when present.
    pub seq: Option<f64>,
    /// Quantity (1 without a quantity column).
    pub quantity: f64,
    /// Unit price, when given.
    pub price: Option<f64>,
    /// Title ("" = none).
    pub title: String,
    /// Category ("" = none).
    pub category: String,
    /// Customer id as written ("" = none).
    pub customer: String,
}

/// What reading one file found besides its rows.
#[derive(Debug, Clone)]
pub struct FileRead {
    /// Data rows.
    pub rows: u64,
    /// Column positions used.
    pub positions: Positions,
    /// `order = ..., item = ...` for the report.
    pub columns: String,
    /// What the time values say about their day/month order.
    pub votes: DateVotes,
}

/// Expand folders (their `*.csv`, `*.tsv`, `*.txt` files, sorted by name) and keep files as given.
pub fn expand_inputs(inputs: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in inputs {
        let meta = std::fs::metadata(p).with_context(|| format!("cannot open {}", p.display()))?;
        if meta.is_dir() {
            let mut files: Vec<PathBuf> = std::fs::read_dir(p)
                .with_context(|| format!("cannot list folder {}", p.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| {
                    f.extension()
                        .and_then(|x| x.to_str())
                        .is_some_and(|x| matches!(x, "csv" | "tsv" | "txt"))
                })
                .collect();
            files.sort();
            if files.is_empty() {
                bail!("folder {} has no .csv files", p.display());
            }
            out.extend(files);
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
}

fn detect_delimiter(first_line: &[u8]) -> u8 {
    let count = |c: u8| first_line.iter().filter(|&&b| b == c).count();
    [b',', b';', b'\t', b'|']
        .into_iter()
        .max_by_key(|&c| (count(c), c == b','))
        .unwrap_or(b',')
}

/// A number as exports write them: plain, with a currency sign (`£3.50`), a decimal comma
/// (`3,50`) or thousands commas before a decimal point (`1,234.50`).
pub fn parse_number(s: &str) -> Option<f64> {
    let t = s
        .trim()
        .trim_matches(|c: char| c.is_whitespace() || "$£€¥₹".contains(c));
    let x = match t.parse::<f64>() {
        Ok(x) => x,
        Err(_) => {
            let (int, frac) = t.rsplit_once(['.', ','])?;
            let comma_decimal =
                !t.contains('.') && int.matches(',').count() == 0 && frac.len() <= 2;
            let grouped = t.contains('.') && int.split(',').skip(1).all(|g| g.len() == 3);
            if !(comma_decimal || grouped) || frac.contains(',') {
                return None;
            }
            format!("{}.{frac}", int.replace(',', "")).parse().ok()?
        }
    };
    x.is_finite().then_some(x)
}

/// Placeholders read as an empty number field (quantity 1, no price, no sequence).
const MISSING: &[&str] = &["NA", "N/A", "NaN", "null", "none", "-"];

fn num(
    rec: &csv::ByteRecord,
    col: usize,
    headers: &[String],
    file: &Path,
    line: u64,
) -> Result<Option<f64>> {
    let Some(raw) = rec.get(col) else {
        return Ok(None);
    };
    let s = std::str::from_utf8(raw).unwrap_or("").trim();
    if s.is_empty() || MISSING.iter().any(|m| s.eq_ignore_ascii_case(m)) {
        return Ok(None);
    }
    match parse_number(s) {
        Some(x) => Ok(Some(x)),
        None => bail!(
            "{}: line {line}, column {} ({}): {s:?} is not a number",
            file.display(),
            col + 1,
            headers[col]
        ),
    }
}

/// The values of several time columns as one text: joined with a space, except that numeric
/// year, month, day pieces are joined with `-` (`2008`, `4`, `1` -> `2008-4-1`).
fn join_time<'a>(pieces: impl Iterator<Item = &'a str>) -> String {
    let mut out = String::new();
    for p in pieces.filter(|p| !p.is_empty()) {
        if !out.is_empty() {
            let digits =
                |s: &str| !s.is_empty() && s.len() <= 4 && s.bytes().all(|b| b.is_ascii_digit());
            let date_so_far = out.split('-').count() < 3 && out.split('-').all(digits);
            out.push(if digits(p) && date_so_far { '-' } else { ' ' });
        }
        out.push_str(p);
    }
    out
}

/// Read one file, calling `f` for every row.
pub fn read_file(
    path: &Path,
    cols: &Columns,
    progress: &dyn Fn(u64),
    f: &mut dyn FnMut(Row),
) -> Result<FileRead> {
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut rd = BufReader::with_capacity(1 << 16, file);
    let mut head = [0u8; 4096];
    let got = rd
        .read(&mut head)
        .with_context(|| format!("cannot read {}", path.display()))?;
    if got == 0 {
        bail!(
            "{}: the file is empty (expected a header line and rows)",
            path.display()
        );
    }
    let first_line = head[..got].split(|&b| b == b'\n').next().unwrap_or(&[]);
    let delim = detect_delimiter(first_line);
    let chained = std::io::Cursor::new(head[..got].to_vec()).chain(rd);
    let mut csv = csv::ReaderBuilder::new()
        .delimiter(delim)
        .has_headers(true)
        .flexible(true)
        .from_reader(chained);
    let hdr = csv
        .byte_headers()
        .with_context(|| format!("{}: line 1: cannot read the header", path.display()))?
        .clone();
    let headers: Vec<String> = hdr
        .iter()
        .enumerate()
        .map(|(i, h)| {
            std::str::from_utf8(h)
                .map(|s| s.trim_start_matches('\u{feff}').to_string())
                .map_err(|_| {
                    anyhow::anyhow!(
                        "{}: line 1, column {}: the header is not valid UTF-8",
                        path.display(),
                        i + 1
                    )
                })
        })
        .collect::<Result<_>>()?;
    let mut next = |rec: &mut csv::ByteRecord| -> Result<bool> {
        csv.read_byte_record(rec).map_err(|e| {
            let line = e.position().map(|p| p.line()).unwrap_or(0);
            anyhow::anyhow!("{}: line {line}: malformed CSV: {e}", path.display())
        })
    };
    let mut rec = csv::ByteRecord::new();
    let mut sample = Vec::new();
    while sample.len() < SAMPLE_ROWS && next(&mut rec)? {
        sample.push(rec.clone());
    }
    let pos = positions(&headers, &sample, cols, path)?;
    let needed = pos.needed();
    let mut votes = DateVotes::default();
    let mut rows = 0u64;
    let mut row = |rec: &csv::ByteRecord| -> Result<()> {
        let line = rec.position().map(|p| p.line()).unwrap_or(0);
        if rec.len() == 1 && rec.get(0).is_some_and(|x| x.is_empty()) {
            return Ok(());
        }
        if rec.len() <= needed {
            bail!(
                "{}: line {line}: the row has {} fields, but column {} ({}) is needed",
                path.display(),
                rec.len(),
                needed + 1,
                headers[needed]
            );
        }
        let text = |col: Option<usize>| -> Result<String> {
            let Some(c) = col else {
                return Ok(String::new());
            };
            let raw = rec.get(c).unwrap_or(&[]);
            match std::str::from_utf8(raw) {
                Ok(s) => Ok(s.trim().to_string()),
                Err(e) => bail!(
                    "{}: line {line}, column {} ({}): invalid UTF-8 at byte {} of the field",
                    path.display(),
                    c + 1,
                    headers[c],
                    e.valid_up_to()
                ),
            }
        };
        let order = text(Some(pos.order))?;
        let item = text(Some(pos.item))?;
        let time = match pos.time[..] {
            [] => String::new(),
            [c] => text(Some(c))?,
            ref cs => {
                let pieces: Vec<String> =
                    cs.iter().map(|&c| text(Some(c))).collect::<Result<_>>()?;
                join_time(pieces.iter().map(String::as_str))
            }
        };
        let title = text(pos.title)?;
        let category = text(pos.category)?;
        let customer = text(pos.customer)?;
        let quantity = match pos.quantity {
            Some(c) => num(rec, c, &headers, path, line)?.unwrap_or(1.0),
            None => 1.0,
        };
        let price = match pos.price {
            Some(c) => num(rec, c, &headers, path, line)?,
            None => None,
        };
        let seq = match pos.seq {
            Some(c) => num(rec, c, &headers, path, line)?,
            None => None,
        };
        let stamp = votes.read(&time).unwrap_or(Stamp::NONE);
        rows += 1;
        if rows.is_multiple_of(65_536) {
            progress(rows);
        }
        f(Row {
            order,
            item,
            time,
            stamp,
            seq,
            quantity,
            price,
            title,
            category,
            customer,
        });
        Ok(())
    };
    for r in &sample {
        row(r)?;
    }
    while next(&mut rec)? {
        row(&rec)?;
    }
    progress(rows);
    if rows == 0 {
        bail!("{}: the file has a header but no rows", path.display());
    }
    Ok(FileRead {
        rows,
        columns: pos.describe(&headers),
        positions: pos,
        votes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_as_exports_write_them() {
        for (s, x) in [
            ("2", 2.0),
            (" 0.8 ", 0.8),
            ("£3.50", 3.5),
            ("3,50 €", 3.5),
            ("1,234.50", 1234.5),
        ] {
            assert_eq!(parse_number(s), Some(x), "{s}");
        }
        for s in ["two", "1,234", "1.234,50", "NaN", "inf", ""] {
            assert_eq!(parse_number(s), None, "{s}");
        }
        let rec = csv::ByteRecord::from(vec!["n/a", "-", "two"]);
        let h = ["q".to_string(), "p".to_string(), "x".to_string()];
        let f = Path::new("o.csv");
        assert_eq!(num(&rec, 0, &h, f, 2).ok(), Some(None));
        assert_eq!(num(&rec, 1, &h, f, 2).ok(), Some(None));
        let e = num(&rec, 2, &h, f, 2).unwrap_err().to_string();
        assert_eq!(e, "o.csv: line 2, column 3 (x): \"two\" is not a number");
    }

    #[test]
    fn split_time_columns_are_joined() {
        let j = |v: &[&str]| join_time(v.iter().copied());
        assert_eq!(j(&["30-10-2016", "09:58:11"]), "30-10-2016 09:58:11");
        assert_eq!(j(&["2008", "4", "1"]), "2008-4-1");
        assert_eq!(j(&["1", "4", "2008", "10:00"]), "1-4-2008 10:00");
        assert_eq!(j(&["2016-10-30", "", "9"]), "2016-10-30 9");
        assert_eq!(j(&["20161030", "0958"]), "20161030 0958");
    }
}
