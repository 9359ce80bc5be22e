//! Time splits: the groups a model learns from, and the evaluation cases (context -> target)
//! made of the held-out groups against those items. `cartsense build`'s hold-out and the
//! PROTOCOL.md splits of `cartsense eval` are all [`holdout`] with a different rule.

use std::collections::HashSet;

use crate::builder::cases::{self, Case};
use crate::builder::data::{Dataset, Group};

/// Train on the groups `train` selects (restricted to their items, see [`Dataset::subset`]);
/// cases from the `eval` groups, in the order given (see [`cases::build`]).
pub fn holdout<'a>(
    full: &Dataset,
    train: impl Fn(&Group) -> bool,
    eval: impl Iterator<Item = &'a Group>,
) -> (Dataset, Vec<Case>) {
    let sub = full.subset(train);
    let cases = cases::build(full, &sub, eval);
    (sub, cases)
}

/// Group indices oldest first (PROTOCOL.md §4.1): by time, ties by group id (numerically when
/// every id is an integer, else as strings); without usable times (all equal) the file order.
pub fn recency(ds: &Dataset) -> Vec<usize> {
    let mut order: Vec<usize> = (0..ds.groups.len()).collect();
    let g = &ds.groups;
    let timed = g.first().is_some_and(|f| g.iter().any(|x| x.at != f.at));
    if !timed {
        return order;
    }
    let numeric: Option<Vec<u64>> = g.iter().map(|x| x.id.parse::<u64>().ok()).collect();
    match numeric {
        Some(ids) => order.sort_by(|&a, &b| g[a].at.total_cmp(&g[b].at).then(ids[a].cmp(&ids[b]))),
        None => order.sort_by(|&a, &b| g[a].at.total_cmp(&g[b].at).then(g[a].id.cmp(&g[b].id))),
    }
    order
}

/// `cartsense build`'s hold-out (the PROTOCOL.md §4.2 rule): with the n groups in [`recency`]
/// order, those at positions >= floor((1 - frac) n) are the cases (in that order), the rest
/// the training groups.
pub fn recent(ds: &Dataset, frac: f64) -> (Dataset, Vec<Case>) {
    let order = recency(ds);
    let cut = ((order.len() as f64) * (1.0 - frac)).floor() as usize;
    newest(ds, &order, cut.min(order.len()), order.len())
}

/// Train on the groups at recency positions `< from`; cases from positions `from..to`.
pub fn newest(ds: &Dataset, order: &[usize], from: usize, to: usize) -> (Dataset, Vec<Case>) {
    let ids: HashSet<&str> = order[..from]
        .iter()
        .map(|&g| ds.groups[g].id.as_str())
        .collect();
    holdout(
        ds,
        |g| ids.contains(g.id.as_str()),
        order[from..to].iter().map(|&g| &ds.groups[g]),
    )
}

/// A PROTOCOL.md §1 date split: train = groups dated before `cut`, cases = groups dated from
/// `cut` (up to `until`, exclusive), in group order. Dates are the groups' time text compared
/// as strings (`YYYY-MM-DD HH:MM:SS` sorts by time).
pub fn by_date(full: &Dataset, cut: &str, until: Option<&str>) -> (Dataset, Vec<Case>) {
    holdout(
        full,
        |g| g.time.as_str() < cut,
        full.groups
            .iter()
            .filter(|g| g.time.as_str() >= cut && until.is_none_or(|u| g.time.as_str() < u)),
    )
}
