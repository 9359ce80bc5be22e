//! [`load`]: read the inputs, clean them and group the rows into baskets or sessions.
//!
//! Times are read in one pass: each row keeps both readings of its time ([`Stamp`]) and the
//! day/month order is chosen once the whole input has voted ([`DateVotes`]), so a file whose
//! first thousand dates are all ambiguous is still read right when a later one is not.

use std::collections::HashMap;
use std::path::PathBuf;

use anyhow::{bail, Result};

use super::csv_in::{self, Columns, DateOrder, DateVotes, Row, Stamp};
use super::{median, CleanReport, CleanRules, Dataset, Group, Kind};

struct Acc {
    title: String,
    category: String,
    prices: Vec<f64>,
}

/// One clean row of a group: its sequence value (NaN = none), time and item.
struct GRow {
    seq: f64,
    stamp: Stamp,
    ix: u32,
}

/// The latest time of a group under one date order, and its text.
struct Latest {
    at: f64,
    time: String,
}

struct GAcc {
    id: String,
    /// Time text of the first clean row.
    time: String,
    /// Latest time read month-first and day-first.
    latest: [Option<Latest>; 2],
    customer: String,
    rows: Vec<GRow>,
    prices: Vec<(u32, f32)>,
}

const ORDERS: [DateOrder; 2] = [DateOrder::MonthFirst, DateOrder::DayFirst];

impl GAcc {
    fn note_latest(&mut self, r: &Row) {
        for (k, o) in ORDERS.into_iter().enumerate() {
            let Some(at) = r.stamp.at(o) else { continue };
            let later = match &self.latest[k] {
                None => true,
                Some(l) => at > l.at || (at == l.at && r.time > l.time),
            };
            if later {
                self.latest[k] = Some(Latest {
                    at,
                    time: r.time.clone(),
                });
            }
        }
    }
}

