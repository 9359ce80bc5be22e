//! Co-occurrence counts, association measures, top-M neighbour lists and directed transitions.

use std::collections::HashMap;

use crate::pack::SparseRows;

/// How co-occurrence counts become an association score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Measure {
    /// C_ij.
    Count,
    /// C_ij / sqrt(c_i c_j).
    Cosine,
    /// C_ij N / (c_i c_j).
    Lift,
    /// Cosine of counts where each group weighs 1/sqrt(its size), so that a few huge (e.g.
    /// wholesale) baskets do not dominate the pairs.
    SizeCosine,
}

impl Measure {
    /// Every measure, in the order the tuner tries them.
    pub const ALL: [Measure; 4] = [
        Measure::Count,
        Measure::Cosine,
        Measure::Lift,
        Measure::SizeCosine,
    ];
    /// The name used in logs and pack metadata.
    pub fn name(self) -> &'static str {
        match self {
            Measure::Count => "count",
            Measure::Cosine => "cosine",
            Measure::Lift => "lift",
            Measure::SizeCosine => "size-cosine",
        }
    }
}

/// Largest group (distinct items) whose pairs are all counted.
pub const MAX_GROUP: usize = 1000;

/// Symmetric co-occurrence of items within groups (C_ii = 0), plus per-item group counts.
#[derive(Debug, Clone)]
pub struct Cooc {
    /// Row i: (j, C_ij) sorted by j.
    pub rows: Vec<Vec<(u32, u32)>>,
    /// Size-weighted co-occurrence, parallel to `rows`.
    pub wrows: Vec<Vec<f32>>,
    /// Size-weighted group count of each item.
    pub wcount: Vec<f64>,
    /// c_i = number of groups containing i.
    pub count: Vec<u32>,
    /// N = number of groups.
    pub groups: usize,
}

impl Cooc {
    /// Counts with the pair cap [`MAX_GROUP`] (for models).
    pub fn new<'a>(n: usize, groups: impl Iterator<Item = &'a [u32]>) -> Cooc {
        Self::with_cap(n, groups, MAX_GROUP)
    }

    /// Counts where groups of more than `cap` distinct items contribute the pairs of `cap` of
    /// them (`usize::MAX` = exact, as the protocol's baselines need).
    pub fn with_cap<'a>(n: usize, groups: impl Iterator<Item = &'a [u32]>, cap: usize) -> Cooc {
        let mut maps: Vec<HashMap<u32, (u32, f64)>> = vec![HashMap::new(); n];
        let mut count = vec![0u32; n];
        let mut wcount = vec![0.0f64; n];
        let mut ng = 0usize;
        let mut set: Vec<u32> = Vec::new();
        for g in groups {
            ng += 1;
            set.clear();
            set.extend_from_slice(g);
            set.sort_unstable();
            set.dedup();
            let w = 1.0 / (set.len() as f64).sqrt();
            for &i in &set {
                count[i as usize] += 1;
                wcount[i as usize] += w;
            }
            // Pairs grow quadratically: a group of more than MAX_GROUP distinct items (a
            // visitor's whole history, say) contributes the pairs of MAX_GROUP of them only.
            set.truncate(cap);
            for (a, &i) in set.iter().enumerate() {
                for &j in &set[a + 1..] {
                    for (x, y) in [(i, j), (j, i)] {
                        let e = maps[x as usize].entry(y).or_insert((0, 0.0));
                        e.0 += 1;
                        e.1 += w;
                    }
                }
            }
        }
        let mut rows = Vec::with_capacity(n);
        let mut wrows = Vec::with_capacity(n);
        for m in maps {
            let mut r: Vec<(u32, (u32, f64))> = m.into_iter().collect();
            r.sort_unstable_by_key(|x| x.0);
            rows.push(r.iter().map(|&(j, (c, _))| (j, c)).collect());
            wrows.push(r.iter().map(|&(_, (_, w))| w as f32).collect());
        }
        Cooc {
            rows,
            wrows,
            wcount,
            count,
            groups: ng,
        }
    }

    /// Association of i and the `k`-th entry of its row.
    #[inline]
    pub fn assoc(&self, m: Measure, i: u32, k: usize) -> f32 {
        let (j, c) = self.rows[i as usize][k];
        let (ci, cj) = (self.count[i as usize] as f64, self.count[j as usize] as f64);
        let c = c as f64;
        (match m {
            Measure::Count => c,
            Measure::Cosine => c / (ci * cj).sqrt(),
            Measure::Lift => c * self.groups as f64 / (ci * cj),
            Measure::SizeCosine => {
                let w = self.wrows[i as usize][k] as f64;
                w / (self.wcount[i as usize] * self.wcount[j as usize]).sqrt()
            }
        }) as f32
    }

    /// Add Σ_i assoc(i, j) over the distinct context items into `out`.
    pub fn score_into(&self, m: Measure, ctx: &[u32], out: &mut [f32]) {
        let mut seen: Vec<u32> = Vec::with_capacity(ctx.len());
        for &i in ctx {
            if seen.contains(&i) {
                continue;
            }
            seen.push(i);
            for (k, &(j, _)) in self.rows[i as usize].iter().enumerate() {
                out[j as usize] += self.assoc(m, i, k);
            }
        }
    }

    /// The `m_top` strongest neighbours of every item under `m` (ties: smaller index).
    pub fn neighbours(&self, m: Measure, m_top: usize) -> SparseRows {
        self.rows
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let mut v: Vec<(u32, f32)> = r
                    .iter()
                    .enumerate()
                    .map(|(k, &(j, _))| (j, self.assoc(m, i as u32, k)))
                    .collect();
                v.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
                v.truncate(m_top);
                v
            })
            .collect()
    }
}

/// Directed transition counts item -> next item over consecutive entries of each sequence,
/// top `m_top` per item.
pub fn transitions<'a>(
    n: usize,
    seqs: impl Iterator<Item = &'a [u32]>,
    m_top: usize,
) -> (SparseRows, usize) {
    let mut maps: Vec<HashMap<u32, u32>> = vec![HashMap::new(); n];
    let mut total = 0usize;
    for s in seqs {
        for w in s.windows(2) {
            if w[0] != w[1] {
                *maps[w[0] as usize].entry(w[1]).or_insert(0) += 1;
                total += 1;
            }
        }
    }
    let rows = maps
        .into_iter()
        .map(|m| {
            let mut v: Vec<(u32, f32)> = m.into_iter().map(|(j, c)| (j, c as f32)).collect();
            v.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            v.truncate(m_top);
            v
        })
        .collect();
    (rows, total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_pairs_once_per_group() {
        let g: Vec<Vec<u32>> = vec![vec![0, 1, 1, 2], vec![0, 1]];
        let c = Cooc::new(3, g.iter().map(|v| v.as_slice()));
        assert_eq!(c.rows[0], vec![(1, 2), (2, 1)]);
        assert_eq!(c.count, vec![2, 2, 1]);
        let nb = c.neighbours(Measure::Cosine, 1);
        assert_eq!(nb[2], vec![(0, 1.0 / 2f32.sqrt())]);
    }
}
