//! Transformer plugins through the real server: real components built from `plugins/` and
//! `tests/plugins/` by the artifacts crate.

use serde_json::{Value, json};
use wasmhook_test_artifacts as artifacts;
use wasmhook_tests::{ADMIN_TOKEN, TestApp};

fn id(v: &Value) -> &str {
    v["id"].as_str().unwrap()
}

#[tokio::test]
pub(crate) async fn example_plugin_end_to_end() {
    let app = TestApp::spawn().await;
    let (bob, bob_token) = app.user("bob", "member").await;
    app.join_channel(&bob).await;
    let hook = app.plugin_webhook(artifacts::ECHO, "echo", json!({})).await;
    let token = hook["token"].as_str().unwrap();
    // Any content type, a path suffix and a query string reach the plugin.
    let reply = app
        .post_raw(
            &format!("/api/webhooks/execute/{token}/deploys?env=prod"),
            &[
                ("content-type", "application/vnd.custom+json"),
                ("x-event", "deploy"),
            ],
            r#"{"text": "Deploy of v2.1.0 finished, @bob please verify"}"#,
        )
        .await
        .expect(201);
    assert_eq!(reply["status"], "ok");
    let posted = reply["messages"].as_array().unwrap();
    assert_eq!(posted.len(), 1);
    let stored = &app.messages().await[0];
    assert_eq!(stored["id"], posted[0]["message_id"]);
    assert_eq!(
        stored["content"],
        "Deploy of v2.1.0 finished, @bob please verify"
    );
    assert_eq!(stored["kind"], "webhook");
    assert_eq!(stored["mentions"][0]["user_id"], bob.as_str());
    let notes = app.get("/api/notifications", &bob_token).await.expect(200);
    assert_eq!(notes["notifications"][0]["message"]["id"], stored["id"]);
    // The delivery is kept for inspection, with the request the plugin saw and its log.
    let deliveries = app.deliveries(id(&hook), None).await;
    assert_eq!(deliveries.len(), 1);
    let d = &deliveries[0];
    assert_eq!(d["id"], reply["delivery_id"]);
    assert_eq!(d["status"], "succeeded");
    assert_eq!(d["request"]["path"], "/deploys");
    assert_eq!(d["request"]["query"], "env=prod");
    assert!(
        d["request"]["headers"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h == &json!(["x-event", "deploy"]))
    );
    assert_eq!(d["message_ids"], json!([stored["id"]]));
    assert!(d["plugin_log"].as_str().unwrap().contains("[info]"), "{d}");
    // The same plugin answers on every dialect's path.
    let chattr = format!("/webhooks/{}/{token}", id(&hook));
    for path in [format!("/api/v1/hooks/{token}"), chattr] {
        app.post_raw(
            &path,
            &[("content-type", "application/json")],
            r#"{"content": "again"}"#,
        )
        .await
        .expect(201);
    }
    let stats = app
        .get(&format!("/api/webhooks/{}", id(&hook)), ADMIN_TOKEN)
        .await
        .expect(200);
    assert_eq!(stats["messages_posted"], 3);
    assert!(stats["plugin_id"].as_str().is_some());
}

#[tokio::test]
pub(crate) async fn plugin_outcomes_skip_and_reject_without_storing() {
    let app = TestApp::spawn().await;
    let noop = app.plugin_webhook(artifacts::NOOP, "noop", json!({})).await;
    let reply = app
        .post_raw(
            &format!("/api/webhooks/execute/{}", noop["token"].as_str().unwrap()),
            &[],
            "anything",
        )
        .await
        .expect(200);
    assert_eq!(reply["status"], "skipped");
    assert_eq!(reply["reason"], "noop");
    assert_eq!(app.deliveries(id(&noop), Some("skipped")).await.len(), 1);
    let echo = app.plugin_webhook(artifacts::ECHO, "echo", json!({})).await;
    let reply = app
        .post_raw(
            &format!("/api/webhooks/execute/{}", echo["token"].as_str().unwrap()),
            &[],
            "not json",
        )
        .await;
    reply.expect_error(422, "invalid_payload", None);
    assert!(
        app.deliveries(id(&echo), None).await.is_empty(),
        "a rejected request is not kept"
    );
    assert!(app.messages().await.is_empty());
    // Native webhooks take no suffix.
    let native = app.webhook("native").await;
    app.post_anon(
        &format!(
            "/api/webhooks/execute/{}/extra",
            native["token"].as_str().unwrap()
        ),
        json!({"content": "x"}),
    )
    .await
    .expect_error(404, "not_found", None);
}

