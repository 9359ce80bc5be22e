//! Scorer parameters. `cartsense build` tunes them on the shop's own data and stores them in the
//! pack metadata under `"scorer"`; the engine reads them as its defaults, and the storefront may
//! override the half-life.

use crate::error::{Error, Result};
use crate::history::EventKind;
use crate::json::Value;

/// How the shopper's query vector is formed from the history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(
    any(test, feature = "cli"),
    derive(serde::Serialize, serde::Deserialize)
)]
#[cfg_attr(any(test, feature = "cli"), serde(rename_all = "kebab-case"))]
pub enum ProfileMethod {
    /// Least-squares fold-in (Hu, Koren, Volinsky 2008) when the pack has a Gram matrix, else mean.
    #[default]
    Auto,
    /// Always the least-squares fold-in (falls back to the mean when the pack has no Gram matrix).
    FoldIn,
    /// Weighted mean of the history item vectors, normalised.
    Mean,
}

/// Weight of each event kind in the profile.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(
    any(test, feature = "cli"),
    derive(serde::Serialize, serde::Deserialize)
)]
#[cfg_attr(any(test, feature = "cli"), serde(rename_all = "camelCase", default))]
pub struct EventWeights {
    /// A product view.
    pub view: f32,
    /// An add to cart.
    pub add_to_cart: f32,
    /// A removal from the cart (usually negative: it undoes the add).
    pub remove_from_cart: f32,
    /// A purchase.
    pub purchase: f32,
}

impl Default for EventWeights {
    fn default() -> Self {
        EventWeights {
            view: 1.0,
            add_to_cart: 3.0,
            remove_from_cart: -3.0,
            purchase: 2.0,
        }
    }
}

impl EventWeights {
    /// The built-in weights overridden by the fields of a JSON object (`None` when it is not an
    /// object or a field is not a number).
    fn from_json(v: &Value) -> Option<EventWeights> {
        let mut w = EventWeights::default();
        v.as_object()?;
        read_f32(v, "view", &mut w.view)?;
        read_f32(v, "addToCart", &mut w.add_to_cart)?;
        read_f32(v, "removeFromCart", &mut w.remove_from_cart)?;
        read_f32(v, "purchase", &mut w.purchase)?;
        Some(w)
    }

    /// Weight of one kind.
    pub fn of(&self, k: EventKind) -> f32 {
        match k {
            EventKind::View => self.view,
            EventKind::AddToCart => self.add_to_cart,
            EventKind::RemoveFromCart => self.remove_from_cart,
            EventKind::Purchase => self.purchase,
        }
    }
}

/// Everything the scorer needs besides the pack and the history.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(
    any(test, feature = "cli"),
    derive(serde::Serialize, serde::Deserialize)
)]
#[cfg_attr(any(test, feature = "cli"), serde(rename_all = "camelCase", default))]
pub struct Params {
    /// Recency half-life in hours, relative to the newest event.
    pub half_life_hours: f64,
    /// Per-kind event weights.
    pub event_weights: EventWeights,
    /// Weight of the co-purchase term (0 turns it off).
    pub neighbour_weight: f32,
    /// Weight of the last-item transition term (0 turns it off).
    pub transition_weight: f32,
    /// Profile construction.
    pub profile: ProfileMethod,
    /// Weight of long-term memory items (bought on earlier visits) that are no longer in the
    /// session window, times their decayed purchase strength (0 turns it off).
    pub memory_weight: f32,
    /// Weight of the embedding score `y_j · u` (0 skips the embedding scan).
    pub embedding_weight: f32,
    /// Weight of the basket-neighbour term `K_j / max K` (0 turns it off; needs a pack with
    /// stored baskets).
    pub knn_weight: f32,
    /// Weight of the popularity prior `ln(1 + pop_j) / ln(1 + max pop)` (0 turns it off; may
    /// be negative).
    pub popularity_weight: f32,
    /// Weight of the trend prior: the same over the pack's stored (recent) baskets only
    /// (0 turns it off; may be negative; needs stored baskets).
    pub trend_weight: f32,
    /// Basket neighbours that vote (see [`crate::knn`]).
    pub knn_neighbours: u32,
    /// Most recent candidate baskets compared (0 = all).
    pub knn_sample: u32,
    /// Position-weighted context (V-SKNN, for sessions).
    pub knn_positional: bool,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            half_life_hours: 24.0,
            event_weights: EventWeights::default(),
            neighbour_weight: 0.0,
            transition_weight: 0.0,
            profile: ProfileMethod::Auto,
            memory_weight: 0.5,
            embedding_weight: 1.0,
            knn_weight: 0.0,
            popularity_weight: 0.0,
            trend_weight: 0.0,
            knn_neighbours: 100,
            knn_sample: 0,
            knn_positional: false,
        }
    }
}

