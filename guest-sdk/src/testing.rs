//! Golden-file testing for plugins (feature `testing`, for native tests only).
//!
//! A case is a directory with `request.*` (the body), optional `headers.txt` (`Name: value`
//! lines) and `config.json` (read by [`Request::from_fixture`]), and `expected.json`, the
//! reviewed outcome. Adding a case is adding a directory.

use std::path::{Path, PathBuf};

use crate::json::{self, Value, json};
use crate::limits::MAX_CONTENT_CHARS;
use crate::{Error, Outcome, Plugin, Request};

/// What the sender sees for this result, in the format of `expected.json`: `{"status": 201,
/// "messages": [...]}`, `{"status": 200, "outcome": "skipped" | "ignored", "reason"}`,
/// `{"status": 401 | 422, "code"}` or `{"status": 500, "code": "plugin_error", "reason"}`.
///
/// ```
/// use wasmhook_sdk::{Outcome, testing::expected_json};
/// assert_eq!(expected_json(Ok(Outcome::skip("ping")))["outcome"], "skipped");
/// ```
pub fn expected_json(result: Result<Outcome, Error>) -> Value {
    match result {
        Ok(Outcome::Messages(messages)) => json!({
            "status": 201,
            "messages": messages
                .iter()
                .map(|m| json!({
                    "content": m.content,
                    "username": m.username,
                    "avatar_url": m.avatar_url,
                }))
                .collect::<Vec<_>>(),
        }),
        Ok(Outcome::Skip(reason)) => {
            json!({"status": 200, "outcome": "skipped", "reason": reason})
        }
        Err(Error::UnsupportedEvent(reason)) => {
            json!({"status": 200, "outcome": "ignored", "reason": reason})
        }
        Err(Error::InvalidPayload(_)) => json!({"status": 422, "code": "invalid_payload"}),
        Err(Error::Unauthorized(_)) => json!({"status": 401, "code": "unauthorized"}),
        Err(error) => json!({"status": 500, "code": "plugin_error", "reason": error.message()}),
    }
}

/// The case directories under `root`, sorted.
fn cases(root: &Path) -> Vec<PathBuf> {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(root)
        .unwrap_or_else(|err| panic!("reading {}: {err}", root.display()))
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.is_dir())
        .collect();
    cases.sort();
    cases
}

/// Runs the plugin `P` natively on every case directory under `root` and compares each
/// outcome with the case's `expected.json`; with `UPDATE_GOLDEN=1` in the environment it
/// rewrites them instead (review the diff before committing). Panics listing every case that
/// differs, and when a message breaks the host's content limit ([`MAX_CONTENT_CHARS`]).
///
/// ```no_run
/// # struct MyPlugin;
/// # impl wasmhook_sdk::Plugin for MyPlugin {
/// #     fn transform(_: wasmhook_sdk::Request) -> wasmhook_sdk::Result<wasmhook_sdk::Outcome> {
/// #         Ok(wasmhook_sdk::Outcome::skip("example"))
/// #     }
/// # }
/// // In the plugin crate's tests, with `wasmhook-sdk = { features = ["testing"] }` as a
/// // dev-dependency:
/// let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
/// wasmhook_sdk::testing::check_golden::<MyPlugin>(&dir);
/// ```
pub fn check_golden<P: Plugin>(root: &Path) {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1");
    let cases = cases(root);
    assert!(!cases.is_empty(), "no cases under {}", root.display());
    let mut failures = Vec::new();
    for case in &cases {
        let request = Request::from_fixture(case)
            .unwrap_or_else(|err| panic!("loading {}: {err}", case.display()));
        let actual = expected_json(P::transform(request));
        for message in actual["messages"].as_array().into_iter().flatten() {
            let chars = message["content"].as_str().map_or(0, |c| c.chars().count());
            assert!(
                (1..=MAX_CONTENT_CHARS).contains(&chars),
                "{}: content has {chars} characters",
                case.display()
            );
        }
        let path = case.join("expected.json");
        if update {
            let text = json::to_string_pretty(&actual).expect("JSON values serialize") + "\n";
            std::fs::write(&path, text)
                .unwrap_or_else(|err| panic!("writing {}: {err}", path.display()));
            continue;
        }
        let expected: Value = std::fs::read_to_string(&path)
            .map_err(|err| err.to_string())
            .and_then(|text| json::from_str(&text).map_err(|err| err.to_string()))
            .unwrap_or_else(|err| panic!("reading {}: {err}", path.display()));
        if expected != actual {
            failures.push(format!(
                "{}:\nexpected {}\n  actual {}",
                case.display(),
                expected,
                actual
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ (UPDATE_GOLDEN=1 rewrites them):\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
