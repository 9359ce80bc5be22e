//! `Pack::from_bytes`: validate everything once, then serve typed zero-copy views.

use std::ops::Range;

use super::format::*;
use super::idindex::IdIndex;
use crate::error::PackError;

/// The pack's bytes, held so that every section (16-byte aligned in the file) is at least
/// 4-byte aligned in memory. Either the caller's own `Vec<u8>` when its allocation already
/// is (no copy), or one copy into a `u64`-backed buffer.
#[derive(Debug, Clone)]
enum Bytes {
    Owned(Vec<u8>),
    Words(Vec<u64>, usize),
}

impl Bytes {
    fn from_vec(v: Vec<u8>) -> Self {
        if (v.as_ptr() as usize).is_multiple_of(8) {
            Bytes::Owned(v)
        } else {
            Self::copy(&v)
        }
    }

    fn copy(b: &[u8]) -> Self {
        let mut words = vec![0u64; b.len().div_ceil(8)];
        bytemuck::cast_slice_mut::<u64, u8>(&mut words)[..b.len()].copy_from_slice(b);
        Bytes::Words(words, b.len())
    }

    fn as_slice(&self) -> &[u8] {
        match self {
            Bytes::Owned(v) => v,
            Bytes::Words(w, len) => &bytemuck::cast_slice::<u64, u8>(w)[..*len],
        }
    }
}

/// View of a `u32`/`f32` array inside the buffer. The alignment was checked when the pack was
/// loaded and the buffer never moves, so the cast cannot fail; `unwrap_or` keeps that a
/// debug-time assertion rather than a panic path.
fn cast<T: bytemuck::Pod>(b: &[u8]) -> &[T] {
    debug_assert!(bytemuck::try_cast_slice::<u8, T>(b).is_ok());
    bytemuck::try_cast_slice(b).unwrap_or(&[])
}

/// A string table: `count` strings in one byte region.
#[derive(Debug, Clone, Default)]
struct StrTab {
    offsets: Range<usize>,
    data: Range<usize>,
    count: usize,
}

/// Compressed sparse rows: per item, a list of (other item, weight): views into the bytes
/// (raw encoding) or decoded at load (compact encoding, format version 2).
#[derive(Debug, Clone)]
enum Csr {
    Raw {
        offsets: Range<usize>,
        index: Range<usize>,
        weight: Range<usize>,
    },
    Decoded(super::compact::DecodedRows),
}

#[derive(Debug, Clone)]
enum Emb {
    F32(Range<usize>),
    I8 {
        scales: Range<usize>,
        rows: Range<usize>,
    },
}

/// Borrowed view of the embedding matrix (row-major, `item_count x dims`).
#[derive(Debug, Clone, Copy)]
pub enum Embeddings<'a> {
    /// f32 rows.
    F32(&'a [f32]),
    /// int8 rows; row i is `scales[i] * rows[i*d..(i+1)*d]`.
    I8 {
        /// One scale per row.
        scales: &'a [f32],
        /// Quantised values.
        rows: &'a [i8],
    },
}

/// Co-purchase or transition lists of one item.
#[derive(Debug, Clone, Copy)]
pub struct Neighbours<'a> {
    /// Other item indices.
    pub index: &'a [u32],
    /// Association weights, same length as `index`.
    pub weight: &'a [f32],
}

/// Least-squares fold-in extras stored in the `GRAM` section.
#[derive(Debug, Clone, Copy)]
pub struct Gram<'a> {
    /// Ridge regularisation.
    pub lambda: f32,
    /// Confidence scale: c = 1 + alpha * w.
    pub alpha: f32,
    /// `d x d` row-major YᵀY.
    pub matrix: &'a [f32],
}

