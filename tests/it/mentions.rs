//! Mention resolution of webhook posts: each rule of DESIGN.md, through the real server.

use serde_json::{Value, json};
use wasmhook_tests::{ADMIN_TOKEN, TestApp};

async fn post(app: &TestApp, hook: &Value, text: &str) -> Value {
    let t = hook["token"].as_str().unwrap();
    app.post_anon(&format!("/api/v1/hooks/{t}"), json!({"text": text}))
        .await
        .expect(201);
    let stored = app.messages().await.remove(0);
    assert_eq!(stored["content"], text, "content is stored exactly as sent");
    stored
}

fn mentioned(message: &Value) -> Vec<String> {
    message["mentions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["username"].as_str().unwrap().to_owned())
        .collect()
}

async fn notifications(app: &TestApp, token: &str) -> Vec<Value> {
    app.get("/api/notifications", token).await.expect(200)["notifications"]
        .as_array()
        .unwrap()
        .clone()
}

#[tokio::test]
async fn email_mentions_reach_community_members_in_both_forms() {
    let app = TestApp::spawn().await;
    let hook = app.webhook("CI").await;
    let (alice, alice_token) = app
        .user_with_email("alice", "Alice.Dev@Company.com", "member")
        .await;
    let (_, bob_token) = app
        .user_with_email("bob", "bob@company.com", "member")
        .await;
    let (_, outsider_token) = app.outsider("mallory").await;

    let msg = post(
        &app,
        &hook,
        "Please review: <@alice.dev@company.com> CC: @BOB@company.com and @mallory@elsewhere.org",
    )
    .await;
    assert_eq!(mentioned(&msg), ["alice", "bob"]);
    assert_eq!(
        msg["mentions"][0],
        json!({"user_id": alice, "username": "alice", "display_name": "alice Display"})
    );

    let alice_notes = notifications(&app, &alice_token).await;
    assert_eq!(alice_notes.len(), 1);
    assert_eq!(alice_notes[0]["kind"], "mention");
    assert_eq!(alice_notes[0]["read"], false);
    assert_eq!(alice_notes[0]["message"]["id"], msg["id"]);
    assert_eq!(alice_notes[0]["message"]["sender_display_name"], "Webhook");
    assert_eq!(notifications(&app, &bob_token).await.len(), 1);
    assert!(
        notifications(&app, &outsider_token).await.is_empty(),
        "non-members of the community are not notified"
    );

    // Reading a notification.
    let id = alice_notes[0]["id"].as_str().unwrap();
    app.post(
        &format!("/api/notifications/{id}/read"),
        &alice_token,
        json!({}),
    )
    .await
    .expect(204);
    assert_eq!(notifications(&app, &alice_token).await[0]["read"], true);
    app.post(
        &format!("/api/notifications/{id}/read"),
        &bob_token,
        json!({}),
    )
    .await
    .expect(404);
}

#[tokio::test]
async fn username_mentions_are_case_sensitive_and_channel_only() {
    let app = TestApp::spawn().await;
    let hook = app.webhook("CI").await;
    let (dana, dana_token) = app.user("dana_ops", "member").await;
    app.join_channel(&dana).await;
    let (_, erin_token) = app.user("erin", "member").await; // in the community, not the channel
    let msg = post(
        &app,
        &hook,
        "@dana_ops fixed it; @Dana_ops and @DANA_OPS are someone else; @erin is not here; @nobody",
    )
    .await;
    assert_eq!(mentioned(&msg), ["dana_ops"]);
    assert_eq!(notifications(&app, &dana_token).await.len(), 1);
    assert!(notifications(&app, &erin_token).await.is_empty());
    // An email mention still reaches erin: emails address the whole community.
    let msg = post(&app, &hook, "<@erin@example.com>").await;
    assert_eq!(mentioned(&msg), ["erin"]);
    assert_eq!(notifications(&app, &erin_token).await.len(), 1);
}

#[tokio::test]
async fn audience_mentions_are_ignored() {
    let app = TestApp::spawn().await;
    let hook = app.webhook("CI").await;
    let (frank, frank_token) = app.user("frank", "member").await;
    app.join_channel(&frank).await;
    let msg = post(&app, &hook, "@everyone @here @channel deploy finished").await;
    assert!(mentioned(&msg).is_empty());
    assert!(notifications(&app, &frank_token).await.is_empty());
    assert!(notifications(&app, ADMIN_TOKEN).await.is_empty());
}

#[tokio::test]
async fn a_user_named_several_times_is_notified_once() {
    let app = TestApp::spawn().await;
    let hook = app.webhook("CI").await;
    let (gina, gina_token) = app.user("gina", "member").await;
    app.join_channel(&gina).await;
    let msg = post(
        &app,
        &hook,
        "@gina @gina <@gina@example.com> @GINA@EXAMPLE.COM gina",
    )
    .await;
    assert_eq!(mentioned(&msg), ["gina"]);
    assert_eq!(notifications(&app, &gina_token).await.len(), 1);
}

#[tokio::test]
async fn at_most_fifty_users_are_notified_per_message() {
    let app = TestApp::spawn().await;
    let hook = app.webhook("CI").await;
    let mut names = Vec::new();
    let mut creations = Vec::new();
    let app_ref = &app;
    for i in 0..55 {
        let name = format!("user{i:02}");
        names.push(name.clone());
        creations.push(async move {
            let body = json!({"username": name, "email": format!("{name}@example.com"), "password": "password-123",
                              "community_id": app_ref.community_id});
            app_ref.post("/api/users", ADMIN_TOKEN, body).await.expect(201)["id"].as_str().unwrap().to_owned()
        });
    }
    let ids = futures_util::future::join_all(creations).await;
    for id in &ids {
        app.join_channel(id).await;
    }
    let text = names
        .iter()
        .map(|n| format!("@{n}"))
        .collect::<Vec<_>>()
        .join(" ");
    let msg = post(&app, &hook, &text).await;
    assert_eq!(mentioned(&msg), names[..50]);
    assert_eq!(app.sql_i64("SELECT COUNT(*) FROM notifications").await, 50);
}

#[tokio::test]
async fn mentions_in_markdown_code_or_escaped_notify_nobody() {
    let app = TestApp::spawn().await;
    let hook = app.webhook("CI").await;
    let (alice, alice_token) = app
        .user_with_email("alice", "alice@company.com", "member")
        .await;
    app.join_channel(&alice).await;
    for text in [
        "run `@alice` to retry",
        "log:\n```\n@alice <@alice@company.com> @alice@company.com\n```",
        "log:\n\n    indented @alice\n",
        r"not a ping: \@alice <\@alice@company.com> \@alice@company.com",
    ] {
        let stored = post(&app, &hook, text).await;
        assert!(mentioned(&stored).is_empty(), "{text}: {stored}");
    }
    assert!(notifications(&app, &alice_token).await.is_empty());
    // The escape is Markdown's: the message shows `@alice` as plain text.
    let escaped = app.messages().await.remove(0);
    let html = escaped["content_html"].as_str().unwrap_or_default();
    assert!(html.contains("@alice") && !html.contains('\\'), "{escaped}");
    // Outside code the same name still notifies.
    let stored = post(&app, &hook, "`@alice` and @alice").await;
    assert_eq!(mentioned(&stored), ["alice"]);
    assert_eq!(notifications(&app, &alice_token).await.len(), 1);
}
