//! Which column plays which role: the `--*-col` flags first, then known header names.
//!
//! Header names are compared normalised ([`norm`]: case, spaces, `_`, `-`, `.` and a byte-order
//! mark ignored, so "Order Number" = "order_number" = "ORDERNUMBER"); a header with a
//! parenthesised part, "page 2 (clothing model)", also answers to the part inside and the part
//! outside. Each role takes the first of its [`CANDIDATES`] (most specific first) that no
//! earlier role took: a column never serves two roles, except that the item column may also be
//! the title (an "Item Name" column is both). A sequence column is only detected when its first
//! rows are numbers (a plain "order" column may be text).

use std::path::Path;

use anyhow::{bail, Result};

use super::parse_number;
use super::time::{clock, parse_time, DateOrder};

/// Column names per role. `None` = detect from the header (see [`CANDIDATES`]). Names are
/// matched normalised ([`norm`]).
#[derive(Debug, Clone, Default)]
pub struct Columns {
    /// Order (or session) id.
    pub order: Option<String>,
    /// Item id.
    pub item: Option<String>,
    /// Time: one column, or several joined by `+` (`Date+Time`, `year+month+day`) whose values
    /// are read as one (joined with a space; numeric year, month, day pieces with `-`).
    pub time: Option<String>,
    /// Numeric within-order sequence.
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
    /// Day/month order of `a/b/YYYY` dates; `None` = decided from the data.
    pub date_order: Option<DateOrder>,
}

/// A column's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Order (or session) id.
    Order,
    /// Item id.
    Item,
    /// Time (one or more columns).
    Time,
    /// Within-order sequence.
    Seq,
    /// Quantity.
    Quantity,
    /// Unit price.
    Price,
    /// Title.
    Title,
    /// Category.
    Category,
    /// Customer id.
    Customer,
}

impl Role {
    /// The role's name, as in its flag `--<name>-col`.
    pub fn name(self) -> &'static str {
        match self {
            Role::Order => "order",
            Role::Item => "item",
            Role::Time => "time",
            Role::Seq => "seq",
            Role::Quantity => "quantity",
            Role::Price => "price",
            Role::Title => "title",
            Role::Category => "category",
            Role::Customer => "customer",
        }
    }
}

/// Sequence names that order the items inside a basket (Instacart's `add_to_cart_order`, line
/// numbers): detected, they keep the kind baskets.
pub const BASKET_SEQ: &[&str] = &[
    "addtocartorder",
    "addtocartposition",
    "addtocartseq",
    "cartorder",
    "cartposition",
    "cartseq",
    "lineno",
    "linenumber",
    "lineitemnumber",
];

/// Time columns that may hold a date only, and time-of-day columns to pair them with.
const DATE_ONLY: &[&str] = &[
    "date",
    "orderdate",
    "transactiondate",
    "purchasedate",
    "saledate",
    "invoicedate",
    "eventdate",
    "createddate",
];
const CLOCK: &[&str] = &[
    "time",
    "ordertime",
    "transactiontime",
    "purchasetime",
    "saletime",
    "invoicetime",
    "eventtime",
    "createdtime",
    "timeofday",
];

