//! [`Engine`]: a loaded pack plus the shopper's history, answering `recommend`, `similar` and
//! `popular`. Everything the JS `Recommender` does is here; the binding only converts types.
//!
//! Scoring (`docs/scoring.md` has the full statement): for every item j,
//! `s_j = y_j · u + β_n · N_j / max N + β_t · T_j / max T`, where u is the [`Profile`] query,
//! `N_j = Σ_i w_i · nbr(i, j)` sums the co-purchase weights from the history items, and `T_j` is
//! the transition weight from the newest history item to j. Excluded items are masked before a
//! bounded top-k (ties: popularity, then index). An empty history gives the popularity order.

use crate::error::{Error, Result};
use crate::history::{check_id, EventKind, History, ImportReport};
use crate::kernels::{self, QueryI16};
use crate::knn::{self, Knn};
use crate::pack::{Embeddings, Pack};
use crate::params::Params;
use crate::profile::{summarize, ItemState, Profile, Summary};
use crate::topk::{top_k, Scored, TopK};

/// Largest `k` any list may ask for.
pub const MAX_K: usize = 1000;

/// Why an item was suggested.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReasonKind {
    /// Because of an item the shopper viewed.
    Viewed,
    /// Because of an item in the cart.
    InCart,
    /// Because of an item the shopper bought.
    Purchased,
    /// No personal signal: a popular item.
    Popular,
    /// Similar to the item asked about.
    Similar,
    /// Often bought together with a cart item.
    BoughtTogether,
    /// Fits with a cart item (embedding affinity).
    PairsWith,
    /// Bought before (on this device); the item itself.
    BoughtBefore,
}

impl ReasonKind {
    /// All kinds, in a fixed order.
    pub const ALL: [ReasonKind; 8] = [
        ReasonKind::Viewed,
        ReasonKind::InCart,
        ReasonKind::Purchased,
        ReasonKind::Popular,
        ReasonKind::Similar,
        ReasonKind::BoughtTogether,
        ReasonKind::PairsWith,
        ReasonKind::BoughtBefore,
    ];

    /// The JS name (`'viewed'`, `'in-cart'`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            ReasonKind::Viewed => "viewed",
            ReasonKind::InCart => "in-cart",
            ReasonKind::Purchased => "purchased",
            ReasonKind::Popular => "popular",
            ReasonKind::Similar => "similar",
            ReasonKind::BoughtTogether => "bought-together",
            ReasonKind::PairsWith => "pairs-with",
            ReasonKind::BoughtBefore => "bought-before",
        }
    }
}

/// A reason: its kind and, when there is one, the item it points to.
#[derive(Debug, Clone, PartialEq)]
pub struct Because {
    /// Kind of reason.
    pub kind: ReasonKind,
    /// The history/cart/anchor item behind it.
    pub item: Option<String>,
}

/// One suggested item.
#[derive(Debug, Clone, PartialEq)]
pub struct Rec {
    /// Item index in the pack.
    pub index: usize,
    /// Item id.
    pub id: String,
    /// Ranking score (higher is better; comparable within one list only).
    pub score: f32,
    /// Title.
    pub title: String,
    /// Price.
    pub price: f32,
    /// Category name ("" when none).
    pub category: String,
    /// Why it is here.
    pub because: Because,
}

/// Item facts.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemInfo {
    /// Id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Price.
    pub price: f32,
    /// Category ("" when none).
    pub category: String,
}

/// Options of a list query.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    /// How many items (1..=1000).
    pub k: usize,
    /// Item ids never to return.
    pub exclude: Vec<String>,
    /// Only items of this category.
    pub category: Option<String>,
    /// Only items at or above this price.
    pub min_price: Option<f32>,
    /// Only items at or below this price.
    pub max_price: Option<f32>,
    /// 0 = pure relevance; up to 1 = maximal marginal relevance with that trade-off.
    pub diversity: f32,
    /// Also leave out items the shopper viewed.
    pub exclude_viewed: bool,
}

