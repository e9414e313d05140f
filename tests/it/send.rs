//! "Send for real" (`POST /api/webhooks/{id}/send`): a webhook's manager posts a payload
//! through the webhook without its token and gets what the external sender would have got,
//! with the same effects: messages, mentions, the delivery record, refusals.

use serde_json::{Value, json};
use wasmhook_test_artifacts as artifacts;
use wasmhook_tests::{ADMIN_TOKEN, TestApp};

fn id(v: &Value) -> &str {
    v["id"].as_str().unwrap()
}

#[tokio::test]
async fn sending_for_real_takes_the_same_pipeline_as_the_webhook_url() {
    let app = TestApp::spawn().await;
    let (carol, carol_token) = app.user("carol", "member").await;
    app.join_channel(&carol).await;
    let hook = app.plugin_webhook(artifacts::ECHO, "echo", json!({})).await;
    let send = format!("/api/webhooks/{}/send", id(&hook));

    // A plugin webhook: the plugin runs on the request as given, the message is stored with
    // its mention resolved, and the delivery is recorded as any other.
    let sent = app
        .post(
            &send,
            ADMIN_TOKEN,
            json!({
                "headers": [["X-Event", "push"], ["Authorization", "Bearer sender-secret"]],
                "body": "{\"text\": \"hi @carol\"}",
                "path": "ci",
                "query": "a=1",
            }),
        )
        .await
        .expect(200);
    assert_eq!(sent["status"], 201, "{sent}");
    assert_eq!(sent["body"]["status"], "ok", "{sent}");
    assert_eq!(sent["delivery_id"], sent["body"]["delivery_id"], "{sent}");
    let messages = app.messages().await;
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert_eq!(messages[0]["content"], "hi @carol");
    assert_eq!(messages[0]["id"], sent["body"]["messages"][0]["message_id"]);
    let notes = app
        .get("/api/notifications", &carol_token)
        .await
        .expect(200);
    assert_eq!(
        notes["notifications"].as_array().unwrap().len(),
        1,
        "{notes}"
    );
    let delivery = app
        .get(
            &format!("/api/deliveries/{}", sent["delivery_id"].as_str().unwrap()),
            ADMIN_TOKEN,
        )
        .await
        .expect(200);
    assert_eq!(delivery["status"], "succeeded", "{delivery}");
    assert_eq!(delivery["request"]["method"], "POST");
    assert_eq!(delivery["request"]["path"], "/ci");
    assert_eq!(delivery["request"]["query"], "a=1");
    assert_eq!(delivery["request"]["body"], "{\"text\": \"hi @carol\"}");
    let headers = delivery["request"]["headers"].as_array().unwrap();
    assert!(headers.contains(&json!(["x-event", "push"])), "{headers:?}");
    assert!(
        headers.contains(&json!(["authorization", "[redacted]"])),
        "{headers:?}"
    );
    assert!(delivery["peak_memory_bytes"].as_i64().unwrap() > 0);
    assert_eq!(
        app.get(&format!("/api/webhooks/{}", id(&hook)), ADMIN_TOKEN)
            .await
            .expect(200)["messages_posted"],
        1
    );

    // The same request to the webhook's URL gets the same answer.
    let external = app
        .post_raw(
            &format!(
                "/api/webhooks/execute/{}/ci?a=1",
                hook["token"].as_str().unwrap()
            ),
            &[("x-event", "push")],
            "{\"text\": \"hi again\"}".to_owned(),
        )
        .await;
    assert_eq!(external.status.as_u16(), 201);
    assert_eq!(external.body["status"], sent["body"]["status"]);

    // A payload the plugin rejects: the sender's 422, nothing stored.
    let rejected = app
        .post(&send, ADMIN_TOKEN, json!({ "body": "not json" }))
        .await
        .expect(200);
    assert_eq!(rejected["status"], 422, "{rejected}");
    assert_eq!(rejected["body"]["error"]["code"], "invalid_payload");
    assert_eq!(rejected["delivery_id"], Value::Null);

    // A failing plugin: the sender's 500, kept as a failed delivery to replay.
    let flaky = app
        .plugin_webhook(artifacts::FLAKY, "flaky", json!({ "fail": true }))
        .await;
    let failed = app
        .post(
            &format!("/api/webhooks/{}/send", id(&flaky)),
            ADMIN_TOKEN,
            json!({ "body": "x" }),
        )
        .await
        .expect(200);
    assert_eq!(failed["status"], 500, "{failed}");
    assert_eq!(failed["body"]["error"]["code"], "plugin_error");
    let recorded = app.deliveries(id(&flaky), Some("failed")).await;
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0]["id"], failed["delivery_id"]);

    // A native webhook: the native dialect's rules, no delivery record.
    let native = app.webhook("native").await;
    let native_send = format!("/api/webhooks/{}/send", id(&native));
    let posted = app
        .post(
            &native_send,
            ADMIN_TOKEN,
            json!({ "headers": {"Content-Type": "application/json"}, "body": "{\"content\": \"native hello\"}" }),
        )
        .await
        .expect(200);
    assert_eq!(posted["status"], 201, "{posted}");
    assert_eq!(posted["delivery_id"], Value::Null);
    let unsupported = app
        .post(&native_send, ADMIN_TOKEN, json!({ "body": "{}" }))
        .await
        .expect(200);
    assert_eq!(unsupported["status"], 415, "{unsupported}");
    let suffix = app
        .post(
            &native_send,
            ADMIN_TOKEN,
            json!({ "headers": {"Content-Type": "application/json"}, "body": "{\"content\": \"x\"}", "path": "/github" }),
        )
        .await
        .expect(200);
    assert_eq!(suffix["status"], 404, "{suffix}");
    assert_eq!(app.messages().await.len(), 3, "echo twice, native once");
}

#[tokio::test]
async fn sending_for_real_refuses_bad_input_disabled_webhooks_and_members() {
    let app = TestApp::spawn().await;
    let hook = app.plugin_webhook(artifacts::ECHO, "echo", json!({})).await;
    let send = format!("/api/webhooks/{}/send", id(&hook));
    app.post(
        &send,
        ADMIN_TOKEN,
        json!({ "headers": {"bad header": "x"}, "body": "{}" }),
    )
    .await
    .expect_error(422, "validation_failed", Some("headers"));
    app.post(
        &send,
        ADMIN_TOKEN,
        json!({ "headers": {"x-ok": "line\nbreak"}, "body": "{}" }),
    )
    .await
    .expect_error(422, "validation_failed", Some("headers"));
    app.post(
        &send,
        ADMIN_TOKEN,
        json!({ "body": "x", "body_base64": "eA==" }),
    )
    .await
    .expect_error(422, "validation_failed", Some("body_base64"));
    app.post(&send, ADMIN_TOKEN, json!({ "url": "x" }))
        .await
        .expect_error(422, "validation_failed", None);

    let (bob, bob_token) = app.user("bob", "member").await;
    app.join_channel(&bob).await;
    let refused = app.post(&send, &bob_token, json!({ "body": "{}" })).await;
    assert_eq!(refused.status.as_u16(), 403, "{}", refused.body);

    app.patch(
        &format!("/api/webhooks/{}", id(&hook)),
        ADMIN_TOKEN,
        json!({ "active": false }),
    )
    .await
    .expect(200);
    app.post(&send, ADMIN_TOKEN, json!({ "body": "{\"text\": \"x\"}" }))
        .await
        .expect_error(409, "conflict", Some("active"));
    assert!(app.messages().await.is_empty());
    assert!(app.deliveries(id(&hook), None).await.is_empty());
}