/// Overwrite `*out` with the number at `key` if the object has it; `None` if it is not a number.
pub(crate) fn read_f32(obj: &Value, key: &str, out: &mut f32) -> Option<()> {
    if let Some(v) = obj.get(key) {
        *out = v.as_f64()? as f32;
    }
    Some(())
}

/// Overwrite `*out` with the whole number at `key` if the object has it; `None` if it is not
/// a whole number in `0..=u32::MAX`.
pub(crate) fn read_u32(obj: &Value, key: &str, out: &mut u32) -> Option<()> {
    if let Some(v) = obj.get(key) {
        let x = v.as_f64()?;
        if !(x.fract() == 0.0 && (0.0..=u32::MAX as f64).contains(&x)) {
            return None;
        }
        *out = x as u32;
    }
    Some(())
}

impl ProfileMethod {
    fn parse(s: &str) -> Option<ProfileMethod> {
        match s {
            "auto" => Some(ProfileMethod::Auto),
            "fold-in" => Some(ProfileMethod::FoldIn),
            "mean" => Some(ProfileMethod::Mean),
            _ => None,
        }
    }
}

impl Params {
    /// Defaults from a pack's metadata `"scorer"` object; fields it lacks keep the built-in
    /// defaults, and a malformed object is ignored as a whole (the pack still loads).
    pub fn from_meta(meta: &Value) -> Params {
        meta.get("scorer")
            .and_then(Params::from_json)
            .filter(|p| p.validate().is_ok())
            .unwrap_or_default()
    }

    /// The defaults overridden field by field (camelCase names, as `cartsense build` writes
    /// them); `None` when `v` is not an object or a field has the wrong type.
    fn from_json(v: &Value) -> Option<Params> {
        v.as_object()?;
        let mut p = Params::default();
        if let Some(x) = v.get("halfLifeHours") {
            p.half_life_hours = x.as_f64()?;
        }
        if let Some(x) = v.get("eventWeights") {
            p.event_weights = EventWeights::from_json(x)?;
        }
        read_f32(v, "neighbourWeight", &mut p.neighbour_weight)?;
        read_f32(v, "transitionWeight", &mut p.transition_weight)?;
        read_f32(v, "memoryWeight", &mut p.memory_weight)?;
        read_f32(v, "embeddingWeight", &mut p.embedding_weight)?;
        read_f32(v, "knnWeight", &mut p.knn_weight)?;
        read_f32(v, "popularityWeight", &mut p.popularity_weight)?;
        read_f32(v, "trendWeight", &mut p.trend_weight)?;
        read_u32(v, "knnNeighbours", &mut p.knn_neighbours)?;
        read_u32(v, "knnSample", &mut p.knn_sample)?;
        if let Some(x) = v.get("knnPositional") {
            p.knn_positional = x.as_bool()?;
        }
        if let Some(x) = v.get("profile") {
            p.profile = ProfileMethod::parse(x.as_str()?)?;
        }
        Some(p)
    }

    /// The basket-neighbour settings.
    pub fn knn(&self) -> crate::knn::KnnParams {
        crate::knn::KnnParams {
            neighbours: self.knn_neighbours,
            sample: self.knn_sample,
            positional: self.knn_positional,
        }
    }