/// A loaded, validated model pack. Cheap to query; never re-parsed.
#[derive(Debug, Clone)]
pub struct Pack {
    bytes: Bytes,
    n: usize,
    d: usize,
    currency: String,
    ids: StrTab,
    titles: Option<StrTab>,
    cat_names: Vec<String>,
    cat_index: Option<Range<usize>>,
    prices: Option<Range<usize>>,
    popularity: Option<Range<usize>>,
    emb: Emb,
    neighbours: Option<Csr>,
    transitions: Option<Csr>,
    gram: Option<(f32, f32, Range<usize>)>,
    flags: Option<Range<usize>>,
    repurchase: Option<Range<usize>>,
    baskets: Option<super::baskets::BasketStore>,
    meta: crate::json::Value,
    /// Where the META text is in the bytes (`None`: no META section, which reads as `{}`).
    meta_text: Option<Range<usize>>,
    id_index: IdIndex,
    /// The builder upper-cased (and trimmed) the shop's ids (metadata `"idCase": "upper"`):
    /// ids asked about are matched the same way when they do not match as given.
    upper_ids: bool,
    /// Stand-in for an absent PRIC or POPU section.
    zeros: Vec<f32>,
}

fn rd_u16(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}
fn rd_u32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}
fn rd_u64(b: &[u8], at: usize) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(a)
}

fn invalid(msg: impl Into<String>) -> PackError {
    PackError::Invalid(msg.into())
}

struct Entry {
    tag: [u8; 4],
    flags: u32,
    range: Range<usize>,
}

impl Pack {
    /// Parse and validate a pack, copying the bytes once into an aligned buffer.
    pub fn from_bytes(bytes: &[u8]) -> Result<Pack, PackError> {
        Self::check_prefix(bytes)?;
        Self::load(Bytes::copy(bytes))
    }

    /// Parse and validate a pack that the caller hands over; no copy when the allocation is
    /// 8-byte aligned (it is with every allocator we ship with).
    pub fn from_vec(bytes: Vec<u8>) -> Result<Pack, PackError> {
        Self::check_prefix(&bytes)?;
        Self::load(Bytes::from_vec(bytes))
    }

    fn check_prefix(b: &[u8]) -> Result<(), PackError> {
        let m = b.len().min(MAGIC.len());
        if b[..m] != MAGIC[..m] {
            return Err(PackError::BadMagic);
        }
        if b.len() < HEADER_LEN {
            return Err(PackError::Truncated {
                what: "the header".into(),
                need: HEADER_LEN as u64,
                have: b.len() as u64,
            });
        }
        let version = rd_u16(b, 8);
        if version == 0 || version > VERSION {
            return Err(PackError::Version {
                found: version,
                supported: VERSION,
            });
        }
        Ok(())
    }