#[tokio::test]
pub(crate) async fn hostile_plugins_fail_with_their_own_code_and_keep_the_request() {
    let app = TestApp::spawn().await;
    let cases = [
        (artifacts::LOOP, "loop", "plugin_timeout", "time limit"),
        (
            artifacts::MEMBOMB,
            "membomb",
            "plugin_memory_exceeded",
            "memory limit",
        ),
        (
            artifacts::PANIC,
            "panic",
            "plugin_trap",
            "boom: plugin panicked on purpose",
        ),
        (
            artifacts::BIGOUTPUT,
            "bigoutput",
            "plugin_output_too_large",
            "bytes of output",
        ),
        (
            artifacts::MANYMESSAGES,
            "manymessages",
            "plugin_output_too_large",
            "11 messages",
        ),
        (
            artifacts::STDOUTSPAM,
            "stdoutspam",
            "plugin_log_too_large",
            "log",
        ),
        (
            artifacts::BADOUTPUT,
            "badoutput",
            "plugin_invalid_output",
            "messages[0].content",
        ),
    ];
    for (path, name, code, words) in cases {
        let hook = app.plugin_webhook(path, name, json!({})).await;
        let body = format!("{{\"case\": \"{name}\"}}");
        let reply = app
            .post_raw(
                &format!("/api/webhooks/execute/{}", hook["token"].as_str().unwrap()),
                &[],
                body.clone(),
            )
            .await;
        let err = reply.expect_error(500, code, None);
        let failed = app.deliveries(id(&hook), Some("failed")).await;
        assert_eq!(failed.len(), 1, "{name}");
        assert_eq!(failed[0]["id"], err["error"]["delivery_id"]);
        assert_eq!(failed[0]["error_code"], code);
        // The details are the owner's (the sender gets a generic message: tests/it/sandbox.rs).
        let message = failed[0]["error_message"].as_str().unwrap();
        assert!(message.contains(words), "{name}: {message}");
        assert_eq!(failed[0]["request"]["body"], body.as_str());
        let stats = app
            .get(&format!("/api/webhooks/{}", id(&hook)), ADMIN_TOKEN)
            .await
            .expect(200);
        assert_eq!(
            (
                stats["failures"].as_i64(),
                stats["messages_posted"].as_i64()
            ),
            (Some(1), Some(0)),
            "{name}"
        );
    }
    assert!(app.messages().await.is_empty());
    // The server is still healthy and plugins still work after all of that.
    let echo = app.plugin_webhook(artifacts::ECHO, "echo", json!({})).await;
    app.post_raw(
        &format!("/api/webhooks/execute/{}", echo["token"].as_str().unwrap()),
        &[],
        r#"{"text":"fine"}"#,
    )
    .await
    .expect(201);
}

#[tokio::test]
async fn a_plugin_that_waits_in_a_host_call_is_stopped_at_its_wall_clock_ceiling() {
    // Sleeping uses no CPU time, so the CPU-time deadline never comes: the ceiling stops it.
    let app = TestApp::spawn_with(|c| c.sandbox.wall_timeout_ms = 300).await;
    let hook = app
        .plugin_webhook(artifacts::FLAKY, "sleepy", json!({"sleep_ms": 600_000}))
        .await;
    let reply = app
        .post_raw(
            &format!("/api/webhooks/execute/{}", hook["token"].as_str().unwrap()),
            &[],
            "{}",
        )
        .await;
    reply.expect_error(500, "plugin_timeout", None);
    let failed = app.deliveries(id(&hook), Some("failed")).await;
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["error_code"], "plugin_timeout");
    let message = failed[0]["error_message"].as_str().unwrap();
    assert!(
        message.contains("wall-clock time limit of 300ms"),
        "{message}"
    );
    // Both limits are shown to operators: CPU time, and the wall-clock ceiling.
    let stats = app.get("/api/runtime", ADMIN_TOKEN).await.expect(200);
    assert_eq!(stats["limits"]["timeout_ms"], 100, "{stats}");
    assert_eq!(stats["limits"]["wall_timeout_ms"], 300, "{stats}");
}