impl Default for Query {
    fn default() -> Self {
        Query {
            k: 10,
            exclude: Vec::new(),
            category: None,
            min_price: None,
            max_price: None,
            diversity: 0.0,
            exclude_viewed: false,
        }
    }
}

impl Query {
    /// Check every field before any work.
    pub fn validate(&self) -> Result<()> {
        if self.k == 0 || self.k > MAX_K {
            return Err(Error::bad(format!(
                "k must be between 1 and {MAX_K}, not {}",
                self.k
            )));
        }
        for (name, p) in [("minPrice", self.min_price), ("maxPrice", self.max_price)] {
            if let Some(p) = p {
                if !p.is_finite() || p < 0.0 {
                    return Err(Error::bad(format!(
                        "{name} must be a finite number >= 0, not {}",
                        crate::error::num(p)
                    )));
                }
            }
        }
        if let (Some(a), Some(b)) = (self.min_price, self.max_price) {
            if a > b {
                return Err(Error::bad(format!(
                    "minPrice {} is above maxPrice {}",
                    crate::error::num(a),
                    crate::error::num(b)
                )));
            }
        }
        if !(0.0..=1.0).contains(&self.diversity) {
            return Err(Error::bad(format!(
                "diversity must be between 0 and 1, not {}",
                crate::error::num(self.diversity)
            )));
        }
        for id in &self.exclude {
            check_id(id)?;
        }
        Ok(())
    }
}

/// `ln(1 + x) / ln(1 + max x)` of non-negative counts (zeros when every count is 0).
fn log_scaled(x: impl Iterator<Item = f32> + Clone) -> Vec<f32> {
    let den = x.clone().fold(0.0f32, f32::max).ln_1p();
    x.map(|v| if den > 0.0 { v.ln_1p() / den } else { 0.0 })
        .collect()
}

/// One blended list and what its reasons need: the profile, the normalisers of the sparse
/// terms (0 = the term is off) and the basket-neighbour context.
struct Blended {
    top: Vec<Scored>,
    prof: Profile,
    nbr: f32,
    tran: f32,
    knn: f32,
    ctx: Vec<(usize, f32)>,
}

/// A pack, a history and reusable scratch buffers.
#[derive(Debug, Clone)]
pub struct Engine {
    pack: Pack,
    history: History,
    params: Params,
    scores: Vec<f32>,
    mask: Vec<bool>,
    boost: Vec<f32>,
    q16: QueryI16,
    norms: Option<Vec<f32>>,
    /// Sparse score additions (item, order, value) of the co-purchase and transition boosts,
    /// sorted by item before the fused scan applies them block by block.
    boosts: Vec<(u32, u32, f32)>,
    sel: TopK,
    /// Basket-neighbour scratch and its last output.
    knn: Knn,
    knn_out: Vec<(u32, f32)>,
    /// `ln(1 + pop_j) / ln(1 + max pop)`, computed on first use.
    prior: std::sync::OnceLock<Vec<f32>>,
    /// The same over the stored baskets (the trend), computed on first use.
    trend: std::sync::OnceLock<Vec<f32>>,
}

/// The normalised parts of [`Engine::recommend`]'s score for the current history, before
/// the weights: item j scores
/// `w_e · embedding[j] + w_p · prior[j] + w_r · trend[j] (+ w_n · x) (+ w_t · x) (+ w_k · x)`
/// (the `w_r` term only when it is on), with each
/// sparse term added (in that order) only for the items it lists. For tuning the weights
/// without re-scoring ([`Engine::components`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Components {
    /// `y_j · u` for every item.
    pub embedding: Vec<f32>,
    /// Co-purchase association from the history, `N_j / max N`.
    pub neighbours: Vec<(u32, f32)>,
    /// Transitions from the newest item, `T_j / max T`.
    pub transitions: Vec<(u32, f32)>,
    /// Basket neighbours, `K_j / max K`.
    pub knn: Vec<(u32, f32)>,
    /// Items `recommend` never returns for this history (cart, bought, the newest item).
    pub excluded: Vec<usize>,
}

