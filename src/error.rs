//! Typed errors. Every failure the core can report has a stable code that the JS binding
//! exposes as `error.code`, so storefront code can branch on it.

use thiserror::Error;

/// Why a model pack was rejected by [`crate::pack::Pack::from_bytes`].
#[derive(Debug, Clone, PartialEq, Error)]
pub enum PackError {
    /// The first eight bytes are not the cartsense magic.
    #[error("not a cartsense pack: the file does not start with the CSPK magic bytes")]
    BadMagic,
    /// The header names a format version this build cannot read.
    #[error("unsupported pack version {found} (this build reads version {supported})")]
    Version {
        /// Version in the header.
        found: u16,
        /// Version this build reads.
        supported: u16,
    },
    /// The bytes end before a part of the pack that the header promises.
    #[error("pack is truncated: {what} needs {need} bytes but only {have} are present")]
    Truncated {
        /// The part that is cut off.
        what: String,
        /// Bytes it needs.
        need: u64,
        /// Bytes present.
        have: u64,
    },
    /// A stored CRC-32 does not match the bytes it covers.
    #[error("checksum mismatch in {section} (stored {stored:08x}, computed {computed:08x}): the pack is corrupt")]
    Checksum {
        /// Which part failed.
        section: String,
        /// CRC-32 in the pack.
        stored: u32,
        /// CRC-32 of the bytes.
        computed: u32,
    },
    /// The pack's SHA-256 is not the one the storefront expected (a stale or tampered file).
    #[error("pack SHA-256 mismatch: expected {expected}, the bytes hash to {computed}")]
    Digest {
        /// Hex digest the caller gave.
        expected: String,
        /// Hex digest of the bytes.
        computed: String,
    },
    /// The pack is well-formed bytes but its content breaks a rule of the format.
    #[error("invalid pack: {0}")]
    Invalid(String),
}

impl PackError {
    /// Stable code (the JS `error.code`).
    pub fn code(&self) -> &'static str {
        match self {
            PackError::BadMagic => "PACK_BAD_MAGIC",
            PackError::Version { .. } => "PACK_VERSION",
            PackError::Truncated { .. } => "PACK_TRUNCATED",
            PackError::Checksum { .. } => "PACK_CHECKSUM",
            PackError::Digest { .. } => "PACK_CHECKSUM",
            PackError::Invalid(_) => "PACK_INVALID",
        }
    }
}

/// Any error the core reports.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum Error {
    /// A model pack could not be loaded.
    #[error(transparent)]
    Pack(#[from] PackError),
    /// An argument is out of its documented range or of the wrong shape.
    #[error("bad argument: {0}")]
    BadArgument(String),
    /// An item id that the operation needs is not in the pack.
    #[error("unknown item: \"{0}\" is not in the model pack")]
    UnknownItem(String),
}

impl Error {
    /// Stable code (the JS `error.code`).
    pub fn code(&self) -> &'static str {
        match self {
            Error::Pack(p) => p.code(),
            Error::BadArgument(_) => "BAD_ARGUMENT",
            Error::UnknownItem(_) => "UNKNOWN_ITEM",
        }
    }

    /// Shorthand for [`Error::BadArgument`].
    pub fn bad(msg: impl Into<String>) -> Self {
        Error::BadArgument(msg.into())
    }
}

/// A number in a message, printed without the standard library's float formatting (about
/// 16 KB of wasm): `0.5`, `-3`, `NaN`, `inf`, as `{}` prints them for numbers a person typed;
/// an `f32` prints as its shortest decimal (`0.7`, not `0.699999988079071`).
/// See [`crate::json::write_f64`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Num(pub f64);

impl From<f64> for Num {
    fn from(x: f64) -> Num {
        Num(x)
    }
}

impl From<f32> for Num {
    fn from(x: f32) -> Num {
        Num(crate::json::f32_decimal(x))
    }
}

impl std::fmt::Display for Num {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let x = self.0;
        if x.is_nan() {
            f.write_str("NaN")
        } else if x.is_infinite() {
            f.write_str(if x > 0.0 { "inf" } else { "-inf" })
        } else {
            let mut s = String::new();
            crate::json::write_f64(&mut s, x);
            f.write_str(&s)
        }
    }
}

/// `Num::from(x)`: `format!("not {}", num(x))`.
pub fn num(x: impl Into<Num>) -> Num {
    x.into()
}

/// Result alias used across the core.
pub type Result<T, E = Error> = std::result::Result<T, E>;
