//! Frequently bought together, for the product page.

use super::check_k;
use super::score::CartScores;
use crate::error::{Error, Result};
use crate::history::check_id;
use crate::rank::{Engine, ReasonKind, Rec};

impl Engine {
    /// Items bought together with `id` (product page): the [`complete_cart`] blend for a cart
    /// holding only `id` (the pack's tuned weights; substitutes penalised; no history), each
    /// `bought-together` when the pack links the two by co-purchase, else `pairs-with`. Never
    /// empty while the catalogue has other items.
    ///
    /// Errors: `BadArgument` for k outside 1..=1000 or a bad id, `UnknownItem` for an id the
    /// pack does not know.
    ///
    /// [`complete_cart`]: Engine::complete_cart
    pub fn frequently_bought_together(&mut self, id: &str, k: usize) -> Result<Vec<Rec>> {
        check_k(k)?;
        check_id(id)?;
        let pack = self.pack();
        let i = pack
            .index_of(id)
            .ok_or_else(|| Error::UnknownItem(id.to_owned()))?;
        let params = self.bundle_params();
        let cs = CartScores::new(
            pack,
            params,
            vec![i],
            None,
            self.params(),
            (self.popularity_prior(), self.trend_prior()),
        );
        let pool = cs.pool(64.max(4 * k), |j| j != i);
        Ok(pool
            .into_iter()
            .take(k)
            .map(|s| {
                let kind = cs
                    .reason(s.index as usize)
                    .map_or(ReasonKind::PairsWith, |r| r.0);
                self.rec(s, kind, Some(i))
            })
            .collect())
    }
}
