//! Ready-made bundles: small sets that go together and raise the expected basket value, and
//! currency rounding for their discounted price.

use super::closers::substitutes;
use super::score::{assoc_sym, CartScores};
use super::{profile_beyond, resolve, Bundle, BundleQuery, MAX_BUNDLES};
use crate::error::{Error, Result};
use crate::history::check_id;
use crate::rank::Engine;
use crate::topk::Scored;

/// Currencies without minor units (ISO 4217 exponent 0).
const ZERO_DECIMALS: &[&str] = &[
    "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND",
    "VUV", "XAF", "XOF", "XPF",
];
/// Currencies with three decimals (ISO 4217 exponent 3).
const THREE_DECIMALS: &[&str] = &["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"];

/// Decimal places of a currency's minor unit: 0 for JPY/KRW-style currencies, 3 for
/// BHD/KWD-style ones, 2 otherwise (also for an empty or unknown code).
pub fn minor_unit_digits(currency: &str) -> u32 {
    let c = currency.trim().to_ascii_uppercase();
    if ZERO_DECIMALS.contains(&c.as_str()) {
        0
    } else if THREE_DECIMALS.contains(&c.as_str()) {
        3
    } else {
        2
    }
}

/// Round an amount to the currency's minor unit (half away from zero).
pub fn round_to_minor(x: f64, currency: &str) -> f32 {
    let f = 10f64.powi(minor_unit_digits(currency) as i32);
    ((x * f).round() / f) as f32
}

/// A bundle before it is turned into ids: member indices (anchor first) and its score.
pub(crate) struct Set {
    pub items: Vec<usize>,
    pub score: f32,
}

/// Greedy construction of up to `count` sets of `size` items.
///
/// Each set starts with the anchor (when given) and a seed that no earlier set started with,
/// then repeatedly adds the candidate maximising `v_j · 0.5^(uses_j) + β_coh · mean_m a(m, j)`,
/// where `v_j = s_j / max s` over the pool, `uses_j` counts earlier sets holding j, and
/// `a(m, j)` is the co-purchase weight between j and member m divided by the largest weight
/// among the pool's pairs. Substitutes of a member are skipped. A set's score is
/// `Σ v_j` over its non-anchor members plus `β_coh` times the mean `a` over its pairs.
pub(crate) fn build_sets(
    cs: &CartScores,
    anchor: Option<usize>,
    pool: &[Scored],
    size: usize,
    count: usize,
) -> Vec<Set> {
    let pack = cs.pack;
    let tau = cs.params.substitute_cosine;
    let beta = cs.params.coherence_weight;
    let max = pool.iter().map(|s| s.score).fold(0.0f32, f32::max);
    let v = |s: &Scored| {
        if max > 0.0 && s.score.is_finite() {
            (s.score / max).max(0.0)
        } else {
            0.0
        }
    };
    let mut members_all: Vec<usize> = pool.iter().map(|s| s.index as usize).collect();
    members_all.extend(anchor);
    let mut amax = 0.0f32;
    for &a in &members_all {
        let nb = pack.neighbours(a);
        amax = nb.weight.iter().copied().fold(amax, f32::max);
    }
    let a = |x: usize, y: usize| {
        if amax > 0.0 {
            assoc_sym(pack, x, y) / amax
        } else {
            0.0
        }
    };
    let mut uses = vec![0u32; pool.len()];
    let mut seeds_used: Vec<usize> = Vec::new();
    let mut out = Vec::new();
    while out.len() < count {
        let mut members: Vec<usize> = anchor.into_iter().collect();
        let mut picked: Vec<usize> = Vec::new();
        while members.len() < size {
            let first = picked.is_empty();
            let mut best: Option<(usize, f32)> = None;
            for (c, s) in pool.iter().enumerate() {
                let j = s.index as usize;
                if members.contains(&j)
                    || (first && seeds_used.contains(&c))
                    || members.iter().any(|&m| substitutes(pack, tau, m, j))
                {
                    continue;
                }
                let coh = if members.is_empty() {
                    0.0
                } else {
                    members.iter().map(|&m| a(m, j)).sum::<f32>() / members.len() as f32
                };
                let gain = v(s) * 0.5f32.powi(uses[c] as i32) + beta * coh;
                if best.is_none_or(|(_, b)| gain > b) {
                    best = Some((c, gain));
                }
            }
            let Some((c, _)) = best else { break };
            if first {
                seeds_used.push(c);
            }
            picked.push(c);
            members.push(pool[c].index as usize);
        }
        if picked.is_empty() {
            break; // no unused seed left
        }
        if members.len() < size {
            continue; // this seed has too few compatible partners; it stays used
        }
        for &c in &picked {
            uses[c] += 1;
        }
        let mut pairs = 0usize;
        let mut coh = 0.0f32;
        for x in 0..members.len() {
            for y in x + 1..members.len() {
                coh += a(members[x], members[y]);
                pairs += 1;
            }
        }
        let coh = if pairs > 0 { coh / pairs as f32 } else { 0.0 };
        let score = picked.iter().map(|&c| v(&pool[c])).sum::<f32>() + beta * coh;
        out.push(Set {
            items: members,
            score,
        });
    }
    // Unstable sort with the build order as the tie-break: same result as a stable sort,
    // without pulling the stable-sort code into the wasm.
    let mut order: Vec<(usize, Set)> = out.into_iter().enumerate().collect();
    crate::sort::sort_by(&mut order, |x, y| {
        y.1.score.total_cmp(&x.1.score).then(x.0.cmp(&y.0))
    });
    order.into_iter().map(|(_, s)| s).collect()
}

