//! The human tables and the SVG chart of `cartsense eval` results (the JSON of
//! [`super::run`]).

use std::fmt::Write as _;

use serde_json::Value;

/// `writeln!` into a `String` (which cannot fail).
macro_rules! outln {
    ($out:expr, $($arg:tt)*) => {{
        let _ = writeln!($out, $($arg)*);
    }};
}

fn f(v: &Value, k: &str) -> f64 {
    v.get(k).and_then(|x| x.as_f64()).unwrap_or(0.0)
}

/// One table per dataset, then the §3 returning-customer table of each dataset that has one.
pub fn tables(v: &Value) -> String {
    let mut out = table(v);
    for r in v["results"].as_array().into_iter().flatten() {
        if r["returning"].is_object() {
            out += &returning_table(&r["returning"]);
        }
    }
    out
}

/// One table per dataset.
pub fn table(v: &Value) -> String {
    let mut out = String::new();
    for r in v["results"].as_array().into_iter().flatten() {
        let k = r["k"].as_u64().unwrap_or(10);
        outln!(
            out,
            "\n{} ({} test cases; build {:.1}s, pack {} bytes, {:.3} ms per recommend)",
            r["dataset"].as_str().unwrap_or("?"),
            r["testManifest"]["cases"],
            f(r, "buildSeconds"),
            r["packBytes"],
            f(r, "latencyMs")
        );
        outln!(
            out,
            "test manifest sha256 {} matches PROTOCOL.md: {}",
            r["testManifest"]["sha256"].as_str().unwrap_or(""),
            r["testManifest"]["matchesProtocol"]
        );
        if k == 10 {
            outln!(
                out,
                "{:52} {:>7} {:>7} {:>8} {:>9} {:>7} {:>9}",
                "ranker",
                "HR@10",
                "MRR@10",
                "NDCG@10",
                "RevHR@10",
                "Cov@10",
                "uplift/bk"
            );
        } else {
            outln!(
                out,
                "{:52} {:>9} {:>7} {:>7} {:>7} {:>7}",
                "ranker",
                "Recall@20",
                "MRR@20",
                "HR@10",
                "MRR@10",
                "Cov@20"
            );
        }
        for row in r["rows"].as_array().into_iter().flatten() {
            let name = row["name"].as_str().unwrap_or("?");
            if k == 10 {
                outln!(
                    out,
                    "{:52} {:>7.4} {:>7.4} {:>8.4} {:>9.4} {:>7.4} {:>9.3}",
                    name,
                    f(row, "hr10"),
                    f(row, "mrr10"),
                    f(row, "ndcg10"),
                    f(row, "revhr10"),
                    f(row, "cov"),
                    f(row, "upliftPerBasket")
                );
            } else {
                outln!(
                    out,
                    "{:52} {:>9.4} {:>7.4} {:>7.4} {:>7.4} {:>7.4}",
                    name,
                    f(row, "hrK"),
                    f(row, "mrrK"),
                    f(row, "hr10"),
                    f(row, "mrr10"),
                    f(row, "cov")
                );
            }
        }
        let (hr, mrr) = if k == 10 {
            ("hr10", "mrr10")
        } else {
            ("hrK", "mrrK")
        };
        let best = r["rows"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|x| x["note"].as_str() == Some("baseline"))
            .max_by(|a, b| {
                f(a, hr)
                    .total_cmp(&f(b, hr))
                    .then(f(a, mrr).total_cmp(&f(b, mrr)))
            });
        if let Some(b) = best {
            outln!(
                out,
                "best baseline of the run: {} ({} {:.4}, MRR@{k} {:.4})",
                b["name"].as_str().unwrap_or("?"),
                if k == 10 { "HR@10" } else { "Recall@20" },
                f(b, hr),
                f(b, mrr)
            );
        }
        for e in r["external"].as_array().into_iter().flatten() {
            outln!(out, "external {}", e);
        }
    }
    out
}