impl Engine {
    /// Load and validate a pack; scorer defaults come from its metadata.
    pub fn from_bytes(bytes: &[u8]) -> Result<Engine> {
        Ok(Self::new(Pack::from_bytes(bytes)?))
    }

    /// Wrap an already loaded pack.
    pub fn new(pack: Pack) -> Engine {
        let n = pack.len();
        Engine {
            params: Params::from_meta(pack.meta()),
            pack,
            history: History::default(),
            // Allocated on first use: the fused scan of `recommend` needs neither, and they
            // would add 8 bytes per item to the memory a loaded pack costs.
            scores: Vec::new(),
            mask: vec![true; n],
            boost: Vec::new(),
            q16: QueryI16::default(),
            norms: None,
            boosts: Vec::new(),
            sel: TopK::default(),
            knn: Knn::default(),
            knn_out: Vec::new(),
            prior: std::sync::OnceLock::new(),
            trend: std::sync::OnceLock::new(),
        }
    }

    /// The pack.
    pub fn pack(&self) -> &Pack {
        &self.pack
    }

    /// Current scorer parameters.
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// Replace the scorer parameters (validated).
    pub fn set_params(&mut self, p: Params) -> Result<()> {
        p.validate()?;
        self.params = p;
        Ok(())
    }

    /// The history.
    pub fn history(&self) -> &History {
        &self.history
    }

    /// Replace the history.
    pub fn set_history(&mut self, h: History) {
        self.history = h;
    }

    /// Record an event.
    pub fn record(&mut self, kind: EventKind, item: &str, at: f64) -> Result<()> {
        self.history.push(kind, item, at)
    }

    /// Record a view.
    pub fn view(&mut self, item: &str, at: f64) -> Result<()> {
        self.record(EventKind::View, item, at)
    }

    /// Record a purchase of several items.
    pub fn purchase(&mut self, items: &[String], at: f64) -> Result<()> {
        self.history.push_purchase(items, at)
    }

    /// The cart (ids, including ones the pack does not know).
    pub fn cart(&self) -> Vec<String> {
        self.history.cart().into_iter().map(String::from).collect()
    }

    /// Forget the history; `generation` should be fresh and random (see [`History::merge`]).
    pub fn clear_history(&mut self, generation: u64) {
        self.history.clear(generation);
    }

    /// Mutable access to the history (for merging what another tab stored).
    pub fn history_mut(&mut self) -> &mut History {
        &mut self.history
    }

    /// The history as storage JSON.
    pub fn export_history(&self) -> String {
        self.history.to_json()
    }

    /// Replace the history with stored JSON; never fails.
    pub fn import_history(&mut self, json: &str) -> ImportReport {
        let h = &self.history;
        let (h, r) = History::from_json_bounded(json, h.max_events(), h.max_cart_lines());
        self.history = h;
        r
    }

    /// Facts of one item.
    pub fn item(&self, id: &str) -> Option<ItemInfo> {
        let i = self.pack.index_of(id)?;
        Some(ItemInfo {
            id: id.to_owned(),
            title: self.pack.title(i).to_owned(),
            price: self.pack.price(i),
            category: self.pack.category(i).to_owned(),
        })
    }

    /// Build a result row.
    pub fn rec(&self, s: Scored, kind: ReasonKind, because: Option<usize>) -> Rec {
        let i = s.index as usize;
        Rec {
            index: i,
            id: self.pack.id(i).to_owned(),
            score: s.score,
            title: self.pack.title(i).to_owned(),
            price: self.pack.price(i),
            category: self.pack.category(i).to_owned(),
            because: Because {
                kind,
                item: because.map(|b| self.pack.id(b).to_owned()),
            },
        }
    }

    /// Session summary for the current history.
    pub fn summary(&self) -> Summary {
        summarize(&self.pack, &self.history, &self.params)
    }

