//! Reading order / event exports: column mapping, streaming CSV parse, and errors that name
//! the file, line and column.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

/// Column names per role. `None` = detect from the header (see [`CANDIDATES`]).
#[derive(Debug, Clone, Default)]
pub struct Columns {
    /// Order (or session) id.
    pub order: Option<String>,
    /// Item id.
    pub item: Option<String>,
    /// Timestamp.
    pub time: Option<String>,
    /// Numeric within-order sequence, added to the time in ms.
    pub seq: Option<String>,
    /// Quantity.
    pub quantity: Option<String>,
    /// Unit price.
    pub price: Option<String>,
    /// Item title.
    pub title: Option<String>,
    /// Item category.
    pub category: Option<String>,
    /// Customer id.
    pub customer: Option<String>,
}

/// Header names recognised for each role when no flag is given (case-insensitive). The first
/// entries are the UCI Online Retail headers.
pub const CANDIDATES: [(&str, &[&str]); 9] = [
    (
        "order",
        &[
            "invoiceno",
            "invoice",
            "order_id",
            "orderid",
            "order",
            "session_id",
            "sessionid",
            "session",
            "basket_id",
            "transaction_id",
            "user_session",
            // No order or session id: one sequence per visitor/customer.
            "visitorid",
            "visitor_id",
            "user_id",
            "userid",
            "customerid",
            "customer_id",
        ],
    ),
    (
        "item",
        &[
            "stockcode",
            "item_id",
            "itemid",
            "product_id",
            "productid",
            "sku",
            "item",
            "product",
        ],
    ),
    (
        "time",
        &[
            "invoicedate",
            "timestamp",
            "event_time",
            "time",
            "datetime",
            "eventdate",
            "date",
            "created_at",
            "order_date",
        ],
    ),
    ("seq", &["timeframe", "seq", "position"]),
    ("quantity", &["quantity", "qty"]),
    ("price", &["unitprice", "unit_price", "price"]),
    (
        "title",
        &["description", "title", "name", "product_name", "item_name"],
    ),
    (
        "category",
        &["category", "category_id", "categoryid", "category_code"],
    ),
    (
        "customer",
        &["customerid", "customer_id", "user_id", "userid"],
    ),
];

/// Resolved column positions of one file.
#[derive(Debug, Clone, Default)]
pub struct Positions {
    /// Order (or session) id column.
    pub order: usize,
    /// Item id column.
    pub item: usize,
    /// Timestamp column.
    pub time: Option<usize>,
    /// Sequence column.
    pub seq: Option<usize>,
    /// Quantity column.
    pub quantity: Option<usize>,
    /// Unit price column.
    pub price: Option<usize>,
    /// Title column.
    pub title: Option<usize>,
    /// Category column.
    pub category: Option<usize>,
    /// Customer id column.
    pub customer: Option<usize>,
}

/// One raw row, before cleaning.
#[derive(Debug, Clone)]
pub struct Row {
    /// Order (or session) id, trimmed.
    pub order: String,
    /// Item id, trimmed (not yet normalised).
    pub item: String,
    /// Raw time string (compared as text and parsed for recency).
    pub time: String,
    /// Milliseconds (parsed time plus the within-order sequence column, when present).
    pub at: f64,
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

fn find(
    headers: &[String],
    role: &str,
    flag: &Option<String>,
    file: &Path,
) -> Result<Option<usize>> {
    let norm = |s: &str| s.trim().trim_start_matches('\u{feff}').to_ascii_lowercase();
    if let Some(name) = flag {
        return match headers.iter().position(|h| norm(h) == norm(name)) {
            Some(i) => Ok(Some(i)),
            None => bail!(
                "{}: line 1: no column named {name:?} (for the {role} column); the header has: {}",
                file.display(),
                headers.join(", ")
            ),
        };
    }
    let cands = CANDIDATES
        .iter()
        .find(|(r, _)| *r == role)
        .map(|(_, c)| *c)
        .unwrap_or(&[]);
    for c in cands {
        if let Some(i) = headers.iter().position(|h| norm(h) == *c) {
            return Ok(Some(i));
        }
    }
    Ok(None)
}

fn positions(headers: &[String], cols: &Columns, file: &Path) -> Result<Positions> {
    let required = |role: &str, flag: &Option<String>, what: &str| -> Result<usize> {
        match find(headers, role, flag, file)? {
            Some(i) => Ok(i),
            None => bail!(
                "{}: line 1: missing the {role} column: none of the headers ({}) is a known {what} \
                 column; name it with --{role}-col",
                file.display(),
                headers.join(", ")
            ),
        }
    };
    let p = Positions {
        order: required("order", &cols.order, "order/session id")?,
        item: required("item", &cols.item, "item id")?,
        time: find(headers, "time", &cols.time, file)?,
        seq: find(headers, "seq", &cols.seq, file)?,
        quantity: find(headers, "quantity", &cols.quantity, file)?,
        price: find(headers, "price", &cols.price, file)?,
        title: find(headers, "title", &cols.title, file)?,
        category: find(headers, "category", &cols.category, file)?,
        customer: find(headers, "customer", &cols.customer, file)?,
    };
    if p.order == p.item {
        bail!(
            "{}: the order and item columns are the same column ({})",
            file.display(),
            headers[p.order]
        );
    }
    Ok(p)
}

/// Days from 1970-01-01 to a civil date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Parse a timestamp to milliseconds since the epoch: `YYYY-MM-DD[ T]HH:MM[:SS[.fff]]`,
/// `YYYY-MM-DD`, `M/D/YYYY H:MM`, or a plain number (seconds if < 1e11, else milliseconds).
pub fn parse_time(s: &str) -> Option<f64> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if let Ok(x) = s.parse::<f64>() {
        if x.is_finite() {
            return Some(if x.abs() < 1e11 { x * 1000.0 } else { x });
        }
        return None;
    }
    let (date, time) = match s.find([' ', 'T']) {
        Some(i) => (&s[..i], s[i + 1..].trim_end_matches('Z')),
        None => (s, ""),
    };
    let (y, m, d) = if date.contains('-') {
        let mut it = date.split('-').map(|x| x.parse::<i64>().ok());
        (it.next()??, it.next()??, it.next()??)
    } else if date.contains('/') {
        let mut it = date.split('/').map(|x| x.parse::<i64>().ok());
        let (m, d, y) = (it.next()??, it.next()??, it.next()??);
        (y, m, d)
    } else {
        return None;
    };
    // Years outside 1..=9999 are typos or garbage, and huge ones would overflow the day count.
    if !(1..=9999).contains(&y) || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let mut secs = days_from_civil(y, m, d) as f64 * 86_400.0;
    if !time.is_empty() {
        let time = time.split(['+']).next().unwrap_or("");
        let mut it = time.split(':');
        let h: f64 = it.next()?.parse().ok()?;
        let mi: f64 = it.next().unwrap_or("0").parse().ok()?;
        let se: f64 = it.next().unwrap_or("0").parse().ok()?;
        secs += h * 3600.0 + mi * 60.0 + se;
    }
    Some(secs * 1000.0)
}

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
    if s.is_empty() {
        return Ok(None);
    }
    match s.parse::<f64>() {
        Ok(x) if x.is_finite() => Ok(Some(x)),
        _ => bail!(
            "{}: line {line}, column {} ({}): {s:?} is not a number",
            file.display(),
            col + 1,
            headers[col]
        ),
    }
}

