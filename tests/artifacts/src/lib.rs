//! Paths of the plugin components built for tests and benchmarks.
//!
//! The build script compiles every plugin under `plugins/` and `tests/plugins/` to a
//! `wasm32-wasip2` component: the Rust crates in release mode without debug info, the Python and
//! JavaScript plugins with their SDK's build tool. It generates one constant per plugin, named
//! after its directory in upper snake case (`push-js` is [`PUSH_JS`]), holding the absolute path
//! of its `.wasm` component:
//!
//! - `plugins/`: the built-ins [`GITHUB`], [`JENKINS`], [`PROMETHEUS`]; [`GITLAB`] (JavaScript),
//!   [`SENTRY`] (Python); [`ECHO`] (posts any JSON body), [`NOOP`] (skips: measures the fixed
//!   cost).
//! - `tests/plugins/`: [`LOOP`] (never returns), [`MEMBOMB`] (allocates until it aborts),
//!   [`PANIC`] (panics with "boom: plugin panicked on purpose"), [`BIGOUTPUT`] (one 100 KiB
//!   message), [`MANYMESSAGES`] (11 messages), [`STDOUTSPAM`] (100,000 stdout lines, then
//!   "spam done"), [`FLAKY`] (internal error while its config is `{"fail": true}`, a trap while
//!   it is `{"trap": true}`, else `ok: <body>` after `busy_ms` of spinning and `sleep_ms` of
//!   sleeping), [`BADOUTPUT`] (a
//!   message with empty content), [`WRONGWORLD`] (a component of another world, without
//!   `transform`), [`EXTRAIMPORT`] (the transformer world plus an import of
//!   `test:extra/kv@0.1.0`, which the host does not provide), [`LEGACY`] (a component of contract
//!   0.1.0, built with raw wit-bindgen against `wit/v0.1.0/`: `transform` only, posting
//!   `<greeting>: <body>`), [`HTTPIMPORT`] (the same as EXTRAIMPORT with
//!   an outgoing HTTP import, `wasi:http/outgoing-handler@0.3.0-draft`), what the sandbox lacks
//!   in each language: [`SANDBOX_RUST`] (reads a file with `std::fs`; the body `unwrap`
//!   unwraps the error), [`SANDBOX_JS`] (`{"case": "fetch"}` calls `fetch()`, `"throw"` reads a
//!   property of `undefined`), [`SANDBOX_PYTHON`] (`"open"` opens a file, `"raise"` looks up a
//!   missing key), and the same GitHub push summary in three languages, [`PUSH_RUST`],
//!   [`PUSH_PYTHON`], [`PUSH_JS`].
//!
//! [`ALL`] lists them all; `foreach_plugin!(mac)` calls `mac!(name, PATH)` for each (`name` is
//! the directory name as an identifier, `r#loop` for `loop`). The integration tests invoke it so
//! that a plugin no test runs does not compile (wasmtime's `foreach_*!` pattern).
//!
//! **Missing toolchains.** Without Node.js 20.19+ and `npm ci --prefix guest-sdk/js`, or
//! without Python 3.10+ and `pip install componentize-py==0.25.1`, the plugins in that
//! language are not built: their constant is a placeholder path, `<the NAME plugin was not
//! built: WHAT IS MISSING>`, which no file has, so only the tests that read that plugin fail,
//! with that sentence; the build prints a warning. After installing the tool,
//! `touch tests/artifacts/build.rs` builds them. Under CI (the `CI` environment variable set,
//! and not `false` or `0`; `.ci/test` sets it) a missing toolchain fails the build instead.
//!
//! ```
//! let noop = std::fs::read(wasmhook_test_artifacts::NOOP).unwrap();
//! assert_eq!(&noop[..4], b"\0asm");
//! ```

include!(concat!(env!("OUT_DIR"), "/gen.rs"));

#[cfg(test)]
mod tests {
    use super::*;

    /// One test per plugin, named after it: a plugin without its toolchain fails only its own.
    macro_rules! is_a_component {
        ($name:ident, $path:expr) => {
            #[test]
            fn $name() {
                let bytes =
                    std::fs::read($path).unwrap_or_else(|err| panic!("reading {}: {err}", $path));
                assert_eq!(
                    &bytes[..8],
                    b"\0asm\x0d\x00\x01\x00",
                    "{} is not a component",
                    $path
                );
            }
        };
    }

    foreach_plugin!(is_a_component);

    #[test]
    fn foreach_plugin_names_every_plugin_in_all() {
        let mut named = Vec::new();
        macro_rules! collect {
            ($name:ident, $path:expr) => {
                named.push((stringify!($name), $path));
            };
        }
        foreach_plugin!(collect);
        assert!(ALL.len() >= 20, "{ALL:?}");
        let all: Vec<_> = ALL
            .iter()
            .map(|(name, path)| (name.replace('-', "_"), *path))
            .collect();
        let named: Vec<_> = named
            .into_iter()
            .map(|(name, path)| (name.trim_start_matches("r#").to_owned(), path))
            .collect();
        assert_eq!(named, all);
    }
}
