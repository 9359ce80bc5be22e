//! `cartsense`: build, inspect, query and evaluate model packs from a shop's order history.
//!
//! A thin front end: each command maps its flags to the options of `cartsense::builder` (or
//! the core) and prints. Every command uses the same core as the WebAssembly package: packs are
//! written with `cartsense::pack::PackWriter` and scored with `cartsense::rank::Engine`.

use clap::{Parser, Subcommand};

/// Print to stdout; a closed pipe (`cartsense inspect m.cspk | head`) ends the program quietly
/// instead of panicking like `println!` would.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let mut o = std::io::stdout().lock();
        if writeln!(o, $($arg)*).is_err() {
            std::process::exit(0);
        }
    }};
}
pub(crate) use outln;

/// [`outln`] without the added newline, for text that ends in its own.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let mut o = std::io::stdout().lock();
        if write!(o, $($arg)*).is_err() {
            std::process::exit(0);
        }
    }};
}
pub(crate) use out;

mod build;
mod eval;
mod inspect;
mod neighbours;
mod pack_cmd;

#[derive(Debug, Parser)]
#[command(
    name = "cartsense",
    version,
    about = "Build, inspect and evaluate cartsense model packs",
    after_help = "Example:\n  cartsense build --orders data/online-retail-uci/by-day --out model.cspk\n  \
                  cartsense recommend --model model.cspk --cart 85123A,71053"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Build a tuned pack from orders (baskets) or events (sessions).
    Build(Box<build::BuildArgs>),
    /// Build a pack from your own embeddings (.npy + ids, or CSV id,v1..vd), or assemble the
    /// Spark job's output (`--from-spark DIR`).
    Pack(pack_cmd::PackArgs),
    /// Write the co-purchase neighbour lists `build` computes (a measure, top N) as CSV.
    Neighbours(Box<neighbours::NeighboursArgs>),
    /// Show a pack's header, sections, scorer settings, quality and sample items.
    Inspect(inspect::InspectArgs),
    /// Print what the storefront would recommend for a history and cart.
    Recommend(inspect::RecommendArgs),
    /// The evaluation protocol on the shared shops, or on your own orders (`--orders`), beside
    /// the baselines; or score a ranked-list file.
    Eval(Box<eval::EvalArgs>),
}

fn main() {
    let cli = Cli::parse();
    let res = match &cli.cmd {
        Cmd::Build(a) => build::run(a),
        Cmd::Pack(a) => pack_cmd::run(a),
        Cmd::Neighbours(a) => neighbours::run(a),
        Cmd::Inspect(a) => inspect::inspect(a),
        Cmd::Recommend(a) => inspect::recommend(a),
        Cmd::Eval(a) => eval::run(a),
    };
    if let Err(e) = res {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}