#[tokio::test]
async fn a_busy_plugin_does_not_block_other_webhooks() {
    // A long deadline, so the loop is certainly still running while the others are served.
    let app = std::sync::Arc::new(TestApp::spawn_with(|c| c.sandbox.timeout_ms = 5_000).await);
    let looping = app.plugin_webhook(artifacts::LOOP, "loop", json!({})).await;
    let echo = app.plugin_webhook(artifacts::ECHO, "echo", json!({})).await;
    let native = app.webhook("native").await;
    let busy = {
        let app = app.clone();
        let url = format!(
            "/api/webhooks/execute/{}",
            looping["token"].as_str().unwrap()
        );
        tokio::spawn(async move { app.post_raw(&url, &[], "{}").await })
    };
    // Wait until the looping request holds its plugin instance.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let webhook = app
            .get(&format!("/api/webhooks/{}", id(&looping)), ADMIN_TOKEN)
            .await
            .expect(200);
        if webhook["plugin_share"]["instances"] == 1 {
            break;
        }
        assert!(
            !busy.is_finished() && std::time::Instant::now() < deadline,
            "the looping request never started: {webhook}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    for i in 0..3 {
        app.post_anon(
            &format!(
                "/api/webhooks/execute/{}",
                native["token"].as_str().unwrap()
            ),
            json!({"content": format!("native {i}")}),
        )
        .await
        .expect(201);
        app.post_raw(
            &format!("/api/webhooks/execute/{}", echo["token"].as_str().unwrap()),
            &[],
            format!("{{\"text\":\"echo {i}\"}}"),
        )
        .await
        .expect(201);
    }
    if busy.is_finished() {
        let early = busy.await.unwrap();
        panic!(
            "the looping request ended before the others were served: {} {}",
            early.status, early.body
        );
    }
    busy.await
        .unwrap()
        .expect_error(500, "plugin_timeout", None);
    assert_eq!(app.messages().await.len(), 6);
}

