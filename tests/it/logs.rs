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
    ] {
        app.post_anon(&path, json!({"content": "logged?", "text": "logged?"}))
            .await;
        app.post_raw(&path, &[("content-type", "text/plain")], "bad")
            .await;
    }
    let text = String::from_utf8_lossy(&logs.0.lock().unwrap()).into_owned();
    assert!(
        text.contains("/api/webhooks/execute/[redacted]"),
        "request spans are logged with the path: {text:.2000}"
    );
    assert!(!text.contains(token), "a webhook token reached the logs");
}
