//! Outgoing event webhooks (#7): each target's exact request shape and signature checked by a
//! real local receiver, retries (500, 429 with Retry-After), a restart between attempts,
//! auto-disable with notices, SSRF refusal, the events and filters, management rules, and
//! direct messages against local servers speaking each IM vendor's API.

use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use wasmhook::Config;
use wasmhook_test_artifacts as artifacts;
use wasmhook_tests::receiver::{Canned, Receiver, Recorded};
use wasmhook_tests::{ADMIN_TOKEN, TestApp};

const WAIT: Duration = Duration::from_secs(15);

/// Loopback targets allowed, a fast worker and a 100 ms first retry.
fn fast(cfg: &mut Config) {
    cfg.network.allow_loopback = true;
    cfg.outgoing.poll_ms = 20;
    cfg.outgoing.retry_base_ms = 100;
    cfg.outgoing.timeout_ms = 5_000;
}

fn hooks_path(app: &TestApp) -> String {
    format!("/api/communities/{}/outgoing-webhooks", app.community_id)
}

async fn create(app: &TestApp, body: Value) -> Value {
    app.post(&hooks_path(app), ADMIN_TOKEN, body)
        .await
        .expect(201)
}

/// Posts `content` through a fresh incoming webhook on `general`.
async fn post_message(app: &TestApp, content: &str) {
    let hook = app.webhook("source").await;
    let token = hook["token"].as_str().unwrap();
    app.post_anon(
        &format!("/api/webhooks/execute/{token}"),
        json!({"content": content}),
    )
    .await
    .expect(201);
}

async fn deliveries(app: &TestApp, hook_id: &str) -> Vec<Value> {
    let body = app
        .get(
            &format!("{}/{hook_id}/deliveries", hooks_path(app)),
            ADMIN_TOKEN,
        )
        .await
        .expect(200);
    body["deliveries"].as_array().cloned().unwrap()
}

