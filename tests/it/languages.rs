//! Plugins in Python and JavaScript (#8) through the real server: the GitLab plugin
//! (JavaScript) and the Sentry plugin (Python), built from `plugins/` by their SDKs' build
//! tools, are uploaded under the default limits and run on every fixture case with its golden
//! file, like the Rust built-ins; every upload is labelled with its language.

use std::path::Path;

use serde_json::json;
use wasmhook_test_artifacts as artifacts;
use wasmhook_tests::TestApp;

use super::builtins::check_fixtures;

/// Uploads a 12-18 MB interpreted-language component with the default settings (40 MiB limit)
/// and checks that native webhook posts are served while the server compiles it.
async fn upload_while_serving(app: &TestApp, path: &str, name: &str) -> String {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("reading {path}: {e}"));
    assert!(
        bytes.len() > 10 << 20,
        "{name} is {} bytes: the test is meant to cover components over the old 10 MiB limit",
        bytes.len()
    );
    let hook = app.webhook(&format!("native beside {name}")).await;
    let url = format!("/api/webhooks/execute/{}", hook["token"].as_str().unwrap());
    let upload = app.upload_bytes(bytes, name, "1.0.0");
    tokio::pin!(upload);
    let mut served = 0;
    let reply = loop {
        tokio::select! {
            reply = &mut upload => break reply,
            posted = app.post_anon(&url, json!({"content": format!("while compiling {served}")})) => {
                posted.expect(201);
                served += 1;
            }
        }
    };
    let plugin = reply.expect(201);
    assert!(
        served >= 5,
        "only {served} native posts were served while {name} compiled: compiling blocks requests"
    );
    plugin["id"].as_str().unwrap().to_owned()
}

async fn check_plugin(path: &str, name: &str, min_cases: usize) {
    let app = TestApp::spawn_with(|c| c.rate_limit_per_second = 0).await;
    let plugin_id = upload_while_serving(&app, path, name).await;
    let (checked, failures) = check_fixtures(&app, &plugin_id, name).await;
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        checked + failures.len(),
        failures.join("\n\n")
    );
    assert!(checked >= min_cases, "only {checked} {name} cases ran");
}

#[tokio::test]
pub(crate) async fn the_gitlab_plugin_in_javascript_matches_every_golden_file_through_the_server() {
    check_plugin(artifacts::GITLAB, "gitlab", 30).await;
}

#[tokio::test]
pub(crate) async fn the_sentry_plugin_in_python_matches_every_golden_file_through_the_server() {
    check_plugin(artifacts::SENTRY, "sentry", 25).await;
}

/// The benchmark plugins `tests/plugins/push-*` claim the same transform in three languages
/// (so `cargo bench -p wasmhook --bench plugins` compares like for like): the same message for a
/// GitHub push, the same skip for a push without commits, and a 422 for anything else.
#[tokio::test]
pub(crate) async fn the_push_summary_is_the_same_in_rust_python_and_javascript() {
    // What is compared is the output, not the speed: a deadline no loaded machine reaches.
    let app = TestApp::spawn_with(|c| c.sandbox.timeout_ms = 10_000).await;
    let push = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/github/push-no-username-committer/request.json"),
    )
    .expect("the GitHub push fixture");
    let empty = r#"{"ref":"refs/heads/main","repository":{"full_name":"a/b"},"pusher":{"name":"c"},"commits":[]}"#;
    for (path, name) in [
        (artifacts::PUSH_RUST, "push-rust"),
        (artifacts::PUSH_PYTHON, "push-python"),
        (artifacts::PUSH_JS, "push-js"),
    ] {
        let hook = app.plugin_webhook(path, name, json!({})).await;
        let url = format!("/api/webhooks/execute/{}", hook["token"].as_str().unwrap());
        let reply = app.post_raw(&url, &[], push.clone()).await.expect(201);
        let message = &app.messages().await[0];
        assert_eq!(message["id"], reply["messages"][0]["message_id"], "{name}");
        assert_eq!(
            message["content"],
            "**Codertocat/Hello-World**: 1 new commit to `master` by Codertocat\n- `6113728` Initial commit",
            "{name}"
        );
        let skipped = app.post_raw(&url, &[], empty).await.expect(200);
        assert_eq!(
            (&skipped["status"], &skipped["reason"]),
            (&json!("skipped"), &json!("no commits")),
            "{name}"
        );
        app.post_raw(&url, &[], r#"{"zen": "not a push"}"#)
            .await
            .expect_error(422, "invalid_payload", None);
    }
    // Each upload is labelled with the language its component's producers section names
    // (rustc; componentize-py; ComponentizeJS/StarlingMonkey), and so are the built-ins.
    let listed = app
        .get(
            &format!("/api/communities/{}/plugins", app.community_id),
            wasmhook_tests::ADMIN_TOKEN,
        )
        .await
        .expect(200);
    let language = |name: &str| {
        listed["plugins"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("{name} is listed: {listed}"))["language"]
            .clone()
    };
    assert_eq!(language("push-rust"), "Rust");
    assert_eq!(language("push-python"), "Python");
    assert_eq!(language("push-js"), "JavaScript");
    assert_eq!(language("github"), "Rust");
}

/// Every plugin slot can hold an interpreted component at the same moment: with 4 slots, 8
/// concurrent pushes through the Python plugin all succeed. (The pool's core-instance total
/// was once 8 per slot, and componentize-py components, which create many core instances
/// each, were refused with "maximum concurrent limit ... for core instances reached".)
#[tokio::test]
pub(crate) async fn every_plugin_slot_holds_a_python_component_at_once() {
    let app = TestApp::spawn_with(|c| {
        c.sandbox.concurrency = 4;
        c.sandbox.timeout_ms = 10_000;
        c.rate_limit_per_second = 0;
    })
    .await;
    let push = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/github/push-no-username-committer/request.json"),
    )
    .expect("the GitHub push fixture");
    let hook = app
        .plugin_webhook(artifacts::PUSH_PYTHON, "push-python", json!({}))
        .await;
    let url = format!("/api/webhooks/execute/{}", hook["token"].as_str().unwrap());
    let posts = (0..8).map(|_| app.post_raw(&url, &[], push.clone()));
    for reply in futures_util::future::join_all(posts).await {
        reply.expect(201);
    }
    assert_eq!(app.messages().await.len(), 8);
}