    /// Reset the exclusion mask and mark `excluded` items; returns `None` when the query's
    /// category does not exist (so nothing can match), else the category filter.
    fn prepare_mask(&mut self, q: &Query, excluded: &[usize]) -> Option<Option<usize>> {
        self.mask.iter_mut().for_each(|m| *m = true);
        for &i in excluded {
            self.mask[i] = false;
        }
        for id in &q.exclude {
            if let Some(i) = self.pack.index_of(id) {
                self.mask[i] = false;
            }
        }
        match &q.category {
            None => Some(None),
            Some(c) => self.pack.category_by_name(c).map(Some),
        }
    }

    /// Top `k` of `self.scores` under the mask and the query's filters.
    fn select(&self, q: &Query, cat: Option<usize>, k: usize) -> Vec<Scored> {
        let prices = self.pack.prices();
        let (lo, hi) = (
            q.min_price.unwrap_or(0.0),
            q.max_price.unwrap_or(f32::INFINITY),
        );
        let pack = &self.pack;
        let mask = &self.mask;
        top_k(&self.scores, pack.popularity(), k, |j| {
            mask[j]
                && (cat.is_none() || pack.category_index(j) == cat)
                && prices[j] >= lo
                && prices[j] <= hi
        })
    }

    /// Fill `self.scores` with `y_j · u` for every item.
    fn scan(&mut self, u: &[f32]) {
        self.scores.resize(self.pack.len(), 0.0);
        let d = self.pack.dims();
        match self.pack.embeddings() {
            Embeddings::F32(m) => kernels::score_f32(m, d, u, &mut self.scores),
            Embeddings::I8 { scales, rows } => {
                kernels::quantize_query(u, &mut self.q16);
                kernels::score_i8(scales, rows, d, &self.q16, &mut self.scores);
            }
        }
    }

    /// Personalised list for the current history.
    pub fn recommend(&mut self, q: &Query) -> Result<Vec<Rec>> {
        q.validate()?;
        let sum = self.summary();
        let mut excluded = Self::never_listed(&sum);
        if q.exclude_viewed {
            excluded.extend(&sum.viewed);
        }
        if sum.items.is_empty() {
            let Some(cat) = self.prepare_mask(q, &excluded) else {
                return Ok(Vec::new());
            };
            self.scores.clear();
            self.scores.extend_from_slice(self.pack.popularity());
            let top = self.select(q, cat, q.k);
            return Ok(top
                .into_iter()
                .map(|s| self.rec(s, ReasonKind::Popular, None))
                .collect());
        }
        let Some(b) = self.blended(&sum, q, &excluded) else {
            return Ok(Vec::new());
        };
        Ok(b.top
            .iter()
            .map(|&s| {
                let (kind, item) = self.reason(&sum, &b, s.index as usize);
                self.rec(s, kind, item)
            })
            .collect())
    }

    /// The blend of [`Engine::recommend`] for a summary (with at least one item): the best
    /// `q.k` items outside `excluded` and the query's filters; `None` for an unknown category.
    fn blended(&mut self, sum: &Summary, q: &Query, excluded: &[usize]) -> Option<Blended> {
        let cat = self.prepare_mask(q, excluded)?;
        let prof = Profile::build(&self.pack, &sum.items, &self.params);
        self.boosts.clear();
        let p = self.params;
        let nbr = self.add_neighbour_boost(sum, p.neighbour_weight);
        let tran = self.add_transition_boost(sum, p.transition_weight);
        let ctx = self.knn_context(sum);
        let knn = self.add_knn_boost(&ctx, p.knn_weight);
        let pool = if q.diversity > 0.0 {
            (q.k * 5).max(50)
        } else {
            q.k
        };
        let mut top = self.scan_select(&prof.query, q, cat, pool);
        if q.diversity > 0.0 {
            top = self.mmr(top, q.k, q.diversity);
        }
        Some(Blended {
            top,
            prof,
            nbr,
            tran,
            knn,
            ctx,
        })
    }