    fn load(bytes: Bytes) -> Result<Pack, PackError> {
        let b = bytes.as_slice();
        let entries = Self::read_table(b)?;
        let n = rd_u32(b, 12) as usize;
        let d = rd_u32(b, 16) as usize;
        let currency = Self::read_currency(&b[20..24])?;

        let find = |tag: [u8; 4]| entries.iter().find(|e| e.tag == tag);
        for e in &entries {
            let known = [
                TAG_IDS,
                TAG_TITLES,
                TAG_CAT_NAMES,
                TAG_CAT_INDEX,
                TAG_PRICES,
                TAG_POPULARITY,
                TAG_EMBEDDINGS,
                TAG_NEIGHBOURS,
                TAG_TRANSITIONS,
                TAG_GRAM,
                TAG_ITEM_FLAGS,
                TAG_REPURCHASE,
                TAG_BASKETS,
                TAG_META,
            ];
            if !known.contains(&e.tag) && e.flags & FLAG_CRITICAL != 0 {
                return Err(invalid(format!(
                    "section {} is marked critical but this build does not know it",
                    tag_name(e.tag)
                )));
            }
        }

        let ids_e = find(TAG_IDS).ok_or_else(|| invalid("the IDS_ section is missing"))?;
        let ids = read_strtab(b, ids_e.range.clone(), "IDS_")?;
        if ids.count != n {
            return Err(invalid(format!(
                "IDS_ holds {} ids but the header says {n} items",
                ids.count
            )));
        }
        for i in 0..n {
            if strtab_bytes(b, &ids, i).is_empty() {
                return Err(invalid(format!("item {i} has an empty id")));
            }
        }
        let id_index = IdIndex::build(n, |i| strtab_bytes(b, &ids, i)).map_err(|(a, c)| {
            invalid(format!(
                "duplicate item id {} (items {a} and {c})",
                crate::json::quoted(&String::from_utf8_lossy(strtab_bytes(b, &ids, a)))
            ))
        })?;

        let titles = match find(TAG_TITLES) {
            Some(e) => {
                let t = read_strtab(b, e.range.clone(), "TITL")?;
                if t.count != n {
                    return Err(invalid(format!(
                        "TITL holds {} titles for {n} items",
                        t.count
                    )));
                }
                Some(t)
            }
            None => None,
        };

        let (cat_names, cat_index) = match (find(TAG_CAT_NAMES), find(TAG_CAT_INDEX)) {
            (None, None) => (Vec::new(), None),
            (Some(names), Some(index)) => {
                let t = read_strtab(b, names.range.clone(), "CATN")?;
                let names: Vec<String> = (0..t.count)
                    .map(|i| String::from_utf8_lossy(strtab_bytes(b, &t, i)).into_owned())
                    .collect();
                let r = index.range.clone();
                expect_len(&r, n * 4, "CATI")?;
                for (i, &c) in cast::<u32>(&b[r.clone()]).iter().enumerate() {
                    if c != NO_CATEGORY && c as usize >= names.len() {
                        return Err(invalid(format!(
                            "item {i} has category index {c} but there are {} categories",
                            names.len()
                        )));
                    }
                }
                (names, Some(r))
            }
            _ => return Err(invalid("CATN and CATI must appear together")),
        };

        let prices = match find(TAG_PRICES) {
            Some(e) => Some(read_f32s(b, e.range.clone(), n, "PRIC", true)?),
            None => None,
        };
        let popularity = match find(TAG_POPULARITY) {
            Some(e) => Some(read_f32s(b, e.range.clone(), n, "POPU", true)?),
            None => None,
        };

        if d == 0 {
            return Err(invalid("dims is 0"));
        }
        if d > MAX_DIMS as usize {
            return Err(invalid(format!("dims {d} exceeds the limit {MAX_DIMS}")));
        }
        let emb_e = find(TAG_EMBEDDINGS).ok_or_else(|| invalid("the EMBD section is missing"))?;
        let emb = match (emb_e.flags >> 8) & 0xff {
            ENC_F32 => {
                let r = emb_e.range.clone();
                expect_len(&r, sat_mul(n, d * 4), "EMBD (f32)")?;
                check_finite(cast::<f32>(&b[r.clone()]), "EMBD", false)?;
                Emb::F32(r)
            }
            ENC_I8 => {
                let r = emb_e.range.clone();
                expect_len(&r, sat_mul(n, d + 4), "EMBD (int8)")?;
                let scales = r.start..r.start + n * 4;
                check_finite(cast::<f32>(&b[scales.clone()]), "EMBD scales", true)?;
                // A finite scale can still make `scale * q` infinite for q = -128 (found by
                // fuzzing; the writer only stores -127..=127 but a reader takes any i8).
                let limit = f32::MAX / 128.0;
                if let Some(i) = cast::<f32>(&b[scales.clone()])
                    .iter()
                    .position(|&x| x > limit)
                {
                    return Err(invalid(format!(
                        "EMBD scales[{i}] is too large: scale x 128 is not a finite number"
                    )));
                }
                Emb::I8 {
                    scales,
                    rows: r.start + n * 4..r.end,
                }
            }
            other => return Err(invalid(format!("unknown embedding encoding {other}"))),
        };

        let neighbours = match find(TAG_NEIGHBOURS) {
            Some(e) => Some(read_csr(b, e, n, "NBRS")?),
            None => None,
        };
        let transitions = match find(TAG_TRANSITIONS) {
            Some(e) => Some(read_csr(b, e, n, "TRAN")?),
            None => None,
        };
        let gram = match find(TAG_GRAM) {
            Some(e) => {
                let r = e.range.clone();
                expect_len(&r, 8 + d * d * 4, "GRAM")?;
                let head = cast::<f32>(&b[r.start..r.start + 8]);
                let (lambda, alpha) = (head[0], head[1]);
                if !(lambda.is_finite() && lambda > 0.0 && alpha.is_finite() && alpha >= 0.0) {
                    return Err(invalid(format!(
                        "GRAM needs lambda > 0 and alpha >= 0, found {lambda} and {alpha}",
                        lambda = crate::error::num(lambda),
                        alpha = crate::error::num(alpha)
                    )));
                }
                let m = r.start + 8..r.end;
                check_finite(cast::<f32>(&b[m.clone()]), "GRAM", false)?;
                Some((lambda, alpha, m))
            }
            None => None,
        };
        let flags = match find(TAG_ITEM_FLAGS) {
            Some(e) => {
                expect_len(&e.range, n, "FLAG")?;
                Some(e.range.clone())
            }
            None => None,
        };
        let repurchase = match find(TAG_REPURCHASE) {
            Some(e) => Some(read_f32s(b, e.range.clone(), n * 2, "RPUR", true)?),
            None => None,
        };
        let baskets = match find(TAG_BASKETS) {
            Some(e) => Some(super::baskets::BasketStore::decode(&b[e.range.clone()], n)?),
            None => None,
        };
        let meta_text = find(TAG_META).map(|e| e.range.clone());
        let meta = match &meta_text {
            Some(r) => {
                let v = crate::json::parse_bytes(&b[r.clone()])
                    .map_err(|err| invalid(format!("META is not valid JSON: {err}")))?;
                if !v.is_object() {
                    return Err(invalid("META must be a JSON object"));
                }
                v
            }
            None => crate::json::Value::Object(Vec::new()),
        };

        let upper_ids = meta.get("idCase").and_then(|v| v.as_str()) == Some("upper");
        let zeros = if prices.is_none() || popularity.is_none() {
            vec![0.0; n]
        } else {
            Vec::new()
        };
        Ok(Pack {
            zeros,
            n,
            d,
            currency,
            ids,
            titles,
            cat_names,
            cat_index,
            prices,
            popularity,
            emb,
            neighbours,
            transitions,
            gram,
            flags,
            repurchase,
            baskets,
            meta,
            meta_text,
            id_index,
            upper_ids,
            bytes,
        })
    }

