//! Secrets stay out of the logs: the server's real log output (captured at debug level for
//! wasmhook and tower-http) never contains a webhook token, on any execute path.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::json;
use wasmhook_tests::TestApp;

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Installs (once per test process) a subscriber that captures every log line.
fn captured_logs() -> Captured {
    static LOGS: OnceLock<Captured> = OnceLock::new();
    LOGS.get_or_init(|| {
        let logs = Captured::default();
        let writer = logs.clone();
        tracing_subscriber::fmt()
            .with_env_filter("wasmhook=debug,tower_http=debug")
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .init();
        logs
    })
    .clone()
}

#[tokio::test]
async fn webhook_tokens_never_reach_the_logs() {
    let logs = captured_logs();
    let app = TestApp::spawn().await;
    let hook = app.webhook("secretive").await;
    let token = hook["token"].as_str().unwrap();
    let id = hook["id"].as_str().unwrap();
    for path in [
        format!("/api/webhooks/execute/{token}"),
        format!("/api/webhooks/execute/{token}/suffix"),
        format!("/api/v1/hooks/{token}"),
        format!("/webhooks/{id}/{token}"),
        format!("/api/slack/{token}"),
        format!("/hooks/{token}"),
        format!("/hooks/{}/{token}", id.replace('-', "")),
        format!("/api/teams/{token}"),
    ] {
        app.post_anon(&path, json!({"content": "logged?", "text": "logged?"}))
            .await;
        app.post_raw(&path, &[("content-type", "text/plain")], "bad")
            .await;
    }
    let text = String::from_utf8_lossy(&logs.0.lock().unwrap()).into_owned();
    for route in [
        "/api/webhooks/execute/{token}",
        "/api/slack/{token}",
        "/hooks/{id}/{token}",
        "/api/teams/{token}",
    ] {
        assert!(
            text.contains(&format!("route={route}")),
            "request spans carry the route template {route}: {text:.2000}"
        );
    }
    assert!(!text.contains(token), "a webhook token reached the logs");
}