    /// The unweighted parts of `recommend`'s score for the current history (`None` when the
    /// history holds no known item, where `recommend` lists popular items).
    pub fn components(&mut self) -> Option<Components> {
        let sum = self.summary();
        if sum.items.is_empty() {
            return None;
        }
        let prof = Profile::build(&self.pack, &sum.items, &self.params);
        self.scan(&prof.query);
        let embedding = std::mem::take(&mut self.scores);
        let take = |e: &mut Engine, from: usize| -> Vec<(u32, f32)> {
            let v = e.boosts[from..].iter().map(|&(j, _, x)| (j, x)).collect();
            e.boosts.truncate(from);
            v
        };
        self.boosts.clear();
        self.add_neighbour_boost(&sum, 1.0);
        let neighbours = take(self, 0);
        self.add_transition_boost(&sum, 1.0);
        let transitions = take(self, 0);
        let ctx = self.knn_context(&sum);
        self.add_knn_boost(&ctx, 1.0);
        let knn = take(self, 0);
        Some(Components {
            embedding,
            neighbours,
            transitions,
            knn,
            excluded: Self::never_listed(&sum),
        })
    }

    /// What `recommend` never lists: the cart, what was bought, and the item of the newest
    /// event (the one the shopper is looking at or just added).
    fn never_listed(sum: &Summary) -> Vec<usize> {
        let mut v: Vec<usize> = sum.cart.iter().chain(&sum.purchased).copied().collect();
        v.extend(sum.last.filter(|i| !v.contains(i)));
        v
    }

    /// `ln(1 + pop_j) / ln(1 + max pop)` for every item (zeros when no item is popular),
    /// computed on first use.
    pub fn popularity_prior(&self) -> &[f32] {
        self.prior
            .get_or_init(|| log_scaled(self.pack.popularity().iter().copied()))
    }

    /// The trend prior: [`Engine::popularity_prior`] with popularity counted over the pack's
    /// stored baskets (the most recent ones) instead of all of them; zeros without baskets.
    pub fn trend_prior(&self) -> &[f32] {
        self.trend.get_or_init(|| match self.pack.baskets() {
            Some(b) => log_scaled((0..self.pack.len()).map(|j| b.baskets_of(j).len() as f32)),
            None => vec![0.0; self.pack.len()],
        })
    }

    /// The basket-neighbour context: cart items whose events left the session window first,
    /// then the session's items that still count (positive weight), weighted as
    /// [`knn::context_weights`] says.
    fn knn_context(&self, sum: &Summary) -> Vec<(usize, f32)> {
        if self.pack.baskets().is_none_or(|b| b.is_empty()) {
            return Vec::new();
        }
        let live = |i: usize| sum.items.iter().any(|it| it.index == i);
        let mut seq: Vec<usize> = sum
            .cart
            .iter()
            .copied()
            .filter(|i| !sum.sequence.contains(i))
            .collect();
        for &i in &sum.sequence {
            if live(i) && seq.last() != Some(&i) {
                seq.push(i);
            }
        }
        knn::context_weights(&seq, self.params.knn_positional)
    }

    /// Queue `β_k · K_j / max K` in `self.boosts`; returns the normaliser `1 / max K` (0 when
    /// there is nothing to add).
    fn add_knn_boost(&mut self, ctx: &[(usize, f32)], beta: f32) -> f32 {
        let Some(store) = self.pack.baskets() else {
            return 0.0;
        };
        if beta <= 0.0 || ctx.is_empty() {
            self.knn_out.clear();
            return 0.0;
        }
        let p = self.params.knn();
        self.knn
            .score(store, self.pack.len(), ctx, &p, &mut self.knn_out);
        let max = self.knn_out.iter().map(|x| x.1).fold(0.0f32, f32::max);
        if max <= 0.0 {
            return 0.0;
        }
        let inv = 1.0 / max;
        for &(j, x) in &self.knn_out {
            self.boosts
                .push((j, self.boosts.len() as u32, beta * (x * inv)));
        }
        inv
    }

