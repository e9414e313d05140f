//! Live delivery (#6): WebSocket and SSE clients receive posts and mention alerts; offline
//! users with push enabled get an encrypted, VAPID-signed Web Push at a local push service;
//! the push queue is durable; slow clients are disconnected.

use std::time::Duration;

use serde_json::{Value, json};
use wasmhook_tests::live::{PushService, SseClient, Subscriber, WsClient};
use wasmhook_tests::{ADMIN_TOKEN, TestApp};

const QUIET: Duration = Duration::from_millis(400);

/// A server that accepts the local (plain-http, loopback) push service and retries quickly.
async fn app() -> TestApp {
    TestApp::spawn_with(local_push).await
}

fn local_push(cfg: &mut wasmhook::Config) {
    cfg.push.allow_http = true;
    cfg.network.allow_loopback = true;
    cfg.push.retry_base_ms = 100;
    cfg.push.retry_max_ms = 400;
    cfg.push.poll_ms = 50;
}

async fn post(app: &TestApp, token: &str, content: &str) {
    app.post_anon(
        &format!("/api/webhooks/execute/{token}"),
        json!({ "content": content }),
    )
    .await
    .expect(201);
}

async fn vapid_key(app: &TestApp) -> String {
    let body = app.get("/api/push/vapid-key", "").await.expect(200);
    body["public_key"].as_str().unwrap().to_owned()
}

/// Subscribes `token`'s user at `service` and enables push.
async fn subscribe(app: &TestApp, token: &str, service: &PushService, name: &str) -> Subscriber {
    let subscriber = Subscriber::new(&service.base, name);
    app.post("/api/me/push-subscriptions", token, subscriber.json())
        .await
        .expect(201);
    app.patch("/api/me", token, json!({ "push_enabled": true }))
        .await
        .expect(200);
    subscriber
}

