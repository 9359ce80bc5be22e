//! The `BSKT` section: past baskets (or sessions) for on-device basket neighbours
//! ([`crate::knn`]), most recent first, each a sorted set of item indices.
//!
//! Encoding (all integers LEB128 varints after a fixed 16-byte head):
//! `u32 count`, `u32 refs` (total item references), `u32 encoding` (1 = sorted delta varints),
//! `u32 0`; then per basket `len - 1`, the first item index, and `len - 1` gaps minus one (items
//! are strictly increasing, so every gap is at least 1). A 20-item basket of a 4,000-item shop
//! takes about 25 bytes. The reader decodes the whole section once, rejecting any
//! inconsistency, and builds the item -> baskets index in memory (it is derivable, so shipping
//! it would double the section's bytes for about a millisecond saved per 300,000 references).

use crate::error::PackError;

/// Encoding tag of sorted delta varints.
const ENC_DELTA_VARINT: u32 = 1;
/// Most item references one section may declare (a bound for hostile headers: every
/// reference takes at least one byte, so the section's length bounds it too).
pub(crate) const MAX_REFS: u64 = 1 << 31;

/// Decoded past baskets and their item -> baskets index.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BasketStore {
    /// `offsets[b]..offsets[b + 1]` are basket b's items in `items`.
    offsets: Vec<u32>,
    /// Item indices, sorted within each basket.
    items: Vec<u32>,
    /// `post_off[i]..post_off[i + 1]` are item i's baskets in `post`.
    post_off: Vec<u32>,
    /// Basket indices per item, ascending (most recent first).
    post: Vec<u32>,
}

fn invalid(msg: impl Into<String>) -> PackError {
    PackError::Invalid(msg.into())
}

pub(crate) fn put_varint(out: &mut Vec<u8>, mut x: u32) {
    while x >= 0x80 {
        out.push((x as u8 & 0x7f) | 0x80);
        x >>= 7;
    }
    out.push(x as u8);
}

/// Reads LEB128 varints of at most 32 bits from a byte slice; `what` names the section in
/// error messages.
pub(crate) struct Reader<'a> {
    pub(crate) b: &'a [u8],
    pub(crate) at: usize,
    pub(crate) what: &'static str,
}

impl Reader<'_> {
    pub(crate) fn varint(&mut self) -> Result<u32, PackError> {
        let what = self.what;
        let mut x: u64 = 0;
        for shift in (0..35).step_by(7) {
            let Some(&byte) = self.b.get(self.at) else {
                return Err(invalid(format!("{what} ends inside a number")));
            };
            self.at += 1;
            x |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return u32::try_from(x)
                    .map_err(|_| invalid(format!("{what} holds a number above 2^32")));
            }
        }
        Err(invalid(format!(
            "{what} holds a number longer than 5 bytes"
        )))
    }

    /// The next `k` raw bytes.
    pub(crate) fn bytes(&mut self, k: usize) -> Result<&[u8], PackError> {
        let end = self.at.checked_add(k).filter(|&e| e <= self.b.len());
        let Some(end) = end else {
            return Err(invalid(format!("{} ends early", self.what)));
        };
        let r = &self.b[self.at..end];
        self.at = end;
        Ok(r)
    }
}

impl BasketStore {
    /// Encode baskets (most recent first; item indices, any order, repeats ignored) as a
    /// section body. Empty baskets are skipped.
    pub fn encode(baskets: &[Vec<u32>]) -> Vec<u8> {
        let mut body = Vec::new();
        let (mut count, mut refs) = (0u32, 0u32);
        let mut sorted = Vec::new();
        for b in baskets {
            sorted.clear();
            sorted.extend_from_slice(b);
            // The crate's one sort (a `sort_unstable` of u32 here was 2.8 KB of wasm).
            crate::sort::sort_by(&mut sorted, u32::cmp);
            sorted.dedup();
            let Some((&first, rest)) = sorted.split_first() else {
                continue;
            };
            count += 1;
            refs += sorted.len() as u32;
            put_varint(&mut body, rest.len() as u32);
            put_varint(&mut body, first);
            let mut prev = first;
            for &x in rest {
                put_varint(&mut body, x - prev - 1);
                prev = x;
            }
        }
        let mut out = Vec::with_capacity(16 + body.len());
        for x in [count, refs, ENC_DELTA_VARINT, 0] {
            out.extend_from_slice(&x.to_le_bytes());
        }
        out.extend(body);
        out
    }

