//! `cartsense build`: orders or events in, a tuned pack out ([`cartsense::builder::pipeline`]).

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use cartsense::builder::data::{
    self, catalog, CleanRules, Columns, DateOrder, Kind, CANCEL_PREFIX, NON_PRODUCT_CODES,
    NON_PRODUCT_PREFIXES,
};
use cartsense::builder::model::{Facts, Opts};
use cartsense::builder::pipeline::{self, BuildOptions};
use cartsense::pack::Quantize;

/// `--kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum KindArg {
    Baskets,
    Sessions,
}

impl From<KindArg> for Kind {
    fn from(k: KindArg) -> Kind {
        match k {
            KindArg::Baskets => Kind::Baskets,
            KindArg::Sessions => Kind::Sessions,
        }
    }
}

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Columns are found by header name, compared without case, spaces, `_`, `-` and `.` \
(\"Order Number\" = order_number), each role taking the first free column of its list (most \
specific names first); a column serves one role, except that the item column may also be the title. \
The log's `columns:` line says which were used; the --*-col flags override detection, matched the \
same way.\n\nExample:\n  cartsense build --orders data/online-retail-uci/by-day --out model.cspk\n  \
cartsense build --orders views.csv --order-col session_id --item-col item_id --seq-col timeframe --out m.cspk\n  \
cartsense build --orders BreadBasket_DMS.csv --time-col Date+Time --drop-codes NONE --keep-id-case --out bakery.cspk"
)]
pub struct BuildArgs {
    /// Order/event CSV files or folders of them (read in name order).
    #[arg(long, required = true, num_args = 1..)]
    pub orders: Vec<PathBuf>,
    /// Output pack.
    #[arg(long)]
    pub out: PathBuf,
    /// Optional item catalog CSV (id, title, category, price columns) for item facts.
    #[arg(long)]
    pub catalog: Option<PathBuf>,
    #[command(flatten)]
    pub cols: ColArgs,
    /// Baskets or sessions [default: detected: baskets with a basket-order sequence column
    /// (add_to_cart_order), sessions with an event-order one (timeframe, seq, ...) or when the
    /// rows of most orders have distinct times, else baskets].
    #[arg(long, value_enum)]
    pub kind: Option<KindArg>,
    /// Embedding dimensions.
    #[arg(long, default_value_t = 128)]
    pub dims: usize,
    /// Seed of every random choice.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Embedding storage: int8 or f32.
    #[arg(long, default_value = "int8")]
    pub quantize: String,
    /// Co-purchase neighbours and transitions kept per item.
    #[arg(long, default_value_t = 100)]
    pub neighbours: usize,
    /// ALS iterations.
    #[arg(long, default_value_t = 15)]
    pub iterations: usize,
    /// Items in fewer groups than this get a title-based (cold-start) embedding; 0 = off.
    #[arg(long, default_value_t = 3)]
    pub cold_below: u32,
    /// Share of the most recent groups held out for tuning (as PROTOCOL.md §4's validation).
    #[arg(long, default_value_t = 0.15)]
    pub holdout: f64,
    /// Most bytes of past baskets stored for basket neighbours (the count is chosen on the
    /// validation split within this budget).
    #[arg(long, default_value_t = cartsense::builder::model::BASKET_BYTES)]
    pub basket_bytes: usize,
    /// Most KB of the whole pack after gzip -9, as a web server sends it; 0 = no budget. When
    /// the pack would be larger, embedding dimensions, neighbours per item and stored baskets
    /// are traded down, each step chosen by validation (the log and `inspect` show the
    /// trade-off).
    #[arg(long, default_value_t = cartsense::builder::model::MAX_PACK_KB)]
    pub max_pack_kb: usize,
    /// Item facts stored in the pack: `all` (titles, categories, prices), `prices`, or `none`
    /// (ids only, for a shop that renders its own product table; no order-value term).
    #[arg(long, value_enum, default_value_t = FactsArg::All)]
    pub facts: FactsArg,
    #[command(flatten)]
    pub clean: CleanArgs,
    /// Currency code stored in the pack.
    #[arg(long, default_value = "")]
    pub currency: String,
    /// No progress or tuning log.
    #[arg(long, short)]
    pub quiet: bool,
}

