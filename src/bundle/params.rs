//! Blend weights of the cart scorer. `cartsense build` may tune them on the shop's own baskets
//! and store them in the pack metadata under `"bundle"`; fields it lacks keep the defaults here.

use crate::error::{num, Error, Result};
use crate::json::Value;
use crate::params::read_f32;

/// Weights and thresholds of [`complete_cart`](crate::rank::Engine::complete_cart),
/// [`frequently_bought_together`](crate::rank::Engine::frequently_bought_together) and
/// [`bundles`](crate::rank::Engine::bundles). See the [module docs](super) for the formula.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(
    any(test, feature = "cli"),
    derive(serde::Serialize, serde::Deserialize)
)]
#[cfg_attr(any(test, feature = "cli"), serde(rename_all = "camelCase", default))]
pub struct BundleParams {
    /// β_c: weight of the co-purchase association summed over the cart (normalised to max 1).
    pub copurchase_weight: f32,
    /// ρ: each cart item's co-purchase row is divided by (its largest weight)^ρ before summing
    /// (0 = raw weights, 1 = every cart item's strongest partner counts 1).
    pub copurchase_row_norm: f32,
    /// β_e: weight of the cosine between an item and the centroid of the cart's unit vectors.
    pub cart_affinity_weight: f32,
    /// β_p: weight of the cosine to the shopper's profile (only when the history holds items
    /// beyond the cart).
    pub profile_weight: f32,
    /// β_pop: weight of the log-popularity prior `ln(1 + pop) / ln(1 + max pop)`; with an
    /// empty cart and no history popularity is the whole relevance whatever this is.
    pub popularity_weight: f32,
    /// β_k: weight of the cart's basket neighbours `K_j / max K` (needs stored baskets).
    pub knn_weight: f32,
    /// β_r: weight of the trend prior (popularity over the stored, recent baskets).
    pub trend_weight: f32,
    /// γ: exponent of the price in the expected-value factor `(price / mean price)^γ`
    /// (0 = pure relevance, 1 = plain expected revenue).
    pub value_exponent: f32,
    /// Cosine at or above which an item of the same category as a cart item is a substitute.
    pub substitute_cosine: f32,
    /// Factor applied to a substitute's score (1 = no penalty, 0 = never shown).
    pub substitute_penalty: f32,
    /// Bundles: weight of the mean co-purchase association inside a set.
    pub coherence_weight: f32,
}

impl Default for BundleParams {
    fn default() -> Self {
        BundleParams {
            copurchase_weight: 1.0,
            copurchase_row_norm: 0.0,
            cart_affinity_weight: 2.0,
            profile_weight: 0.25,
            popularity_weight: 0.0,
            knn_weight: 0.0,
            trend_weight: 0.0,
            value_exponent: 0.1,
            substitute_cosine: 0.95,
            substitute_penalty: 0.1,
            coherence_weight: 0.5,
        }
    }
}

impl BundleParams {
    /// Defaults from a pack's metadata `"bundle"` object; a malformed or out-of-range object is
    /// ignored as a whole (the pack still loads).
    pub fn from_meta(meta: &Value) -> BundleParams {
        meta.get("bundle")
            .and_then(BundleParams::from_json)
            .filter(|p| p.validate().is_ok())
            .unwrap_or_default()
    }

    /// The defaults overridden field by field (camelCase names); `None` when `v` is not an
    /// object or a field is not a number.
    fn from_json(v: &Value) -> Option<BundleParams> {
        v.as_object()?;
        let mut p = BundleParams::default();
        for (name, field) in [
            ("copurchaseWeight", &mut p.copurchase_weight),
            ("copurchaseRowNorm", &mut p.copurchase_row_norm),
            ("cartAffinityWeight", &mut p.cart_affinity_weight),
            ("profileWeight", &mut p.profile_weight),
            ("popularityWeight", &mut p.popularity_weight),
            ("knnWeight", &mut p.knn_weight),
            ("trendWeight", &mut p.trend_weight),
            ("valueExponent", &mut p.value_exponent),
            ("substituteCosine", &mut p.substitute_cosine),
            ("substitutePenalty", &mut p.substitute_penalty),
            ("coherenceWeight", &mut p.coherence_weight),
        ] {
            read_f32(v, name, field)?;
        }
        Some(p)
    }

    /// Check ranges once, before any work.
    pub fn validate(&self) -> Result<()> {
        for (name, x) in [
            ("copurchaseWeight", self.copurchase_weight),
            ("cartAffinityWeight", self.cart_affinity_weight),
            ("profileWeight", self.profile_weight),
            ("popularityWeight", self.popularity_weight),
            ("knnWeight", self.knn_weight),
            ("trendWeight", self.trend_weight),
            ("valueExponent", self.value_exponent),
            ("coherenceWeight", self.coherence_weight),
        ] {
            if !(x.is_finite() && x >= 0.0) {
                return Err(Error::bad(format!(
                    "bundle weight {name} must be a finite number >= 0, not {x}",
                    x = num(x)
                )));
            }
        }
        if self.value_exponent > 4.0 {
            return Err(Error::bad(format!(
                "valueExponent must be at most 4, not {}",
                num(self.value_exponent)
            )));
        }
        if !(0.0..=1.0).contains(&self.copurchase_row_norm) {
            return Err(Error::bad(format!(
                "copurchaseRowNorm must be between 0 and 1, not {}",
                num(self.copurchase_row_norm)
            )));
        }
        if !(-1.0..=1.0).contains(&self.substitute_cosine) {
            return Err(Error::bad(format!(
                "substituteCosine must be between -1 and 1, not {}",
                num(self.substitute_cosine)
            )));
        }
        if !(0.0..=1.0).contains(&self.substitute_penalty) {
            return Err(Error::bad(format!(
                "substitutePenalty must be between 0 and 1, not {}",
                num(self.substitute_penalty)
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The explicit reader accepts and rejects what the serde derive did.
    #[test]
    fn reads_the_fields_the_serde_derive_reads() {
        for text in [
            r#"{"valueExponent": 0.5, "substituteCosine": 0.8, "other": "x"}"#,
            r#"{"coherenceWeight": 2, "fbtMinWeight": 1.5, "copurchaseRowNorm": 1}"#,
            r#"{}"#,
            r#"{"profileWeight": "0.5"}"#,
            r#"{"popularityWeight": null}"#,
            r#"{"copurchaseWeight": true}"#,
        ] {
            // Compared as `from_meta` uses them: out-of-range values are dropped either way.
            let theirs = serde_json::from_str::<BundleParams>(text)
                .ok()
                .filter(|p| p.validate().is_ok());
            let ours = BundleParams::from_json(&crate::json::parse(text).unwrap())
                .filter(|p| p.validate().is_ok());
            assert_eq!(ours, theirs, "{text}");
        }
    }
}
