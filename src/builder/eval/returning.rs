//! PROTOCOL.md §3: basket completion for returning customers, with the shopper's earlier
//! invoices as on-device history. Cases, history rule and both manifests exactly as §3; the
//! references ([`super::returning_refs`]) computed here beside our ranking
//! ([`crate::builder::returning`]).

use anyhow::Result;
use serde_json::{json, Value};

use super::baselines::{self, Sknn};
use super::returning_refs;
use crate::builder::cases::{self, Case};
use crate::builder::data::{Dataset, Kind};
use crate::builder::returning::{
    buy_again_lists, complete_cart_lists, history_manifest, meta, row, select, tune, Returning,
};
use crate::returning::ReturningParams;

/// §3 test cases: (count, case manifest sha256, history manifest sha256) of PROTOCOL.md.
pub const TEST: (usize, &str, &str) = (
    2726,
    "ab9da9696280d2b77df85525f3f06c9222c94230f0d4a1f4092d8c6b464b3df0",
    "d3560d1d36fce1d8e0e266e9af5874e6923e674dd1c1b56f67eaea1c7f1c55f5",
);
/// §3 validation cases, as [`TEST`].
pub const VALID: (usize, &str, &str) = (
    1335,
    "b3a9181c94174f4ebdc312410083d7ac18243c90f5f6febcf6f64b3f03f799d1",
    "ce4e7a5c90920d0066cebec99836ecfbc9891ffb779d41acb8671fa3a5410669",
);

/// Check both manifests against PROTOCOL.md; logs and returns them.
pub fn check(
    what: &str,
    r: &Returning,
    ids: &[String],
    want: (usize, &str, &str),
    log: &dyn Fn(&str),
) -> Value {
    let m = cases::manifest(&r.cases, ids);
    let hm = history_manifest(r);
    let ok = r.cases.len() == want.0 && m == want.1 && hm == want.2;
    log(&format!(
        "{what} (returning customers): {} cases, manifest sha256 {m}, history manifest {hm} {}",
        r.cases.len(),
        if ok {
            "(both match PROTOCOL.md)"
        } else {
            "(DO NOT MATCH PROTOCOL.md)"
        }
    ));
    json!({"cases": r.cases.len(), "sha256": m, "historySha256": hm, "matchesProtocol": ok})
}

/// Everything of §3 for one run. `packs` = (validation pack built on the §1.6 sub-train,
/// test pack built on train), both from the same `cartsense build` choice.
pub struct Input<'a> {
    /// All clean invoices (the customers' histories).
    pub full: &'a Dataset,
    /// §1 train split.
    pub train: &'a Dataset,
    /// §1.6 sub-train split.
    pub subtrain: &'a Dataset,
    /// §1 test cases.
    pub test: &'a [Case],
    /// §1.6 validation cases.
    pub valid: &'a [Case],
    /// (validation pack, test pack), or `None` for the references only.
    pub packs: Option<(Vec<u8>, Vec<u8>)>,
    /// Session kNN over the most recent 500 candidates instead of all.
    pub fast: bool,
    /// Progress and choices.
    pub log: &'a dyn Fn(&str),
}

/// §3 for one run: manifests, our rows (when `packs` are given), the references.
pub fn run(inp: &Input) -> Result<Value> {
    let log = inp.log;
    let rt = select(inp.full, inp.test, "2011-11-01");
    let rv = select(inp.full, inp.valid, "2011-10-01");
    let test_m = check("online-retail test", &rt, &inp.train.ids, TEST, log);
    let valid_m = check(
        "online-retail validation",
        &rv,
        &inp.subtrain.ids,
        VALID,
        log,
    );
    let mut rows = Vec::new();
    let mut chosen = Value::Null;
    if let Some((vpack, tpack)) = &inp.packs {
        let (t, grids) = tune(vpack, &rv, inp.subtrain)?;
        let rp = t.rp;
        let mw = Some(t.memory_weight);
        log(&format!(
            "§3 returning weights chosen on validation: buyAgainWeight = {}, norm = {}, \
             halfLifeDays = {}, repurchase = {}, memoryWeight = {}",
            rp.buy_again_weight,
            rp.norm.name(),
            rp.half_life_days,
            rp.repurchase,
            t.memory_weight
        ));
        rows.push(row(
            "cartsense completeCart (returning weights from validation)",
            "ours, as the wasm runs it; weights chosen on validation",
            &complete_cart_lists(tpack, &rt, &rp, mw)?,
            &rt,
            inp.train,
        ));
        let no_again = ReturningParams {
            buy_again_weight: 0.0,
            ..rp
        };
        rows.push(row(
            "cartsense completeCart without buy-again (weight 0)",
            "ours, not used for selection",
            &complete_cart_lists(tpack, &rt, &no_again, mw)?,
            &rt,
            inp.train,
        ));
        rows.push(row(
            "cartsense buyAgain only",
            "ours, not used for selection",
            &buy_again_lists(tpack, &rt, &rp)?,
            &rt,
            inp.train,
        ));
        chosen = meta(&t, rv.cases.len(), grids);
    }
    let pop = baselines::popularity(inp.train);
    let sk = Sknn::new(inp.train, (0..inp.train.groups.len() as u32).collect());
    let sample = if inp.fast { Some(500) } else { None };
    let cart_only = sk.lists(&pop, &rt.cases, Kind::Baskets, 20, 100, sample, false);
    let cut: Vec<Vec<u32>> = cart_only
        .iter()
        .map(|l| l[..l.len().min(10)].to_vec())
        .collect();
    let skname = if inp.fast {
        "session kNN (k100, s500), cart only"
    } else {
        "session kNN (k100, all), cart only"
    };
    rows.push(row(skname, "reference", &cut, &rt, inp.train));
    let rep = returning_refs::repeat_lists(inp.train, &rt, &cart_only, 10);
    rows.push(row(
        "repeat (+ session kNN fill)",
        "reference",
        &rep,
        &rt,
        inp.train,
    ));
    let refs = returning_refs::references(inp.train, inp.subtrain, &rv, &rt, &mut rows, log);
    Ok(json!({
        "protocol": "PROTOCOL.md §3",
        "testManifest": test_m,
        "validationManifest": valid_m,
        "chosen": chosen,
        "rows": rows,
        "references": refs,
    }))
}