#[tokio::test]
async fn deleting_a_plugin_drops_its_compiled_code_once_no_plugin_has_its_bytes() {
    let app = TestApp::spawn().await;
    let files = || compiled_files(&app.cache_dir).len();
    let loaded_from_disk = || async {
        let stats = app.get("/api/runtime", ADMIN_TOKEN).await.expect(200);
        stats["cache"]["loaded_from_disk"].as_u64().unwrap()
    };
    let hook = app.plugin_webhook(artifacts::ECHO, "echo", json!({})).await;
    let url = format!("/api/webhooks/execute/{}", hook["token"].as_str().unwrap());
    let run = || app.post_raw(&url, &[], r#"{"text":"hi"}"#);
    run().await.expect(201);
    assert_eq!((files(), loaded_from_disk().await), (1, 1));
    // A second plugin with the same bytes: deleting it keeps the code the first one uses.
    let twin = app
        .upload_plugin(artifacts::ECHO, "twin", "1.0.0")
        .await
        .expect(201);
    app.delete(&format!("/api/plugins/{}", id(&twin)), ADMIN_TOKEN)
        .await
        .expect(204);
    run().await.expect(201);
    assert_eq!(
        (files(), loaded_from_disk().await),
        (1, 1),
        "still on disk and in memory"
    );
    // The last plugin with these bytes, detached and deleted, takes its code along.
    let path = format!("/api/webhooks/{}", id(&hook));
    let plugin_id = app.get(&path, ADMIN_TOKEN).await.expect(200)["plugin_id"].clone();
    app.patch(&path, ADMIN_TOKEN, json!({"plugin_id": null}))
        .await
        .expect(200);
    app.delete(
        &format!("/api/plugins/{}", plugin_id.as_str().unwrap()),
        ADMIN_TOKEN,
    )
    .await
    .expect(204);
    assert_eq!(files(), 0, "the compiled file is removed");
    // Uploaded again, it is written to disk and loaded from there: memory let it go too.
    let again = app
        .plugin_webhook(artifacts::ECHO, "again", json!({}))
        .await;
    app.post_raw(
        &format!("/api/webhooks/execute/{}", again["token"].as_str().unwrap()),
        &[],
        r#"{"text":"hi"}"#,
    )
    .await
    .expect(201);
    assert_eq!((files(), loaded_from_disk().await), (1, 2));
}

#[tokio::test]
pub(crate) async fn upload_validation() {
    let app = TestApp::spawn_with(|c| c.max_plugin_bytes = 4 << 20).await;
    let err = app
        .upload_bytes(b"hello, not wasm".to_vec(), "x", "1.0.0")
        .await
        .expect_error(422, "validation_failed", Some("body"));
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("not a WebAssembly binary"),
        "{err}"
    );
    let core_module = b"\0asm\x01\0\0\0".to_vec();
    let err = app
        .upload_bytes(core_module, "x", "1.0.0")
        .await
        .expect_error(422, "validation_failed", Some("body"));
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("core WebAssembly module"),
        "{err}"
    );
    let err = app
        .upload_plugin(artifacts::WRONGWORLD, "x", "1.0.0")
        .await
        .expect_error(422, "validation_failed", Some("body"));
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("missing export `transform`"),
        "{err}"
    );
    let err = app
        .upload_plugin(artifacts::EXTRAIMPORT, "x", "1.0.0")
        .await
        .expect_error(422, "validation_failed", Some("body"));
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("unsupported import `test:extra/kv"),
        "{err}"
    );
    app.upload_plugin(artifacts::NOOP, "Bad Name", "1.0.0")
        .await
        .expect_error(422, "validation_failed", Some("name"));
    app.upload_plugin(artifacts::NOOP, "noop", "")
        .await
        .expect_error(422, "validation_failed", Some("version"));
    let auth = format!("Bearer {ADMIN_TOKEN}");
    let path = format!(
        "/api/communities/{}/plugins?name=n&version=1",
        app.community_id
    );
    app.post_raw(
        &path,
        &[("content-type", "text/plain"), ("authorization", &auth)],
        "x",
    )
    .await
    .expect_error(415, "unsupported_media_type", None);
    app.upload_bytes(vec![0u8; 5 << 20], "big", "1.0.0")
        .await
        .expect_error(413, "payload_too_large", None);
    // Idempotent re-upload; name+version immutable.
    let first = app
        .upload_plugin(artifacts::NOOP, "noop", "1.0.0")
        .await
        .expect(201);
    assert_eq!(first["builtin"], false);
    assert_eq!(first["sha256"].as_str().unwrap().len(), 64);
    let again = app
        .upload_plugin(artifacts::NOOP, "noop", "1.0.0")
        .await
        .expect(200);
    assert_eq!(again["id"], first["id"]);
    app.upload_plugin(artifacts::ECHO, "noop", "1.0.0")
        .await
        .expect_error(409, "conflict", Some("version"));
    app.upload_plugin(artifacts::ECHO, "noop", "1.0.1")
        .await
        .expect(201);
    // Permissions.
    let (_, member) = app.user("plain", "member").await;
    let (_, outsider) = app.outsider("stranger").await;
    for (token, status) in [(&member, 403), (&outsider, 404)] {
        let auth = format!("Bearer {token}");
        let path = format!(
            "/api/communities/{}/plugins?name=n&version=1",
            app.community_id
        );
        let bytes = std::fs::read(artifacts::NOOP).unwrap();
        assert_eq!(
            app.post_raw(
                &path,
                &[
                    ("content-type", "application/wasm"),
                    ("authorization", &auth)
                ],
                bytes
            )
            .await
            .status,
            status
        );
        assert_eq!(
            app.get(
                &format!("/api/communities/{}/plugins", app.community_id),
                token
            )
            .await
            .status,
            status
        );
        assert_eq!(
            app.get(&format!("/api/plugins/{}", id(&first)), token)
                .await
                .status,
            status
        );
    }
    let listed = app
        .get(
            &format!("/api/communities/{}/plugins", app.community_id),
            ADMIN_TOKEN,
        )
        .await
        .expect(200);
    let names: Vec<(&str, &str)> = listed["plugins"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["builtin"] == false)
        .map(|p| (p["name"].as_str().unwrap(), p["version"].as_str().unwrap()))
        .collect();
    assert_eq!(names, [("noop", "1.0.0"), ("noop", "1.0.1")]);
}

