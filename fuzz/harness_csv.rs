//! The builder's CSV reader (`cartsense::builder::data::csv_in`, feature `cli`), seen here as
//! `crate::csv_in`: the fuzz crate includes `src/builder/data/csv_in/mod.rs` (and its
//! `columns.rs`, `time.rs`) by path, the replay test imports it. Column detection, delimiter
//! sniffing, UTF-8 and number checks, the date parser and its day/month votes, and columns named
//! by flags (a time of several columns). Errors are fine; panics are not.

use std::io::Write;
use std::path::PathBuf;

use crate::csv_in::{parse_number, parse_time, read_file, Columns, DateVotes};

/// One input: written to a file (the reader takes a path) and read with detected columns.
pub fn csv(data: &[u8]) {
    let mut named = None;
    if let Ok(s) = std::str::from_utf8(data) {
        let mut votes = DateVotes::default();
        for line in s.lines().take(64) {
            for field in line.split([',', ';', '\t']) {
                let _ = parse_time(field);
                let _ = parse_number(field);
                if let Some(st) = votes.read(field) {
                    let _ = st.at(votes.order());
                }
            }
        }
        let _ = votes.note(None);
        // The first header names as flags: order, item, and the rest joined as one time.
        let h: Vec<&str> = s
            .lines()
            .next()
            .unwrap_or("")
            .split([',', ';', '\t'])
            .collect();
        if let [order, item, time @ ..] = &h[..] {
            named = Some(Columns {
                order: Some(order.to_string()),
                item: Some(item.to_string()),
                time: (!time.is_empty()).then(|| time.join("+")),
                ..Columns::default()
            });
        }
    }
    let path = scratch();
    let Ok(mut f) = std::fs::File::create(&path) else {
        return;
    };
    if f.write_all(data).is_err() {
        return;
    }
    drop(f);
    let _ = read_file(&path, &Columns::default(), &|_| {}, &mut |_| {});
    if let Some(cols) = named {
        let _ = read_file(&path, &cols, &|_| {}, &mut |_| {});
    }
    let _ = std::fs::remove_file(&path);
}

/// A per-thread scratch file (tests run in parallel threads of one process).
fn scratch() -> PathBuf {
    let dir = if std::path::Path::new("/dev/shm").is_dir() {
        PathBuf::from("/dev/shm")
    } else {
        std::env::temp_dir()
    };
    let t = format!("{:?}", std::thread::current().id());
    let t: String = t.chars().filter(char::is_ascii_digit).collect();
    dir.join(format!("cartsense-fuzz-csv-{}-{t}.csv", std::process::id()))
}