    fn read_currency(c: &[u8]) -> Result<String, PackError> {
        let end = c.iter().position(|&x| x == 0).unwrap_or(4);
        if c[end..].iter().any(|&x| x != 0) || !c[..end].iter().all(|x| x.is_ascii_uppercase()) {
            return Err(invalid(
                "the currency code must be up to 4 ASCII capitals, NUL-padded",
            ));
        }
        Ok(String::from_utf8_lossy(&c[..end]).into_owned())
    }

    /// Header fields, section table, bounds, layout and checksums.
    fn read_table(b: &[u8]) -> Result<Vec<Entry>, PackError> {
        let flags = rd_u16(b, 10);
        if flags != 0 {
            return Err(invalid(format!(
                "reserved header flags are {flags:#x}, expected 0"
            )));
        }
        let s = rd_u32(b, 24);
        if s > MAX_SECTIONS {
            return Err(invalid(format!(
                "{s} sections exceeds the limit {MAX_SECTIONS}"
            )));
        }
        let table_end = HEADER_LEN + s as usize * ENTRY_LEN;
        if b.len() < table_end {
            return Err(PackError::Truncated {
                what: "the section table".into(),
                need: table_end as u64,
                have: b.len() as u64,
            });
        }
        let stored = rd_u32(b, 28);
        let mut h = super::crc::Crc32::new();
        h.update(&b[..28]);
        h.update(&b[HEADER_LEN..table_end]);
        let computed = h.finalize();
        if stored != computed {
            return Err(PackError::Checksum {
                section: "the header".into(),
                stored,
                computed,
            });
        }
        let n = rd_u32(b, 12);
        if n == 0 {
            return Err(invalid("the pack holds no items"));
        }
        if n > MAX_ITEMS {
            return Err(invalid(format!("{n} items exceeds the limit {MAX_ITEMS}")));
        }

        let mut entries = Vec::with_capacity(s as usize);
        let mut prev_end = table_end;
        for k in 0..s as usize {
            let at = HEADER_LEN + k * ENTRY_LEN;
            let mut tag = [0u8; 4];
            tag.copy_from_slice(&b[at..at + 4]);
            let name = tag_name(tag);
            let flags = rd_u32(b, at + 4);
            let off = rd_u64(b, at + 8);
            let len = rd_u64(b, at + 16);
            let crc = rd_u32(b, at + 24);
            if rd_u32(b, at + 28) != 0 {
                return Err(invalid(format!("section {name}: reserved field is not 0")));
            }
            if entries.iter().any(|e: &Entry| e.tag == tag) {
                return Err(invalid(format!("section {name} appears twice")));
            }
            let end = off
                .checked_add(len)
                .ok_or_else(|| invalid("section size overflows"))?;
            if (off as usize) < prev_end {
                return Err(invalid(format!(
                    "section {name} at {off} overlaps the bytes before it (which end at {prev_end})"
                )));
            }
            if off as usize != align_up(prev_end) {
                return Err(invalid(format!(
                    "section {name} starts at {off}, expected {} (sections are packed in order, 16-byte aligned)",
                    align_up(prev_end)
                )));
            }
            if end > b.len() as u64 {
                return Err(PackError::Truncated {
                    what: format!("section {name}"),
                    need: end,
                    have: b.len() as u64,
                });
            }
            let (off, end) = (off as usize, end as usize);
            if b[prev_end..off].iter().any(|&x| x != 0) {
                return Err(invalid(format!(
                    "padding before section {name} is not zero"
                )));
            }
            let computed = super::crc::hash(&b[off..end]);
            if computed != crc {
                return Err(PackError::Checksum {
                    section: format!("section {name}"),
                    stored: crc,
                    computed,
                });
            }
            entries.push(Entry {
                tag,
                flags,
                range: off..end,
            });
            prev_end = end;
        }
        if prev_end != b.len() {
            return Err(invalid(format!(
                "{} unexpected bytes after the last section",
                b.len() - prev_end
            )));
        }
        Ok(entries)
    }