#[tokio::test]
async fn attaching_detaching_and_deleting_plugins() {
    let app = TestApp::spawn().await;
    let plugin = app
        .upload_plugin(artifacts::ECHO, "echo", "1.0.0")
        .await
        .expect(201);
    let hook = app.webhook("w").await;
    let path = format!("/api/webhooks/{}", id(&hook));
    app.patch(
        &path,
        ADMIN_TOKEN,
        json!({"plugin_id": uuid::Uuid::now_v7()}),
    )
    .await
    .expect_error(422, "validation_failed", Some("plugin_id"));
    app.patch(&path, ADMIN_TOKEN, json!({"plugin_config": [1, 2]}))
        .await
        .expect_error(422, "validation_failed", Some("plugin_config"));
    let patched = app
        .patch(
            &path,
            ADMIN_TOKEN,
            json!({"plugin_id": plugin["id"], "plugin_config": {"username": "Echo"}}),
        )
        .await
        .expect(200);
    assert_eq!(patched["plugin_config"], json!({"username": "Echo"}));
    app.delete(&format!("/api/plugins/{}", id(&plugin)), ADMIN_TOKEN)
        .await
        .expect_error(409, "conflict", Some("plugin_id"));
    // The plugin serves at once; detaching returns the webhook to the native dialect at once.
    let token = hook["token"].as_str().unwrap();
    app.post_raw(
        &format!("/api/webhooks/execute/{token}"),
        &[],
        r#"{"text":"via plugin"}"#,
    )
    .await
    .expect(201);
    app.patch(&path, ADMIN_TOKEN, json!({"plugin_id": null}))
        .await
        .expect(200);
    app.post_raw(
        &format!("/api/webhooks/execute/{token}"),
        &[],
        r#"{"text":"via plugin"}"#,
    )
    .await
    .expect_error(415, "unsupported_media_type", None);
    app.delete(&format!("/api/plugins/{}", id(&plugin)), ADMIN_TOKEN)
        .await
        .expect(204);
    app.get(&format!("/api/plugins/{}", id(&plugin)), ADMIN_TOKEN)
        .await
        .expect_error(404, "not_found", None);
    // A plugin of another community cannot be attached.
    let other = app
        .post("/api/communities", ADMIN_TOKEN, json!({"name": "Other"}))
        .await
        .expect(201);
    let bytes = std::fs::read(artifacts::NOOP).unwrap();
    let auth = format!("Bearer {ADMIN_TOKEN}");
    let foreign = app
        .post_raw(
            &format!(
                "/api/communities/{}/plugins?name=noop&version=1",
                id(&other)
            ),
            &[
                ("content-type", "application/wasm"),
                ("authorization", &auth),
            ],
            bytes,
        )
        .await
        .expect(201);
    app.patch(&path, ADMIN_TOKEN, json!({"plugin_id": foreign["id"]}))
        .await
        .expect_error(422, "validation_failed", Some("plugin_id"));
}