/// Normalised header names recognised per role when no flag is given, most specific first.
/// `Seq` lists the event-order names (which make the kind sessions) after [`BASKET_SEQ`]'s.
pub const CANDIDATES: &[(Role, &[&str])] = &[
    (
        Role::Order,
        &[
            "invoiceno",
            "invoice",
            "invoiceid",
            "invoicenumber",
            "orderid",
            "ordernumber",
            "orderno",
            "order#",
            "orderref",
            "orderreference",
            "transactionid",
            "transactionno",
            "transactionnumber",
            "transaction",
            "basketid",
            "basket",
            "cartid",
            "receiptid",
            "receiptno",
            "receiptnumber",
            "receipt",
            "ticketid",
            "ticketno",
            "ticketnumber",
            "ticket",
            "billid",
            "billno",
            "billnumber",
            "sessionid",
            "session",
            "usersession",
            "visitid",
            "order",
            // No order or session id: one sequence per visitor/customer.
            "visitorid",
            "userid",
            "customerid",
        ],
    ),
    (
        Role::Item,
        &[
            "stockcode",
            "itemid",
            "productid",
            "sku",
            "skuid",
            "lineitemsku",
            "variantid",
            "articleid",
            "articleno",
            "articlenumber",
            "article",
            "productcode",
            "itemcode",
            "itemno",
            "itemnumber",
            "productno",
            "productnumber",
            "clothingmodel",
            "item",
            "product",
            "itemname",
            "productname",
            "lineitemname",
            "menuitem",
        ],
    ),
    (
        Role::Time,
        &[
            "invoicedate",
            "timestamp",
            "datetime",
            "eventtime",
            "createdat",
            "created",
            "orderdatetime",
            "orderdate",
            "orderedat",
            "ordertime",
            "purchasedate",
            "purchasedat",
            "transactiondate",
            "transactiontime",
            "saledate",
            "paidat",
            "time",
            "eventdate",
            "date",
        ],
    ),
    (
        Role::Seq,
        &[
            "timeframe",
            "seq",
            "sequence",
            "seqno",
            "sequencenumber",
            "position",
            "step",
            "eventorder",
            "clickorder",
            "hitnumber",
            // Where another column is the order id ("session ID"), a plain "order" is the
            // event order (the fashion clickstream's).
            "order",
        ],
    ),
    (
        Role::Quantity,
        &[
            "quantity",
            "qty",
            "units",
            "unitssold",
            "quantityordered",
            "orderquantity",
            "itemquantity",
            "lineitemquantity",
        ],
    ),
    (
        Role::Price,
        &[
            "unitprice",
            "price",
            "productprice",
            "itemprice",
            "priceeach",
            "priceperunit",
            "lineitemprice",
            "saleprice",
            "sellingprice",
        ],
    ),
    (
        Role::Title,
        &[
            "title",
            "producttitle",
            "itemtitle",
            "productname",
            "itemname",
            "lineitemname",
            "description",
            "productdescription",
            "itemdescription",
            "name",
        ],
    ),
    (
        Role::Category,
        &[
            "category",
            "categoryname",
            "categoryid",
            "categorycode",
            "productcategory",
            "itemcategory",
            "maincategory",
            "department",
            "departmentname",
            "departmentid",
            "aisle",
            "aisleid",
            "producttype",
            "subcategory",
        ],
    ),
    (
        Role::Customer,
        &[
            "customerid",
            "customerno",
            "customernumber",
            "customer",
            "userid",
            "user",
            "clientid",
            "visitorid",
            "memberid",
            "accountid",
            "buyerid",
        ],
    ),
];

fn candidates(role: Role) -> &'static [&'static str] {
    CANDIDATES
        .iter()
        .find(|(r, _)| *r == role)
        .map_or(&[], |(_, c)| c)
}

/// A header name without case, spaces, `_`, `-`, `.` or a byte-order mark.
pub fn norm(s: &str) -> String {
    s.chars()
        .filter(|c| !(c.is_whitespace() || matches!(c, '_' | '-' | '.' | '\u{feff}')))
        .flat_map(char::to_lowercase)
        .collect()
}

/// The names a header answers to: itself, and with a parenthesised part, that part and the
/// rest.
fn aliases(h: &str) -> Vec<String> {
    let mut v = vec![norm(h)];
    if let (Some(a), Some(b)) = (h.find('('), h.rfind(')')) {
        if a < b {
            v.push(norm(&h[a + 1..b]));
            v.push(norm(&format!("{}{}", &h[..a], &h[b + 1..])));
        }
    }
    v.retain(|s| !s.is_empty());
    v
}

