//! Frequently bought together, for the product page.

use super::check_k;
use super::closers;
use super::params::BundleParams;
use super::score::{self, CartScores};
use crate::error::{Error, Result};
use crate::history::check_id;
use crate::rank::{Engine, ReasonKind, Rec};
use crate::topk::Scored;

impl Engine {
    /// Items bought together with `id` (product page): strict co-purchase pairs first (weight
    /// above `fbtMinWeight` and at least `fbtRelativeFloor` of the item's strongest pair), then
    /// embedding complements (substitutes penalised). Never empty while the catalogue has other
    /// items; no random filler.
    ///
    /// Errors: `BadArgument` for k outside 1..=1000 or a bad id, `UnknownItem` for an id the
    /// pack does not know.
    pub fn frequently_bought_together(&mut self, id: &str, k: usize) -> Result<Vec<Rec>> {
        check_k(k)?;
        check_id(id)?;
        let pack = self.pack();
        let i = pack
            .index_of(id)
            .ok_or_else(|| Error::UnknownItem(id.to_owned()))?;
        let params = self.bundle_params();
        let nb = pack.neighbours(i);
        let row_max = nb.weight.iter().copied().fold(0.0f32, f32::max);
        let floor = params.fbt_relative_floor * row_max;
        let mean = score::mean_price(pack).filter(|_| params.value_exponent > 0.0);
        let value = |j: usize| {
            mean.map_or(1.0, |m| {
                score::value_factor(pack.price(j), m, params.value_exponent)
            })
        };
        let tau = params.substitute_cosine;
        let mut strict: Vec<Scored> = nb
            .index
            .iter()
            .zip(nb.weight)
            .filter(|(&j, &w)| j as usize != i && w > params.fbt_min_weight && w >= floor)
            .map(|(&j, &w)| {
                let sub = if closers::substitutes(pack, tau, i, j as usize) {
                    params.substitute_penalty
                } else {
                    1.0
                };
                Scored {
                    index: j,
                    score: w / row_max * value(j as usize) * sub,
                }
            })
            .collect();
        crate::sort::sort_by(&mut strict, |a, b| {
            b.score.total_cmp(&a.score).then(a.index.cmp(&b.index))
        });
        let mut seen = Vec::with_capacity(strict.len());
        strict.retain(|s| {
            let new = !seen.contains(&s.index);
            seen.push(s.index);
            new
        });
        strict.truncate(k);
        let smax = strict.iter().map(|s| s.score).fold(0.0f32, f32::max);
        let mut out: Vec<Rec> = strict
            .iter()
            .map(|s| {
                let s = Scored {
                    index: s.index,
                    score: 1.0 + if smax > 0.0 { s.score / smax } else { 0.0 },
                };
                self.rec(s, ReasonKind::BoughtTogether, Some(i))
            })
            .collect();
        if out.len() < k {
            let relaxed = BundleParams {
                copurchase_weight: 0.0,
                cart_affinity_weight: 1.0,
                profile_weight: 0.0,
                popularity_weight: 0.0,
                ..params
            };
            let cs = CartScores::new(
                pack,
                relaxed,
                vec![i],
                None,
                self.params(),
                self.popularity_prior(),
            );
            let taken: Vec<usize> = out.iter().map(|r| r.index).collect();
            let need = k - out.len();
            let pool = cs.pool(need.max(16), |j| j != i && !taken.contains(&j));
            let rmax = pool.iter().map(|s| s.score).fold(0.0f32, f32::max);
            out.extend(pool.into_iter().take(need).map(|s| {
                let s = Scored {
                    index: s.index,
                    score: if rmax > 0.0 { s.score / rmax } else { 0.0 },
                };
                self.rec(s, ReasonKind::PairsWith, Some(i))
            }));
        }
        Ok(out)
    }
}