/// The §3 table (the `returning` record of an Online Retail result).
pub fn returning_table(v: &Value) -> String {
    let mut out = String::new();
    outln!(
        out,
        "\nPROTOCOL.md §3, Online Retail returning customers (K = 10)"
    );
    outln!(
        out,
        "{:64} {:>7} {:>7} {:>8} {:>15} {:>9}",
        "method",
        "HR@10",
        "MRR@10",
        "RevHR@10",
        "HR repeat/new",
        "uplift/bk"
    );
    for r in v["rows"].as_array().into_iter().flatten() {
        let f = |k: &str| r[k].as_f64().unwrap_or(f64::NAN);
        outln!(
            out,
            "{:64} {:7.3} {:7.3} {:8.3} {:>7.3} / {:.3} {:9.3}",
            r["name"].as_str().unwrap_or(""),
            f("hr10"),
            f("mrr10"),
            f("revhr10"),
            f("hr10Repeat"),
            f("hr10New"),
            f("upliftPerBasket")
        );
    }
    out
}

/// Horizontal bar chart: per dataset, the headline metric (HR@10 / Recall@20) of every ranker,
/// and for Online Retail the §3 returning-customer rows (HR@10); the best baseline dashed.
pub fn svg(v: &Value) -> String {
    let results: Vec<&Value> = v["results"]
        .as_array()
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    let w = 760.0;
    let mut y = 30.0;
    let mut body = String::new();
    for r in &results {
        let k = r["k"].as_u64().unwrap_or(10);
        let rows = |v: &Value| -> Vec<Value> { v["rows"].as_array().cloned().unwrap_or_default() };
        let name = r["dataset"].as_str().unwrap_or("?");
        let section = match name {
            "online-retail" => "§1",
            "diginetica" => "§2",
            _ => "§4",
        };
        let (metric, label) = if k == 10 {
            ("hr10", "HR@10")
        } else {
            ("hrK", "Recall@20")
        };
        let t = format!("{name} — {label} (test split, PROTOCOL.md {section})");
        panel(&mut body, &mut y, &t, &rows(r), metric);
        if r["returning"].is_object() {
            let t = format!("{name} returning customers — HR@10 (test, PROTOCOL.md §3)");
            panel(&mut body, &mut y, &t, &rows(&r["returning"]), "hr10");
        }
    }
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{y}\" font-family=\"sans-serif\" font-size=\"12\">\n\
         <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n{body}</svg>\n"
    )
}

/// One titled group of bars (ours blue, others grey) with the best baseline of the run dashed.
fn panel(body: &mut String, y: &mut f64, title: &str, rows: &[Value], metric: &str) {
    let (w, bar_h, label_w) = (760.0, 18.0, 330.0);
    let bar = rows
        .iter()
        .filter(|x| !x["note"].as_str().unwrap_or("").starts_with("ours"))
        .map(|x| f(x, metric))
        .fold(0.0, f64::max);
    let max = rows
        .iter()
        .map(|x| f(x, metric))
        .fold(bar, f64::max)
        .max(1e-9);
    let top = *y + 14.0;
    *body += &format!(
        "<text x=\"10\" y=\"{y}\" font-weight=\"bold\">{}</text>\n",
        title.replace('&', "&amp;").replace('<', "&lt;")
    );
    *y += 12.0;
    for row in rows {
        let val = f(row, metric);
        let ours = row["note"].as_str().unwrap_or("").starts_with("ours");
        let len = (w - label_w - 70.0) * val / max;
        let name = row["name"]
            .as_str()
            .unwrap_or("?")
            .replace('&', "&amp;")
            .replace('<', "&lt;");
        *body += &format!(
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{name}</text>\
             <rect x=\"{label_w}\" y=\"{}\" width=\"{len:.1}\" height=\"{}\" fill=\"{}\"/>\
             <text x=\"{:.1}\" y=\"{}\">{val:.3}</text>\n",
            label_w - 6.0,
            *y + bar_h - 5.0,
            *y + 2.0,
            bar_h - 4.0,
            if ours { "#1f77b4" } else { "#aaaaaa" },
            label_w + len + 4.0,
            *y + bar_h - 5.0
        );
        *y += bar_h;
    }
    let bx = label_w + (w - label_w - 70.0) * bar / max;
    *body += &format!(
        "<line x1=\"{bx:.1}\" y1=\"{top}\" x2=\"{bx:.1}\" y2=\"{y}\" stroke=\"#d62728\" \
         stroke-dasharray=\"4 3\"/><text x=\"{bx:.1}\" y=\"{}\" fill=\"#d62728\" \
         text-anchor=\"middle\">best baseline {bar:.3}</text>\n",
        *y + 12.0
    );
    *y += 34.0;
}
