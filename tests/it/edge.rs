//! The HTTP edge, driven over raw TCP: slow heads, idle connections, trickled, truncated and
//! HTTP/0.9 requests end within their timeouts; connections past `--max-connections` are
//! refused; and every error the HTTP layer makes itself (404, 405, 400, 408, 414, 431)
//! answers in the JSON error shape.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use wasmhook_tests::TestApp;

const PATIENCE: Duration = Duration::from_secs(20);

async fn connect(app: &TestApp) -> TcpStream {
    TcpStream::connect(app.base.trim_start_matches("http://"))
        .await
        .expect("connect")
}

/// A response read off the wire: status, lower-cased headers, JSON body.
#[derive(Debug)]
struct Raw {
    status: u16,
    headers: Vec<(String, String)>,
    body: Value,
}

impl Raw {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    #[track_caller]
    fn expect_error(&self, status: u16, code: &str) {
        assert_eq!(self.status, status, "{self:?}");
        assert_eq!(self.body["error"]["code"], code, "{self:?}");
        assert!(
            self.body["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "{self:?}"
        );
        assert_eq!(
            self.header("content-type"),
            Some("application/json"),
            "{self:?}"
        );
    }
}

/// Reads one response (its head and `Content-Length` body), or `None` if the connection
/// closed first.
async fn read_response(stream: &mut TcpStream) -> Option<Raw> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let deadline = Instant::now() + PATIENCE;
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).into_owned();
            let mut lines = head.split("\r\n");
            let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
            let headers: Vec<(String, String)> = lines
                .filter_map(|l| l.split_once(':'))
                .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
                .collect();
            let len: usize = headers
                .iter()
                .find(|(n, _)| n == "content-length")
                .and_then(|(_, v)| v.parse().ok())
                .unwrap_or(0);
            if buf.len() >= end + 4 + len {
                let body =
                    serde_json::from_slice(&buf[end + 4..end + 4 + len]).unwrap_or(Value::Null);
                return Some(Raw {
                    status,
                    headers,
                    body,
                });
            }
        }
        let left = deadline.saturating_duration_since(Instant::now());
        let n = tokio::time::timeout(left, stream.read(&mut chunk))
            .await
            .expect("the server neither answered nor closed the connection")
            .unwrap_or(0);
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// Waits until the server closes the connection, returning whatever it sent first.
async fn closed(stream: &mut TcpStream) -> Vec<u8> {
    let mut seen = Vec::new();
    let mut chunk = [0u8; 4096];
    let deadline = Instant::now() + PATIENCE;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, stream.read(&mut chunk)).await {
            Err(_) => panic!("the server kept the connection open"),
            Ok(Ok(0) | Err(_)) => return seen,
            Ok(Ok(n)) => seen.extend_from_slice(&chunk[..n]),
        }
    }
}

async fn send(stream: &mut TcpStream, bytes: &[u8]) {
    stream.write_all(bytes).await.expect("write");
}

fn get(path: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nHost: test\r\n\r\n").into_bytes()
}

#[tokio::test]
async fn a_slowly_sent_head_is_cut_off() {
    let app = TestApp::spawn_with(|cfg| cfg.http.header_timeout = Duration::from_millis(300)).await;
    let mut stream = connect(&app).await;
    send(
        &mut stream,
        b"POST /api/webhooks/execute/abc HTTP/1.1\r\nHost: test\r\n",
    )
    .await;
    // One byte of a header at a time, well within any per-read timeout, until the server
    // gives up on the head as a whole.
    let deadline = Instant::now() + PATIENCE;
    let mut buf = [0u8; 64];
    loop {
        assert!(Instant::now() < deadline, "the slow head was never cut off");
        if stream.write_all(b"X").await.is_err() {
            break;
        }
        match tokio::time::timeout(Duration::from_millis(50), stream.read(&mut buf)).await {
            Ok(Ok(0) | Err(_)) => break,
            Ok(Ok(_)) => panic!("the server answered an incomplete head"),
            Err(_) => {}
        }
    }
}

#[tokio::test]
async fn an_idle_kept_alive_connection_is_closed() {
    let app = TestApp::spawn_with(|cfg| cfg.http.idle_timeout = Duration::from_millis(300)).await;
    let mut stream = connect(&app).await;
    send(&mut stream, &get("/healthz")).await;
    let first = read_response(&mut stream).await.expect("an answer");
    assert_eq!(first.status, 200);
    assert_eq!(
        closed(&mut stream).await,
        b"",
        "closed without another word"
    );
}

