//! Other shops' exports read with no column flags (and with the flags PROTOCOL.md §4 names), on
//! the shared data when it is present: the groups PROTOCOL.md counts, in the right order, at
//! the right times.
#![cfg(feature = "cli")]

use std::path::{Path, PathBuf};

use cartsense::builder::data::{self, csv_in::parse_time, CleanRules, Columns, Dataset, Kind};

fn shared(p: &str) -> Option<PathBuf> {
    let f = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data")
        .join(p);
    f.exists().then_some(f)
}

fn load(f: &Path, cols: &Columns, rules: &CleanRules, kind: Option<Kind>) -> Dataset {
    let (ds, rep) = data::load(&[f.to_path_buf()], cols, rules, kind, &mut |_, _| {})
        .unwrap_or_else(|e| panic!("{} loads: {e:#}", f.display()));
    assert_eq!(rep.unreadable_times, 0, "{}", rep.summary());
    ds
}

fn group<'a>(ds: &'a Dataset, id: &str) -> &'a data::Group {
    ds.groups
        .iter()
        .find(|g| g.id == id)
        .expect("group present")
}

fn names<'a>(ds: &'a Dataset, g: &data::Group) -> Vec<&'a str> {
    g.items
        .iter()
        .map(|&i| ds.ids[i as usize].as_str())
        .collect()
}

/// PROTOCOL.md §4.4: `Date` (dd-mm-yyyy) + `Time`, items as written, NONE dropped: 9,465
/// orders.
#[test]
fn bakery_reads_date_and_time_with_or_without_flags() {
    let Some(f) = shared("bakery-breadbasket/BreadBasket_DMS.csv") else {
        return;
    };
    let rules = CleanRules {
        drop_codes: vec!["NONE".into()],
        upper_ids: false,
        ..CleanRules::default()
    };
    let named = Columns {
        time: Some("Date+Time".into()),
        ..Columns::default()
    };
    for cols in [Columns::default(), named] {
        let ds = load(&f, &cols, &rules, None);
        assert_eq!((ds.kind, ds.groups.len()), (Kind::Baskets, 9465));
        assert!(ds.ids.iter().all(|i| i != "NONE") && ds.ids.contains(&"Hot chocolate".into()));
        let first = group(&ds, "1");
        assert_eq!(first.time, "30-10-2016 09:58:11");
        assert_eq!(Some(first.at), parse_time("2016-10-30 09:58:11"));
        // 1 November: day-first, as the whole column says (30-10-2016 cannot be month-first).
        let nov = ds
            .groups
            .iter()
            .find(|g| g.time.starts_with("01-11-2016"))
            .expect("1 Nov");
        assert_eq!(
            Some(nov.at.div_euclid(86_400_000.0) * 86_400_000.0),
            parse_time("2016-11-01")
        );
        assert!(
            ds.groups.windows(2).all(|w| w[0].at <= w[1].at),
            "file is in time order"
        );
    }
}

/// PROTOCOL.md §4.5: orders from order_products__prior.csv, items in add_to_cart_order: 3,214
/// orders, baskets, no time.
#[test]
fn instacart_orders_are_baskets_in_add_to_cart_order() {
    let Some(f) = shared("instacart-sample/order_products__prior.csv") else {
        return;
    };
    let named = Columns {
        order: Some("order_id".into()),
        item: Some("product_id".into()),
        seq: Some("add_to_cart_order".into()),
        ..Columns::default()
    };
    let rules = CleanRules::default();
    for (cols, kind) in [(Columns::default(), None), (named, Some(Kind::Baskets))] {
        let ds = load(&f, &cols, &rules, kind);
        assert_eq!((ds.kind, ds.groups.len()), (Kind::Baskets, 3214));
        assert_eq!(ds.groups[0].id, "2581");
        assert_eq!(names(&ds, &ds.groups[0])[..3], ["40174", "17461", "19731"]);
        assert!(ds.groups.iter().all(|g| g.at == 0.0), "no time: file order");
    }
}