/// Read, clean and group the inputs (files, or folders of them read in name order). `kind`
/// `None` = detect: baskets when the sequence column orders items inside a basket
/// ([`csv_in::BASKET_SEQ`], e.g. `add_to_cart_order`); sessions when another sequence column
/// (`timeframe`, ...) or distinct times within most multi-row groups say the events inside a
/// group are ordered. `on_file(files done, files)` is called before the first file and after
/// each one.
///
/// Baskets list their distinct items in order of first appearance, by the sequence column
/// where there is one (stable: file order among ties); sessions sort by the sequence, else the
/// time. The time column's day/month order is decided once over all files (`cols.date_order`
/// overrides it); rows whose time cannot be read are kept and timed like the first readable row
/// of their group. When no time at all can be read, a detected time column is dropped (file
/// order, said in the report) and a named one (`cols.time`) is an error.
pub fn load(
    inputs: &[PathBuf],
    cols: &Columns,
    rules: &CleanRules,
    kind: Option<Kind>,
    on_file: &mut dyn FnMut(usize, usize),
) -> Result<(Dataset, CleanReport)> {
    let files = csv_in::expand_inputs(inputs)?;
    let mut rep = CleanReport {
        files: files.len(),
        ..Default::default()
    };
    let mut item_ix: HashMap<String, u32> = HashMap::new();
    let mut items: Vec<(String, Acc)> = Vec::new();
    let mut group_ix: HashMap<String, usize> = HashMap::new();
    let mut groups: Vec<GAcc> = Vec::new();
    let (mut event_seq, mut basket_seq, mut time_named) = (false, false, false);
    let mut votes = DateVotes::default();
    let mut mappings: Vec<String> = Vec::new();
    let mut timed_rows = 0u64;
    on_file(0, files.len());
    for (done, file) in files.iter().enumerate() {
        let mut on_row = |r: Row| {
            rep.rows += 1;
            let Some(item) = rules.keep(&r, &mut rep) else {
                return;
            };
            let ix = match item_ix.get(&item) {
                Some(&i) => i,
                None => {
                    let i = items.len() as u32;
                    item_ix.insert(item.clone(), i);
                    items.push((
                        item,
                        Acc {
                            title: String::new(),
                            category: String::new(),
                            prices: Vec::new(),
                        },
                    ));
                    i
                }
            };
            let acc = &mut items[ix as usize].1;
            if acc.title.is_empty() && !r.title.is_empty() {
                acc.title = r.title.clone();
            }
            if acc.category.is_empty() && !r.category.is_empty() {
                acc.category = r.category.clone();
            }
            if let Some(p) = r.price {
                acc.prices.push(p);
            }
            let gi = match group_ix.get(&r.order) {
                Some(&g) => g,
                None => {
                    group_ix.insert(r.order.clone(), groups.len());
                    groups.push(GAcc {
                        id: r.order.clone(),
                        time: r.time.clone(),
                        latest: [None, None],
                        customer: r.customer.clone(),
                        rows: Vec::new(),
                        prices: Vec::new(),
                    });
                    groups.len() - 1
                }
            };
            let g = &mut groups[gi];
            g.note_latest(&r);
            timed_rows += u64::from(!r.time.is_empty());
            g.rows.push(GRow {
                seq: r.seq.unwrap_or(f64::NAN),
                stamp: r.stamp,
                ix,
            });
            if let Some(p) = r.price {
                g.prices.push((ix, p as f32));
            }
        };
        let progress = |_n: u64| {};
        let read = csv_in::read_file(file, cols, &progress, &mut on_row)?;
        let pos = &read.positions;
        event_seq |= pos.seq.is_some() && !pos.seq_in_basket;
        basket_seq |= pos.seq.is_some() && pos.seq_in_basket;
        time_named |= pos.time_named;
        votes.merge(&read.votes);
        if !mappings.contains(&read.columns) {
            mappings.push(read.columns);
        }
        on_file(done + 1, files.len());
    }
    rep.columns = mappings.join(" | ");
    if rep.kept == 0 {
        bail!(
            "no rows left after cleaning ({} read): nothing to build a pack from",
            rep.rows
        );
    }
    let order = cols.date_order.unwrap_or_else(|| votes.order());
    let k = ORDERS.iter().position(|&o| o == order).unwrap_or(0);
    let readable = groups
        .iter()
        .flat_map(|g| &g.rows)
        .filter(|r| r.stamp.at(order).is_some())
        .count() as u64;
    rep.unreadable_times = timed_rows - readable;
    rep.times = votes.note(cols.date_order);
    let use_time = readable > 0;
    if timed_rows > 0 && !use_time {
        let what = format!(
            "no time could be read (e.g. {:?}; expected a date like 2019-08-03, 03/08/2019 or \
             30-10-2016, optionally with a time like 20:25)",
            votes.bad_example
        );
        if time_named {
            bail!("{what}: check --time-col");
        }
        rep.times = format!("{what}: the time column is ignored, groups keep the file order");
        rep.unreadable_times = 0;
    }
    // Times per row: its own when readable, else its group's first readable one, else the
    // previous group's (file order).
    let mut prev = 0.0;
    let group_times: Vec<Vec<f64>> = groups
        .iter()
        .map(|g| {
            let own = |r: &GRow| r.stamp.at(order).filter(|_| use_time);
            let first = g.rows.iter().find_map(own).unwrap_or(prev);
            prev = first;
            g.rows.iter().map(|r| own(r).unwrap_or(first)).collect()
        })
        .collect();
    let kind = kind.unwrap_or_else(|| {
        if event_seq {
            return Kind::Sessions;
        }
        if basket_seq {
            return Kind::Baskets;
        }
        // Sessions when distinct times within most multi-row groups say events are ordered.
        let multi = group_times.iter().filter(|t| t.len() > 1);
        let (mut n, mut varied) = (0usize, 0usize);
        for t in multi {
            n += 1;
            varied += usize::from(t.iter().any(|&x| x != t[0]));
        }
        if n > 0 && varied * 2 > n {
            Kind::Sessions
        } else {
            Kind::Baskets
        }
    });
    // Items sorted by id; remap.
    let mut item_order: Vec<u32> = (0..items.len() as u32).collect();
    item_order.sort_by(|&a, &b| items[a as usize].0.cmp(&items[b as usize].0));
    let mut remap = vec![0u32; items.len()];
    for (new, &old) in item_order.iter().enumerate() {
        remap[old as usize] = new as u32;
    }
    let mut ids = Vec::with_capacity(items.len());
    let mut titles = Vec::with_capacity(items.len());
    let mut categories = Vec::with_capacity(items.len());
    let mut prices = Vec::with_capacity(items.len());
    let mut items: Vec<Option<(String, Acc)>> = items.into_iter().map(Some).collect();
    for &old in &item_order {
        if let Some((id, mut acc)) = items[old as usize].take() {
            ids.push(id);
            titles.push(acc.title);
            categories.push(acc.category);
            prices.push(median(&mut acc.prices) as f32);
        }
    }
    let groups = groups
        .into_iter()
        .zip(group_times)
        .map(|(g, times)| group(g, &times, kind, k, use_time, &remap))
        .collect();
    Ok((
        Dataset {
            kind,
            ids,
            titles,
            categories,
            prices,
            groups,
        },
        rep,
    ))
}