/// What cleaning drops (shared by `build` and `eval --orders`).
#[derive(Debug, Clone, clap::Args)]
pub struct CleanArgs {
    /// Order ids made of this prefix and digits are cancellations ("" = none).
    #[arg(long, default_value = CANCEL_PREFIX)]
    pub cancel_prefix: String,
    /// Comma-separated item codes that are not products, compared ignoring case (a placeholder
    /// like NONE or N/A has to be listed: `--drop-codes NONE`).
    #[arg(long, default_value_t = NON_PRODUCT_CODES.join(","))]
    pub drop_codes: String,
    /// Comma-separated item code prefixes that are not products.
    #[arg(long, default_value_t = NON_PRODUCT_PREFIXES.join(","))]
    pub drop_prefixes: String,
    /// Keep item ids' letter case (default: trim and upper-case them).
    #[arg(long)]
    pub keep_id_case: bool,
}

impl CleanArgs {
    pub fn rules(&self) -> CleanRules {
        let list = |s: &str| -> Vec<String> {
            s.split(',')
                .map(|x| x.trim().to_string())
                .filter(|x| !x.is_empty())
                .collect()
        };
        CleanRules {
            cancel_prefix: self.cancel_prefix.clone(),
            drop_codes: list(&self.drop_codes),
            drop_prefixes: list(&self.drop_prefixes),
            upper_ids: !self.keep_id_case,
        }
    }
}

/// `--date-order`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DateOrderArg {
    /// Decided from the data (a first field above 12 = day-first, a second = month-first).
    Auto,
    /// `03/08/2019` is 3 August.
    DayFirst,
    /// `03/08/2019` is March 8.
    MonthFirst,
}

/// Column flags: they override detection (see the `after_help` of [`BuildArgs`]).
#[derive(Debug, Clone, clap::Args)]
pub struct ColArgs {
    /// Order (or session) id column [default: InvoiceNo, order_id, Order Number, transaction,
    /// receipt, ticket, basket_id, session_id, ..., else user_id or customer_id].
    #[arg(long)]
    pub order_col: Option<String>,
    /// Item id column [default: StockCode, item_id, product_id, sku, article, item, product,
    /// Item Name, ...].
    #[arg(long)]
    pub item_col: Option<String>,
    /// Time column, or several joined with `+` and read as one: `Date+Time` (values joined
    /// with a space), `year+month+day` [default: InvoiceDate, timestamp, Order Date, created_at,
    /// date, ...; a date-only column with a time-of-day column (Date, Time) as a pair; year,
    /// month, day columns]. Without one, groups keep the file order.
    #[arg(long)]
    pub time_col: Option<String>,
    /// Day/month order of dates like 03/08/2019. `auto` decides once per input from all its
    /// values; with no value above 12 in either place, `/` dates are month-first and `-` or `.`
    /// dates day-first, and the log says the order was ambiguous.
    #[arg(long, value_enum, default_value = "auto")]
    pub date_order: DateOrderArg,
    /// Numeric within-order sequence column. Names meaning the order of items in a basket
    /// (add_to_cart_order, cart_order, line_no) order each basket's items and keep the kind
    /// baskets; any other (timeframe, seq, position, order, ...) is the order of events, added
    /// to the time in ms, and makes the kind sessions unless --kind says otherwise
    /// [default: detected by those names].
    #[arg(long)]
    pub seq_col: Option<String>,
    /// Quantity column [default: Quantity, qty, units, ...].
    #[arg(long)]
    pub quantity_col: Option<String>,
    /// Unit price column [default: UnitPrice, price, Product Price, item_price, ...].
    #[arg(long)]
    pub price_col: Option<String>,
    /// Title column; may be the item column [default: title, product_name, Item Name,
    /// Description, name, ...].
    #[arg(long)]
    pub title_col: Option<String>,
    /// Category column [default: category, department, aisle, main category, ...].
    #[arg(long)]
    pub category_col: Option<String>,
    /// Customer id column, for per-item repurchase stats [default: CustomerID, customer_id,
    /// user_id, ...]; a trailing `.0` is removed.
    #[arg(long, alias = "customer-column")]
    pub customer_col: Option<String>,
}