    /// Check ranges once, before any work.
    pub fn validate(&self) -> Result<()> {
        if !(self.half_life_hours.is_finite() && self.half_life_hours > 0.0) {
            return Err(Error::bad(format!(
                "halfLifeHours must be a finite number > 0, not {}",
                crate::error::num(self.half_life_hours)
            )));
        }
        let w = self.event_weights;
        for (name, x) in [
            ("view", w.view),
            ("add_to_cart", w.add_to_cart),
            ("remove_from_cart", w.remove_from_cart),
            ("purchase", w.purchase),
            ("neighbourWeight", self.neighbour_weight),
            ("transitionWeight", self.transition_weight),
            ("memoryWeight", self.memory_weight),
            ("embeddingWeight", self.embedding_weight),
            ("knnWeight", self.knn_weight),
            ("popularityWeight", self.popularity_weight),
            ("trendWeight", self.trend_weight),
        ] {
            if !x.is_finite() {
                return Err(Error::bad(format!(
                    "weight {name} is {x}, not finite",
                    x = crate::error::num(x)
                )));
            }
        }
        if [
            self.neighbour_weight,
            self.transition_weight,
            self.memory_weight,
            self.embedding_weight,
            self.knn_weight,
        ]
        .iter()
        .any(|&w| w < 0.0)
        {
            // The two priors may be negative: a shop whose buyers look past the best-sellers.
            return Err(Error::bad(
                "blend weights must be >= 0 (only popularityWeight and trendWeight may be negative)",
            ));
        }
        if self.knn_neighbours == 0 {
            return Err(Error::bad("knnNeighbours must be at least 1"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(v: serde_json::Value) -> Value {
        (&v).into()
    }

    #[test]
    fn meta_overrides_defaults_field_by_field() {
        let m = meta(
            serde_json::json!({"scorer": {"halfLifeHours": 2.0, "neighbourWeight": 0.4,
            "eventWeights": {"view": 0.5}, "profile": "mean"}}),
        );
        let p = Params::from_meta(&m);
        assert_eq!(p.half_life_hours, 2.0);
        assert_eq!(p.neighbour_weight, 0.4);
        assert_eq!(p.event_weights.view, 0.5);
        assert_eq!(p.event_weights.add_to_cart, 3.0);
        assert_eq!(p.profile, ProfileMethod::Mean);
    }

    #[test]
    fn malformed_meta_falls_back() {
        for m in [
            serde_json::json!({"scorer": {"halfLifeHours": -1.0}}),
            serde_json::json!({"scorer": "fast"}),
            serde_json::json!({}),
            serde_json::json!({"scorer": {"profile": "fast"}}),
            serde_json::json!({"scorer": {"eventWeights": {"view": "1"}}}),
            serde_json::json!({"scorer": {"memoryWeight": null}}),
        ] {
            assert_eq!(Params::from_meta(&meta(m)), Params::default());
        }
    }

    // The explicit reader accepts and rejects what the serde derive did (objects only).
    #[test]
    fn reads_the_fields_the_serde_derive_reads() {
        for text in [
            r#"{"halfLifeHours": 6, "eventWeights": {"purchase": 5, "extra": 1}, "profile": "fold-in"}"#,
            r#"{"transitionWeight": 0.25, "memoryWeight": 0, "unknown": [1]}"#,
            r#"{"profile": "auto", "eventWeights": {}}"#,
            r#"{"profile": "Mean"}"#,
            r#"{"halfLifeHours": "6"}"#,
            r#"{"eventWeights": null}"#,
            r#"{"neighbourWeight": 1e300}"#,
        ] {
            // Compared as `from_meta` uses them: out-of-range values are dropped either way.
            let theirs = serde_json::from_str::<Params>(text)
                .ok()
                .filter(|p| p.validate().is_ok());
            let ours = Params::from_json(&crate::json::parse(text).unwrap())
                .filter(|p| p.validate().is_ok());
            assert_eq!(ours, theirs, "{text}");
        }
    }
}
