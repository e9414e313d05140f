//! Golden-file tests: runs every case under `tests/fixtures/<plugin>/` (at the workspace root)
//! and compares the outcome with the case's `expected.json`.
//!
//! A case is a directory with `request.*`, optional `headers.txt` and `config.json` (read by
//! [`Request::from_fixture`]) and `expected.json`. `UPDATE_GOLDEN=1 cargo test -p <crate>`
//! rewrites every `expected.json` from the current output; review the diff before committing.

use std::path::{Path, PathBuf};

use wasmhook_sdk::json::{self, Value, json};
use wasmhook_sdk::{Error, Outcome, Plugin, Request};

/// The host's limit on message content, in characters.
const MAX_CHARS: usize = 4000;

/// What the sender sees for this result, in the format of `expected.json`.
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
        Ok(other) => panic!("unknown outcome {other:?}"),
        Err(Error::UnsupportedEvent(reason)) => {
            json!({"status": 200, "outcome": "ignored", "reason": reason})
        }
        Err(Error::InvalidPayload(_)) => json!({"status": 422, "code": "invalid_payload"}),
        Err(Error::Unauthorized(_)) => json!({"status": 401, "code": "unauthorized"}),
        Err(error) => json!({"status": 500, "code": "plugin_error", "reason": error.message()}),
    }
}

/// The case directories of `tests/fixtures/<plugin>/`, sorted.
fn cases(plugin: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(plugin);
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap_or_else(|err| panic!("reading {}: {err}", root.display()))
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.is_dir())
        .collect();
    cases.sort();
    cases
}

/// Runs `P` on every case of `plugin` and compares with (or, with `UPDATE_GOLDEN=1`,
/// rewrites) its `expected.json`.
pub fn check_all<P: Plugin>(plugin: &str) {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1");
    let cases = cases(plugin);
    assert!(!cases.is_empty(), "no cases for {plugin}");
    let mut failures = Vec::new();
    for case in &cases {
        let request = Request::from_fixture(case)
            .unwrap_or_else(|err| panic!("loading {}: {err}", case.display()));
        let actual = expected_json(P::transform(request));
        for message in actual["messages"].as_array().into_iter().flatten() {
            let chars = message["content"].as_str().map_or(0, |c| c.chars().count());
            assert!(
                (1..=MAX_CHARS).contains(&chars),
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

#[test]
fn fixtures_match_their_golden_files() {
    check_all::<crate::Jenkins>("jenkins");
}
