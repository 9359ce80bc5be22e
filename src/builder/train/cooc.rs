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
        use rayon::prelude::*;
        let mut count = vec![0u32; n];
        let mut wcount = vec![0.0f64; n];
        // The (capped) distinct items of every group, with its weight 1/sqrt(size), and the
        // groups of each item; then each row is summed from its item's groups into dense
        // scratch (no hashing: the work is the number of pairs, done once per row).
        let mut sets: Vec<Vec<u32>> = Vec::new();
        let mut weights: Vec<f64> = Vec::new();
        for g in groups {
            let mut set = g.to_vec();
            set.sort_unstable();
            set.dedup();
            let w = 1.0 / (set.len() as f64).sqrt();
            for &i in &set {
                count[i as usize] += 1;
                wcount[i as usize] += w;
            }
            // Pairs grow quadratically: a group of more than `cap` distinct items (a visitor's
            // whole history, say) contributes the pairs of `cap` of them only.
            set.truncate(cap);
            sets.push(set);
            weights.push(w);
        }
        let mut post: Vec<Vec<u32>> = vec![Vec::new(); n];
        for (gi, set) in sets.iter().enumerate() {
            if set.len() > 1 {
                for &i in set {
                    post[i as usize].push(gi as u32);
                }
            }
        }
        type Row = (Vec<(u32, u32)>, Vec<f32>);
        let rows: Vec<Row> = (0..n)
            .into_par_iter()
            .map_init(
                || (vec![0u32; n], vec![0.0f64; n], Vec::<u32>::new()),
                |(cnt, wsum, touched), i| {
                    for &gi in &post[i] {
                        let w = weights[gi as usize];
                        for &j in &sets[gi as usize] {
                            if j as usize != i {
                                if cnt[j as usize] == 0 {
                                    touched.push(j);
                                }
                                cnt[j as usize] += 1;
                                wsum[j as usize] += w;
                            }
                        }
                    }
                    touched.sort_unstable();
                    let row: Vec<(u32, u32)> =
                        touched.iter().map(|&j| (j, cnt[j as usize])).collect();
                    let wrow: Vec<f32> = touched.iter().map(|&j| wsum[j as usize] as f32).collect();
                    for &j in touched.iter() {
                        cnt[j as usize] = 0;
                        wsum[j as usize] = 0.0;
                    }
                    touched.clear();
                    (row, wrow)
                },
            )
            .collect();
        let (rows, wrows) = rows.into_iter().unzip();
        Cooc {
            rows,
            wrows,
            wcount,
            count,
            groups: sets.len(),
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