/// Read one file, calling `f` for every row. Returns the number of data rows.
pub fn read_file(
    path: &Path,
    cols: &Columns,
    progress: &dyn Fn(u64),
    f: &mut dyn FnMut(Row),
) -> Result<(u64, Positions)> {
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
            std::str::from_utf8(h).map(|s| s.to_string()).map_err(|_| {
                anyhow::anyhow!(
                    "{}: line 1, column {}: the header is not valid UTF-8",
                    path.display(),
                    i + 1
                )
            })
        })
        .collect::<Result<_>>()?;
    let pos = positions(&headers, cols, path)?;
    let needed = [
        Some(pos.order),
        Some(pos.item),
        pos.time,
        pos.seq,
        pos.quantity,
        pos.price,
    ]
    .into_iter()
    .flatten()
    .max()
    .unwrap_or(0);
    let mut rec = csv::ByteRecord::new();
    let mut rows = 0u64;
    loop {
        let more = csv.read_byte_record(&mut rec).map_err(|e| {
            let line = e.position().map(|p| p.line()).unwrap_or(0);
            anyhow::anyhow!("{}: line {line}: malformed CSV: {e}", path.display())
        })?;
        if !more {
            break;
        }
        let line = rec.position().map(|p| p.line()).unwrap_or(0);
        if rec.len() == 1 && rec.get(0).is_some_and(|x| x.is_empty()) {
            continue;
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
        let time = text(pos.time)?;
        let title = text(pos.title)?;
        let category = text(pos.category)?;
        let customer = text(pos.customer)?;
        let quantity = match pos.quantity {
            Some(c) => num(&rec, c, &headers, path, line)?.unwrap_or(1.0),
            None => 1.0,
        };
        let price = match pos.price {
            Some(c) => num(&rec, c, &headers, path, line)?,
            None => None,
        };
        let mut at = 0.0;
        if let Some(c) = pos.time {
            if !time.is_empty() {
                at = match parse_time(&time) {
                    Some(t) => t,
                    None => bail!(
                        "{}: line {line}, column {} ({}): {time:?} is not a date/time \
                         (expected YYYY-MM-DD HH:MM:SS, YYYY-MM-DD or epoch seconds)",
                        path.display(),
                        c + 1,
                        headers[c]
                    ),
                };
            }
        }
        let seq = match pos.seq {
            Some(c) => num(&rec, c, &headers, path, line)?,
            None => None,
        };
        at += seq.unwrap_or(0.0);
        rows += 1;
        if rows.is_multiple_of(65_536) {
            progress(rows);
        }
        f(Row {
            order,
            item,
            time,
            at,
            seq,
            quantity,
            price,
            title,
            category,
            customer,
        });
    }
    progress(rows);
    if rows == 0 {
        bail!("{}: the file has a header but no rows", path.display());
    }
    Ok((rows, pos))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_common_time_formats() {
        assert_eq!(parse_time("1970-01-02"), Some(86_400_000.0));
        assert_eq!(parse_time("1970-01-01 00:01:00"), Some(60_000.0));
        assert_eq!(parse_time("1/2/1970 0:00"), Some(86_400_000.0));
        assert_eq!(parse_time("60"), Some(60_000.0));
        assert_eq!(parse_time("soon"), None);
        assert_eq!(
            parse_time("2011-12-09 12:50:00").map(|x| x > 1.3e12),
            Some(true)
        );
    }
}
