//! Evaluation cases (context -> one target) from held-out groups, and the case manifest.

use sha2::{Digest, Sha256};

use crate::builder::data::{Dataset, Group, Kind};

/// One case: the shopper has `ctx` (in order, with event times) and next takes `target`.
#[derive(Debug, Clone)]
pub struct Case {
    /// Case id (PROTOCOL.md: the order id; `<session id>:<t>` for session prefixes).
    pub id: String,
    /// Context items (train item indices), in order.
    pub ctx: Vec<u32>,
    /// Event time (ms) of each context item.
    pub ats: Vec<f64>,
    /// The item to predict (train item index).
    pub target: u32,
}

/// Cases of `eval` groups against the items of `train` (both index spaces resolved by id).
/// Baskets: the last known item is the target, the rest the cart. Sessions: every prefix.
pub fn build<'a>(
    full: &Dataset,
    train: &Dataset,
    eval: impl Iterator<Item = &'a Group>,
) -> Vec<Case> {
    let index = train.id_index();
    let mut out = Vec::new();
    for g in eval {
        let mut items: Vec<u32> = Vec::new();
        let mut ats: Vec<f64> = Vec::new();
        for (&i, &at) in g.items.iter().zip(&g.ats) {
            let Some(&j) = index.get(full.ids[i as usize].as_str()) else {
                continue;
            };
            if train.kind == Kind::Sessions && items.last() == Some(&j) {
                continue;
            }
            items.push(j);
            ats.push(at);
        }
        if items.len() < 2 {
            continue;
        }
        match train.kind {
            Kind::Baskets => {
                let n = items.len();
                out.push(Case {
                    id: g.id.clone(),
                    ctx: items[..n - 1].to_vec(),
                    ats: ats[..n - 1].to_vec(),
                    target: items[n - 1],
                });
            }
            Kind::Sessions => {
                for t in 1..items.len() {
                    out.push(Case {
                        id: format!("{}:{t}", g.id),
                        ctx: items[..t].to_vec(),
                        ats: ats[..t].to_vec(),
                        target: items[t],
                    });
                }
            }
        }
    }
    out
}

/// sha256 of `<case id>\t<context ids>\t<target id>\n` per case, hex.
pub fn manifest(cases: &[Case], ids: &[String]) -> String {
    let mut h = Sha256::new();
    for c in cases {
        let ctx: Vec<&str> = c.ctx.iter().map(|&i| ids[i as usize].as_str()).collect();
        h.update(c.id.as_bytes());
        h.update(b"\t");
        h.update(ctx.join(" ").as_bytes());
        h.update(b"\t");
        h.update(ids[c.target as usize].as_bytes());
        h.update(b"\n");
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}
