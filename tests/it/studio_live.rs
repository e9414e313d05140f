//! The plugin studio's live events over `/api/ws` (issue 20): `delivery.recorded` reaches the
//! owners and admins of the webhook's community, and stops at once for an admin who is
//! demoted (whom to tell is cached, and role changes clear it); `notice.created` reaches them
//! wherever a notice is made, also when the outbox disables an outgoing webhook.

use std::time::Duration;

use serde_json::json;
use wasmhook_test_artifacts as artifacts;
use wasmhook_tests::live::WsClient;
use wasmhook_tests::receiver::{Canned, Receiver};
use wasmhook_tests::{ADMIN_TOKEN, TestApp};

/// Long enough for an event already sent to arrive.
const QUIET: Duration = Duration::from_millis(400);

#[tokio::test]
async fn delivery_events_follow_role_changes_at_once() {
    let app = TestApp::spawn().await;
    let (dana, dana_token) = app.user("dana", "admin").await;
    let hook = app
        .plugin_webhook(artifacts::FLAKY, "flaky", json!({}))
        .await;
    let url = format!("/api/webhooks/execute/{}", hook["token"].as_str().unwrap());
    let mut owner = WsClient::connect(&app, ADMIN_TOKEN).await;
    let mut admin = WsClient::connect(&app, &dana_token).await;
    let role = |role: &'static str| {
        let dana = dana.clone();
        let app = &app;
        async move {
            app.post(
                &format!("/api/communities/{}/members", app.community_id),
                ADMIN_TOKEN,
                json!({ "user_id": dana, "role": role }),
            )
            .await
            .expect(200);
        }
    };
    let deliver = |n: u32| {
        let url = url.clone();
        let app = &app;
        async move {
            let sent = app.post_raw(&url, &[], format!("delivery {n}")).await;
            assert_eq!(sent.status.as_u16(), 201, "{}", sent.body);
            sent.body["delivery_id"].clone()
        }
    };

    // An admin is told, like the owner.
    let first = deliver(1).await;
    assert_eq!(owner.expect_event("delivery.recorded").await["id"], first);
    assert_eq!(admin.expect_event("delivery.recorded").await["id"], first);

    // Demoted to member: the next delivery reaches the owner only.
    role("member").await;
    let second = deliver(2).await;
    assert_eq!(owner.expect_event("delivery.recorded").await["id"], second);
    admin.expect_silence(QUIET).await;

    // Promoted again: told again.
    role("admin").await;
    let third = deliver(3).await;
    assert_eq!(owner.expect_event("delivery.recorded").await["id"], third);
    assert_eq!(admin.expect_event("delivery.recorded").await["id"], third);
    owner.close().await;
    admin.close().await;
}

#[tokio::test]
async fn an_outgoing_webhook_disabled_by_the_outbox_is_announced_live() {
    let app = TestApp::spawn_with(|cfg| {
        cfg.network.allow_loopback = true;
        cfg.outgoing.poll_ms = 20;
        cfg.outgoing.max_attempts = 1;
        cfg.outgoing.disable_after = 1;
    })
    .await;
    let (_, member_token) = app.user("mel", "member").await;
    let receiver = Receiver::with_responder(|_| Canned::new(500, "broken")).await;
    let outgoing = app
        .post(
            &format!("/api/communities/{}/outgoing-webhooks", app.community_id),
            ADMIN_TOKEN,
            json!({ "name": "audit", "target": "generic", "url": receiver.url("/x"), "events": ["message.created"] }),
        )
        .await
        .expect(201);
    let mut owner = WsClient::connect(&app, ADMIN_TOKEN).await;
    let mut member = WsClient::connect(&app, &member_token).await;
    let hook = app.webhook("CI").await;
    app.post_anon(
        &format!("/api/webhooks/execute/{}", hook["token"].as_str().unwrap()),
        json!({ "content": "build red" }),
    )
    .await
    .expect(201);
    let notice = owner.expect_event("notice.created").await;
    assert_eq!(notice["kind"], "outgoing_webhook.disabled", "{notice}");
    assert_eq!(notice["subject_id"], outgoing["id"]);
    assert_eq!(notice["community_id"], app.community_id.as_str());
    assert!(
        notice["text"].as_str().unwrap().contains("\"audit\""),
        "{notice}"
    );
    // The notice is stored by the time it is announced.
    let stored = app.get("/api/notices", ADMIN_TOKEN).await.expect(200);
    assert_eq!(stored["notices"][0]["subject_id"], outgoing["id"]);
    // A plain member gets neither the notice nor the event.
    loop {
        let Some(event) = member.next_json(QUIET).await else {
            break;
        };
        assert_ne!(event["type"], "notice.created", "{event}");
    }
    owner.close().await;
    member.close().await;
}