impl ColArgs {
    pub fn columns(&self) -> Columns {
        Columns {
            order: self.order_col.clone(),
            item: self.item_col.clone(),
            time: self.time_col.clone(),
            seq: self.seq_col.clone(),
            quantity: self.quantity_col.clone(),
            price: self.price_col.clone(),
            title: self.title_col.clone(),
            category: self.category_col.clone(),
            customer: self.customer_col.clone(),
            date_order: match self.date_order {
                DateOrderArg::Auto => None,
                DateOrderArg::DayFirst => Some(DateOrder::DayFirst),
                DateOrderArg::MonthFirst => Some(DateOrder::MonthFirst),
            },
        }
    }
}

pub fn bar(len: u64, msg: &str, quiet: bool) -> indicatif::ProgressBar {
    if quiet {
        return indicatif::ProgressBar::hidden();
    }
    let b = indicatif::ProgressBar::new(len);
    if let Ok(s) =
        indicatif::ProgressStyle::with_template("{msg:12} [{bar:30}] {pos}/{len} {elapsed}")
    {
        b.set_style(s);
    }
    b.set_message(msg.to_string());
    b
}

pub fn run(a: &BuildArgs) -> Result<()> {
    let t0 = std::time::Instant::now();
    let quantize: Quantize = a
        .quantize
        .parse()
        .map_err(|e| anyhow::anyhow!("--quantize: {e}"))?;
    if a.dims == 0 || a.dims > 512 {
        bail!("--dims must be between 1 and 512, not {}", a.dims);
    }
    if !(0.0..0.9).contains(&a.holdout) {
        bail!("--holdout must be between 0 and 0.9, not {}", a.holdout);
    }
    let b = bar(0, "reading", a.quiet);
    let (mut ds, rep) = data::load(
        &a.orders,
        &a.cols.columns(),
        &a.clean.rules(),
        a.kind.map(Kind::from),
        &mut |done, files| {
            b.set_length(files as u64);
            b.set_position(done as u64);
        },
    )?;
    b.finish_and_clear();
    let log = |s: &str| {
        if !a.quiet {
            eprintln!("{s}");
        }
    };
    log(&format!("columns: {}", rep.columns));
    log(&rep.summary());
    if !rep.times.is_empty() {
        log(&format!("times: {}", rep.times));
    }
    if let Some(cat) = &a.catalog {
        catalog::merge(&mut ds, cat, !a.clean.keep_id_case)?;
    }
    log(&format!(
        "{} items, {} {:?}",
        ds.n_items(),
        ds.groups.len(),
        ds.kind
    ));
    log(&format!(
        "read and cleaned in {:.1}s",
        t0.elapsed().as_secs_f64()
    ));
    let o = BuildOptions {
        model: Opts {
            dims: a.dims,
            seed: a.seed,
            quantize,
            neighbours: a.neighbours,
            iterations: a.iterations,
            cold_below: a.cold_below,
            basket_bytes: a.basket_bytes,
            max_pack_bytes: a.max_pack_kb.saturating_mul(1024),
            facts: match a.facts {
                FactsArg::None => Facts::None,
                FactsArg::Prices => Facts::Prices,
                FactsArg::All => Facts::All,
            },
        },
        holdout: a.holdout,
        upper_ids: !a.clean.keep_id_case,
    };
    let built = pipeline::build(&ds, &rep, &o, &log)?;
    let bytes = built.pack;
    std::fs::write(&a.out, &bytes).with_context(|| format!("cannot write {}", a.out.display()))?;
    log(&format!(
        "wrote {} ({} items, {} bytes) in {:.1}s",
        a.out.display(),
        ds.n_items(),
        bytes.len(),
        t0.elapsed().as_secs_f64()
    ));
    Ok(())
}

/// `--facts`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FactsArg {
    /// Ids only.
    None,
    /// Prices.
    Prices,
    /// Titles, categories and prices.
    All,
}