#[tokio::test]
pub(crate) async fn replay_after_replacing_a_broken_plugin() {
    let app = TestApp::spawn().await;
    let hook = app
        .plugin_webhook(artifacts::PANIC, "broken", json!({}))
        .await;
    let token = hook["token"].as_str().unwrap();
    let body = r#"{"text": "release 3.0 is out"}"#;
    let err = app
        .post_raw(
            &format!("/api/webhooks/execute/{token}"),
            &[("x-source", "ci")],
            body,
        )
        .await
        .expect_error(500, "plugin_trap", None);
    let delivery = err["error"]["delivery_id"].as_str().unwrap().to_owned();
    // Replaying with the same broken plugin fails again and keeps the delivery failed.
    app.post(
        &format!("/api/deliveries/{delivery}/replay"),
        ADMIN_TOKEN,
        json!({}),
    )
    .await
    .expect_error(500, "plugin_trap", None);
    // Replace the plugin, then replay: the stored request is posted.
    let fixed = app
        .upload_plugin(artifacts::ECHO, "fixed", "1.0.0")
        .await
        .expect(201);
    app.patch(
        &format!("/api/webhooks/{}", id(&hook)),
        ADMIN_TOKEN,
        json!({"plugin_id": fixed["id"]}),
    )
    .await
    .expect(200);
    let replayed = app
        .post(
            &format!("/api/deliveries/{delivery}/replay"),
            ADMIN_TOKEN,
            json!({}),
        )
        .await
        .expect(201);
    assert_eq!(replayed["status"], "ok");
    let stored = &app.messages().await[0];
    assert_eq!(stored["content"], "release 3.0 is out");
    assert_eq!(replayed["messages"][0]["message_id"], stored["id"]);
    let d = app
        .get(&format!("/api/deliveries/{delivery}"), ADMIN_TOKEN)
        .await
        .expect(200);
    assert_eq!(d["status"], "replayed");
    assert_eq!(d["message_ids"], json!([stored["id"]]));
    assert!(d["replayed_at"].is_string());
    app.post(
        &format!("/api/deliveries/{delivery}/replay"),
        ADMIN_TOKEN,
        json!({}),
    )
    .await
    .expect_error(409, "conflict", Some("status"));
    assert!(app.deliveries(id(&hook), Some("failed")).await.is_empty());
    // A configuration-driven failure: fixed by changing the config, then replayed.
    let flaky = app
        .plugin_webhook(artifacts::FLAKY, "flaky", json!({"fail": true}))
        .await;
    let err = app
        .post_raw(
            &format!("/api/webhooks/execute/{}", flaky["token"].as_str().unwrap()),
            &[],
            "payload",
        )
        .await
        .expect_error(500, "plugin_error", None);
    let delivery = err["error"]["delivery_id"].as_str().unwrap().to_owned();
    app.patch(
        &format!("/api/webhooks/{}", id(&flaky)),
        ADMIN_TOKEN,
        json!({"plugin_config": {"fail": false}}),
    )
    .await
    .expect(200);
    app.post(
        &format!("/api/deliveries/{delivery}/replay"),
        ADMIN_TOKEN,
        json!({}),
    )
    .await
    .expect(201);
    assert_eq!(app.messages().await[0]["content"], "ok: payload");
    let (_, member) = app.user("m", "member").await;
    app.post(
        &format!("/api/deliveries/{delivery}/replay"),
        &member,
        json!({}),
    )
    .await
    .expect_error(403, "forbidden", None);
}

#[tokio::test]
async fn dry_run_reports_and_stores_nothing() {
    let app = TestApp::spawn().await;
    let (carol, _) = app.user("carol", "member").await;
    app.join_channel(&carol).await;
    let hook = app.plugin_webhook(artifacts::ECHO, "echo", json!({})).await;
    let path = format!("/api/webhooks/{}/dry-run", id(&hook));
    let report = app
        .post(&path, ADMIN_TOKEN, json!({"headers": {"X-Event": "push"}, "body": "{\"text\": \"hi @carol\"}", "config": {"username": "Dry"}}))
        .await
        .expect(200);
    assert_eq!(report["outcome"], "messages", "{report}");
    assert_eq!(report["messages"][0]["content"], "hi @carol");
    assert_eq!(report["messages"][0]["display_name"], "Dry");
    assert_eq!(
        report["messages"][0]["mentions"][0]["user_id"],
        carol.as_str()
    );
    assert!(
        report["log"].as_str().unwrap().contains("[info]"),
        "{report}"
    );
    assert!(report["duration_us"].as_i64().unwrap() > 0);
    assert!(report["peak_memory_bytes"].as_i64().unwrap() > 0);
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode(b"\xff\xfe not json");
    let report = app
        .post(&path, ADMIN_TOKEN, json!({"body_base64": b64}))
        .await
        .expect(200);
    assert_eq!(report["outcome"], "rejected");
    assert_eq!(report["error"]["code"], "invalid_payload");
    let panic = app
        .upload_plugin(artifacts::PANIC, "panic", "1.0.0")
        .await
        .expect(201);
    let report = app
        .post(
            &path,
            ADMIN_TOKEN,
            json!({"plugin_id": panic["id"], "body": "x"}),
        )
        .await
        .expect(200);
    assert_eq!(report["outcome"], "failed");
    assert_eq!(report["error"]["code"], "plugin_trap");
    app.post(
        &path,
        ADMIN_TOKEN,
        json!({"body": "x", "body_base64": "eA=="}),
    )
    .await
    .expect_error(422, "validation_failed", Some("body_base64"));
    // A configuration tried here is checked as setting it would be: 422 naming the key.
    app.post(
        &path,
        ADMIN_TOKEN,
        json!({"body": "{\"text\": \"hi\"}", "config": {"colour": "red"}}),
    )
    .await
    .expect_error(422, "validation_failed", Some("config.colour"));
    // Nothing was stored by any of it.
    assert!(app.messages().await.is_empty());
    assert!(app.deliveries(id(&hook), None).await.is_empty());
    let stats = app
        .get(&format!("/api/webhooks/{}", id(&hook)), ADMIN_TOKEN)
        .await
        .expect(200);
    assert_eq!(
        (
            stats["messages_posted"].as_i64(),
            stats["failures"].as_i64()
        ),
        (Some(0), Some(0))
    );
    let native = app.webhook("native").await;
    app.post(
        &format!("/api/webhooks/{}/dry-run", id(&native)),
        ADMIN_TOKEN,
        json!({}),
    )
    .await
    .expect_error(409, "conflict", Some("plugin_id"));
}

