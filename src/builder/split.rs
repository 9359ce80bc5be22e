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

/// `cartsense build`'s hold-out: the most recent `frac` of groups by time (at least the groups
/// at the last group time) are the cases, the rest the training groups. Without usable times
/// (all equal) the last `frac` of the groups in file order are held out.
pub fn recent(ds: &Dataset, frac: f64) -> (Dataset, Vec<Case>) {
    let mut ats: Vec<f64> = ds.groups.iter().map(|g| g.at).collect();
    ats.sort_by(|a, b| a.total_cmp(b));
    if ats.is_empty() {
        return (ds.clone(), Vec::new());
    }
    let pos = ((ats.len() as f64 * (1.0 - frac)) as usize).min(ats.len() - 1);
    if ats[0] == ats[ats.len() - 1] {
        // No usable timestamps: the file order is the best guess at time order.
        let ids: HashSet<&str> = ds.groups[pos..].iter().map(|g| g.id.as_str()).collect();
        return holdout(
            ds,
            |g| !ids.contains(g.id.as_str()),
            ds.groups[pos..].iter(),
        );
    }
    let cut = ats[pos];
    holdout(ds, |g| g.at < cut, ds.groups.iter().filter(|g| g.at >= cut))
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