    fn buf(&self) -> &[u8] {
        self.bytes.as_slice()
    }

    /// Number of items.
    pub fn len(&self) -> usize {
        self.n
    }

    /// Always false: a valid pack holds at least one item.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// Embedding dimensions.
    pub fn dims(&self) -> usize {
        self.d
    }

    /// ISO-4217-style currency code (may be empty).
    pub fn currency(&self) -> &str {
        &self.currency
    }

    /// Index of an item id (when the pack says its ids were upper-cased, `" abc"` also finds
    /// `ABC`).
    pub fn index_of(&self, id: &str) -> Option<usize> {
        let b = self.buf();
        let get = |s: &str| {
            self.id_index
                .get(s.as_bytes(), |i| strtab_bytes(b, &self.ids, i))
        };
        get(id).or_else(|| {
            // A pack built from normalised ids still knows the shop's ids as written.
            let norm = id.trim().to_ascii_uppercase();
            (self.upper_ids && norm != id).then(|| get(&norm)).flatten()
        })
    }

    /// Id of item `i`.
    pub fn id(&self, i: usize) -> &str {
        strtab_str(self.buf(), &self.ids, i)
    }

    /// Title of item `i` ("" when the pack has none).
    pub fn title(&self, i: usize) -> &str {
        match &self.titles {
            Some(t) => strtab_str(self.buf(), t, i),
            None => "",
        }
    }

    /// Category names.
    pub fn categories(&self) -> &[String] {
        &self.cat_names
    }

    /// Category index of item `i`.
    pub fn category_index(&self, i: usize) -> Option<usize> {
        let r = self.cat_index.as_ref()?;
        let c = cast::<u32>(&self.buf()[r.clone()])[i];
        (c != NO_CATEGORY).then_some(c as usize)
    }