    /// Queue `β_n N_j / max N` in `self.boosts`; returns the normaliser `1 / max N` (0 when
    /// off).
    fn add_neighbour_boost(&mut self, sum: &Summary, beta: f32) -> f32 {
        if beta <= 0.0 || !self.pack.has_neighbours() {
            return 0.0;
        }
        self.boost.resize(self.pack.len(), 0.0);
        let first = self.boosts.len();
        for it in &sum.items {
            let nb = self.pack.neighbours(it.index);
            for (&j, &a) in nb.index.iter().zip(nb.weight) {
                if self.boost[j as usize] == 0.0 {
                    self.boosts.push((j, self.boosts.len() as u32, 0.0));
                }
                self.boost[j as usize] += it.weight * a;
            }
        }
        let max = self.boosts[first..]
            .iter()
            .map(|&(j, ..)| self.boost[j as usize])
            .fold(0.0f32, f32::max);
        let inv = if max > 0.0 { 1.0 / max } else { 0.0 };
        for b in &mut self.boosts[first..] {
            b.2 = beta * (self.boost[b.0 as usize] * inv);
            self.boost[b.0 as usize] = 0.0;
        }
        if inv == 0.0 {
            self.boosts.truncate(first);
        }
        inv
    }

    /// Queue `β_t T_j / max T` from the newest history item; returns the normaliser.
    fn add_transition_boost(&mut self, sum: &Summary, beta: f32) -> f32 {
        let Some(last) = sum.last else { return 0.0 };
        if beta <= 0.0 || !self.pack.has_transitions() {
            return 0.0;
        }
        let t = self.pack.transitions(last);
        let max = t.weight.iter().copied().fold(0.0f32, f32::max);
        if max <= 0.0 {
            return 0.0;
        }
        let inv = 1.0 / max;
        for (&j, &w) in t.index.iter().zip(t.weight) {
            self.boosts
                .push((j, self.boosts.len() as u32, beta * (w * inv)));
        }
        inv
    }

    /// Top `k` of `w_e · y_j · u + w_p · prior_j` plus the queued boosts under the mask and
    /// the query's filters, in one pass: each block of [`kernels::BLOCK`] scores is computed
    /// into a stack buffer, gets its prior and boosts (added in the order they were queued, so
    /// every score is bit-identical to the score-buffer path), and goes through the top-k
    /// threshold test while it is in L1. With `w_e = 0` the embedding scan is skipped.
    fn scan_select(&mut self, u: &[f32], q: &Query, cat: Option<usize>, k: usize) -> Vec<Scored> {
        // (item, order) keys are unique, so the order is fully determined.
        crate::sort::sort_by(&mut self.boosts, |a, b| (a.0, a.1).cmp(&(b.0, b.1)));
        let prices = self.pack.prices();
        let (lo, hi) = (
            q.min_price.unwrap_or(0.0),
            q.max_price.unwrap_or(f32::INFINITY),
        );
        let (we, wp, wr) = (
            self.params.embedding_weight,
            self.params.popularity_weight,
            self.params.trend_weight,
        );
        if wp != 0.0 || wr != 0.0 {
            self.popularity_prior();
        }
        if wr != 0.0 {
            self.trend_prior();
        }
        let prior: &[f32] = self.prior.get().map_or(&[], |v| v.as_slice());
        let trend: &[f32] = self.trend.get().map_or(&[], |v| v.as_slice());
        let pack = &self.pack;
        let mask = &self.mask;
        let tie = pack.popularity();
        let mut eligible = |j: usize| {
            mask[j]
                && (cat.is_none() || pack.category_index(j) == cat)
                && prices[j] >= lo
                && prices[j] <= hi
        };
        let sel = &mut self.sel;
        sel.reset(k);
        let boosts = &self.boosts;
        let mut next = 0;
        let mut block = |first: usize, s: &mut [f32]| {
            let end = first + s.len();
            if wr != 0.0 {
                let dense = prior[first..end].iter().zip(&trend[first..end]);
                for (x, (&p, &r)) in s.iter_mut().zip(dense) {
                    *x = we * *x + wp * p + wr * r;
                }
            } else if wp != 0.0 {
                for (x, &p) in s.iter_mut().zip(&prior[first..end]) {
                    *x = we * *x + wp * p;
                }
            } else if we != 1.0 {
                s.iter_mut().for_each(|x| *x *= we);
            }
            while let Some(&(j, _, v)) = boosts.get(next) {
                let j = j as usize;
                if j >= end {
                    break;
                }
                if let Some(x) = s.get_mut(j.wrapping_sub(first)) {
                    *x += v;
                }
                next += 1;
            }
            sel.offer_block(first, s, tie, &mut eligible);
        };
        let d = pack.dims();
        if we == 0.0 {
            let mut buf = [0.0f32; kernels::BLOCK];
            for first in (0..pack.len()).step_by(kernels::BLOCK) {
                let s = &mut buf[..kernels::BLOCK.min(pack.len() - first)];
                s.fill(0.0);
                block(first, s);
            }
        } else {
            match pack.embeddings() {
                Embeddings::F32(m) => kernels::scan_f32(m, d, u, &mut block),
                Embeddings::I8 { scales, rows } => {
                    kernels::quantize_query(u, &mut self.q16);
                    kernels::scan_i8(scales, rows, d, &self.q16, &mut block);
                }
            }
        }
        let mut out = Vec::with_capacity(k);
        self.sel.drain_sorted(&mut out);
        out
    }