#[tokio::test]
async fn outgoing_webhook_urls_and_secrets_never_reach_the_logs() {
    // Slack-style URLs carry their credential in the path; generic targets have a secret (#7).
    let logs = captured_logs();
    let app = TestApp::spawn_with(|cfg| {
        cfg.network.allow_loopback = true;
        cfg.outgoing.poll_ms = 20;
        cfg.outgoing.max_attempts = 1;
    })
    .await;
    let receiver = wasmhook_tests::receiver::Receiver::with_responder(|_| {
        wasmhook_tests::receiver::Canned::new(500, "failing on purpose")
    })
    .await;
    let path = format!("/api/communities/{}/outgoing-webhooks", app.community_id);
    let url_secret = "T0SECRET/B0SECRET/urlcredential0123456789";
    let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    for (target, extra) in [("slack", json!({})), ("generic", json!({"secret": secret}))] {
        let mut body = json!({"name": target, "target": target,
            "url": receiver.url(&format!("/services/{url_secret}")), "events": ["message.created"]});
        if let Some(s) = extra.get("secret") {
            body["secret"] = s.clone();
        }
        app.post(&path, wasmhook_tests::ADMIN_TOKEN, body)
            .await
            .expect(201);
    }
    let hook = app.webhook("src").await;
    app.post_anon(
        &format!("/api/webhooks/execute/{}", hook["token"].as_str().unwrap()),
        json!({"content": "logged?"}),
    )
    .await
    .expect(201);
    receiver
        .wait_for(2, std::time::Duration::from_secs(15))
        .await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    // The worker logs an attempt before recording it, so once both are recorded failed,
    // their log lines are written.
    while app
        .sql_i64("SELECT COUNT(*) FROM outgoing_deliveries WHERE status = 'failed'")
        .await
        < 2
    {
        assert!(
            std::time::Instant::now() < deadline,
            "deliveries did not fail"
        );
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    let text = String::from_utf8_lossy(&logs.0.lock().unwrap()).into_owned();
    assert!(
        text.contains("outgoing delivery attempt failed"),
        "failures are logged"
    );
    assert!(!text.contains(url_secret), "a target URL was logged");
    assert!(
        !text.contains("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
        "a secret was logged"
    );
}

#[tokio::test]
async fn discord_webhook_tokens_never_reach_the_logs() {
    // Discord's URLs carry the token after the webhook id, beside the management routes (#14).
    let logs = captured_logs();
    let app = TestApp::spawn().await;
    let hook = app.webhook("discord-secretive").await;
    let token = hook["token"].as_str().unwrap();
    let id = hook["id"].as_str().unwrap();
    let base = format!("/api/webhooks/{id}/{token}");
    let posted = app
        .post_anon(&format!("{base}?wait=true"), json!({"content": "logged?"}))
        .await
        .expect(200);
    let message = format!("{base}/messages/{}", posted["id"].as_str().unwrap());
    for path in [
        base.clone(),
        format!("{base}/github"),
        format!("{base}/slack"),
    ] {
        app.post_anon(&path, json!({"content": "logged?", "text": "logged?"}))
            .await;
        app.post_raw(&path, &[("content-type", "text/plain")], "bad")
            .await;
    }
    for method in [
        reqwest::Method::GET,
        reqwest::Method::PATCH,
        reqwest::Method::DELETE,
    ] {
        app.request(method, &message, None, Some(json!({"content": "edited"})))
            .await;
    }
    let text = String::from_utf8_lossy(&logs.0.lock().unwrap()).into_owned();
    assert!(
        text.contains("route=/api/webhooks/{id}/{token}/messages/"),
        "request spans carry the route template: {text:.2000}"
    );
    assert!(!text.contains(token), "a webhook token reached the logs");
}

#[tokio::test]
async fn tokens_in_unmatched_wrong_method_and_malformed_urls_never_reach_the_logs() {
    // Issue 16: a path no route matches was logged raw, token included.
    let logs = captured_logs();
    let app = TestApp::spawn().await;
    let hook = app.webhook("unmatched-secretive").await;
    let token = hook["token"].as_str().unwrap();
    let id = hook["id"].as_str().unwrap();
    for path in [
        format!("/hooks/abc/{token}/extra/segments"),
        format!("/api/webhooks/execute/{token}/"),
        format!("/api/v1/hooks/{token}/"),
        format!("/webhooks/{token}"),
        format!("/api/unknown/{token}"),
        format!("/{token}"),
        format!("/api/webhooks/execute/{token}%ZZ/x/"),
    ] {
        app.post_anon(&path, json!({"content": "logged?"})).await;
    }
    for path in [
        format!("/api/webhooks/execute/{token}"),
        format!("/api/v1/hooks/{token}"),
        format!("/webhooks/{id}/{token}"),
        format!("/api/slack/{token}"),
        format!("/api/teams/{token}"),
        format!("/api/webhooks/{id}/{token}/github"),
    ] {
        app.request(reqwest::Method::PUT, &path, None, None).await;
    }
    // A rejected request with a valid token: logged at info with its code and webhook id.
    app.post_raw(
        &format!("/api/webhooks/execute/{token}"),
        &[("content-type", "text/plain")],
        "bad",
    )
    .await
    .expect(415);
    let text = String::from_utf8_lossy(&logs.0.lock().unwrap()).into_owned();
    assert!(!text.contains(token), "a webhook token reached the logs");
    assert!(
        text.contains("route=[unmatched]"),
        "unmatched paths are logged redacted"
    );
    let rejected = text
        .lines()
        .find(|l| {
            l.contains("webhook request rejected")
                && l.contains(id)
                && l.contains("code=unsupported_media_type")
        })
        .unwrap_or_else(|| panic!("no rejected-request line for {id}: {text:.3000}"));
    assert!(rejected.contains("INFO"), "{rejected}");
    assert!(rejected.contains("status=415"), "{rejected}");
}