    /// Category name of item `i` ("" when none).
    pub fn category(&self, i: usize) -> &str {
        self.category_index(i)
            .map(|c| self.cat_names[c].as_str())
            .unwrap_or("")
    }

    /// Index of a category name.
    pub fn category_by_name(&self, name: &str) -> Option<usize> {
        self.cat_names.iter().position(|c| c == name)
    }

    /// Price of item `i` (0 when the pack has none).
    pub fn price(&self, i: usize) -> f32 {
        self.prices()[i]
    }

    /// All prices (zeros when the pack has none).
    pub fn prices(&self) -> &[f32] {
        match &self.prices {
            Some(r) => cast(&self.buf()[r.clone()]),
            None => &self.zeros,
        }
    }

    /// All popularity values (zeros when the pack has none).
    pub fn popularity(&self) -> &[f32] {
        match &self.popularity {
            Some(r) => cast(&self.buf()[r.clone()]),
            None => &self.zeros,
        }
    }

    /// The embedding matrix.
    pub fn embeddings(&self) -> Embeddings<'_> {
        let b = self.buf();
        match &self.emb {
            Emb::F32(r) => Embeddings::F32(cast(&b[r.clone()])),
            Emb::I8 { scales, rows } => Embeddings::I8 {
                scales: cast(&b[scales.clone()]),
                rows: bytemuck::cast_slice(&b[rows.clone()]),
            },
        }
    }

    /// Row `i` of the embedding matrix as f32 (dequantised for int8).
    pub fn embedding(&self, i: usize, out: &mut [f32]) {
        let d = self.d;
        match self.embeddings() {
            Embeddings::F32(m) => out.copy_from_slice(&m[i * d..(i + 1) * d]),
            Embeddings::I8 { scales, rows } => {
                for (o, &q) in out.iter_mut().zip(&rows[i * d..(i + 1) * d]) {
                    *o = scales[i] * q as f32;
                }
            }
        }
    }

    /// Whether the pack has co-purchase neighbours.
    pub fn has_neighbours(&self) -> bool {
        self.neighbours.is_some()
    }

    /// Co-purchase neighbours of item `i` (empty when the pack has none).
    pub fn neighbours(&self, i: usize) -> Neighbours<'_> {
        self.csr_row(self.neighbours.as_ref(), i)
    }

    /// Whether the pack has directed transitions.
    pub fn has_transitions(&self) -> bool {
        self.transitions.is_some()
    }

    /// Directed transitions from item `i` (empty when the pack has none).
    pub fn transitions(&self, i: usize) -> Neighbours<'_> {
        self.csr_row(self.transitions.as_ref(), i)
    }

    fn csr_row<'a>(&'a self, c: Option<&'a Csr>, i: usize) -> Neighbours<'a> {
        match c {
            Some(Csr::Raw {
                offsets,
                index,
                weight,
            }) => {
                let b = self.buf();
                let off = cast::<u32>(&b[offsets.clone()]);
                let (s, e) = (off[i] as usize, off[i + 1] as usize);
                Neighbours {
                    index: &cast::<u32>(&b[index.clone()])[s..e],
                    weight: &cast::<f32>(&b[weight.clone()])[s..e],
                }
            }
            Some(Csr::Decoded(d)) => {
                let (s, e) = (d.offsets[i] as usize, d.offsets[i + 1] as usize);
                Neighbours {
                    index: &d.index[s..e],
                    weight: &d.weight[s..e],
                }
            }
            None => Neighbours {
                index: &[],
                weight: &[],
            },
        }
    }

    /// Fold-in extras, when the pack has them.
    pub fn gram(&self) -> Option<Gram<'_>> {
        let (lambda, alpha, r) = self.gram.as_ref()?;
        Some(Gram {
            lambda: *lambda,
            alpha: *alpha,
            matrix: cast(&self.buf()[r.clone()]),
        })
    }

    /// Per-item flags (0 when the pack has none).
    pub fn item_flags(&self, i: usize) -> u8 {
        match &self.flags {
            Some(r) => self.buf()[r.start + i],
            None => 0,
        }
    }

    /// Repurchase behaviour of item `i`: (repeat rate, typical interval in days), when the pack
    /// has it.
    pub fn repurchase(&self, i: usize) -> Option<(f32, f32)> {
        let r = self.repurchase.as_ref()?;
        let v = cast::<f32>(&self.buf()[r.clone()]);
        Some((v[2 * i], v[2 * i + 1]))
    }

    /// Past baskets for basket neighbours, when the pack has them.
    pub fn baskets(&self) -> Option<&super::baskets::BasketStore> {
        self.baskets.as_ref()
    }

    /// The JSON metadata object.
    pub fn meta(&self) -> &crate::json::Value {
        &self.meta
    }

    /// The JSON metadata object as stored (`{}` when the pack has none).
    pub fn meta_text(&self) -> &str {
        self.meta_text
            .as_ref()
            .and_then(|r| std::str::from_utf8(&self.buf()[r.clone()]).ok())
            .unwrap_or("{}")
    }

    /// The JSON metadata object as a `serde_json::Value` (for the CLI's reports).
    #[cfg(feature = "cli")]
    pub fn meta_serde(&self) -> serde_json::Value {
        serde_json::from_str(self.meta_text()).unwrap_or_default()
    }

    /// Total pack size in bytes.
    pub fn byte_len(&self) -> usize {
        self.buf().len()
    }

    /// The pack's bytes.
    pub fn bytes(&self) -> &[u8] {
        self.buf()
    }

    /// Approximate heap bytes held (pack bytes plus the id index and category names).
    pub fn heap_bytes(&self) -> usize {
        let buf = match &self.bytes {
            Bytes::Owned(v) => v.capacity(),
            Bytes::Words(w, _) => w.capacity() * 8,
        };
        buf + self.id_index.heap_bytes()
            + self.baskets.as_ref().map_or(0, |s| s.heap_bytes())
            + [&self.neighbours, &self.transitions]
                .into_iter()
                .map(|c| match c {
                    Some(Csr::Decoded(d)) => {
                        d.offsets.capacity() * 4 + d.index.capacity() * 4 + d.weight.capacity() * 4
                    }
                    _ => 0,
                })
                .sum::<usize>()
            + self.cat_names.iter().map(|s| s.len() + 24).sum::<usize>()
    }

    /// Each section's tag, encoding (flags bits 8..16) and bytes, in file order.
    pub fn sections(&self) -> Vec<(String, u32, &[u8])> {
        let b = self.buf();
        Self::read_table(b)
            .map(|es| {
                es.into_iter()
                    .map(|e| (tag_name(e.tag), (e.flags >> 8) & 0xff, &b[e.range]))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The pack's format version (1, or 2 with compact lists).
    pub fn version(&self) -> u16 {
        rd_u16(self.buf(), 8)
    }
}

/// `a * b`, saturating: a section length computed from header counts must not wrap around on
/// 32-bit targets (wasm32), where `usize` is 32 bits and a wrapped product could match a short
/// section. No section can be `usize::MAX` bytes long, so a saturated length never matches.
fn sat_mul(a: usize, b: usize) -> usize {
    a.saturating_mul(b)
}

fn expect_len(r: &Range<usize>, want: usize, what: &str) -> Result<(), PackError> {
    if r.len() != want {
        return Err(invalid(format!(
            "{what} is {} bytes, expected {want}",
            r.len()
        )));
    }
    Ok(())
}

fn check_finite(v: &[f32], what: &str, non_negative: bool) -> Result<(), PackError> {
    for (i, &x) in v.iter().enumerate() {
        if !x.is_finite() {
            return Err(invalid(format!(
                "{what}[{i}] is {x}, not a finite number",
                x = crate::error::num(x)
            )));
        }
        if non_negative && x < 0.0 {
            return Err(invalid(format!(
                "{what}[{i}] is negative ({x})",
                x = crate::error::num(x)
            )));
        }
    }
    Ok(())
}

fn read_f32s(
    b: &[u8],
    r: Range<usize>,
    n: usize,
    what: &str,
    non_negative: bool,
) -> Result<Range<usize>, PackError> {
    expect_len(&r, n * 4, what)?;
    check_finite(cast::<f32>(&b[r.clone()]), what, non_negative)?;
    Ok(r)
}

fn read_strtab(b: &[u8], r: Range<usize>, what: &str) -> Result<StrTab, PackError> {
    if r.len() < 4 {
        return Err(invalid(format!("{what} is too short for a string table")));
    }
    let count = rd_u32(b, r.start) as usize;
    let off_end = count
        .checked_add(1)
        .and_then(|c| c.checked_mul(4))
        .and_then(|x| x.checked_add(r.start + 4))
        .filter(|&e| e <= r.end)
        .ok_or_else(|| invalid(format!("{what}: {count} strings do not fit the section")))?;
    let offsets = r.start + 4..off_end;
    let offs = cast::<u32>(&b[offsets.clone()]);
    let data = off_end..r.end;
    if offs[0] != 0 || offs[count] as usize != data.len() {
        return Err(invalid(format!(
            "{what}: string offsets must run from 0 to the data length {}",
            data.len()
        )));
    }
    for i in 0..count {
        let (s, e) = (offs[i] as usize, offs[i + 1] as usize);
        if s > e {
            return Err(invalid(format!("{what}: string offsets decrease at {i}")));
        }
        // Checked here, not only at the end: an offset past the data that comes back down
        // later would otherwise be sliced before the decrease is seen.
        if e > data.len() {
            return Err(invalid(format!(
                "{what}: string {i} ends at {e}, past the data length {}",
                data.len()
            )));
        }
        if std::str::from_utf8(&b[data.start + s..data.start + e]).is_err() {
            return Err(invalid(format!("{what}: string {i} is not valid UTF-8")));
        }
    }
    Ok(StrTab {
        offsets,
        data,
        count,
    })
}

fn strtab_bytes<'a>(b: &'a [u8], t: &StrTab, i: usize) -> &'a [u8] {
    let offs = cast::<u32>(&b[t.offsets.clone()]);
    &b[t.data.start + offs[i] as usize..t.data.start + offs[i + 1] as usize]
}