/// Polls the delivery log until its newest entry has `status`.
async fn settled(app: &TestApp, hook_id: &str, status: &str) -> Value {
    let deadline = Instant::now() + WAIT;
    loop {
        let log = deliveries(app, hook_id).await;
        if let Some(d) = log.first()
            && d["status"] == status
        {
            return d.clone();
        }
        assert!(
            Instant::now() < deadline,
            "no {status} delivery in time: {log:?}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

fn hmac_base64(key: &[u8], message: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
    mac.update(message);
    STANDARD.encode(mac.finalize().into_bytes())
}

fn keys(v: &Value) -> Vec<&str> {
    let mut k: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    k.sort_unstable();
    k
}

/// One message.created to a `target` outgoing webhook; returns the request the receiver got.
async fn deliver_one(target: &str, path: &str, secret: Option<&str>, content: &str) -> Recorded {
    let app = TestApp::spawn_with(fast).await;
    let receiver = Receiver::start().await;
    let mut body = json!({"name": target, "target": target, "url": receiver.url(path),
                          "events": ["message.created"]});
    if let Some(secret) = secret {
        body["secret"] = secret.into();
    }
    let hook = create(&app, body).await;
    post_message(&app, content).await;
    let got = receiver.wait_for(1, WAIT).await.remove(0);
    settled(&app, hook["id"].as_str().unwrap(), "succeeded").await;
    assert_eq!(got.method, "POST");
    assert_eq!(got.header("content-type"), Some("application/json"));
    got
}

#[tokio::test]
async fn slack_gets_text_and_blocks() {
    let got = deliver_one("slack", "/services/T0/B0/x", None, "deploy <done> & ok").await;
    assert_eq!(got.path, "/services/T0/B0/x");
    let body = got.json();
    assert_eq!(keys(&body), ["blocks", "text"]);
    let text = body["text"].as_str().unwrap();
    assert!(
        text.starts_with("wasmhook: New message in #general"),
        "{text}"
    );
    // Slack's three control characters are escaped.
    assert!(text.contains("deploy &lt;done&gt; &amp; ok"), "{text}");
    assert_eq!(body["blocks"][0]["type"], "header");
    assert_eq!(body["blocks"][0]["text"]["type"], "plain_text");
    assert_eq!(body["blocks"][1]["type"], "section");
    assert_eq!(body["blocks"][1]["text"]["type"], "mrkdwn");
    assert_eq!(
        body["blocks"][1]["text"]["text"],
        "*Webhook*: deploy &lt;done&gt; &amp; ok"
    );
}

#[tokio::test]
async fn discord_content_respects_the_2000_character_limit() {
    let long = "é".repeat(3000);
    let got = deliver_one("discord", "/api/webhooks/1/tok", None, &long).await;
    let body = got.json();
    assert_eq!(
        keys(&body),
        ["allowed_mentions", "content", "embeds", "username"]
    );
    let content = body["content"].as_str().unwrap();
    assert_eq!(content.chars().count(), 2000);
    assert!(content.starts_with("wasmhook: New message in #general"));
    assert!(content.ends_with('…'));
    assert_eq!(body["allowed_mentions"], json!({"parse": []}));
    let embed = &body["embeds"][0];
    assert_eq!(embed["title"], "wasmhook: New message in #general");
    assert_eq!(embed["description"].as_str().unwrap().chars().count(), 3000);
    assert_eq!(embed["author"]["name"], "Webhook");
    assert_eq!(
        embed["fields"][0],
        json!({"name": "Channel", "value": "#general", "inline": true})
    );
}

#[tokio::test]
async fn teams_gets_an_adaptive_card() {
    let got = deliver_one(
        "teams",
        "/workflows/abc/triggers/manual",
        None,
        "build green",
    )
    .await;
    let body = got.json();
    assert_eq!(body["type"], "message");
    let attachment = &body["attachments"][0];
    assert_eq!(
        attachment["contentType"],
        "application/vnd.microsoft.card.adaptive"
    );
    let card = &attachment["content"];
    assert_eq!(card["type"], "AdaptiveCard");
    assert_eq!(card["version"], "1.4");
    assert_eq!(
        card["$schema"],
        "http://adaptivecards.io/schemas/adaptive-card.json"
    );
    assert_eq!(card["body"][0]["type"], "TextBlock");
    assert_eq!(card["body"][0]["text"], "wasmhook: New message in #general");
    assert_eq!(card["body"][1]["text"], "**Webhook**: build green");
    assert_eq!(card["body"][2]["type"], "FactSet");
}

#[tokio::test]
async fn dingtalk_is_markdown_signed_in_the_query_as_dingtalk_documents() {
    let secret = "SEC0123456789abcdef";
    let got = deliver_one(
        "dingtalk",
        "/robot/send?access_token=tok123",
        Some(secret),
        "release 1.2",
    )
    .await;
    assert_eq!(got.path, "/robot/send");
    assert_eq!(got.query_param("access_token").as_deref(), Some("tok123"));
    // DingTalk: sign = Base64(HMAC-SHA256(secret, "timestamp\nsecret")), timestamp in ms,
    // at most an hour old.
    let timestamp = got.query_param("timestamp").expect("timestamp");
    let ms: i64 = timestamp.parse().unwrap();
    let now = chrono_now_ms();
    assert!((now - ms).abs() < 3_600_000, "timestamp {ms} vs now {now}");
    let expected = hmac_base64(
        secret.as_bytes(),
        format!("{timestamp}\n{secret}").as_bytes(),
    );
    assert_eq!(got.query_param("sign"), Some(expected));
    let body = got.json();
    assert_eq!(keys(&body), ["markdown", "msgtype"]);
    assert_eq!(body["msgtype"], "markdown");
    assert_eq!(
        body["markdown"]["title"],
        "wasmhook: New message in #general"
    );
    let text = body["markdown"]["text"].as_str().unwrap();
    assert!(
        text.contains("wasmhook") && text.contains("release 1.2"),
        "{text}"
    );
}

fn chrono_now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

#[tokio::test]
async fn feishu_is_a_card_signed_in_the_body_as_feishu_documents() {
    let secret = "feishu-secret";
    let got = deliver_one("feishu", "/open-apis/bot/v2/hook/abc", Some(secret), "hi").await;
    let body = got.json();
    assert_eq!(keys(&body), ["card", "msg_type", "sign", "timestamp"]);
    assert_eq!(body["msg_type"], "interactive");
    // Feishu: timestamp in seconds (a string); sign = Base64(HMAC-SHA256 keyed with
    // "timestamp\nsecret" over an empty message).
    let timestamp = body["timestamp"].as_str().unwrap();
    let secs: i64 = timestamp.parse().unwrap();
    assert!((chrono_now_ms() / 1000 - secs).abs() < 3600);
    let expected = hmac_base64(format!("{timestamp}\n{secret}").as_bytes(), b"");
    assert_eq!(body["sign"], expected);
    assert_eq!(
        body["card"]["header"]["title"],
        json!({"tag": "plain_text", "content": "wasmhook: New message in #general"})
    );
    assert_eq!(body["card"]["elements"][0]["text"]["tag"], "lark_md");
}

#[tokio::test]
async fn feishu_errors_in_a_200_answer_fail_the_delivery() {
    let app = TestApp::spawn_with(fast).await;
    let receiver = Receiver::with_responder(|_| {
        Canned::new(200, r#"{"code":19021,"msg":"sign match fail or timestamp is not within one hour from current time"}"#)
    })
    .await;
    let hook = create(
        &app,
        json!({"name": "f", "target": "feishu", "url": receiver.url("/hook"), "secret": "wrong",
               "events": ["message.created"]}),
    )
    .await;
    post_message(&app, "x").await;
    let d = settled(&app, hook["id"].as_str().unwrap(), "failed").await;
    assert_eq!(d["attempts"], 1, "a rejected message is not retried");
    assert_eq!(d["response_status"], 200);
    assert!(
        d["last_error"].as_str().unwrap().contains("code 19021"),
        "{d}"
    );
}

#[tokio::test]
async fn wecom_gets_markdown() {
    let got = deliver_one("wecom", "/cgi-bin/webhook/send?key=k1", None, "disk full").await;
    assert_eq!(got.query_param("key").as_deref(), Some("k1"));
    let body = got.json();
    assert_eq!(keys(&body), ["markdown", "msgtype"]);
    assert_eq!(body["msgtype"], "markdown");
    let content = body["markdown"]["content"].as_str().unwrap();
    assert!(
        content.starts_with("**wasmhook: New message in #general**"),
        "{content}"
    );
    assert!(content.contains("disk full"));
}

/// Verifies with the reference Standard Webhooks library, independently of our signer.
fn verify_standard(secret: &str, got: &Recorded) {
    let verifier = standardwebhooks::Webhook::new(secret).unwrap();
    verifier
        .verify(&got.body, &got.headers)
        .expect("signature verifies with the standardwebhooks library");
    let other =
        standardwebhooks::Webhook::new("whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
            .unwrap();
    assert!(other.verify(&got.body, &got.headers).is_err());
}

#[tokio::test]
async fn generic_is_our_event_json_signed_per_standard_webhooks() {
    let app = TestApp::spawn_with(fast).await;
    let receiver = Receiver::start().await;
    let hook = create(
        &app,
        json!({"name": "g", "target": "generic", "url": receiver.url("/events"),
               "events": ["message.created"]}),
    )
    .await;
    // The generated secret is shown once.
    let secret = hook["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"));
    assert_eq!(hook["has_secret"], true);
    let id = hook["id"].as_str().unwrap();
    let shown = app
        .get(&format!("{}/{id}", hooks_path(&app)), ADMIN_TOKEN)
        .await
        .expect(200);
    assert!(shown.get("secret").is_none(), "{shown}");

    post_message(&app, "hello generic").await;
    let got = receiver.wait_for(1, WAIT).await.remove(0);
    verify_standard(&secret, &got);
    let body = got.json();
    assert_eq!(keys(&body), ["data", "timestamp", "type"]);
    assert_eq!(body["type"], "message.created");
    assert_eq!(body["data"]["message"]["content"], "hello generic");
    assert_eq!(body["data"]["channel"]["name"], "general");
    assert_eq!(body["data"]["community_id"], app.community_id.as_str());
    let d = settled(&app, id, "succeeded").await;
    assert_eq!(got.header("webhook-id"), d["event_id"].as_str());
    assert_eq!(d["attempts"], 1);
    assert_eq!(d["response_status"], 200);
    assert!(d["latency_ms"].as_i64().is_some());
}

#[tokio::test]
async fn the_test_action_sends_a_signed_sample_now() {
    let app = TestApp::spawn_with(fast).await;
    let receiver = Receiver::start().await;
    let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    let hook = create(
        &app,
        json!({"name": "t", "target": "generic", "url": receiver.url("/t"), "secret": secret,
               "events": ["channel.created"]}),
    )
    .await;
    assert!(hook.get("secret").is_none(), "a given secret is not echoed");
    let id = hook["id"].as_str().unwrap();
    let reply = app
        .post(
            &format!("{}/{id}/test", hooks_path(&app)),
            ADMIN_TOKEN,
            json!({}),
        )
        .await
        .expect(200);
    assert_eq!(reply["delivered"], true, "{reply}");
    assert_eq!(reply["status"], 200);
    let got = receiver.requests().remove(0);
    verify_standard(secret, &got);
    assert_eq!(got.json()["type"], "outgoing_webhook.test");

    receiver.reply_next(Canned::new(404, "no such hook"));
    let reply = app
        .post(
            &format!("{}/{id}/test", hooks_path(&app)),
            ADMIN_TOKEN,
            json!({}),
        )
        .await
        .expect(200);
    assert_eq!(reply["delivered"], false);
    assert_eq!(reply["status"], 404);
    assert_eq!(reply["error"], "HTTP 404: no such hook");
}

#[tokio::test]
async fn retries_server_errors_then_delivers_with_the_same_id() {
    let app = TestApp::spawn_with(fast).await;
    let receiver = Receiver::start().await;
    receiver.reply_next(Canned::new(500, "oops"));
    receiver.reply_next(Canned::new(502, "bad gateway"));
    let hook = create(
        &app,
        json!({"name": "r", "target": "generic", "url": receiver.url("/r"),
               "events": ["message.created"]}),
    )
    .await;
    post_message(&app, "retry me").await;
    let got = receiver.wait_for(3, WAIT).await;
    let d = settled(&app, hook["id"].as_str().unwrap(), "succeeded").await;
    assert_eq!(d["attempts"], 3);
    assert_eq!(d["response_status"], 200);
    let ids: Vec<_> = got.iter().map(|r| r.header("webhook-id")).collect();
    assert!(ids.iter().all(|i| *i == ids[0]), "{ids:?}");
    // Exponential: the second wait (200 ms) is longer than the first (100 ms).
    assert!(got[1].at - got[0].at >= Duration::from_millis(100));
    assert!(got[2].at - got[1].at >= Duration::from_millis(200));
}

#[tokio::test]
async fn honours_retry_after_on_429() {
    // The backoff alone would wait 60 s; Retry-After says 1 s.
    let app = TestApp::spawn_with(|cfg| {
        fast(cfg);
        cfg.outgoing.retry_base_ms = 60_000;
    })
    .await;
    let receiver = Receiver::start().await;
    receiver.reply_next(Canned::new(429, "slow down").header("retry-after", "1"));
    let hook = create(
        &app,
        json!({"name": "rl", "target": "slack", "url": receiver.url("/s"), "events": ["message.created"]}),
    )
    .await;
    post_message(&app, "rate limited").await;
    let got = receiver.wait_for(2, WAIT).await;
    let waited = got[1].at - got[0].at;
    assert!(
        waited >= Duration::from_millis(950) && waited < Duration::from_secs(10),
        "{waited:?}"
    );
    let d = settled(&app, hook["id"].as_str().unwrap(), "succeeded").await;
    assert_eq!(d["attempts"], 2);
}

#[tokio::test]
async fn a_restart_between_attempts_still_delivers() {
    let slow_retry = |cfg: &mut Config| {
        fast(cfg);
        cfg.outgoing.retry_base_ms = 2_000;
    };
    let app = TestApp::spawn_with(slow_retry).await;
    let receiver = Receiver::start().await;
    receiver.reply_next(Canned::new(503, "down"));
    let hook = create(
        &app,
        json!({"name": "p", "target": "generic", "url": receiver.url("/p"), "events": ["message.created"]}),
    )
    .await;
    let id = hook["id"].as_str().unwrap().to_owned();
    post_message(&app, "persist me").await;
    receiver.wait_for(1, WAIT).await;
    let stopped = app.stop().await;
    let restarted_at = Instant::now();
    let app = stopped.restart(slow_retry).await;
    let got = receiver.wait_for(2, WAIT).await;
    assert!(
        got[1].at > restarted_at,
        "the retry came from the restarted server"
    );
    assert_eq!(got[0].header("webhook-id"), got[1].header("webhook-id"));
    let d = settled(&app, &id, "succeeded").await;
    assert_eq!(d["attempts"], 2);
}

#[tokio::test]
async fn gives_up_after_the_configured_attempts_and_can_be_retried_by_hand() {
    let app = TestApp::spawn_with(|cfg| {
        fast(cfg);
        cfg.outgoing.max_attempts = 2;
    })
    .await;
    let receiver = Receiver::start().await;
    receiver.reply_next(Canned::new(500, "one"));
    receiver.reply_next(Canned::new(500, "two"));
    let hook = create(
        &app,
        json!({"name": "m", "target": "generic", "url": receiver.url("/m"), "events": ["message.created"]}),
    )
    .await;
    let id = hook["id"].as_str().unwrap();
    post_message(&app, "eventually").await;
    let d = settled(&app, id, "failed").await;
    assert_eq!(d["attempts"], 2);
    assert_eq!(d["response_status"], 500);
    assert_eq!(d["last_error"], "HTTP 500: two");
    assert_eq!(receiver.requests().len(), 2);

    let retry = format!(
        "{}/{id}/deliveries/{}/retry",
        hooks_path(&app),
        d["id"].as_str().unwrap()
    );
    let accepted = app.post(&retry, ADMIN_TOKEN, json!({})).await.expect(202);
    assert_eq!(accepted["status"], "pending");
    let d = settled(&app, id, "succeeded").await;
    assert_eq!(d["attempts"], 1);
    assert_eq!(receiver.requests().len(), 3);
    // Unknown delivery ids are 404.
    app.post(
        &retry.replace(d["id"].as_str().unwrap(), &uuid::Uuid::now_v7().to_string()),
        ADMIN_TOKEN,
        json!({}),
    )
    .await
    .expect_error(404, "not_found", None);
}

#[tokio::test]
async fn disables_after_consecutive_failures_and_notifies_admins() {
    let app = TestApp::spawn_with(|cfg| {
        fast(cfg);
        cfg.outgoing.max_attempts = 1;
        cfg.outgoing.disable_after = 3;
    })
    .await;
    let (_, admin_token) = app.user("Ada", "admin").await;
    let (_, member_token) = app.user("Mel", "member").await;
    let receiver = Receiver::with_responder(|_| Canned::new(500, "broken")).await;
    let hook = create(
        &app,
        json!({"name": "flaky target", "target": "generic", "url": receiver.url("/x"), "events": ["message.created"]}),
    )
    .await;
    let id = hook["id"].as_str().unwrap();
    let path = format!("{}/{id}", hooks_path(&app));
    for n in 1..=3 {
        post_message(&app, &format!("message {n}")).await;
        receiver.wait_for(n, WAIT).await;
        let deadline = Instant::now() + WAIT;
        while deliveries(&app, id)
            .await
            .iter()
            .filter(|d| d["status"] == "failed")
            .count()
            < n
        {
            assert!(Instant::now() < deadline);
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
    let shown = app.get(&path, ADMIN_TOKEN).await.expect(200);
    assert_eq!(shown["enabled"], false, "{shown}");
    assert_eq!(shown["consecutive_failures"], 3);
    assert!(
        shown["disabled_reason"]
            .as_str()
            .unwrap()
            .contains("3 consecutive failed deliveries"),
        "{shown}"
    );
    for token in [ADMIN_TOKEN, admin_token.as_str()] {
        let notices = app.get("/api/notices", token).await.expect(200);
        let notices = notices["notices"].as_array().unwrap();
        assert_eq!(notices.len(), 1, "{notices:?}");
        assert_eq!(notices[0]["kind"], "outgoing_webhook.disabled");
        assert_eq!(notices[0]["subject_id"], id);
        assert!(
            notices[0]["text"]
                .as_str()
                .unwrap()
                .contains("\"flaky target\"")
        );
    }
    let member_notices = app.get("/api/notices", &member_token).await.expect(200);
    assert_eq!(member_notices["notices"], json!([]));

    // Disabled: nothing more is enqueued or sent.
    post_message(&app, "while disabled").await;
    assert_eq!(deliveries(&app, id).await.len(), 3);
    // Enabled again: the failure count starts over and events flow.
    let enabled = app
        .patch(&path, ADMIN_TOKEN, json!({"enabled": true}))
        .await
        .expect(200);
    assert_eq!(enabled["consecutive_failures"], 0);
    assert_eq!(enabled["disabled_reason"], Value::Null);
    post_message(&app, "after").await;
    receiver.wait_for(4, WAIT).await;
}

#[tokio::test]
async fn refuses_private_loopback_and_link_local_targets() {
    // Default settings: loopback is not allowed.
    let app = TestApp::spawn_with(|cfg| cfg.outgoing.poll_ms = 20).await;
    let receiver = Receiver::start().await;
    let port = receiver.base.rsplit(':').next().unwrap().to_owned();
    for (url, rule) in [
        (format!("http://127.0.0.1:{port}/"), "refused: 127.0.0.1"),
        (
            "http://169.254.169.254/latest/meta-data".to_owned(),
            "refused: 169.254.169.254",
        ),
        ("http://10.0.0.8/hook".to_owned(), "refused: 10.0.0.8"),
        ("http://[::1]/hook".to_owned(), "refused: ::1"),
        ("ftp://example.com/hook".to_owned(), "only http and https"),
        ("not a url".to_owned(), "absolute http(s) URL"),
    ] {
        let err = app
            .post(
                &hooks_path(&app),
                ADMIN_TOKEN,
                json!({"name": "s", "target": "slack", "url": url, "events": ["message.created"]}),
            )
            .await
            .expect_error(422, "validation_failed", Some("url"));
        let message = err["error"]["message"].as_str().unwrap();
        assert!(message.contains(rule), "{url}: {message}");
    }
    let list = app.get(&hooks_path(&app), ADMIN_TOKEN).await.expect(200);
    assert_eq!(list["outgoing_webhooks"], json!([]), "nothing stored");

    // A host name is checked where it resolves: localhost is refused when sending.
    let hook = create(
        &app,
        json!({"name": "s", "target": "slack", "url": format!("http://localhost:{port}/hook"),
               "events": ["message.created"]}),
    )
    .await;
    let id = hook["id"].as_str().unwrap();
    post_message(&app, "to localhost").await;
    let d = settled(&app, id, "failed").await;
    assert_eq!(d["attempts"], 1, "a refusal is final");
    assert!(
        d["last_error"].as_str().unwrap().starts_with("refused: "),
        "{d}"
    );
    let test = app
        .post(
            &format!("{}/{id}/test", hooks_path(&app)),
            ADMIN_TOKEN,
            json!({}),
        )
        .await
        .expect(200);
    assert_eq!(test["delivered"], false);
    assert!(
        test["error"].as_str().unwrap().starts_with("refused: "),
        "{test}"
    );
    assert!(
        receiver.requests().is_empty(),
        "nothing reached the receiver"
    );
}

#[tokio::test]
async fn every_event_kind_is_enqueued_with_the_change() {
    let app = TestApp::spawn_with(fast).await;
    let receiver = Receiver::start().await;
    let events = [
        "message.created",
        "mention.created",
        "webhook.created",
        "webhook.updated",
        "webhook.regenerated",
        "webhook.deleted",
        "delivery.failed",
        "member.joined",
        "channel.created",
    ];
    let listed = app
        .get("/api/outgoing-webhooks/events", ADMIN_TOKEN)
        .await
        .expect(200);
    let names: Vec<&str> = listed["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, events);
    create(
        &app,
        json!({"name": "all", "target": "generic", "url": receiver.url("/all"), "events": events}),
    )
    .await;

    let hook = app.webhook("src").await;
    let hook_id = hook["id"].as_str().unwrap();
    app.patch(
        &format!("/api/webhooks/{hook_id}"),
        ADMIN_TOKEN,
        json!({"description": "d"}),
    )
    .await
    .expect(200);
    let regenerated = app
        .post(
            &format!("/api/webhooks/{hook_id}/regenerate"),
            ADMIN_TOKEN,
            json!({}),
        )
        .await
        .expect(200);
    app.post(
        &format!("/api/communities/{}/channels", app.community_id),
        ADMIN_TOKEN,
        json!({"name": "ops"}),
    )
    .await
    .expect(201);
    app.user("alice", "member").await;
    let token = regenerated["token"].as_str().unwrap();
    app.post_anon(
        &format!("/api/webhooks/execute/{token}"),
        json!({"content": "ping <@alice@example.com>"}),
    )
    .await
    .expect(201);
    let flaky = app
        .plugin_webhook(artifacts::FLAKY, "flaky", json!({"fail": true}))
        .await;
    let flaky_token = flaky["token"].as_str().unwrap();
    let failed = app
        .post_anon(
            &format!("/api/webhooks/execute/{flaky_token}"),
            json!({"x": 1}),
        )
        .await;
    assert!(
        failed.status.is_server_error() || failed.status.is_client_error(),
        "{failed:?}"
    );
    app.delete(&format!("/api/webhooks/{hook_id}"), ADMIN_TOKEN)
        .await
        .expect(204);

    let deadline = Instant::now() + WAIT;
    let by_type = loop {
        let got: Vec<Value> = receiver.requests().iter().map(Recorded::json).collect();
        if events.iter().all(|e| got.iter().any(|b| b["type"] == *e)) {
            break got;
        }
        assert!(
            Instant::now() < deadline,
            "missing events; got {:?}",
            got.iter().map(|b| b["type"].clone()).collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    };
    let find = |t: &str, pred: &dyn Fn(&Value) -> bool| {
        by_type
            .iter()
            .find(|b| b["type"] == t && pred(b))
            .unwrap_or_else(|| panic!("no matching {t}"))
            .clone()
    };
    let mention = find("mention.created", &|_| true);
    assert_eq!(mention["data"]["user"]["username"], "alice");
    assert_eq!(
        mention["data"]["message"]["content"],
        "ping <@alice@example.com>"
    );
    let joined = find("member.joined", &|b| {
        b["data"]["user"]["username"] == "alice"
    });
    assert_eq!(joined["data"]["role"], "member");
    find("channel.created", &|b| {
        b["data"]["channel"]["name"] == "ops"
    });
    find("webhook.regenerated", &|b| {
        b["data"]["webhook"]["id"] == hook_id
    });
    let deleted = find("webhook.deleted", &|b| {
        b["data"]["webhook"]["id"] == hook_id
    });
    assert_eq!(deleted["data"]["webhook"]["name"], "src");
    let failure = find("delivery.failed", &|_| true);
    assert_eq!(failure["data"]["webhook"]["name"], "flaky");
    assert!(failure["data"]["delivery"]["id"].is_string());
    assert!(failure["data"]["delivery"]["error_code"].is_string());
    for body in &by_type {
        assert!(
            !body.to_string().contains(token),
            "events never carry webhook tokens"
        );
    }
}

#[tokio::test]
async fn channel_and_mention_filters_select_events() {
    let app = TestApp::spawn_with(fast).await;
    let receiver = Receiver::start().await;
    let ops = app
        .post(
            &format!("/api/communities/{}/channels", app.community_id),
            ADMIN_TOKEN,
            json!({"name": "ops"}),
        )
        .await
        .expect(201);
    let ops_id = ops["id"].as_str().unwrap();
    let mentions_only = create(
        &app,
        json!({"name": "m", "target": "slack", "url": receiver.url("/mentions"),
               "events": ["message.created"], "only_mentions": true}),
    )
    .await;
    let ops_only = create(
        &app,
        json!({"name": "o", "target": "slack", "url": receiver.url("/ops"),
               "events": ["message.created"], "channel_id": ops_id}),
    )
    .await;
    app.user("bob", "member").await;
    post_message(&app, "no mention here").await;
    post_message(&app, "hey <@bob@example.com>").await;
    let ops_hook = app
        .post(
            &format!("/api/channels/{ops_id}/webhooks"),
            ADMIN_TOKEN,
            json!({"name": "in ops"}),
        )
        .await
        .expect(201);
    app.post_anon(
        &format!(
            "/api/webhooks/execute/{}",
            ops_hook["token"].as_str().unwrap()
        ),
        json!({"content": "ops news"}),
    )
    .await
    .expect(201);
    // Deliveries are enqueued with the message, so the log is complete already.
    let m = deliveries(&app, mentions_only["id"].as_str().unwrap()).await;
    let o = deliveries(&app, ops_only["id"].as_str().unwrap()).await;
    assert_eq!((m.len(), o.len()), (1, 1), "{m:?} {o:?}");
    let got = receiver.wait_for(2, WAIT).await;
    let mention = got.iter().find(|r| r.path == "/mentions").unwrap().json();
    assert!(mention["text"].as_str().unwrap().contains("hey"));
    let ops_msg = got.iter().find(|r| r.path == "/ops").unwrap().json();
    assert!(ops_msg["text"].as_str().unwrap().contains("#ops"));
}

#[tokio::test]
async fn management_is_for_owners_and_admins_and_rejects_bad_settings() {
    let app = TestApp::spawn_with(fast).await;
    let (_, admin) = app.user("Adm", "admin").await;
    let (_, member) = app.user("Mem", "member").await;
    let (_, outsider) = app.outsider("Out").await;
    let path = hooks_path(&app);
    let good = json!({"name": "ok", "target": "slack", "url": "https://hooks.slack.com/services/x",
                      "events": ["message.created"]});
    app.post(&path, &member, good.clone())
        .await
        .expect_error(403, "forbidden", None);
    app.get(&path, &member)
        .await
        .expect_error(403, "forbidden", None);
    app.post(&path, &outsider, good.clone())
        .await
        .expect_error(404, "not_found", None);
    app.get(&path, &outsider)
        .await
        .expect_error(404, "not_found", None);

    let with = |patch: Value| {
        let mut body = good.clone();
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        body
    };
    let other_community = app
        .post("/api/communities", ADMIN_TOKEN, json!({"name": "Other"}))
        .await
        .expect(201);
    let foreign_channel = app
        .post(
            &format!(
                "/api/communities/{}/channels",
                other_community["id"].as_str().unwrap()
            ),
            ADMIN_TOKEN,
            json!({"name": "elsewhere"}),
        )
        .await
        .expect(201);
    for (body, field) in [
        (with(json!({"name": ""})), "name"),
        (with(json!({"target": "irc"})), "target"),
        (with(json!({"events": []})), "events"),
        (with(json!({"events": ["message.deleted"]})), "events"),
        (
            with(json!({"events": ["message.created", "message.created"]})),
            "events",
        ),
        (
            with(json!({"channel_id": foreign_channel["id"]})),
            "channel_id",
        ),
        (with(json!({"secret": "s"})), "secret"),
        (
            with(json!({"target": "generic", "secret": "whsec_c2hvcnQ="})),
            "secret",
        ),
        (with(json!({"target": "dingtalk", "secret": " "})), "secret"),
        (with(json!({"colour": "red"})), "colour"),
    ] {
        let err = app.post(&path, &admin, body.clone()).await.expect_error(
            422,
            "validation_failed",
            Some(field),
        );
        assert!(
            !err["error"]["message"].as_str().unwrap().is_empty(),
            "{body}"
        );
    }
    app.request(reqwest::Method::POST, &path, Some(admin.as_str()), None)
        .await
        .expect_error(415, "unsupported_media_type", None);
    let list = app.get(&path, &admin).await.expect(200);
    assert_eq!(list["outgoing_webhooks"], json!([]), "nothing stored");

    let hook = app.post(&path, &admin, good.clone()).await.expect(201);
    assert_eq!(hook["has_secret"], false);
    assert_eq!(hook["enabled"], true);
    let id = hook["id"].as_str().unwrap();
    let one = format!("{path}/{id}");
    app.get(&one, &member)
        .await
        .expect_error(403, "forbidden", None);
    app.get(&one, &outsider)
        .await
        .expect_error(404, "not_found", None);
    // Another community's id in the path does not reach it.
    let wrong = format!(
        "/api/communities/{}/outgoing-webhooks/{id}",
        other_community["id"].as_str().unwrap()
    );
    app.get(&wrong, ADMIN_TOKEN)
        .await
        .expect_error(404, "not_found", None);

    let patched = app
        .patch(
            &one,
            &admin,
            json!({"name": "renamed", "events": ["channel.created", "member.joined"]}),
        )
        .await
        .expect(200);
    assert_eq!(patched["name"], "renamed");
    assert_eq!(
        patched["events"],
        json!(["channel.created", "member.joined"])
    );
    app.patch(&one, &admin, json!({"url": "http://192.168.0.1/"}))
        .await
        .expect_error(422, "validation_failed", Some("url"));
    let err = app
        .patch(&one, &admin, json!({"target": "discord"}))
        .await
        .expect_error(422, "validation_failed", Some("target"));
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("unknown field `target`")
    );
    let unchanged = app.get(&one, &admin).await.expect(200);
    assert_eq!(unchanged["url"], "https://hooks.slack.com/services/x");
    assert_eq!(unchanged["target"], "slack");
    app.delete(&one, &member)
        .await
        .expect_error(403, "forbidden", None);
    app.delete(&one, &admin).await.expect(204);
    app.get(&one, &admin)
        .await
        .expect_error(404, "not_found", None);
}

/// Sets up an IM integration talking to `api`, an outgoing webhook asking for direct
/// messages, and a message mentioning alice; returns the settled direct-message log entry.
async fn direct_message(provider: &str, credentials: Value, api: &Receiver) -> Value {
    let app = TestApp::spawn_with(fast).await;
    let sink = Receiver::start().await;
    let im = format!("/api/communities/{}/im-integration", app.community_id);
    let shown = app
        .request(
            reqwest::Method::PUT,
            &im,
            Some(ADMIN_TOKEN),
            Some(json!({"provider": provider, "base_url": api.base, "credentials": credentials})),
        )
        .await
        .expect(200);
    assert_eq!(shown["provider"], provider);
    for secret in ["xoxb-secret", "app-secret", "client-secret", "corp-secret"] {
        assert!(
            !shown.to_string().contains(secret),
            "secrets are not shown: {shown}"
        );
    }
    create(
        &app,
        json!({"name": "dm", "target": "slack", "url": sink.url("/channel"),
               "events": ["mention.created"], "direct_messages": true}),
    )
    .await;
    app.user_with_email("alice", "Alice@Example.com", "member")
        .await;
    post_message(&app, "please review <@alice@example.com>").await;
    sink.wait_for(1, WAIT).await;
    let deadline = Instant::now() + WAIT;
    loop {
        let log = app
            .get(&format!("{im}/deliveries"), ADMIN_TOKEN)
            .await
            .expect(200);
        let d = log["deliveries"][0].clone();
        if d["status"] == "succeeded" || d["status"] == "failed" {
            assert_eq!(d["status"], "succeeded", "{d}");
            assert_eq!(d["kind"], "dm");
            assert_eq!(d["event_type"], "mention.created");
            return d;
        }
        assert!(
            Instant::now() < deadline,
            "direct message not settled: {log}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

fn paths(got: &[Recorded]) -> Vec<String> {
    got.iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

#[tokio::test]
async fn direct_message_through_slack() {
    let api = Receiver::with_responder(|r| {
        if r.header("authorization") != Some("Bearer xoxb-secret") {
            return Canned::new(200, r#"{"ok":false,"error":"invalid_auth"}"#);
        }
        match r.path.as_str() {
            "/api/users.lookupByEmail"
                if r.query_param("email").as_deref() == Some("Alice@Example.com") =>
            {
                Canned::new(200, r#"{"ok":true,"user":{"id":"U42"}}"#)
            }
            "/api/conversations.open" if r.json() == json!({"users": "U42"}) => {
                Canned::new(200, r#"{"ok":true,"channel":{"id":"D42"}}"#)
            }
            "/api/chat.postMessage" if r.json()["channel"] == "D42" => {
                Canned::new(200, r#"{"ok":true}"#)
            }
            _ => Canned::new(200, r#"{"ok":false,"error":"users_not_found"}"#),
        }
    })
    .await;
    direct_message("slack", json!({"bot_token": "xoxb-secret"}), &api).await;
    let got = api.requests();
    assert_eq!(
        paths(&got),
        [
            "GET /api/users.lookupByEmail",
            "POST /api/conversations.open",
            "POST /api/chat.postMessage"
        ]
    );
    let text = got[2].json()["text"].as_str().unwrap().to_owned();
    assert!(
        text.contains("wasmhook: alice Display was mentioned in #general"),
        "{text}"
    );
    assert!(text.contains("please review"));
}

#[tokio::test]
async fn direct_message_through_feishu() {
    let api = Receiver::with_responder(|r| {
        let bearer = r.header("authorization") == Some("Bearer t-tenant");
        match (r.path.as_str(), r.query.as_str()) {
            ("/open-apis/auth/v3/tenant_access_token/internal", "")
                if r.json() == json!({"app_id": "cli_a1", "app_secret": "app-secret"}) =>
            {
                Canned::new(200, r#"{"code":0,"msg":"ok","tenant_access_token":"t-tenant","expire":7200}"#)
            }
            ("/open-apis/contact/v3/users/batch_get_id", "user_id_type=open_id")
                if bearer && r.json() == json!({"emails": ["Alice@Example.com"]}) =>
            {
                Canned::new(200, r#"{"code":0,"msg":"success","data":{"user_list":[{"email":"alice@example.com","user_id":"ou_7"}]}}"#)
            }
            ("/open-apis/im/v1/messages", "receive_id_type=open_id")
                if bearer && r.json()["receive_id"] == "ou_7" && r.json()["msg_type"] == "text" =>
            {
                Canned::new(200, r#"{"code":0,"msg":"success","data":{}}"#)
            }
            _ => Canned::new(400, r#"{"code":99991663,"msg":"unexpected request"}"#),
        }
    })
    .await;
    direct_message(
        "feishu",
        json!({"app_id": "cli_a1", "app_secret": "app-secret"}),
        &api,
    )
    .await;
    let got = api.requests();
    assert_eq!(got.len(), 3, "{:?}", paths(&got));
    let content: Value = serde_json::from_str(got[2].json()["content"].as_str().unwrap()).unwrap();
    assert!(content["text"].as_str().unwrap().starts_with("wasmhook: "));
}

#[tokio::test]
async fn direct_message_through_dingtalk() {
    let api = Receiver::with_responder(|r| match r.path.as_str() {
        "/v1.0/oauth2/accessToken"
            if r.json() == json!({"appKey": "ding-client", "appSecret": "client-secret"}) =>
        {
            Canned::new(200, r#"{"accessToken":"dt-token","expireIn":7200}"#)
        }
        "/topapi/v2/user/getbymobile"
            if r.query_param("access_token").as_deref() == Some("dt-token")
                && r.json() == json!({"mobile": "13800000000"}) =>
        {
            Canned::new(200, r#"{"errcode":0,"errmsg":"ok","result":{"userid":"manager42"}}"#)
        }
        "/v1.0/robot/oToMessages/batchSend"
            if r.header("x-acs-dingtalk-access-token") == Some("dt-token") =>
        {
            let body = r.json();
            let ok = body["robotCode"] == "dingrobot"
                && body["userIds"] == json!(["manager42"])
                && body["msgKey"] == "sampleMarkdown";
            if ok {
                Canned::new(200, r#"{"processQueryKey":"q1","invalidStaffIdList":[],"flowControlledStaffIdList":[]}"#)
            } else {
                Canned::new(400, r#"{"code":"InvalidParameter","message":"bad"}"#)
            }
        }
        _ => Canned::new(400, r#"{"code":"InvalidAuthentication","message":"unexpected"}"#),
    })
    .await;
    direct_message(
        "dingtalk",
        json!({"client_id": "ding-client", "client_secret": "client-secret", "robot_code": "dingrobot",
               "mobiles": {"alice@example.com": "13800000000"}}),
        &api,
    )
    .await;
    let got = api.requests();
    assert_eq!(got.len(), 3, "{:?}", paths(&got));
    let param: Value = serde_json::from_str(got[2].json()["msgParam"].as_str().unwrap()).unwrap();
    assert!(param["title"].as_str().unwrap().starts_with("wasmhook: "));
    assert!(param["text"].as_str().unwrap().contains("please review"));
}

#[tokio::test]
async fn direct_message_through_wecom() {
    let api = Receiver::with_responder(|r| {
        let token_ok = r.query_param("access_token").as_deref() == Some("wc-token");
        match r.path.as_str() {
            "/cgi-bin/gettoken"
                if r.query_param("corpid").as_deref() == Some("ww-corp")
                    && r.query_param("corpsecret").as_deref() == Some("corp-secret") =>
            {
                Canned::new(
                    200,
                    r#"{"errcode":0,"errmsg":"ok","access_token":"wc-token","expires_in":7200}"#,
                )
            }
            "/cgi-bin/user/get_userid_by_email"
                if token_ok
                    && r.json() == json!({"email": "Alice@Example.com", "email_type": 1}) =>
            {
                Canned::new(200, r#"{"errcode":0,"errmsg":"ok","userid":"alice.w"}"#)
            }
            "/cgi-bin/message/send"
                if token_ok
                    && r.json()["touser"] == "alice.w"
                    && r.json()["agentid"] == 1000002
                    && r.json()["msgtype"] == "markdown" =>
            {
                Canned::new(200, r#"{"errcode":0,"errmsg":"ok"}"#)
            }
            _ => Canned::new(200, r#"{"errcode":40014,"errmsg":"invalid access_token"}"#),
        }
    })
    .await;
    direct_message(
        "wecom",
        json!({"corp_id": "ww-corp", "agent_id": 1000002, "secret": "corp-secret"}),
        &api,
    )
    .await;
    let got = api.requests();
    assert_eq!(
        paths(&got),
        [
            "GET /cgi-bin/gettoken",
            "POST /cgi-bin/user/get_userid_by_email",
            "POST /cgi-bin/message/send"
        ]
    );
    let content = got[2].json()["markdown"]["content"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        content.contains("wasmhook") && content.contains("please review"),
        "{content}"
    );
}

#[tokio::test]
async fn im_integration_rejects_bad_credentials_naming_the_field() {
    let app = TestApp::spawn_with(fast).await;
    let im = format!("/api/communities/{}/im-integration", app.community_id);
    let put = |body: Value| app.request(reqwest::Method::PUT, &im, Some(ADMIN_TOKEN), Some(body));
    put(json!({"provider": "feishu", "credentials": {"app_id": "cli"}}))
        .await
        .expect_error(422, "validation_failed", Some("credentials.app_secret"));
    put(json!({"provider": "wecom", "credentials": {"corp_id": "c", "agent_id": "x", "secret": "s"}}))
        .await
        .expect_error(422, "validation_failed", Some("credentials.agent_id"));
    put(json!({"provider": "teams", "credentials": {}}))
        .await
        .expect_error(422, "validation_failed", Some("provider"));
    put(json!({"provider": "slack", "base_url": "file:///etc", "credentials": {"bot_token": "x"}}))
        .await
        .expect_error(422, "validation_failed", Some("base_url"));
    app.get(&im, ADMIN_TOKEN)
        .await
        .expect_error(404, "not_found", None);
    let (_, member) = app.user("Mo", "member").await;
    put(json!({"provider": "slack", "credentials": {"bot_token": "xoxb"}}))
        .await
        .expect(200);
    app.get(&im, &member)
        .await
        .expect_error(403, "forbidden", None);
    app.delete(&im, ADMIN_TOKEN).await.expect(204);
    app.get(&im, ADMIN_TOKEN)
        .await
        .expect_error(404, "not_found", None);
}