#[tokio::test]
async fn a_live_stream_outlives_the_idle_and_body_timeouts() {
    let app = TestApp::spawn_with(|cfg| {
        cfg.http.idle_timeout = Duration::from_millis(200);
        cfg.http.body_timeout = Duration::from_millis(200);
        cfg.http.header_timeout = Duration::from_millis(200);
    })
    .await;
    let path = format!(
        "/api/channels/{}/events?access_token={}",
        app.channel_id,
        wasmhook_tests::ADMIN_TOKEN
    );
    let mut stream = connect(&app).await;
    send(&mut stream, &get(&path)).await;
    let mut seen = Vec::new();
    let mut chunk = [0u8; 4096];
    while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut chunk).await.expect("read");
        assert!(n > 0, "the stream closed before its head");
        seen.extend_from_slice(&chunk[..n]);
    }
    assert!(
        seen.starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&seen)
    );
    // Well past every timeout, a message still reaches the open stream.
    let hook = app.webhook("live-edge").await;
    let url = format!("/api/webhooks/execute/{}", hook["token"].as_str().unwrap());
    let mut posted = 0;
    let deadline = Instant::now() + PATIENCE;
    loop {
        assert!(
            Instant::now() < deadline,
            "the stream was cut: {}",
            String::from_utf8_lossy(&seen)
        );
        if posted < 3 {
            // Each post waits longer than the idle timeout after the last.
            tokio::time::sleep(Duration::from_millis(250)).await;
            app.post_anon(&url, json!({"content": format!("still live {posted}")}))
                .await
                .expect(201);
            posted += 1;
        }
        let n = tokio::time::timeout(Duration::from_millis(100), stream.read(&mut chunk)).await;
        match n {
            Ok(Ok(0)) | Ok(Err(_)) => panic!("the stream was closed"),
            Ok(Ok(n)) => seen.extend_from_slice(&chunk[..n]),
            Err(_) => {}
        }
        if String::from_utf8_lossy(&seen).contains("still live 2") {
            break;
        }
    }
}