/// One group's items in order with their times. `times` = each row's time (ms); `k` = the
/// date order's index into [`ORDERS`].
fn group(g: GAcc, times: &[f64], kind: Kind, k: usize, use_time: bool, remap: &[u32]) -> Group {
    let mut its: Vec<u32> = Vec::new();
    let mut ats: Vec<f64> = Vec::new();
    let mut rows: Vec<(usize, &GRow)> = g.rows.iter().enumerate().collect();
    let has_seq = g.rows.iter().any(|r| !r.seq.is_nan());
    let (time, at) = match kind {
        Kind::Baskets => {
            // Stable: file order among equal sequence values; rows without one last.
            if has_seq {
                rows.sort_by(|a, b| seq_key(a.1).total_cmp(&seq_key(b.1)));
            }
            for &(r, row) in &rows {
                let i = remap[row.ix as usize];
                if !its.contains(&i) {
                    its.push(i);
                    ats.push(times[r]);
                }
            }
            (g.time, times.first().copied().unwrap_or(0.0))
        }
        Kind::Sessions => {
            // The event time: the row's time plus its sequence value (ms within the group).
            let event = |r: usize| {
                let s = g.rows[r].seq;
                times[r] + if s.is_nan() { 0.0 } else { s }
            };
            let key = |&(r, row): &(usize, &GRow)| {
                if row.seq.is_nan() {
                    times[r]
                } else {
                    row.seq
                }
            };
            rows.sort_by(|a, b| key(a).total_cmp(&key(b)));
            for &(r, row) in &rows {
                let i = remap[row.ix as usize];
                if its.last() != Some(&i) {
                    its.push(i);
                    ats.push(event(r));
                }
            }
            let max_at = (0..g.rows.len()).map(event).fold(f64::MIN, f64::max);
            let time = match &g.latest[k] {
                Some(l) if use_time => l.time.clone(),
                _ => g.time,
            };
            (time, max_at)
        }
    };
    Group {
        id: g.id,
        time,
        at,
        items: its,
        ats,
        customer: g.customer,
        row_prices: g
            .prices
            .iter()
            .map(|&(i, p)| (remap[i as usize], p))
            .collect(),
    }
}

