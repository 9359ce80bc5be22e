//! History persistence in `localStorage`, degrading to memory without ever throwing: no
//! `window` (Node, workers), storage disabled or blocked (SecurityError), quota exceeded.

use web_sys::Storage;

/// Where the history lives.
pub struct Store {
    key: String,
    storage: Option<Storage>,
    /// Set when a write failed (quota, revoked access); history stays in memory.
    pub failed_writes: u32,
}

fn local_storage() -> Option<Storage> {
    // `window.localStorage` itself throws in some private modes and sandboxed iframes.
    web_sys::window()?.local_storage().ok().flatten()
}

impl Store {
    /// A store for `key`, backed by localStorage when available.
    pub fn new(key: String) -> Store {
        Store {
            key,
            storage: local_storage(),
            failed_writes: 0,
        }
    }

    /// True when writes reach localStorage.
    pub fn persistent(&self) -> bool {
        self.storage.is_some() && self.failed_writes == 0
    }

    /// The stored value, if any and readable.
    pub fn load(&self) -> Option<String> {
        self.storage.as_ref()?.get_item(&self.key).ok().flatten()
    }

    /// Write; a failure is counted, never thrown.
    pub fn save(&mut self, value: &str) {
        if let Some(s) = &self.storage {
            match s.set_item(&self.key, value) {
                Ok(()) => self.failed_writes = 0,
                Err(_) => self.failed_writes = self.failed_writes.saturating_add(1),
            }
        }
    }
}
