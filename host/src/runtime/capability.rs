//! Plain-language errors for what the sandbox does not have: a plugin that reaches for the
//! network or a file is told so in those words (at upload, in `plugin check`, and in a failed
//! delivery), rather than in the linker's or the guest library's terms.
//!
//! Plugins get WASI without sockets permission, preopened directories or environment (see
//! `host_api`). Rust's `std::fs` and Python's `open()` then fail inside the guest's C library
//! with `ENOENT` (WASI errno 44) before the host is called, which reads as if one file were
//! missing, and Python's `socket` and `urllib` fail at name resolution; [`explain`] recognises
//! those messages. The JavaScript SDK replaces `fetch()` with
//! one that throws [`NO_NETWORK`]`: fetch() is not available`.

/// What a plugin that reaches for the network is told.
pub const NO_NETWORK: &str = "plugins have no network access";

/// What a plugin that reaches for a file is told.
pub const NO_FILESYSTEM: &str = "plugins have no filesystem";

/// The sentence for an import of a capability the sandbox does not provide, by its WASI
/// package (`wasi:http/outgoing-handler@0.2.0` is the network), if it is one of those.
pub fn missing(import: &str) -> Option<&'static str> {
    let package = import.split(['/', '@']).next().unwrap_or(import);
    match package {
        "wasi:http" | "wasi:sockets" => Some(NO_NETWORK),
        "wasi:filesystem" => Some(NO_FILESYSTEM),
        _ => None,
    }
}

/// The refusal of a component whose import `import` the sandbox does not provide, in plain
/// words when it is a known capability.
pub fn refused_import(import: &str) -> Option<String> {
    missing(import).map(|sentence| {
        format!(
            "{sentence}: the component imports `{import}`, which is not available \
             (a plugin only turns the request it is given into messages)"
        )
    })
}

/// How a file operation without a filesystem fails in each guest language: Rust's `io::Error`
/// (`Display` and `Debug`), and Python's `OSError`.
const NO_SUCH_FILE: &[&str] = &["(os error 44)", "code: 44, kind: NotFound", "[Errno 44]"];

/// How reaching for the network fails in a Python plugin: componentize-py's CPython has no
/// resolver, so `socket` and `urllib` stop at name resolution (`gaierror` `EAI_FAIL`, wrapped
/// by urllib as a `URLError`), or at the `idna` codec a snapshot leaves out, inside `socket.py`
/// (the SDK's failure message ends with the error's file and line).
const PYTHON_NO_NETWORK: &[&str] = &["gaierror: [Errno", "<urlopen error", " at socket.py:"];

/// A plugin's failure message, with the missing capability named first when the failure
/// comes from it (a file operation: there is no filesystem; a Python socket or URL: there is
/// no network).
pub fn explain(message: &str) -> String {
    let named = message.starts_with(NO_FILESYSTEM) || message.starts_with(NO_NETWORK);
    if named {
        message.to_owned()
    } else if NO_SUCH_FILE.iter().any(|m| message.contains(m)) {
        format!("{NO_FILESYSTEM}: {message}")
    } else if PYTHON_NO_NETWORK.iter().any(|m| message.contains(m)) {
        format!("{NO_NETWORK}: {message}")
    } else {
        message.to_owned()
    }
}

/// The guest Rust standard library's advice after a panic, which cannot be followed in the
/// sandbox (a plugin has no environment).
const BACKTRACE_NOTE: &str = "note: run with `RUST_BACKTRACE=1`";

/// The plugin log without the advice to set `RUST_BACKTRACE`.
pub fn scrub_log(log: String) -> String {
    if !log.contains(BACKTRACE_NOTE) {
        return log;
    }
    let mut kept = String::with_capacity(log.len());
    for line in log.split_inclusive('\n') {
        if !line.starts_with(BACKTRACE_NOTE) {
            kept.push_str(line);
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imports_of_the_network_and_files_are_named_in_plain_words() {
        assert_eq!(
            refused_import("wasi:http/outgoing-handler@0.2.0").unwrap(),
            "plugins have no network access: the component imports \
             `wasi:http/outgoing-handler@0.2.0`, which is not available (a plugin only turns \
             the request it is given into messages)"
        );
        assert_eq!(missing("wasi:sockets/tcp@0.2.3"), Some(NO_NETWORK));
        assert_eq!(
            missing("wasi:filesystem/preopens@0.2.0"),
            Some(NO_FILESYSTEM)
        );
        assert_eq!(missing("wasi:clocks/wall-clock@0.2.0"), None);
        assert_eq!(missing("test:extra/kv@0.1.0"), None);
    }

    #[test]
    fn a_missing_file_is_explained_as_no_filesystem() {
        for message in [
            "the plugin failed: reading settings.toml: No such file or directory (os error 44)",
            "called `Result::unwrap()` on an `Err` value: Os { code: 44, kind: NotFound, message: \"No such file or directory\" }",
            "unexpected FileNotFoundError: [Errno 44] No such file or directory: 'a.toml' at p.py:3",
        ] {
            assert_eq!(
                explain(message),
                format!("plugins have no filesystem: {message}")
            );
            assert_eq!(explain(&explain(message)), explain(message), "once");
        }
        assert_eq!(explain("boom"), "boom");
    }

    #[test]
    fn a_python_socket_or_url_is_explained_as_no_network() {
        for message in [
            "the plugin failed: unexpected gaierror: [Errno -4] Non-recoverable error at socket.py:987",
            "the plugin failed: unexpected URLError: <urlopen error [Errno -4] Non-recoverable error> at urllib/request.py:1324",
            "the plugin failed: unexpected LookupError: unknown encoding: idna at socket.py:987",
        ] {
            assert_eq!(
                explain(message),
                format!("plugins have no network access: {message}")
            );
            assert_eq!(explain(&explain(message)), explain(message), "once");
        }
        // A plugin's own file named like the module is not the module.
        let own = "the plugin failed: unexpected KeyError: 'x' at my_socket.py:3";
        assert_eq!(explain(own), own);
    }

    #[test]
    fn the_backtrace_advice_is_taken_out_of_the_log() {
        let log = "[info] starting\nthread '<unnamed>' panicked at src/lib.rs:12:5:\nboom\nnote: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n[info] after\n";
        assert_eq!(
            scrub_log(log.to_owned()),
            "[info] starting\nthread '<unnamed>' panicked at src/lib.rs:12:5:\nboom\n[info] after\n"
        );
        assert_eq!(scrub_log("plain".to_owned()), "plain");
    }
}
