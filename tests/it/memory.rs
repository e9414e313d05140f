//! Plugin memory (#18): loaded components unload (memory budget, idleness) and map again from
//! the compiled cache on their next request; uploads compile in a child process, whose failure
//! or crash refuses the upload like an invalid component.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use wasmhook_test_artifacts as artifacts;
use wasmhook_tests::{ADMIN_TOKEN, TestApp};

/// The echo component with a custom section appended: a valid component with other bytes.
fn echo_variant(n: u8) -> Vec<u8> {
    let mut bytes = std::fs::read(artifacts::ECHO).unwrap();
    let payload = [&[4u8][..], b"test", &[n]].concat();
    bytes.extend_from_slice(&[0, payload.len() as u8]);
    bytes.extend_from_slice(&payload);
    bytes
}

/// Uploads `bytes` as plugin `name` and attaches it to a new webhook; returns its execute path.
async fn hook_with(app: &TestApp, bytes: Vec<u8>, name: &str) -> String {
    let plugin = app.upload_bytes(bytes, name, "1.0.0").await.expect(201);
    let hook = app.webhook(name).await;
    app.patch(
        &format!("/api/webhooks/{}", hook["id"].as_str().unwrap()),
        ADMIN_TOKEN,
        // No configuration: setting one would run the plugin's `validate-config`, which loads
        // it and would count in the cache figures this file checks.
        json!({"plugin_id": plugin["id"]}),
    )
    .await
    .expect(200);
    format!("/api/webhooks/execute/{}", hook["token"].as_str().unwrap())
}

async fn cache(app: &TestApp) -> Value {
    app.get("/api/runtime", ADMIN_TOKEN).await.expect(200)["cache"].clone()
}

fn contents(messages: &[Value]) -> Vec<&str> {
    messages
        .iter()
        .map(|m| m["content"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn a_plugin_unloaded_by_the_memory_budget_runs_again_from_the_cache() {
    // A budget of 0: loading one component unloads every other.
    let app = TestApp::spawn_with(|c| c.sandbox.cache_budget_mib = 0).await;
    let a = hook_with(&app, echo_variant(1), "a").await;
    let b = hook_with(&app, echo_variant(2), "b").await;
    app.post_raw(&a, &[], r#"{"text":"a first"}"#)
        .await
        .expect(201);
    let stats = cache(&app).await;
    assert_eq!(
        (stats["loaded"].as_u64(), stats["loaded_from_disk"].as_u64()),
        (Some(1), Some(1)),
        "{stats}"
    );
    app.post_raw(&b, &[], r#"{"text":"b"}"#).await.expect(201);
    let stats = cache(&app).await;
    assert_eq!(
        (stats["loaded"].as_u64(), stats["loaded_from_disk"].as_u64()),
        (Some(1), Some(2)),
        "a was unloaded: {stats}"
    );
    app.post_raw(&a, &[], r#"{"text":"a again"}"#)
        .await
        .expect(201);
    let stats = cache(&app).await;
    assert_eq!(
        (
            stats["loaded_from_disk"].as_u64(),
            stats["compiled"].as_u64()
        ),
        (Some(3), Some(0)),
        "a was mapped again from its compiled file, not compiled: {stats}"
    );
    assert_eq!(contents(&app.messages().await), ["a again", "b", "a first"]);
}

#[tokio::test]
async fn an_idle_plugin_is_unloaded_and_runs_again_on_its_next_request() {
    let app = TestApp::spawn_with(|c| c.sandbox.idle_unload_secs = 0).await;
    let a = hook_with(&app, echo_variant(3), "idle").await;
    app.post_raw(&a, &[], r#"{"text":"before"}"#)
        .await
        .expect(201);
    let deadline = Instant::now() + Duration::from_secs(30);
    while cache(&app).await["loaded"] != 0 {
        assert!(
            Instant::now() < deadline,
            "the idle plugin was not unloaded"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    app.post_raw(&a, &[], r#"{"text":"after"}"#)
        .await
        .expect(201);
    let stats = cache(&app).await;
    assert_eq!(stats["loaded_from_disk"].as_u64(), Some(2), "{stats}");
    assert_eq!(contents(&app.messages().await), ["after", "before"]);
}

#[tokio::test]
async fn a_compiler_child_that_crashes_refuses_the_upload_like_an_invalid_component() {
    let dir = tempfile::tempdir().unwrap();
    let crashing = dir.path().join("crashing-compiler");
    std::fs::write(&crashing, "#!/bin/sh\nkill -KILL $$\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&crashing, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let app = TestApp::spawn_with(|c| c.sandbox.compiler = Some(crashing.clone())).await;
    let err = app
        .upload_plugin(artifacts::ECHO, "echo", "1.0.0")
        .await
        .expect_error(422, "validation_failed", Some("body"));
    let message = err["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("compiler process ended with signal: 9"),
        "{message}"
    );
    let plugins = app
        .get(
            &format!("/api/communities/{}/plugins", app.community_id),
            ADMIN_TOKEN,
        )
        .await
        .expect(200);
    assert!(
        !plugins.to_string().contains("\"echo\""),
        "nothing is stored: {plugins}"
    );
    assert_eq!(std::fs::read_dir(&app.cache_dir).unwrap().count(), 0);
    // The real compiler child refuses an invalid component with the same answer as before.
    let app = TestApp::spawn().await;
    let err = app
        .upload_bytes(b"\0asm\x0d\0\x01\0garbage".to_vec(), "bad", "1.0.0")
        .await
        .expect_error(422, "validation_failed", Some("body"));
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("invalid component:"),
        "{err}"
    );
}
