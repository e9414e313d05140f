//! Plain-language sandbox errors (issue 15): a plugin that reaches for the network or a file
//! is told so in those words, at upload and in its failed delivery; JavaScript and Python
//! errors name the plugin's file and line; a Rust panic's log gives no `RUST_BACKTRACE` advice;
//! and the external sender of a failed delivery learns only that it failed and its
//! `delivery_id`, while the webhook's managers see the details in the stored delivery.

use serde_json::{Value, json};
use wasmhook_test_artifacts as artifacts;
use wasmhook_tests::{ADMIN_TOKEN, TestApp};

/// What the sender of a failed delivery is told (`http::execute::PLUGIN_FAILED`).
const PLUGIN_FAILED: &str = "the webhook's plugin failed; the webhook's managers can see why in \
     its delivery log, under this delivery_id";

/// Posts `body` to a fresh webhook of the plugin at `path`; asserts the sender got the generic
/// 500 with `code` and nothing else, and returns the stored delivery the owner sees.
async fn failed_delivery(app: &TestApp, path: &str, name: &str, body: &str, code: &str) -> Value {
    let hook = app.plugin_webhook(path, name, json!({})).await;
    let reply = app
        .post_raw(
            &format!("/api/webhooks/execute/{}", hook["token"].as_str().unwrap()),
            &[("content-type", "application/json")],
            body.to_owned(),
        )
        .await
        .expect(500);
    let delivery_id = reply["error"]["delivery_id"]
        .as_str()
        .unwrap_or_else(|| panic!("{name}: no delivery_id in {reply}"))
        .to_owned();
    assert_eq!(
        reply,
        json!({"error": {"code": code, "message": PLUGIN_FAILED, "delivery_id": delivery_id}}),
        "{name}: the sender learns nothing of the failure but where its owner can look"
    );
    let delivery = app
        .get(&format!("/api/deliveries/{delivery_id}"), ADMIN_TOKEN)
        .await
        .expect(200);
    assert_eq!(delivery["status"], "failed", "{name}");
    assert_eq!(delivery["error_code"], code, "{name}");
    delivery
}

#[tokio::test]
pub(crate) async fn a_component_importing_outgoing_http_is_refused_in_plain_words() {
    let app = TestApp::spawn().await;
    let err = app
        .upload_plugin(artifacts::HTTPIMPORT, "fetcher", "1.0.0")
        .await
        .expect_error(422, "validation_failed", Some("body"));
    assert_eq!(
        err["error"]["message"],
        "plugins have no network access: the component imports \
         `wasi:http/outgoing-handler@0.3.0-draft`, which is not available (a plugin only turns \
         the request it is given into messages)"
    );
}

#[tokio::test]
pub(crate) async fn rust_file_access_is_explained_as_no_filesystem_and_a_panic_log_gives_no_backtrace_advice()
 {
    let app = TestApp::spawn().await;
    let returned = failed_delivery(
        &app,
        artifacts::SANDBOX_RUST,
        "fs-returned",
        "read",
        "plugin_error",
    )
    .await;
    assert_eq!(
        returned["error_message"],
        "plugins have no filesystem: the plugin failed: reading settings.toml: No such file or \
         directory (os error 44)"
    );
    let unwrapped = failed_delivery(
        &app,
        artifacts::SANDBOX_RUST,
        "fs-unwrapped",
        "unwrap",
        "plugin_trap",
    )
    .await;
    assert_eq!(
        unwrapped["error_message"],
        "plugins have no filesystem: the plugin trapped: called `Result::unwrap()` on an `Err` \
         value: Os { code: 44, kind: NotFound, message: \"No such file or directory\" } \
         (at tests/plugins/sandbox-rust/src/lib.rs:13:69)"
    );
    let log = unwrapped["plugin_log"].as_str().unwrap();
    assert!(log.contains("panicked at"), "{log}");
    assert!(!log.contains("RUST_BACKTRACE"), "{log}");

    let panicked = failed_delivery(&app, artifacts::PANIC, "panic", "{}", "plugin_trap").await;
    assert_eq!(
        panicked["error_message"],
        "the plugin trapped: boom: plugin panicked on purpose (at tests/plugins/panic/src/lib.rs:10:9)"
    );
    let log = panicked["plugin_log"].as_str().unwrap();
    assert!(log.contains("boom: plugin panicked on purpose"), "{log}");
    assert!(!log.contains("RUST_BACKTRACE"), "{log}");
}

#[tokio::test]
pub(crate) async fn javascript_fetch_names_the_missing_network_and_errors_carry_file_and_line() {
    let app = TestApp::spawn().await;
    let fetched = failed_delivery(
        &app,
        artifacts::SANDBOX_JS,
        "js-fetch",
        r#"{"case": "fetch"}"#,
        "plugin_error",
    )
    .await;
    assert_eq!(
        fetched["error_message"],
        "the plugin failed: uncaught exception in the plugin: Error: plugins have no network \
         access: fetch() is not available (at src/index.js:17)"
    );
    let thrown = failed_delivery(
        &app,
        artifacts::SANDBOX_JS,
        "js-throw",
        r#"{"case": "throw"}"#,
        "plugin_error",
    )
    .await;
    assert_eq!(
        thrown["error_message"],
        "the plugin failed: uncaught exception in the plugin: TypeError: can't access property \
         \"text\", missing is undefined (at src/index.js:22)"
    );
}

#[tokio::test]
pub(crate) async fn python_errors_carry_file_and_line_and_file_and_network_access_are_explained() {
    let app = TestApp::spawn().await;
    let raised = failed_delivery(
        &app,
        artifacts::SANDBOX_PYTHON,
        "py-raise",
        r#"{"case": "raise"}"#,
        "plugin_error",
    )
    .await;
    assert_eq!(
        raised["error_message"],
        "the plugin failed: unexpected KeyError: 'missing' at sandbox_plugin.py:20"
    );
    let opened = failed_delivery(
        &app,
        artifacts::SANDBOX_PYTHON,
        "py-open",
        r#"{"case": "open"}"#,
        "plugin_error",
    )
    .await;
    assert_eq!(
        opened["error_message"],
        "plugins have no filesystem: the plugin failed: unexpected FileNotFoundError: [Errno 44] \
         No such file or directory: 'settings.toml' at sandbox_plugin.py:17"
    );
    let fetched = failed_delivery(
        &app,
        artifacts::SANDBOX_PYTHON,
        "py-fetch",
        r#"{"case": "fetch"}"#,
        "plugin_error",
    )
    .await;
    let message = fetched["error_message"].as_str().unwrap();
    assert!(
        message.starts_with("plugins have no network access: the plugin failed: unexpected "),
        "{fetched}"
    );
}
