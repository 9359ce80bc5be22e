//! Byte-level constants of pack format v1 and v2. `docs/pack-format.md` is the prose version of this file.

/// The first eight bytes of every pack. The `\r\n\x1a\n` tail (as in PNG) catches text-mode
/// transfers that rewrite line endings.
pub const MAGIC: [u8; 8] = *b"CSPK\r\n\x1a\n";
/// The newest format version this build writes and reads: 2 when a section uses an encoding
/// of version 2 (compact `NBRS`/`TRAN`), else 1, so a version-1 reader refuses with
/// `PACK_VERSION` what it could not read. Version-1 packs keep loading.
pub const VERSION: u16 = 2;
/// Fixed header size in bytes (before the section table).
pub const HEADER_LEN: usize = 32;
/// Size of one section-table entry.
pub const ENTRY_LEN: usize = 32;
/// Every section starts at a multiple of this, so typed views need no copy.
pub const ALIGN: usize = 16;

/// Upper bounds that keep a hostile header from asking for absurd allocations.
pub const MAX_DIMS: u32 = 4096;
/// Most items a pack may hold.
pub const MAX_ITEMS: u32 = 1 << 27;
/// Most sections a pack may declare.
pub const MAX_SECTIONS: u32 = 64;

/// Section flag: a reader that does not know this section's tag must reject the pack.
pub const FLAG_CRITICAL: u32 = 1;

/// Item ids (string table, required).
pub const TAG_IDS: [u8; 4] = *b"IDS_";
/// Titles (string table).
pub const TAG_TITLES: [u8; 4] = *b"TITL";
/// Category names (string table).
pub const TAG_CAT_NAMES: [u8; 4] = *b"CATN";
/// Per-item category index (u32, `NO_CATEGORY` for none).
pub const TAG_CAT_INDEX: [u8; 4] = *b"CATI";
/// Per-item price (f32, major currency units).
pub const TAG_PRICES: [u8; 4] = *b"PRIC";
/// Per-item popularity (f32).
pub const TAG_POPULARITY: [u8; 4] = *b"POPU";
/// Embeddings (required). Encoding in the entry flags' bits 8..16.
pub const TAG_EMBEDDINGS: [u8; 4] = *b"EMBD";
/// Co-purchase neighbours (CSR).
pub const TAG_NEIGHBOURS: [u8; 4] = *b"NBRS";
/// Directed transitions item -> next item (CSR).
pub const TAG_TRANSITIONS: [u8; 4] = *b"TRAN";
/// Least-squares fold-in extras: lambda, alpha and the d x d Gram matrix.
pub const TAG_GRAM: [u8; 4] = *b"GRAM";
/// Per-item flags (u8; bit 0 = embedding inferred from text, "cold start").
pub const TAG_ITEM_FLAGS: [u8; 4] = *b"FLAG";
/// Per-item repurchase behaviour: f32 repeat rate (share of buyers who bought it again) and
/// f32 typical interval between purchases in days (0 = unknown).
pub const TAG_REPURCHASE: [u8; 4] = *b"RPUR";
/// Past baskets for on-device basket neighbours (see `pack::baskets` for the encoding).
pub const TAG_BASKETS: [u8; 4] = *b"BSKT";
/// JSON metadata object.
pub const TAG_META: [u8; 4] = *b"META";

/// Embedding encodings (entry flags bits 8..16).
pub const ENC_F32: u32 = 1;
/// int8 rows with one f32 scale per row.
pub const ENC_I8: u32 = 2;
/// `NBRS`/`TRAN` encoding (entry flags bits 8..16): 0 = raw CSR (u32 offsets, u32 indices, f32
/// weights); this = sorted delta varints and one byte per weight (`pack::compact`, version 2).
pub const ENC_COMPACT: u32 = 3;

/// Category index meaning "no category".
pub const NO_CATEGORY: u32 = u32::MAX;
/// Item flag bit: the embedding was inferred from title/category text.
pub const ITEM_FLAG_COLD: u8 = 1;

/// Round `x` up to the next multiple of [`ALIGN`].
pub fn align_up(x: usize) -> usize {
    x.div_ceil(ALIGN) * ALIGN
}

/// Printable form of a 4-byte tag for messages.
pub fn tag_name(tag: [u8; 4]) -> String {
    tag.iter()
        .map(|&b| if b.is_ascii_graphic() { b as char } else { '?' })
        .collect()
}
