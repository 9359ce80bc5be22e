//! JS bindings (wasm32 only).
