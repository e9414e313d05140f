//! Paths of the plugin components built for tests and benchmarks.
//!
//! The build script compiles every crate under `plugins/` and `tests/plugins/` for
//! `wasm32-wasip2` in release mode (without debug info) and generates one constant per
//! plugin, named after its directory in upper snake case, holding the absolute path of its
//! `.wasm` component:
//!
//! - `plugins/`: [`NOOP`] (skips, measures the fixed cost), [`ECHO`] (posts any JSON body).
//! - `tests/plugins/`: [`LOOP`] (never returns), [`MEMBOMB`] (allocates until it aborts),
//!   [`PANIC`] (panics with "boom: plugin panicked on purpose"), [`BIGOUTPUT`] (one 100 KiB
//!   message), [`MANYMESSAGES`] (11 messages), [`STDOUTSPAM`] (100,000 stdout lines, then
//!   "spam done"), [`FLAKY`] (internal error while its config is `{"fail": true}`, a trap
//!   while it is `{"trap": true}`, else `ok: <body>` after `busy_ms` of spinning), [`BADOUTPUT`] (a message with empty content), [`WRONGWORLD`] (a
//!   component of another world, without `transform`), [`EXTRAIMPORT`] (the transformer world
//!   plus an import of `test:extra/kv@0.1.0`, which the host does not provide).
//!
//! [`ALL`] lists them all.
//!
//! ```
//! let noop = std::fs::read(wasmhook_test_artifacts::NOOP).unwrap();
//! assert_eq!(&noop[..4], b"\0asm");
//! ```

include!(concat!(env!("OUT_DIR"), "/gen.rs"));

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_artifact_is_a_component() {
        assert!(ALL.len() >= 12, "{ALL:?}");
        for (name, path) in ALL {
            let bytes = std::fs::read(path).unwrap_or_else(|err| panic!("{name}: {err}"));
            assert_eq!(
                &bytes[..8],
                b"\0asm\x0d\x00\x01\x00",
                "{name} is not a component"
            );
        }
    }
}
