//! Id -> item index lookup without copying the id strings: an open-addressing table of item
//! indices whose keys live in the pack's string table.

/// FNV-1a, 32-bit: tiny, no dependency, good enough for item ids.
fn hash(s: &[u8]) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for &b in s {
        h ^= b as u32;
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

const EMPTY: u32 = u32::MAX;

/// Open-addressing hash set of item indices (linear probing, load <= 0.5).
#[derive(Debug, Clone)]
pub struct IdIndex {
    slots: Vec<u32>,
    mask: usize,
}

impl IdIndex {
    /// Build from `n` keys given by `key(i)`. Returns the first duplicate pair `(earlier, later)`
    /// as an error.
    pub fn build<'a>(n: usize, key: impl Fn(usize) -> &'a [u8]) -> Result<Self, (usize, usize)> {
        let cap = (n.max(1) * 2).next_power_of_two();
        let mut slots = vec![EMPTY; cap];
        let mask = cap - 1;
        for i in 0..n {
            let k = key(i);
            let mut p = hash(k) as usize & mask;
            loop {
                let s = slots[p];
                if s == EMPTY {
                    slots[p] = i as u32;
                    break;
                }
                if key(s as usize) == k {
                    return Err((s as usize, i));
                }
                p = (p + 1) & mask;
            }
        }
        Ok(IdIndex { slots, mask })
    }

    /// Index of the item whose key equals `k`.
    pub fn get<'a>(&self, k: &[u8], key: impl Fn(usize) -> &'a [u8]) -> Option<usize> {
        let mut p = hash(k) as usize & self.mask;
        loop {
            let s = self.slots[p];
            if s == EMPTY {
                return None;
            }
            if key(s as usize) == k {
                return Some(s as usize);
            }
            p = (p + 1) & self.mask;
        }
    }

    /// Heap bytes used.
    pub fn heap_bytes(&self) -> usize {
        self.slots.len() * 4
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_every_key_and_rejects_missing() {
        let keys: Vec<String> = (0..1000).map(|i| format!("item-{i}")).collect();
        let idx = IdIndex::build(keys.len(), |i| keys[i].as_bytes()).unwrap();
        for (i, k) in keys.iter().enumerate() {
            assert_eq!(idx.get(k.as_bytes(), |j| keys[j].as_bytes()), Some(i));
        }
        assert_eq!(idx.get(b"item-1000", |j| keys[j].as_bytes()), None);
        assert_eq!(idx.get(b"", |j| keys[j].as_bytes()), None);
    }

    #[test]
    fn reports_duplicates() {
        let keys = ["a", "b", "c", "b"];
        assert_eq!(
            IdIndex::build(keys.len(), |i| keys[i].as_bytes()).unwrap_err(),
            (1, 3)
        );
    }
}