    /// Decode and validate a section body for a pack of `n_items` items.
    pub fn decode(b: &[u8], n_items: usize) -> Result<BasketStore, PackError> {
        if b.len() < 16 {
            return Err(invalid(format!(
                "BSKT is {} bytes, shorter than its 16-byte head",
                b.len()
            )));
        }
        let word =
            |k: usize| u32::from_le_bytes([b[4 * k], b[4 * k + 1], b[4 * k + 2], b[4 * k + 3]]);
        let (count, refs, enc, reserved) = (word(0), word(1), word(2), word(3));
        if enc != ENC_DELTA_VARINT || reserved != 0 {
            return Err(invalid(format!(
                "BSKT encoding {enc} (reserved {reserved}) is not known to this build"
            )));
        }
        let body = &b[16..];
        // Each basket takes at least two bytes and each further reference one more, so the
        // counts are bounded by the body length before anything is allocated.
        if u64::from(count) * 2 > body.len() as u64
            || u64::from(refs) > body.len() as u64
            || u64::from(refs) > MAX_REFS
            || refs < count
        {
            return Err(invalid(format!(
                "BSKT declares {count} baskets and {refs} items in {} bytes",
                body.len()
            )));
        }
        let mut offsets = Vec::with_capacity(count as usize + 1);
        let mut items = Vec::with_capacity(refs as usize);
        offsets.push(0u32);
        let mut r = Reader {
            b: body,
            at: 0,
            what: "BSKT",
        };
        for k in 0..count {
            let extra = r.varint()?;
            if u64::from(extra) + 1 > u64::from(refs) - items.len() as u64 {
                return Err(invalid(format!(
                    "BSKT basket {k} has more items than the {refs} declared"
                )));
            }
            let mut x = r.varint()?;
            items.push(x);
            for _ in 0..extra {
                let gap = r.varint()?;
                x = x
                    .checked_add(gap)
                    .and_then(|v| v.checked_add(1))
                    .ok_or_else(|| invalid(format!("BSKT basket {k} overflows item indices")))?;
                items.push(x);
            }
            if x as usize >= n_items {
                return Err(invalid(format!(
                    "BSKT basket {k} names item {x} but the pack has {n_items} items"
                )));
            }
            offsets.push(items.len() as u32);
        }
        if items.len() != refs as usize {
            return Err(invalid(format!(
                "BSKT holds {} item references, not the {refs} declared",
                items.len()
            )));
        }
        if r.at != body.len() {
            return Err(invalid(format!(
                "BSKT has {} unexpected bytes after its last basket",
                body.len() - r.at
            )));
        }
        // Item -> baskets, by counting sort: ascending basket order per item for free.
        let mut post_off = vec![0u32; n_items + 1];
        for &i in &items {
            post_off[i as usize + 1] += 1;
        }
        for i in 0..n_items {
            post_off[i + 1] += post_off[i];
        }
        let mut fill = post_off.clone();
        let mut post = vec![0u32; items.len()];
        for bk in 0..count as usize {
            for &i in &items[offsets[bk] as usize..offsets[bk + 1] as usize] {
                let slot = &mut fill[i as usize];
                post[*slot as usize] = bk as u32;
                *slot += 1;
            }
        }
        Ok(BasketStore {
            offsets,
            items,
            post_off,
            post,
        })
    }