/// Resolved column positions of one file.
#[derive(Debug, Clone, Default)]
pub struct Positions {
    /// Order (or session) id column.
    pub order: usize,
    /// Item id column.
    pub item: usize,
    /// Time columns, their values read as one (empty = no time: file order).
    pub time: Vec<usize>,
    /// Whether the time columns were named by a flag (then none of them parsing is an error).
    pub time_named: bool,
    /// Sequence column.
    pub seq: Option<usize>,
    /// The sequence orders a basket's items ([`BASKET_SEQ`] names) rather than events.
    pub seq_in_basket: bool,
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

impl Positions {
    /// `order = InvoiceNo, item = StockCode, ...` for the build log.
    pub fn describe(&self, headers: &[String]) -> String {
        let h = |i: usize| headers.get(i).map_or("?", |s| s.trim());
        let mut parts = vec![
            format!("order = {}", h(self.order)),
            format!("item = {}", h(self.item)),
        ];
        if !self.time.is_empty() {
            let t: Vec<&str> = self.time.iter().map(|&i| h(i)).collect();
            parts.push(format!("time = {}", t.join(" + ")));
        }
        if let Some(i) = self.seq {
            let what = if self.seq_in_basket {
                "order within a basket"
            } else {
                "event order"
            };
            parts.push(format!("seq = {} ({what})", h(i)));
        }
        for (name, col) in [
            ("quantity", self.quantity),
            ("price", self.price),
            ("title", self.title),
            ("category", self.category),
            ("customer", self.customer),
        ] {
            if let Some(i) = col {
                parts.push(format!("{name} = {}", h(i)));
            }
        }
        parts.join(", ")
    }

    /// Every column a row needs to have.
    pub fn needed(&self) -> usize {
        [
            Some(self.order),
            Some(self.item),
            self.seq,
            self.quantity,
            self.price,
        ]
        .into_iter()
        .flatten()
        .chain(self.time.iter().copied())
        .max()
        .unwrap_or(0)
    }
}

struct Picker<'a> {
    headers: &'a [String],
    names: Vec<Vec<String>>,
    sample: &'a [csv::ByteRecord],
    taken: Vec<bool>,
    file: &'a Path,
}

impl Picker<'_> {
    /// The non-empty values of column `i` in the first rows.
    fn values(&self, i: usize) -> Vec<&str> {
        self.sample
            .iter()
            .filter_map(|r| std::str::from_utf8(r.get(i)?).ok())
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect()
    }

    fn all(&self, i: usize, f: impl Fn(&str) -> bool) -> bool {
        let v = self.values(i);
        !v.is_empty() && v.into_iter().all(f)
    }

    fn numeric(&self, i: usize) -> bool {
        self.values(i)
            .into_iter()
            .all(|s| parse_number(s).is_some())
    }

    /// The first free column answering to a candidate (in the candidates' order) that `ok`
    /// accepts.
    fn first(&self, cands: &[&str], ok: impl Fn(usize) -> bool) -> Option<usize> {
        cands.iter().find_map(|c| {
            (0..self.headers.len())
                .find(|&i| !self.taken[i] && self.names[i].iter().any(|n| n == c) && ok(i))
        })
    }

    fn take(&mut self, i: Option<usize>) -> Option<usize> {
        if let Some(i) = i {
            self.taken[i] = true;
        }
        i
    }

    /// The column a flag names: as written, else normalised.
    fn named(&self, role: Role, name: &str) -> Result<usize> {
        let pos = self.headers.iter().position(|h| h.trim() == name.trim());
        match pos.or_else(|| self.headers.iter().position(|h| norm(h) == norm(name))) {
            Some(i) => Ok(i),
            None => bail!(
                "{}: line 1: no column named {name:?} (for --{}-col); the header has: {}",
                self.file.display(),
                role.name(),
                self.headers.join(", ")
            ),
        }
    }

    /// Time columns detected: a full timestamp column, else a date-only column with a
    /// time-of-day column, else a date-only column, else `year`, `month`, `day` columns.
    fn time(&self) -> Vec<usize> {
        let stamp = |s: &str| {
            parse_time(s).is_some()
                && (s.contains(':') || (s.len() != 8 && s.parse::<f64>().is_ok()))
        };
        let date_only = |s: &str| !s.contains(':') && parse_time(s).is_some();
        let clock_only = |s: &str| s.contains(':') && clock(s).is_some();
        let cands = candidates(Role::Time);
        if let Some(i) = self.first(cands, |i| self.all(i, stamp)) {
            return vec![i];
        }
        let date = self.first(DATE_ONLY, |i| self.all(i, date_only));
        let time = self.first(CLOCK, |i| self.all(i, clock_only));
        if let (Some(d), Some(t)) = (date, time) {
            return vec![d, t];
        }
        if let Some(i) = self.first(cands, |i| !self.all(i, clock_only)) {
            return vec![i];
        }
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        let ymd: Option<Vec<usize>> = ["year", "month", "day"]
            .iter()
            .map(|n| self.first(&[n], |i| self.all(i, digits)))
            .collect();
        ymd.unwrap_or_default()
    }
}