impl Engine {
    /// Ready-made sets that raise the expected basket value: no two substitutes in one set, no
    /// duplicates, no cart items; `price = total x (1 - discount)` rounded to the currency's
    /// minor unit. Fewer than `count` sets when the catalogue runs out of compatible items.
    ///
    /// The items are scored as [`Engine::complete_cart`] would for the anchor plus the cart
    /// (`v_j` = that score scaled to max 1, so the order-value term is in it). Each set holds the
    /// anchor and a seed no earlier set started with, then grows greedily by the item maximising
    /// `v_j · 0.5^(earlier sets holding j) + coherenceWeight · mean co-purchase with the members`
    /// (co-purchase scaled to max 1). `score = Σ v_j` over the non-anchor members plus
    /// `coherenceWeight ×` the mean co-purchase over the set's pairs. Without anchor and cart the
    /// seeds are the popular items.
    ///
    /// Errors: `BadArgument` for size outside 2..=4, count outside 1..=20, discount outside
    /// 0..=0.5 (or NaN) or a bad id; `UnknownItem` for an anchor the pack does not know.
    pub fn bundles(&mut self, opts: &BundleQuery) -> Result<Vec<Bundle>> {
        if !(2..=4).contains(&opts.size) {
            return Err(Error::bad(format!(
                "size must be between 2 and 4, not {}",
                opts.size
            )));
        }
        if opts.count == 0 || opts.count > MAX_BUNDLES {
            return Err(Error::bad(format!(
                "count must be between 1 and {MAX_BUNDLES}, not {}",
                opts.count
            )));
        }
        if !(0.0..=0.5).contains(&opts.discount) {
            return Err(Error::bad(format!(
                "discount must be between 0 and 0.5, not {}",
                crate::error::num(opts.discount)
            )));
        }
        for id in opts.anchor.iter().chain(opts.cart.iter().flatten()) {
            check_id(id)?;
        }
        let pack = self.pack();
        let anchor = match &opts.anchor {
            Some(a) => Some(
                pack.index_of(a)
                    .ok_or_else(|| Error::UnknownItem(a.clone()))?,
            ),
            None => None,
        };
        let params = self.bundle_params();
        let ids = opts.cart.clone().unwrap_or_else(|| self.cart());
        let (mut context, _, _) = resolve(pack, &ids);
        let in_cart = context.clone();
        if let Some(a) = anchor {
            context.retain(|&x| x != a);
            context.insert(0, a);
        }
        let sum = self.summary();
        let prof = profile_beyond(self, &sum, &context);
        let cs = CartScores::new(
            pack,
            params,
            context,
            prof.as_ref(),
            self.params(),
            (self.popularity_prior(), self.trend_prior()),
        );
        let pool = cs.pool(60.max(3 * opts.size * opts.count), |j| {
            !cs.cart.contains(&j)
        });
        let currency = pack.currency();
        let keep = 1.0 - opts.discount as f64;
        Ok(build_sets(&cs, anchor, &pool, opts.size, opts.count)
            .into_iter()
            .filter(|s| {
                s.items
                    .iter()
                    .all(|i| Some(*i) == anchor || !in_cart.contains(i))
            })
            .map(|s| {
                let total: f64 = s.items.iter().map(|&i| pack.price(i) as f64).sum();
                Bundle {
                    items: s.items.iter().map(|&i| pack.id(i).to_owned()).collect(),
                    total: round_to_minor(total, currency),
                    price: round_to_minor(total * keep, currency),
                    score: s.score,
                }
            })
            .collect())
    }
}