    /// The history item that contributed most to item `j`'s score.
    fn reason(&self, sum: &Summary, f: &Blended, j: usize) -> (ReasonKind, Option<usize>) {
        let p = &self.params;
        let mut c = vec![0.0; sum.items.len()];
        if p.embedding_weight > 0.0 {
            let mut y = vec![0.0; self.pack.dims()];
            self.pack.embedding(j, &mut y);
            for (ck, x) in c.iter_mut().zip(f.prof.contributions(&y)) {
                *ck = p.embedding_weight * x;
            }
        }
        for (k, it) in sum.items.iter().enumerate() {
            if f.nbr > 0.0 {
                let nb = self.pack.neighbours(it.index);
                if let Some(q) = nb.index.iter().position(|&x| x as usize == j) {
                    c[k] += p.neighbour_weight * f.nbr * it.weight * nb.weight[q];
                }
            }
            if f.tran > 0.0 && Some(it.index) == sum.last {
                let t = self.pack.transitions(it.index);
                if let Some(q) = t.index.iter().position(|&x| x as usize == j) {
                    c[k] += p.transition_weight * f.tran * t.weight[q];
                }
            }
        }
        if let (true, Some(store)) = (f.knn > 0.0, self.pack.baskets()) {
            let split = self.knn.split(store, &f.ctx, j as u32);
            for (&(i, _), x) in f.ctx.iter().zip(split) {
                if let Some(k) = sum.items.iter().position(|it| it.index == i) {
                    c[k] += p.knn_weight * f.knn * x;
                }
            }
        }
        let best = c
            .iter()
            .enumerate()
            .filter(|(_, x)| **x > 0.0)
            .max_by(|a, b| a.1.total_cmp(b.1).then(b.0.cmp(&a.0)));
        match best {
            Some((k, _)) => {
                let it = sum.items[k];
                let kind = match it.state {
                    ItemState::InCart => ReasonKind::InCart,
                    ItemState::Purchased => ReasonKind::Purchased,
                    ItemState::Viewed => ReasonKind::Viewed,
                };
                (kind, Some(it.index))
            }
            None => (ReasonKind::Popular, None),
        }
    }