/// Resolve the columns of one file from its header, its first rows (`sample`) and the flags.
pub fn positions(
    headers: &[String],
    sample: &[csv::ByteRecord],
    cols: &Columns,
    file: &Path,
) -> Result<Positions> {
    let mut p = Picker {
        headers,
        names: headers.iter().map(|h| aliases(h)).collect(),
        sample,
        taken: vec![false; headers.len()],
        file,
    };
    // Flags first: they are authoritative, and detection must not take their columns.
    let flag = |role: Role, f: &Option<String>| -> Result<Option<usize>> {
        f.as_deref().map(|n| p.named(role, n)).transpose()
    };
    let order = flag(Role::Order, &cols.order)?;
    let item = flag(Role::Item, &cols.item)?;
    let time: Option<Vec<usize>> = match cols.time.as_deref() {
        None => None,
        Some(spec) => Some(match p.named(Role::Time, spec) {
            Ok(i) => vec![i],
            Err(e) if !spec.contains('+') => return Err(e),
            Err(_) => spec
                .split('+')
                .map(|n| p.named(Role::Time, n))
                .collect::<Result<_>>()?,
        }),
    };
    let seq = flag(Role::Seq, &cols.seq)?;
    let quantity = flag(Role::Quantity, &cols.quantity)?;
    let price = flag(Role::Price, &cols.price)?;
    let title = flag(Role::Title, &cols.title)?;
    let category = flag(Role::Category, &cols.category)?;
    let customer = flag(Role::Customer, &cols.customer)?;
    let mut named: Vec<(Role, usize)> = [
        (Role::Order, order),
        (Role::Item, item),
        (Role::Seq, seq),
        (Role::Quantity, quantity),
        (Role::Price, price),
        (Role::Title, title),
        (Role::Category, category),
        (Role::Customer, customer),
    ]
    .into_iter()
    .filter_map(|(r, c)| Some((r, c?)))
    .collect();
    named.extend(time.iter().flatten().map(|&i| (Role::Time, i)));
    for (k, &(ra, a)) in named.iter().enumerate() {
        for &(rb, b) in &named[k + 1..] {
            let title_item = matches!(
                (ra, rb),
                (Role::Item, Role::Title) | (Role::Title, Role::Item)
            );
            if a == b && !title_item {
                bail!(
                    "{}: column {} is named for both the {} and the {} column",
                    file.display(),
                    headers[a],
                    ra.name(),
                    rb.name()
                );
            }
        }
        p.taken[a] = true;
    }
    let required = |p: &mut Picker, role: Role, got: Option<usize>, what: &str| -> Result<usize> {
        let got = got.or_else(|| {
            let i = p.first(candidates(role), |_| true);
            p.take(i)
        });
        match got {
            Some(i) => Ok(i),
            None => bail!(
                "{}: line 1: missing the {} column: none of the headers ({}) is a known {what} \
                 column; name it with --{}-col",
                file.display(),
                role.name(),
                headers.join(", "),
                role.name()
            ),
        }
    };
    let order = required(&mut p, Role::Order, order, "order/session id")?;
    let item = required(&mut p, Role::Item, item, "item id")?;
    let time_named = time.is_some();
    let time = match time {
        Some(t) => t,
        None => {
            let t = p.time();
            for &i in &t {
                p.taken[i] = true;
            }
            t
        }
    };
    let seq = seq.or_else(|| {
        let i = p
            .first(BASKET_SEQ, |i| p.numeric(i))
            .or_else(|| p.first(candidates(Role::Seq), |i| p.numeric(i)));
        p.take(i)
    });
    let seq_in_basket =
        seq.is_some_and(|i| p.names[i].iter().any(|n| BASKET_SEQ.contains(&n.as_str())));
    let mut text = |role: Role, got: Option<usize>| {
        got.or_else(|| {
            let i = p.first(candidates(role), |_| true);
            p.take(i)
        })
    };
    let quantity = text(Role::Quantity, quantity);
    let price = text(Role::Price, price);
    let category = text(Role::Category, category);
    let customer = text(Role::Customer, customer);
    // The title may be the item column itself ("Item Name").
    let title = title.or_else(|| {
        p.taken[item] = false;
        let t = p.first(candidates(Role::Title), |_| true);
        p.taken[item] = true;
        t
    });
    Ok(Positions {
        order,
        item,
        time,
        time_named,
        seq,
        seq_in_basket,
        quantity,
        price,
        title,
        category,
        customer,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Resolve a header line with the given first data rows and flags.
    fn detect(header: &str, rows: &[&str], cols: &Columns) -> Result<(Vec<String>, Positions)> {
        let delim = if header.contains(';') { ';' } else { ',' };
        let headers: Vec<String> = header.split(delim).map(str::to_string).collect();
        let sample: Vec<csv::ByteRecord> = rows
            .iter()
            .map(|r| csv::ByteRecord::from(r.split(delim).collect::<Vec<_>>()))
            .collect();
        let p = positions(&headers, &sample, cols, Path::new("t.csv"))?;
        Ok((headers, p))
    }

    fn described(header: &str, rows: &[&str]) -> String {
        let (h, p) = detect(header, rows, &Columns::default()).expect("columns resolve");
        p.describe(&h)
    }

    #[test]
    fn names_are_compared_normalised() {
        assert_eq!(norm("\u{feff} Order Number "), "ordernumber");
        assert_eq!(norm("order_number"), norm("Order-Number"));
        assert_eq!(norm("Invoice No."), "invoiceno");
        assert_eq!(
            aliases("page 2 (clothing model)"),
            ["page2(clothingmodel)", "clothingmodel", "page2"]
        );
    }

    #[test]
    fn online_retail_and_diginetica_headers() {
        assert_eq!(
            described(
                "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country",
                &["536365,85123A,WHITE HANGING HEART,6,2010-12-01 08:26:00,2.55,17850.0,United Kingdom"]
            ),
            "order = InvoiceNo, item = StockCode, time = InvoiceDate, quantity = Quantity, \
             price = UnitPrice, title = Description, customer = CustomerID"
        );
        assert_eq!(
            described(
                "session_id;user_id;item_id;timeframe;eventdate",
                &["1;NA;81766;526309;2016-05-09"]
            ),
            "order = session_id, item = item_id, time = eventdate, \
             seq = timeframe (event order), customer = user_id"
        );
    }

    #[test]
    fn takeaway_restaurant_headers() {
        assert_eq!(
            described(
                "Order Number,Order Date,Item Name,Quantity,Product Price,Total products",
                &["16118,03/08/2019 20:25,Plain Papadum,2,0.8,6"]
            ),
            "order = Order Number, item = Item Name, time = Order Date, quantity = Quantity, \
             price = Product Price, title = Item Name"
        );
    }

    #[test]
    fn bakery_headers_pair_date_and_time() {
        assert_eq!(
            described(
                "Date,Time,Transaction,Item",
                &[
                    "30-10-2016,09:58:11,1,Bread",
                    "30-10-2016,10:05:34,2,Scandinavian"
                ]
            ),
            "order = Transaction, item = Item, time = Date + Time"
        );
        // A date column that already has the time of day is used alone.
        assert_eq!(
            described(
                "Date,Time,Transaction,Item",
                &["30-10-2016 09:58,09:58,1,Bread"]
            ),
            "order = Transaction, item = Item, time = Date"
        );
    }

    #[test]
    fn instacart_add_to_cart_order_orders_the_basket() {
        let (h, p) = detect(
            "\"order_id\",\"product_id\",\"add_to_cart_order\",\"reordered\""
                .replace('"', "")
                .as_str(),
            &["2581,40174,1,0"],
            &Columns::default(),
        )
        .expect("columns resolve");
        assert!(p.seq_in_basket && p.time.is_empty());
        assert_eq!(
            p.describe(&h),
            "order = order_id, item = product_id, seq = add_to_cart_order (order within a basket)"
        );
    }

    #[test]
    fn fashion_clickstream_headers() {
        assert_eq!(
            described(
                "year;month;day;order;country;session ID;page 1 (main category);\
                 page 2 (clothing model);colour;location;model photography;price;price 2;page",
                &["2008;4;1;1;29;1;1;A13;1;5;1;28;2;1"]
            ),
            "order = session ID, item = page 2 (clothing model), time = year + month + day, \
             seq = order (event order), price = price, category = page 1 (main category)"
        );
    }

    #[test]
    fn flags_are_authoritative_and_matched_normalised() {
        let cols = Columns {
            order: Some("order number".into()),
            item: Some("ITEM_NAME".into()),
            time: Some("Date+Time".into()),
            ..Columns::default()
        };
        let (h, p) = detect(
            "Order Number,Date,Time,Item Name",
            &["1,30-10-2016,09:58:11,Bread"],
            &cols,
        )
        .expect("flags resolve");
        assert_eq!(
            p.describe(&h),
            "order = Order Number, item = Item Name, time = Date + Time, title = Item Name"
        );
        assert!(p.time_named);
        let cols = Columns {
            seq: Some("order".into()),
            ..Columns::default()
        };
        let (h, p) = detect("session ID,order,item", &["1,1,A"], &cols).expect("resolve");
        assert_eq!(
            p.describe(&h),
            "order = session ID, item = item, seq = order (event order)"
        );
    }

    #[test]
    fn a_missing_named_column_lists_the_headers() {
        let cols = Columns {
            time: Some("Date+Hour".into()),
            ..Columns::default()
        };
        let e = detect("Date,Time,Transaction,Item", &[], &cols)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("\"Hour\"") && e.contains("Date, Time, Transaction, Item"),
            "{e}"
        );
        let cols = Columns {
            order: Some("Item".into()),
            item: Some("item".into()),
            ..Columns::default()
        };
        let e = detect("Transaction,Item", &[], &cols)
            .unwrap_err()
            .to_string();
        assert!(e.contains("both the order and the item column"), "{e}");
    }

    #[test]
    fn a_text_order_column_is_no_sequence() {
        assert_eq!(
            described("session_id,order,item", &["1,first,A"]),
            "order = session_id, item = item"
        );
        assert_eq!(
            described("session_id,order,item", &["1,2,A"]),
            "order = session_id, item = item, seq = order (event order)"
        );
    }

    #[test]
    fn names_and_descriptions_are_titles_not_item_ids() {
        let e = detect(
            "InvoiceNo,Description,Quantity",
            &["1,mug,2"],
            &Columns::default(),
        );
        assert!(e
            .unwrap_err()
            .to_string()
            .contains("missing the item column"));
    }
}