    /// Number of baskets.
    pub fn len(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    /// True when there are no baskets.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Items of basket `b` (0 = most recent), sorted.
    pub fn basket(&self, b: usize) -> &[u32] {
        &self.items[self.offsets[b] as usize..self.offsets[b + 1] as usize]
    }

    /// Baskets containing item `i`, most recent first (empty for an unknown index).
    pub fn baskets_of(&self, i: usize) -> &[u32] {
        match (self.post_off.get(i), self.post_off.get(i + 1)) {
            (Some(&s), Some(&e)) => &self.post[s as usize..e as usize],
            _ => &[],
        }
    }

    /// Heap bytes held by the decoded store.
    pub fn heap_bytes(&self) -> usize {
        4 * (self.offsets.capacity()
            + self.items.capacity()
            + self.post_off.capacity()
            + self.post.capacity())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_sorts_and_dedups_and_skips_empty() {
        let baskets = vec![vec![3, 1, 3], vec![], vec![0], vec![4, 2, 0, 1]];
        let s = BasketStore::decode(&BasketStore::encode(&baskets), 5).unwrap();
        assert_eq!(s.len(), 3);
        assert_eq!(s.basket(0), &[1, 3]);
        assert_eq!(s.basket(1), &[0]);
        assert_eq!(s.basket(2), &[0, 1, 2, 4]);
        assert_eq!(s.baskets_of(0), &[1, 2]);
        assert_eq!(s.baskets_of(1), &[0, 2]);
        assert_eq!(s.baskets_of(3), &[0]);
        assert_eq!(s.baskets_of(5), &[] as &[u32]);
    }

    #[test]
    fn large_indices_use_multi_byte_varints() {
        let baskets = vec![vec![200_000, 7, 70_000], vec![150_000]];
        let body = BasketStore::encode(&baskets);
        let s = BasketStore::decode(&body, 200_001).unwrap();
        assert_eq!(s.basket(0), &[7, 70_000, 200_000]);
        assert_eq!(s.basket(1), &[150_000]);
        assert_eq!(s.baskets_of(150_000), &[1]);
        assert!(BasketStore::decode(&body, 200_000).is_err());
        // The largest gap an index can have still decodes, and one more overflows.
        let mut b = BasketStore::encode(&[vec![0, u32::MAX]]);
        assert!(BasketStore::decode(&b, 10).is_err());
        let last = b.len() - 5;
        b[last..].copy_from_slice(&[0xff, 0xff, 0xff, 0xff, 0x0f]);
        assert!(BasketStore::decode(&b, 10).is_err());
    }

    #[test]
    fn every_truncation_and_trailing_byte_is_rejected() {
        let body = BasketStore::encode(&[vec![1, 2, 300], vec![0, 5]]);
        for cut in 0..body.len() {
            assert!(BasketStore::decode(&body[..cut], 400).is_err(), "cut {cut}");
        }
        let mut longer = body.clone();
        longer.push(0);
        assert!(BasketStore::decode(&longer, 400).is_err());
    }

    #[test]
    fn hostile_heads_fail_before_allocating() {
        let mut body = BasketStore::encode(&[vec![1, 2]]);
        body[0..4].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(BasketStore::decode(&body, 10).is_err());
        let mut body = BasketStore::encode(&[vec![1, 2]]);
        body[4..8].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(BasketStore::decode(&body, 10).is_err());
        let mut body = BasketStore::encode(&[vec![1, 2]]);
        body[8] = 9;
        assert!(BasketStore::decode(&body, 10).is_err());
        // A basket that claims more items than declared in all.
        let mut body = BasketStore::encode(&[vec![1, 2]]);
        body[16] = 5;
        assert!(BasketStore::decode(&body, 10).is_err());
        // A 6-byte varint.
        let mut body = BasketStore::encode(&[vec![1]]);
        body.truncate(16);
        body.extend([0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]);
        assert!(BasketStore::decode(&body, 10).is_err());
    }
}