/// Polls `done` every 20 ms until it holds; fails with `what` after `within`.
async fn eventually<F, Fut>(within: Duration, what: &str, mut done: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + within;
    while !done().await {
        assert!(tokio::time::Instant::now() < deadline, "{what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn push_jobs(app: &TestApp) -> i64 {
    app.sql_i64("SELECT COUNT(*) FROM push_jobs").await
}

#[tokio::test]
async fn a_post_reaches_connected_members_of_the_channel_and_no_one_else() {
    let app = app().await;
    let (alice, alice_token) = app.user("alice", "member").await;
    app.join_channel(&alice).await;
    let (_bob, bob_token) = app.user("bob", "member").await; // in the community, not the channel
    let (_carol, carol_token) = app.outsider("carol").await;
    let hook = app.webhook("live").await;
    let token = hook["token"].as_str().unwrap();

    let mut alice_ws = WsClient::connect(&app, &alice_token).await;
    let mut bob_ws = WsClient::connect(&app, &bob_token).await;
    let mut carol_ws = WsClient::connect(&app, &carol_token).await;
    let mut alice_sse = SseClient::connect(&app, &app.channel_id, &alice_token)
        .await
        .expect("a member opens the channel's stream");
    assert_eq!(
        SseClient::connect(&app, &app.channel_id, &bob_token)
            .await
            .err(),
        Some(403),
        "a community member outside the channel"
    );
    assert_eq!(
        SseClient::connect(&app, &app.channel_id, &carol_token)
            .await
            .err(),
        Some(404),
        "an outsider"
    );
    assert_eq!(
        SseClient::connect(&app, &app.channel_id, "bogus")
            .await
            .err(),
        Some(401)
    );

    post(&app, token, "deploy finished").await;
    let stored = app.messages().await[0].clone();
    let over_ws = alice_ws.expect_event("message.created").await;
    assert_eq!(over_ws, stored, "the event is the messages API's JSON");
    assert_eq!(over_ws["webhook"]["name"], "live");
    let (id, over_sse) = alice_sse.expect_event("message.created").await;
    assert_eq!(over_sse["data"], stored);
    assert_eq!(
        id,
        stored["id"].as_str().unwrap(),
        "the SSE id is the message id"
    );
    bob_ws.expect_silence(QUIET).await;
    carol_ws.expect_silence(QUIET).await;

    // Joining the channel while connected: the next post reaches bob too.
    let me = app.get("/api/me", &bob_token).await.expect(200);
    app.join_channel(me["id"].as_str().unwrap()).await;
    post(&app, token, "second").await;
    assert_eq!(
        bob_ws.expect_event("message.created").await["content"],
        "second"
    );
    assert_eq!(
        alice_ws.expect_event("message.created").await["content"],
        "second"
    );
    carol_ws.expect_silence(QUIET).await;
}

#[tokio::test]
async fn the_websocket_refuses_a_bad_token_and_accepts_the_query_parameter() {
    let app = app().await;
    let (alice, alice_token) = app.user("alice", "member").await;
    app.join_channel(&alice).await;
    let ws = app.base.replacen("http", "ws", 1);
    let err = tokio_tungstenite::connect_async(format!("{ws}/api/ws?access_token=nope"))
        .await
        .expect_err("a bad token is refused before the upgrade");
    match err {
        tokio_tungstenite::tungstenite::Error::Http(response) => {
            assert_eq!(response.status().as_u16(), 401)
        }
        other => panic!("expected an HTTP 401, got {other:?}"),
    }
    let (mut stream, _) =
        tokio_tungstenite::connect_async(format!("{ws}/api/ws?access_token={alice_token}"))
            .await
            .expect("browsers pass the token as a query parameter");
    use futures_util::StreamExt;
    let ready = stream.next().await.unwrap().unwrap();
    let ready: Value = serde_json::from_str(ready.to_text().unwrap()).unwrap();
    assert_eq!(ready["type"], "ready");
    assert_eq!(ready["data"]["user_id"], alice.as_str());
    // A plain GET is not an upgrade.
    app.get("/api/ws", &alice_token)
        .await
        .expect_error(400, "bad_request", None);
}

#[tokio::test]
async fn a_mentioned_online_user_gets_the_notification_event_and_no_push() {
    let app = app().await;
    let service = PushService::start().await;
    let (alice, alice_token) = app.user("alice", "member").await;
    app.join_channel(&alice).await;
    subscribe(&app, &alice_token, &service, "alice").await;
    let hook = app.webhook("alerts").await;
    let mut ws = WsClient::connect(&app, &alice_token).await;

    post(
        &app,
        hook["token"].as_str().unwrap(),
        "@alice the build broke",
    )
    .await;
    let message = ws.expect_event("message.created").await;
    let notification = ws.expect_event("notification.created").await;
    let listed = app
        .get("/api/notifications", &alice_token)
        .await
        .expect(200);
    assert_eq!(
        notification, listed["notifications"][0],
        "the notifications API's JSON"
    );
    assert_eq!(notification["message"]["id"], message["id"]);
    assert_eq!(
        push_jobs(&app).await,
        0,
        "no push is queued for an online user"
    );
    tokio::time::sleep(QUIET).await;
    assert!(service.received().is_empty(), "no push is sent");

    // Once the last connection closes the user is offline, and the next mention pushes.
    ws.close().await;
    eventually(Duration::from_secs(5), "presence not cleared", || async {
        app.sql_i64("SELECT COUNT(*) FROM live_presence").await == 0
    })
    .await;
    post(&app, hook["token"].as_str().unwrap(), "@alice still broken").await;
    service.wait_for(1, Duration::from_secs(10)).await;
}

#[tokio::test]
async fn a_mentioned_offline_user_with_push_enabled_gets_an_encrypted_signed_push() {
    let app = app().await;
    let service = PushService::start().await;
    let key = vapid_key(&app).await;
    let (alice, alice_token) = app.user("alice", "member").await;
    app.join_channel(&alice).await;
    let (bob, bob_token) = app.user("bob", "member").await;
    app.join_channel(&bob).await;
    let alice_sub = subscribe(&app, &alice_token, &service, "alice").await;
    // Bob has a subscription but push disabled: nothing is sent to him.
    let bob_sub = Subscriber::new(&service.base, "bob");
    app.post("/api/me/push-subscriptions", &bob_token, bob_sub.json())
        .await
        .expect(201);
    let hook = app.webhook("alerts").await;

    let long = "x".repeat(3900);
    post(
        &app,
        hook["token"].as_str().unwrap(),
        &format!("@alice and @bob: {long}"),
    )
    .await;
    let received = service.wait_for(1, Duration::from_secs(10)).await;
    assert_eq!(received[0].path, "/push/alice");
    let payload = alice_sub.open(&received[0], &key);
    let notifications = app
        .get("/api/notifications", &alice_token)
        .await
        .expect(200);
    let listed = &notifications["notifications"][0];
    assert_eq!(payload["type"], "notification.created");
    assert_eq!(payload["data"]["id"], listed["id"]);
    assert_eq!(payload["data"]["message"]["id"], listed["message"]["id"]);
    assert_eq!(
        payload["title"], "Webhook mentioned you",
        "the sender display name"
    );
    let body = payload["body"].as_str().unwrap();
    assert!(body.starts_with("@alice and @bob: xxx") && body.ends_with('…'));
    assert!(
        body.len() < 1100,
        "the text is shortened to fit a push message"
    );
    eventually(
        Duration::from_secs(5),
        "the delivered job stays queued",
        || async { push_jobs(&app).await == 0 },
    )
    .await;
    tokio::time::sleep(QUIET).await;
    assert_eq!(
        service.received().len(),
        1,
        "bob (push disabled) gets nothing"
    );
}

#[tokio::test]
async fn a_subscription_its_push_service_answers_410_is_removed() {
    let app = app().await;
    let service = PushService::start().await;
    let (alice, alice_token) = app.user("alice", "member").await;
    app.join_channel(&alice).await;
    subscribe(&app, &alice_token, &service, "alice").await;
    let kept = Subscriber::new(&service.base, "alice-laptop");
    app.post("/api/me/push-subscriptions", &alice_token, kept.json())
        .await
        .expect(201);
    service.set_status(410);
    let hook = app.webhook("alerts").await;
    post(&app, hook["token"].as_str().unwrap(), "@alice hello").await;
    service.wait_for(2, Duration::from_secs(10)).await;
    eventually(
        Duration::from_secs(5),
        "subscription not removed",
        || async {
            let subs = app
                .get("/api/me/push-subscriptions", &alice_token)
                .await
                .expect(200);
            subs["subscriptions"].as_array().unwrap().is_empty()
        },
    )
    .await;
    assert_eq!(push_jobs(&app).await, 0);
    assert_eq!(
        service.received().len(),
        2,
        "no retries to a gone subscription"
    );
}

#[tokio::test]
async fn a_push_service_busy_until_an_http_date_is_not_retried_before_that_date() {
    let app = app().await; // retries after 100-400 ms by its own backoff
    let service = PushService::start().await;
    let (alice, alice_token) = app.user("alice", "member").await;
    app.join_channel(&alice).await;
    subscribe(&app, &alice_token, &service, "alice").await;
    // An HTTP date (whole seconds) at least 3 s away.
    let until = chrono::Utc::now() + chrono::Duration::seconds(4);
    service.set_status(503);
    service.set_retry_after(Some(until.format("%a, %d %b %Y %H:%M:%S GMT").to_string()));
    let hook = app.webhook("alerts").await;
    post(&app, hook["token"].as_str().unwrap(), "@alice hello").await;
    let first = service.wait_for(1, Duration::from_secs(10)).await[0].at;
    service.set_status(201);
    service.set_retry_after(None);
    let second = service.wait_for(2, Duration::from_secs(15)).await[1].at;
    let waited = second - first;
    assert!(
        waited >= Duration::from_secs(2),
        "retried {waited:?} after a 503 whose Retry-After date was 3-4 s away"
    );
}

#[tokio::test]
async fn a_push_queued_while_the_service_is_down_arrives_after_it_returns_and_a_restart() {
    let app = app().await;
    let key = vapid_key(&app).await;
    // Reserve a port, then free it: the push service is down (connections are refused).
    let port = {
        let probe = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        probe.local_addr().unwrap().port()
    };
    let base = format!("http://127.0.0.1:{port}");
    let (alice, alice_token) = app.user("alice", "member").await;
    app.join_channel(&alice).await;
    let subscriber = Subscriber::new(&base, "alice");
    app.post(
        "/api/me/push-subscriptions",
        &alice_token,
        subscriber.json(),
    )
    .await
    .expect(201);
    app.patch("/api/me", &alice_token, json!({ "push_enabled": true }))
        .await
        .expect(200);
    let hook = app.webhook("alerts").await;
    post(&app, hook["token"].as_str().unwrap(), "@alice disk full").await;

    // Several attempts fail while the service is down; the job stays queued with its error.
    eventually(Duration::from_secs(10), "no retries happened", || async {
        app.sql_i64("SELECT COALESCE(MAX(attempts), 0) FROM push_jobs")
            .await
            >= 2
    })
    .await;
    let stopped = app.stop().await;
    let service = PushService::start_at(port).await;
    let app = stopped.restart(local_push).await;
    let received = service.wait_for(1, Duration::from_secs(15)).await;
    let payload = subscriber.open(&received[0], &key);
    assert_eq!(payload["data"]["message"]["content"], "@alice disk full");
    assert_eq!(
        vapid_key(&app).await,
        key,
        "the VAPID key survives the restart"
    );
    eventually(
        Duration::from_secs(5),
        "delivered job still queued",
        || async { push_jobs(&app).await == 0 },
    )
    .await;
    assert_eq!(service.received().len(), 1, "delivered exactly once");
}

#[tokio::test]
async fn push_subscriptions_are_validated_listed_and_deleted() {
    let app = TestApp::spawn().await; // https endpoints only
    let (_alice, alice_token) = app.user("alice", "member").await;
    let (_bob, bob_token) = app.user("bob", "member").await;
    let good = Subscriber::new("https://push.example.net", "a1").json();
    let with = |path: &str, value: Value| {
        let mut body = good.clone();
        let mut target = &mut body;
        let parts: Vec<&str> = path.split('.').collect();
        for part in &parts[..parts.len() - 1] {
            target = &mut target[*part];
        }
        target[parts[parts.len() - 1]] = value;
        body
    };
    let url = "/api/me/push-subscriptions";
    for (body, field) in [
        (
            with("endpoint", json!("http://push.example.net/push/a1")),
            "endpoint",
        ),
        (with("endpoint", json!("not a url")), "endpoint"),
        (with("keys.p256dh", json!("AAAA")), "keys.p256dh"),
        (with("keys.auth", json!("c2hvcnQ")), "keys.auth"),
    ] {
        app.post(url, &alice_token, body)
            .await
            .expect_error(422, "validation_failed", Some(field));
    }
    let missing = json!({ "endpoint": "https://push.example.net/a1" });
    let reply = app.post(url, &alice_token, missing).await;
    assert_eq!(reply.status.as_u16(), 422, "missing keys: {}", reply.body);
    assert_eq!(
        app.sql_i64("SELECT COUNT(*) FROM push_subscriptions").await,
        0
    );

    let created = app.post(url, &alice_token, good.clone()).await.expect(201);
    let again = app.post(url, &alice_token, good.clone()).await.expect(200);
    assert_eq!(
        created["id"], again["id"],
        "the same endpoint is one subscription"
    );
    assert!(created.get("keys").is_none(), "keys are not shown back");
    let listed = app.get(url, &alice_token).await.expect(200);
    assert_eq!(listed["subscriptions"].as_array().unwrap().len(), 1);
    assert_eq!(
        listed["subscriptions"][0]["endpoint"],
        "https://push.example.net/push/a1"
    );
    let path = format!("{url}/{}", created["id"].as_str().unwrap());
    app.delete(&path, &bob_token)
        .await
        .expect_error(404, "not_found", None);
    app.delete(&path, &alice_token).await.expect(204);
    app.delete(&path, &alice_token)
        .await
        .expect_error(404, "not_found", None);
    let key = vapid_key(&app).await;
    assert_eq!(
        base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, &key)
            .unwrap()
            .len(),
        65,
        "an uncompressed P-256 point"
    );
    let _ = ADMIN_TOKEN;
}

#[tokio::test]
async fn a_client_that_falls_behind_is_disconnected_with_a_close_reason() {
    let app = TestApp::spawn_with(|cfg| {
        cfg.live_buffer = 4;
        cfg.rate_limit_per_second = 0;
    })
    .await;
    let (alice, alice_token) = app.user("alice", "member").await;
    app.join_channel(&alice).await;
    let hook = app.webhook("flood").await;
    let token = hook["token"].as_str().unwrap().to_owned();
    // Connected, but not reading: its socket buffers fill, then its queue of 4.
    let mut ws = WsClient::connect(&app, &alice_token).await;
    let big = "y".repeat(3900);
    let mut posted = 0;
    loop {
        let runtime = app.get("/api/runtime", ADMIN_TOKEN).await.expect(200);
        if runtime["live"]["websocket_connections"] == 0 {
            break;
        }
        assert!(posted < 20_000, "the slow client was never disconnected");
        let posts = (0..50).map(|_| post(&app, &token, &big));
        futures_util::future::join_all(posts).await;
        posted += 50;
    }
    let close = ws
        .read_until_close(Duration::from_secs(30))
        .await
        .expect("a close frame");
    assert_eq!(u16::from(close.code), 4008);
    assert!(close.reason.contains("resume"), "reason: {}", close.reason);
    // Every post was stored: the client can resume from the messages API.
    assert_eq!(
        app.sql_i64("SELECT COUNT(*) FROM messages").await,
        posted as i64
    );
}

#[tokio::test]
async fn stopping_the_server_ends_live_connections_instead_of_waiting_for_them() {
    let app = app().await;
    let (alice, alice_token) = app.user("alice", "member").await;
    app.join_channel(&alice).await;
    let mut ws = WsClient::connect(&app, &alice_token).await;
    let mut sse = SseClient::connect(&app, &app.channel_id, &alice_token)
        .await
        .expect("stream");
    // A graceful stop waits for open responses: an endless SSE stream must not hold it.
    tokio::time::timeout(Duration::from_secs(20), app.stop())
        .await
        .expect("the server stopped with live clients connected");
    let close = ws
        .read_until_close(Duration::from_secs(5))
        .await
        .expect("a close frame");
    assert_eq!(u16::from(close.code), 1001, "going away");
    assert!(
        sse.next_event(Duration::from_secs(5)).await.is_none(),
        "the SSE stream ended"
    );
}

#[tokio::test]
async fn a_push_endpoint_that_resolves_to_a_refused_network_is_never_contacted() {
    // Plain http is allowed, loopback is not (the default): `localhost` passes registration
    // (a host name) but resolves to 127.0.0.1, which the resolver refuses when sending.
    let app = TestApp::spawn_with(|cfg| {
        cfg.push.allow_http = true;
        cfg.push.poll_ms = 50;
    })
    .await;
    let service = PushService::start().await;
    let port = service.base.rsplit(':').next().unwrap().to_owned();
    let (alice, alice_token) = app.user("alice", "member").await;
    app.join_channel(&alice).await;
    let sub = Subscriber::new(&format!("http://localhost:{port}"), "alice");
    app.post("/api/me/push-subscriptions", &alice_token, sub.json())
        .await
        .expect(201);
    app.patch("/api/me", &alice_token, json!({ "push_enabled": true }))
        .await
        .expect(200);
    let hook = app.webhook("alerts").await;
    post(&app, hook["token"].as_str().unwrap(), "@alice hello").await;
    eventually(
        Duration::from_secs(10),
        "the refused job is still queued",
        || async { push_jobs(&app).await == 0 },
    )
    .await;
    tokio::time::sleep(QUIET).await;
    assert!(
        service.received().is_empty(),
        "a refused endpoint was contacted"
    );
}
