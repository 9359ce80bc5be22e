//! SHA-256 check of a whole pack against a digest the storefront publishes next to it, so a
//! stale CDN copy or a tampered file is refused before it is parsed.

use sha2::{Digest, Sha256};

use crate::error::{Error, PackError, Result};

/// Check that `bytes` hash to `expected_hex` (64 hex digits, either case).
///
/// ```
/// use cartsense::pack::check_sha256;
/// let empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
/// assert!(check_sha256(b"", empty).is_ok());
/// assert_eq!(check_sha256(b"x", empty).unwrap_err().code(), "PACK_CHECKSUM");
/// assert_eq!(check_sha256(b"", "abc").unwrap_err().code(), "BAD_ARGUMENT");
/// ```
pub fn check_sha256(bytes: &[u8], expected_hex: &str) -> Result<()> {
    let want = expected_hex.trim();
    if want.len() != 64 || !want.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(Error::bad(format!(
            "sha256 must be 64 hexadecimal digits, got {} characters",
            want.chars().count()
        )));
    }
    let computed: String = Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    if !computed.eq_ignore_ascii_case(want) {
        return Err(PackError::Digest {
            expected: want.to_ascii_lowercase(),
            computed,
        }
        .into());
    }
    Ok(())
}