    /// Cosine similarity between two items.
    fn cosine(&mut self, a: usize, b: usize) -> f32 {
        let d = self.pack.dims();
        let (mut ya, mut yb) = (vec![0.0; d], vec![0.0; d]);
        self.pack.embedding(a, &mut ya);
        self.pack.embedding(b, &mut yb);
        let norms = self.norms();
        let den = norms[a] * norms[b];
        if den > 0.0 {
            kernels::scalar::dot_f32(&ya, &yb) / den
        } else {
            0.0
        }
    }

    /// Greedy maximal marginal relevance over a candidate pool (best first).
    fn mmr(&mut self, pool: Vec<Scored>, k: usize, lambda: f32) -> Vec<Scored> {
        if pool.len() <= 1 {
            return pool;
        }
        let hi = pool[0].score;
        let lo = pool.iter().map(|s| s.score).fold(f32::INFINITY, f32::min);
        let span = if hi > lo { hi - lo } else { 1.0 };
        let rel: Vec<f32> = pool.iter().map(|s| (s.score - lo) / span).collect();
        let mut chosen: Vec<usize> = vec![0];
        let mut max_sim = vec![f32::NEG_INFINITY; pool.len()];
        while chosen.len() < k.min(pool.len()) {
            let last = pool[*chosen.last().unwrap_or(&0)].index as usize;
            let mut best: Option<(usize, f32)> = None;
            for c in 0..pool.len() {
                if chosen.contains(&c) {
                    continue;
                }
                let sim = self.cosine(pool[c].index as usize, last);
                max_sim[c] = max_sim[c].max(sim);
                let v = (1.0 - lambda) * rel[c] - lambda * max_sim[c];
                if best.is_none_or(|(_, b)| v > b) {
                    best = Some((c, v));
                }
            }
            match best {
                Some((c, _)) => chosen.push(c),
                None => break,
            }
        }
        chosen.into_iter().map(|c| pool[c]).collect()
    }

    /// L2 norm of every row, computed once on first use.
    fn norms(&mut self) -> &[f32] {
        if self.norms.is_none() {
            let d = self.pack.dims();
            let mut y = vec![0.0; d];
            let v = (0..self.pack.len())
                .map(|i| {
                    self.pack.embedding(i, &mut y);
                    y.iter().map(|x| x * x).sum::<f32>().sqrt()
                })
                .collect();
            self.norms = Some(v);
        }
        self.norms.as_deref().unwrap_or(&[])
    }

    /// Items for a shopper looking at `id`: the blend of [`Engine::recommend`] for a history
    /// of that one item (weight 1), whatever the stored history holds; `id` itself is left out.
    pub fn similar(&mut self, id: &str, q: &Query) -> Result<Vec<Rec>> {
        q.validate()?;
        check_id(id)?;
        let i = self
            .pack
            .index_of(id)
            .ok_or_else(|| Error::UnknownItem(id.to_owned()))?;
        let sum = Summary {
            items: vec![crate::profile::HistItem {
                index: i,
                weight: 1.0,
                state: ItemState::Viewed,
            }],
            viewed: vec![i],
            last: Some(i),
            sequence: vec![i],
            ..Summary::default()
        };
        let Some(b) = self.blended(&sum, q, &[i]) else {
            return Ok(Vec::new());
        };
        Ok(b.top
            .iter()
            .map(|&s| self.rec(s, ReasonKind::Similar, Some(i)))
            .collect())
    }

    /// Most popular items (optionally in one category).
    pub fn popular(&mut self, q: &Query) -> Result<Vec<Rec>> {
        q.validate()?;
        let Some(cat) = self.prepare_mask(q, &[]) else {
            return Ok(Vec::new());
        };
        self.scores.clear();
        self.scores.extend_from_slice(self.pack.popularity());
        let top = self.select(q, cat, q.k);
        Ok(top
            .into_iter()
            .map(|s| self.rec(s, ReasonKind::Popular, None))
            .collect())
    }
}

#[cfg(test)]
#[path = "rank_tests.rs"]
mod tests;