#[tokio::test]
async fn a_trickled_body_is_refused_with_408_and_nothing_is_stored() {
    let app = TestApp::spawn_with(|cfg| {
        cfg.http.body_timeout = Duration::from_millis(500);
        cfg.http.body_min_bytes_per_second = 1000;
    })
    .await;
    let hook = app.webhook("trickled").await;
    let mut stream = connect(&app).await;
    let head = format!(
        "POST /api/webhooks/execute/{} HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n",
        hook["token"].as_str().unwrap()
    );
    send(&mut stream, head.as_bytes()).await;
    let (mut reader, mut writer) = stream.into_split();
    // One byte every 20 ms: 50 bytes a second, far below the minimum rate.
    let trickle = tokio::spawn(async move {
        for _ in 0..1000 {
            if writer.write_all(b" ").await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    });
    let mut seen = Vec::new();
    let mut chunk = [0u8; 4096];
    let deadline = Instant::now() + PATIENCE;
    while !seen.windows(4).any(|w| w == b"\r\n\r\n") || !seen.ends_with(b"}") {
        let left = deadline.saturating_duration_since(Instant::now());
        let n = tokio::time::timeout(left, reader.read(&mut chunk))
            .await
            .expect("the trickled body was never refused")
            .unwrap_or(0);
        assert!(n > 0, "closed without an answer");
        seen.extend_from_slice(&chunk[..n]);
    }
    trickle.abort();
    let text = String::from_utf8_lossy(&seen);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    let body: Value = serde_json::from_str(text.split("\r\n\r\n").nth(1).unwrap()).unwrap();
    assert_eq!(body["error"]["code"], "request_timeout", "{text}");
    assert!(
        text.to_ascii_lowercase().contains("connection: close"),
        "{text}"
    );
    assert!(app.messages().await.is_empty(), "nothing is stored");
}

#[tokio::test]
async fn truncated_chunked_bodies_and_http_0_9_lines_end() {
    let app = TestApp::spawn_with(|cfg| {
        cfg.http.body_timeout = Duration::from_millis(300);
        cfg.http.header_timeout = Duration::from_millis(300);
    })
    .await;
    let hook = app.webhook("truncated").await;
    let mut stream = connect(&app).await;
    let head = format!(
        "POST /api/webhooks/execute/{} HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n40\r\n{{\"content\"",
        hook["token"].as_str().unwrap()
    );
    send(&mut stream, head.as_bytes()).await;
    read_response(&mut stream)
        .await
        .expect("an answer")
        .expect_error(408, "request_timeout");
    assert_eq!(closed(&mut stream).await, b"");

    let mut stream = connect(&app).await;
    send(&mut stream, b"GET /healthz\r\n").await;
    let said = closed(&mut stream).await;
    if !said.is_empty() {
        let text = String::from_utf8_lossy(&said);
        assert!(text.contains("\"code\":\"bad_request\""), "{text}");
    }
    assert!(app.messages().await.is_empty(), "nothing is stored");
}

#[tokio::test]
async fn connections_past_the_cap_are_refused_with_503() {
    const CAP: usize = 3;
    let mut app = TestApp::spawn_with(|cfg| cfg.http.max_connections = CAP as u32).await;
    // Dropping the test client closes its pooled connection, giving its slot back.
    app.client = reqwest::Client::new();
    // The test client's own pooled connection may hold a slot: open connections, each with a
    // request answered (so the server holds it), until the server has CAP of ours.
    let deadline = Instant::now() + PATIENCE;
    let mut held = Vec::new();
    while held.len() < CAP {
        assert!(Instant::now() < deadline, "never got {CAP} connections");
        let mut stream = connect(&app).await;
        send(&mut stream, &get("/healthz")).await;
        match read_response(&mut stream).await {
            Some(r) if r.status == 200 => held.push(stream),
            Some(r) => {
                r.expect_error(503, "too_many_connections");
                // Someone else's connection holds a slot: start over, leaving it time to go.
                held.clear();
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            None => panic!("closed without an answer"),
        }
    }
    let mut over = connect(&app).await;
    send(&mut over, &get("/healthz")).await;
    let refused = read_response(&mut over).await.expect("an answer");
    refused.expect_error(503, "too_many_connections");
    assert_eq!(refused.header("retry-after"), Some("1"));

    // A slot comes back when one of ours closes.
    held.pop();
    loop {
        assert!(Instant::now() < deadline, "the slot never came back");
        let mut stream = connect(&app).await;
        send(&mut stream, &get("/healthz")).await;
        if read_response(&mut stream)
            .await
            .is_some_and(|r| r.status == 200)
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Sends raw bytes on a new connection and reads the answer.
async fn exchange(app: &TestApp, request: &[u8]) -> Raw {
    let mut stream = connect(app).await;
    send(&mut stream, request).await;
    read_response(&mut stream).await.expect("an answer")
}

#[tokio::test]
async fn every_error_of_the_http_layer_has_the_json_shape() {
    let app = TestApp::spawn().await;
    let hook = app.webhook("shapes").await;
    let token = hook["token"].as_str().unwrap();

    let not_allowed = exchange(
        &app,
        b"POST /healthz HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n",
    )
    .await;
    not_allowed.expect_error(405, "method_not_allowed");
    assert!(
        not_allowed
            .header("allow")
            .is_some_and(|a| a.contains("GET")),
        "{not_allowed:?}"
    );
    for path in [
        "/no/such/route".to_owned(),
        "/api/webhooks/execute/".to_owned(),
        format!("/api/webhooks/execute/{token}/"),
        "/api/communities/".to_owned(),
    ] {
        exchange(&app, &get(&path))
            .await
            .expect_error(404, "not_found");
    }
    let wrong_method = exchange(
        &app,
        format!("GET /api/webhooks/execute/{token} HTTP/1.1\r\nHost: t\r\n\r\n").as_bytes(),
    )
    .await;
    wrong_method.expect_error(405, "method_not_allowed");

    exchange(&app, b"GARBAGE\r\n\r\n")
        .await
        .expect_error(400, "bad_request");
    exchange(&app, b"GET /healthz HTTP/1.1\r\nBad Header\r\n\r\n")
        .await
        .expect_error(400, "bad_request");
    let long = format!("/api/{}", "a".repeat(70_000));
    exchange(&app, &get(&long))
        .await
        .expect_error(414, "uri_too_long");
    let mut many = String::from("GET /healthz HTTP/1.1\r\nHost: t\r\n");
    for i in 0..200 {
        many.push_str(&format!("X-H{i}: v\r\n"));
    }
    many.push_str("\r\n");
    exchange(&app, many.as_bytes())
        .await
        .expect_error(431, "headers_too_large");

    let small = TestApp::spawn_with(|cfg| cfg.max_body_bytes = 16).await;
    let hook = small.webhook("small").await;
    let big = format!(
        "POST /api/webhooks/execute/{} HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 64\r\n\r\n{}",
        hook["token"].as_str().unwrap(),
        " ".repeat(64)
    );
    exchange(&small, big.as_bytes())
        .await
        .expect_error(413, "payload_too_large");
}
