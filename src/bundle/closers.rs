//! Free-shipping closers: relevant items whose price closes the gap to the threshold with the
//! least overshoot. Singles first; pairs only when no single relevant item is expensive enough.

use super::score::{unit_row, CartScores};
use crate::kernels;
use crate::pack::Pack;
use crate::topk::Scored;

/// Floor added to relevance so that fit still orders items the scorer knows nothing about.
const REL_FLOOR: f32 = 0.05;
/// Closers come from this many of the most relevant items (at least 2k). Chosen on the Online
/// Retail validation split: of 20, 50 and 200, the 20 most relevant held the hidden item most
/// often; a wider pool trades relevance for a closer price fit.
const CLOSER_POOL: usize = 20;

/// One way to close the gap: one or two items.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Pick {
    pub items: Vec<usize>,
    pub total: f32,
    pub score: f32,
}

/// Cosine of two items.
pub(crate) fn item_cos(pack: &Pack, a: usize, b: usize) -> f32 {
    let d = pack.dims();
    let (mut ya, mut yb) = (vec![0.0; d], vec![0.0; d]);
    unit_row(pack, a, &mut ya);
    unit_row(pack, b, &mut yb);
    kernels::dot_f32(&ya, &yb)
}

/// Whether two items are substitutes of each other: the same known category and a cosine of
/// at least `tau`. Items without a category are never substitutes: without that signal a
/// near-identical vector is as likely a variant bought alongside (Online Retail is full of
/// colourways bought together).
pub(crate) fn substitutes(pack: &Pack, tau: f32, a: usize, b: usize) -> bool {
    let ca = pack.category_index(a);
    ca.is_some() && ca == pack.category_index(b) && item_cos(pack, a, b) >= tau
}

/// Up to `k` picks from the most relevant of `pool` (eligible items, best first) closing `gap`
/// (> 0), best first: score = relevance x fit with relevance = (0.05 + s_j / max s) and
/// fit = gap / price; a pair's relevance is the geometric mean of its two.
pub(crate) fn closers(cs: &CartScores, pool: &[Scored], gap: f32, k: usize) -> Vec<Pick> {
    let pool = &pool[..pool.len().min(CLOSER_POOL.max(2 * k))];
    let prices = cs.pack.prices();
    let max = pool.iter().map(|s| s.score).fold(0.0f32, f32::max);
    let rel = |s: &Scored| {
        let r = if max > 0.0 && s.score.is_finite() {
            (s.score / max).max(0.0)
        } else {
            0.0
        };
        REL_FLOOR + r
    };
    let mut picks: Vec<Pick> = pool
        .iter()
        .filter(|s| prices[s.index as usize] >= gap)
        .map(|s| {
            let p = prices[s.index as usize];
            Pick {
                items: vec![s.index as usize],
                total: p,
                score: rel(s) * gap / p,
            }
        })
        .collect();
    if picks.is_empty() {
        let tau = cs.params.substitute_cosine;
        let cand: Vec<&Scored> = pool
            .iter()
            .filter(|s| prices[s.index as usize] > 0.0)
            .collect();
        for (x, a) in cand.iter().enumerate() {
            for b in &cand[x + 1..] {
                let (ia, ib) = (a.index as usize, b.index as usize);
                let total = prices[ia] + prices[ib];
                if total < gap || substitutes(cs.pack, tau, ia, ib) {
                    continue;
                }
                picks.push(Pick {
                    items: vec![ia, ib],
                    total,
                    score: (rel(a) * rel(b)).sqrt() * gap / total,
                });
            }
        }
    }
    crate::sort::sort_by(&mut picks, |a, b| {
        b.score.total_cmp(&a.score).then(a.items.cmp(&b.items))
    });
    let mut used: Vec<usize> = Vec::new();
    let mut out = Vec::new();
    for p in picks {
        if out.len() == k {
            break;
        }
        if p.items.iter().any(|i| used.contains(i)) {
            continue;
        }
        used.extend(&p.items);
        out.push(p);
    }
    out
}