fn seq_key(r: &GRow) -> f64 {
    if r.seq.is_nan() {
        f64::INFINITY
    } else {
        r.seq
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Load `csv` (written to a temporary file, removed after) with `cols` and `kind`.
    fn load_str(
        tag: &str,
        csv: &str,
        cols: &Columns,
        kind: Option<Kind>,
    ) -> Result<(Dataset, CleanReport)> {
        let dir = std::env::temp_dir().join(format!("cs-load-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let f = dir.join("orders.csv");
        std::fs::write(&f, csv).expect("write");
        let rules = CleanRules {
            upper_ids: false,
            ..CleanRules::default()
        };
        let out = load(&[f], cols, &rules, kind, &mut |_, _| {});
        let _ = std::fs::remove_dir_all(&dir);
        out
    }

    fn items(ds: &Dataset, g: usize) -> Vec<&str> {
        ds.groups[g]
            .items
            .iter()
            .map(|&i| ds.ids[i as usize].as_str())
            .collect()
    }

    const DAY: f64 = 86_400_000.0;

    #[test]
    fn basket_items_follow_the_add_to_cart_order() {
        let csv = "order_id,product_id,add_to_cart_order,reordered\n\
                   7,Q,2,0\n7,P,1,0\n7,R,3,1\n7,P,4,0\n3,X,1,0\n3,Y,2,0\n";
        let (ds, _) = load_str("atc", csv, &Columns::default(), None).expect("loads");
        assert_eq!(ds.kind, Kind::Baskets);
        assert_eq!(items(&ds, 0), ["P", "Q", "R"]);
        assert_eq!(items(&ds, 1), ["X", "Y"]);
        // No time: every group at 0, so the hold-out keeps the file order.
        assert!(ds.groups.iter().all(|g| g.at == 0.0));
        let named = Columns {
            order: Some("order_id".into()),
            item: Some("product_id".into()),
            seq: Some("add_to_cart_order".into()),
            ..Columns::default()
        };
        let (ds, _) = load_str("atc-named", csv, &named, Some(Kind::Baskets)).expect("loads");
        assert_eq!(items(&ds, 0), ["P", "Q", "R"]);
    }

    #[test]
    fn event_order_columns_still_make_sessions() {
        let csv = "year;month;day;order;session ID;page 2 (clothing model);price\n\
                   2008;4;1;2;1;B2;10\n2008;4;1;1;1;A1;12\n2008;4;2;1;2;C3;9\n";
        let (ds, rep) = load_str("click", csv, &Columns::default(), None).expect("loads");
        assert_eq!(ds.kind, Kind::Sessions);
        assert_eq!(items(&ds, 0), ["A1", "B2"]);
        assert!(
            rep.columns.contains("time = year + month + day"),
            "{}",
            rep.columns
        );
        let t0 = csv_in::parse_time("2008-04-01").expect("date");
        assert_eq!(ds.groups[0].ats, [t0 + 1.0, t0 + 2.0]);
        assert_eq!(ds.groups[1].at, t0 + DAY + 1.0);
    }

    #[test]
    fn a_late_day_above_12_decides_the_whole_file() {
        let csv = "Order Number,Order Date,Item Name,Quantity,Product Price\n\
                   1,03/08/2019 20:25,Naan,2,0.8\n1,03/08/2019 20:25,Dal,1,3.5\n\
                   2,04/08/2019 19:00,Naan,1,0.8\n3,13/08/2019 18:00,Rice,1,2.5\n";
        let (ds, rep) = load_str("dmy", csv, &Columns::default(), None).expect("loads");
        let at = csv_in::parse_time("2019-08-03 20:25").expect("date");
        assert_eq!(ds.groups[0].at, at);
        assert_eq!(ds.groups[0].time, "03/08/2019 20:25");
        assert!(
            rep.times.starts_with("dates read day-first"),
            "{}",
            rep.times
        );
        // Without the 13th the file is ambiguous: month-first, as before, and said so.
        let short: String = csv.lines().take(4).map(|l| format!("{l}\n")).collect();
        let (ds, rep) = load_str("mdy", &short, &Columns::default(), None).expect("loads");
        assert_eq!(
            ds.groups[0].at,
            csv_in::parse_time("2019-03-08 20:25").expect("date")
        );
        assert!(rep.times.contains("ambiguous"), "{}", rep.times);
        let forced = Columns {
            date_order: Some(DateOrder::DayFirst),
            ..Columns::default()
        };
        let (ds, rep) = load_str("forced", &short, &forced, None).expect("loads");
        assert_eq!(ds.groups[0].at, at);
        assert_eq!(rep.times, "dates read day-first (as asked)");
    }

    #[test]
    fn bakery_date_and_time_columns_and_placeholder_items() {
        let csv = "Date,Time,Transaction,Item\n\
                   30-10-2016,09:58:11,1,Bread\n30-10-2016,10:05:34,2,Scandinavian\n\
                   30-10-2016,10:05:34,2,NONE\n30-10-2016,10:07:57,3,NONE\n\
                   01-11-2016,08:00:00,4,Coffee\n01-11-2016,08:00:00,4,Bread\n";
        let rules = CleanRules {
            drop_codes: vec!["NONE".into()],
            upper_ids: false,
            ..CleanRules::default()
        };
        let dir = std::env::temp_dir().join(format!("cs-load-bakery-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let f = dir.join("b.csv");
        std::fs::write(&f, csv).expect("write");
        let (ds, rep) =
            load(&[f], &Columns::default(), &rules, None, &mut |_, _| {}).expect("loads");
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(ds.kind, Kind::Baskets);
        assert_eq!(ds.groups.len(), 3, "transaction 3 had only NONE");
        assert_eq!(rep.non_product_codes, 2);
        assert_eq!(ds.ids, ["Bread", "Coffee", "Scandinavian"]);
        let at = csv_in::parse_time("2016-10-30 09:58:11").expect("date");
        assert_eq!(ds.groups[0].at, at);
        assert_eq!(
            ds.groups[2].at,
            at + 2.0 * DAY - (3600.0 + 58.0 * 60.0 + 11.0) * 1000.0
        );
        assert_eq!(ds.groups[2].time, "01-11-2016 08:00:00");
    }

    #[test]
    fn unreadable_times_are_counted_and_timed_like_their_group() {
        let csv = "order,item,date\n1,P,2019-08-03\n1,Q,soon\n2,R,later\n3,T,2019-08-05\n";
        let (ds, rep) = load_str("bad", csv, &Columns::default(), None).expect("loads");
        assert_eq!(rep.unreadable_times, 2);
        assert!(rep
            .summary()
            .contains("2 kept rows have a time that could not be read"));
        let t = csv_in::parse_time("2019-08-03").expect("date");
        assert_eq!(ds.groups[0].ats, [t, t]);
        // A group with no readable time takes the previous group's.
        assert_eq!(ds.groups[1].at, t);
        assert_eq!(ds.groups[2].at, t + 2.0 * DAY);
    }

    #[test]
    fn no_readable_time_at_all_falls_back_to_file_order_or_fails_when_named() {
        let csv = "order,item,date\n1,A,soon\n2,B,later\n";
        let (ds, rep) = load_str("none", csv, &Columns::default(), None).expect("loads");
        assert!(ds.groups.iter().all(|g| g.at == 0.0));
        assert!(
            rep.times.contains("groups keep the file order"),
            "{}",
            rep.times
        );
        let named = Columns {
            time: Some("date".into()),
            ..Columns::default()
        };
        let e = load_str("none-named", csv, &named, None)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("no time could be read") && e.contains("\"soon\""),
            "{e}"
        );
    }
}