fn strtab_str<'a>(b: &'a [u8], t: &StrTab, i: usize) -> &'a str {
    std::str::from_utf8(strtab_bytes(b, t, i)).unwrap_or("")
}

fn read_csr(b: &[u8], e: &Entry, n: usize, what: &'static str) -> Result<Csr, PackError> {
    let r = e.range.clone();
    match (e.flags >> 8) & 0xff {
        0 => {}
        ENC_COMPACT => {
            return Ok(Csr::Decoded(super::compact::decode(&b[r], n, what)?));
        }
        other => return Err(invalid(format!("unknown {what} encoding {other}"))),
    }
    let off_len = (n + 1) * 4;
    if r.len() < off_len {
        return Err(invalid(format!("{what} is too short for {n} rows")));
    }
    let offsets = r.start..r.start + off_len;
    let offs = cast::<u32>(&b[offsets.clone()]);
    let nnz = offs[n] as usize;
    expect_len(&r, sat_mul(nnz, 8).saturating_add(off_len), what)?;
    if offs[0] != 0 || offs.windows(2).any(|w| w[0] > w[1]) {
        return Err(invalid(format!(
            "{what}: row offsets must start at 0 and never decrease"
        )));
    }
    let index = offsets.end..offsets.end + nnz * 4;
    let weight = index.end..r.end;
    let idx = cast::<u32>(&b[index.clone()]);
    for row in 0..n {
        for &j in &idx[offs[row] as usize..offs[row + 1] as usize] {
            if j as usize >= n {
                return Err(invalid(format!(
                    "{what}: item {row} points to item {j}, beyond the {n} items"
                )));
            }
            if j as usize == row {
                return Err(invalid(format!("{what}: item {row} points to itself")));
            }
        }
    }
    check_finite(cast::<f32>(&b[weight.clone()]), what, true)?;
    Ok(Csr::Raw {
        offsets,
        index,
        weight,
    })
}