#[tokio::test]
async fn restart_reuses_the_compiled_cache_and_ignores_foreign_files() {
    let app = TestApp::spawn().await;
    let hook = app.plugin_webhook(artifacts::ECHO, "echo", json!({})).await;
    let url = format!("/api/webhooks/execute/{}", hook["token"].as_str().unwrap());
    app.post_raw(&url, &[], r#"{"text":"before"}"#)
        .await
        .expect(201);
    let stats = app.get("/api/runtime", ADMIN_TOKEN).await.expect(200);
    assert_eq!(
        stats["cache"]["compiled"], 0,
        "the upload compiled it and wrote the cache: {stats}"
    );
    let files = compiled_files(&app.cache_dir);
    assert_eq!(files.len(), 1, "{files:?}");
    let app = app.stop().await.restart(|_| {}).await;
    app.post_raw(&url, &[], r#"{"text":"after restart"}"#)
        .await
        .expect(201);
    let stats = app.get("/api/runtime", ADMIN_TOKEN).await.expect(200);
    assert_eq!(stats["cache"]["compiled"], 0, "{stats}");
    assert_eq!(stats["cache"]["loaded_from_disk"], 1, "{stats}");
    let stopped = app.stop().await;

    // A file this host did not write (its tag does not verify) is never deserialized.
    // The compiled code is written read-only, the server maps it from the file.
    let mut bytes = std::fs::read(&files[0]).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0xff;
    let mut permissions = std::fs::metadata(&files[0]).unwrap().permissions();
    assert!(permissions.readonly());
    #[expect(
        clippy::permissions_set_readonly_false,
        reason = "the test plays the attacker"
    )]
    permissions.set_readonly(false);
    std::fs::set_permissions(&files[0], permissions).unwrap();
    std::fs::write(&files[0], bytes).unwrap();
    let app = stopped.restart(|_| {}).await;
    app.post_raw(&url, &[], r#"{"text":"after tampering"}"#)
        .await
        .expect(201);
    let stats = app.get("/api/runtime", ADMIN_TOKEN).await.expect(200);
    assert_eq!(
        (
            stats["cache"]["compiled"].as_u64(),
            stats["cache"]["loaded_from_disk"].as_u64()
        ),
        (Some(1), Some(0)),
        "{stats}"
    );
    let contents: Vec<String> = app
        .messages()
        .await
        .iter()
        .map(|m| m["content"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(contents, ["after tampering", "after restart", "before"]);
}

/// The compiled components in a cache directory (each `.cwasm` has its `.cwasm.tag`).
fn compiled_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let paths: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    let compiled: Vec<_> = paths
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "cwasm"))
        .cloned()
        .collect();
    for path in &compiled {
        let mut tag = path.clone().into_os_string();
        tag.push(".tag");
        assert!(paths.contains(&tag.into()), "{path:?} has its tag");
    }
    compiled
}
