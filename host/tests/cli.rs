//! `wasmhook plugin check|run`: the CLI plugin authors use, run as a real process on real
//! components built from `plugins/` and `tests/plugins/`.

use std::process::Command;

use wasmhook_test_artifacts as artifacts;

fn wasmhook(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_wasmhook"))
        .args(args)
        .env("WASMHOOK_LOG", "warn")
        .output()
        .expect("running wasmhook");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn check_accepts_transformers_and_names_what_is_wrong_with_others() {
    let (ok, out, _) = wasmhook(&["plugin", "check", artifacts::ECHO]);
    assert!(ok);
    assert!(
        out.contains("valid wasmhook:plugin/transformer@0.1.0 component"),
        "{out}"
    );
    let (ok, _, err) = wasmhook(&["plugin", "check", artifacts::WRONGWORLD]);
    assert!(!ok);
    assert!(err.contains("missing export `transform`"), "{err}");
    let (ok, _, err) = wasmhook(&["plugin", "check", artifacts::EXTRAIMPORT]);
    assert!(!ok);
    assert!(err.contains("unsupported import `test:extra/kv"), "{err}");
}

#[test]
fn run_prints_outcome_log_time_and_memory() {
    let dir = tempfile::tempdir().unwrap();
    let body = dir.path().join("body.json");
    std::fs::write(&body, r#"{"text": "hello from a file"}"#).unwrap();
    let (ok, out, err) = wasmhook(&[
        "plugin",
        "run",
        artifacts::ECHO,
        "--body",
        body.to_str().unwrap(),
        "-H",
        "X-Event: push",
        "--config",
        r#"{"username":"CLI"}"#,
    ]);
    assert!(ok, "{err}");
    let report: serde_json::Value = serde_json::from_str(&out).expect("JSON report");
    assert_eq!(report["outcome"], "messages");
    assert_eq!(report["messages"][0]["content"], "hello from a file");
    assert_eq!(report["messages"][0]["username"], "CLI");
    assert!(report["log"].as_str().unwrap().contains("[info]"));
    assert!(report["duration_us"].as_u64().unwrap() > 0);
    assert!(report["peak_memory_bytes"].as_u64().unwrap() > 0);

    let (ok, out, _) = wasmhook(&[
        "plugin",
        "run",
        artifacts::PANIC,
        "--body",
        body.to_str().unwrap(),
    ]);
    assert!(!ok, "a failed run exits non-zero");
    let report: serde_json::Value = serde_json::from_str(&out).expect("JSON report");
    assert_eq!(report["error"]["code"], "plugin_trap");
    assert!(
        report["error"]["message"]
            .as_str()
            .unwrap()
            .contains("boom"),
        "{report}"
    );
}
