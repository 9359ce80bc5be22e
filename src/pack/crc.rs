//! CRC-32 (IEEE 802.3, the zlib/PNG polynomial) of the pack header and sections.
//!
//! Slicing-by-16 like `crc32fast`'s portable path (wasm has no carry-less multiply), but with
//! its 16 KB table computed on first use instead of stored: a static table is 16 KB of
//! incompressible data in the wasm, about 14 KB of the gzip download, while computing it takes
//! about 30 µs once per page.

use std::sync::OnceLock;

type Table = [[u32; 256]; 16];

fn table() -> &'static Table {
    static TABLE: OnceLock<Box<Table>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut t = Box::new([[0u32; 256]; 16]);
        for i in 0..256 {
            let mut c = i as u32;
            for _ in 0..8 {
                c = if c & 1 != 0 {
                    0xEDB8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
            }
            t[0][i] = c;
        }
        for i in 0..256 {
            for k in 1..16 {
                let prev = t[k - 1][i];
                t[k][i] = (prev >> 8) ^ t[0][(prev & 0xFF) as usize];
            }
        }
        t
    })
}

/// Running CRC-32 over several byte runs.
#[derive(Clone, Copy)]
pub struct Crc32(u32);

impl Default for Crc32 {
    fn default() -> Self {
        Crc32::new()
    }
}

impl Crc32 {
    /// An empty checksum.
    pub fn new() -> Self {
        Crc32(!0)
    }

    /// Feed bytes.
    pub fn update(&mut self, mut buf: &[u8]) {
        let t = table();
        let mut crc = self.0;
        while buf.len() >= 16 {
            let w = u32::from_le_bytes([buf[0], buf[1], buf[2], buf[3]]) ^ crc;
            crc = t[0x0][buf[0xf] as usize]
                ^ t[0x1][buf[0xe] as usize]
                ^ t[0x2][buf[0xd] as usize]
                ^ t[0x3][buf[0xc] as usize]
                ^ t[0x4][buf[0xb] as usize]
                ^ t[0x5][buf[0xa] as usize]
                ^ t[0x6][buf[0x9] as usize]
                ^ t[0x7][buf[0x8] as usize]
                ^ t[0x8][buf[0x7] as usize]
                ^ t[0x9][buf[0x6] as usize]
                ^ t[0xa][buf[0x5] as usize]
                ^ t[0xb][buf[0x4] as usize]
                ^ t[0xc][(w >> 24) as usize]
                ^ t[0xd][((w >> 16) & 0xFF) as usize]
                ^ t[0xe][((w >> 8) & 0xFF) as usize]
                ^ t[0xf][(w & 0xFF) as usize];
            buf = &buf[16..];
        }
        for &b in buf {
            crc = t[0][((crc ^ u32::from(b)) & 0xFF) as usize] ^ (crc >> 8);
        }
        self.0 = crc;
    }

    /// The checksum of everything fed so far.
    pub fn finalize(self) -> u32 {
        !self.0
    }
}

/// CRC-32 of one byte run.
pub fn hash(buf: &[u8]) -> u32 {
    let mut h = Crc32::new();
    h.update(buf);
    h.finalize()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        // Same value as crc32fast (what packs were written with), split anywhere.
        #[test]
        fn matches_crc32fast(v in proptest::collection::vec(any::<u8>(), 0..300), cut in any::<prop::sample::Index>()) {
            prop_assert_eq!(hash(&v), crc32fast::hash(&v));
            let at = cut.index(v.len() + 1);
            let mut h = Crc32::new();
            h.update(&v[..at]);
            h.update(&v[at..]);
            prop_assert_eq!(h.finalize(), crc32fast::hash(&v));
        }
    }

    #[test]
    fn check_value() {
        assert_eq!(hash(b"123456789"), 0xCBF4_3926);
        assert_eq!(hash(b""), 0);
    }
}
