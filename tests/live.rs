//! Clients for live delivery tests: a WebSocket client and an SSE client of a test server,
//! and a local Web Push service that records what it receives and checks it the way a real
//! push service and browser would (VAPID JWT verified with the server's public key; payload
//! decrypted with the subscription's private key by Mozilla's `ece`, an implementation
//! independent of the server's).

use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use eventsource_stream::Eventsource;
use futures_util::stream::BoxStream;
use futures_util::{SinkExt, StreamExt};
use jwt_simple::prelude::{
    ECDSAP256PublicKeyLike, ES256PublicKey, NoCustomClaims, VerificationOptions,
};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;

use crate::TestApp;

/// A connected WebSocket client (`GET /api/ws`).
pub struct WsClient {
    stream: tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
}

impl WsClient {
    /// Connects with `token` in the `Authorization` header and waits for `ready`.
    pub async fn connect(app: &TestApp, token: &str) -> WsClient {
        let url = format!("{}/api/ws", app.base.replacen("http", "ws", 1));
        let mut request = url.into_client_request().unwrap();
        request
            .headers_mut()
            .insert("authorization", format!("Bearer {token}").parse().unwrap());
        let (stream, _) = tokio_tungstenite::connect_async(request)
            .await
            .expect("WebSocket connect");
        let mut client = WsClient { stream };
        let ready = client
            .next_json(Duration::from_secs(10))
            .await
            .expect("ready event");
        assert_eq!(ready["type"], "ready", "first event: {ready}");
        client
    }

    /// The next JSON text frame within `wait`, or `None` on timeout. Panics on close.
    pub async fn next_json(&mut self, wait: Duration) -> Option<Value> {
        loop {
            let frame = tokio::time::timeout(wait, self.stream.next()).await.ok()?;
            match frame {
                Some(Ok(Message::Text(text))) => {
                    return Some(serde_json::from_str(&text).expect("event JSON"));
                }
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                other => panic!("WebSocket ended or sent a non-text frame: {other:?}"),
            }
        }
    }

    /// The next event of `kind` (other kinds are skipped), within 10 seconds.
    pub async fn expect_event(&mut self, kind: &str) -> Value {
        loop {
            let event = self
                .next_json(Duration::from_secs(10))
                .await
                .unwrap_or_else(|| panic!("no {kind} event within 10 s"));
            if event["type"] == kind {
                return event["data"].clone();
            }
        }
    }

    /// Asserts that nothing arrives for `wait`.
    pub async fn expect_silence(&mut self, wait: Duration) {
        if let Some(event) = self.next_json(wait).await {
            panic!("expected no event, got {event}");
        }
    }

    /// Reads (and discards) frames until the server closes; returns its close frame.
    pub async fn read_until_close(&mut self, wait: Duration) -> Option<CloseFrame> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let frame = tokio::time::timeout_at(deadline, self.stream.next())
                .await
                .expect("the server did not close the connection in time");
            match frame {
                Some(Ok(Message::Close(frame))) => return frame,
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => return None,
            }
        }
    }

    /// Closes the connection from the client side.
    pub async fn close(mut self) {
        let _ = self.stream.send(Message::Close(None)).await;
        let _ = tokio::time::timeout(Duration::from_secs(2), async {
            while let Some(Ok(_)) = self.stream.next().await {}
        })
        .await;
    }
}

/// A connected SSE client (`GET /api/channels/{id}/events`).
pub struct SseClient {
    events: BoxStream<'static, Result<eventsource_stream::Event, String>>,
}

impl SseClient {
    /// Opens the stream; `Err(reply status)` when the server refuses it.
    pub async fn connect(app: &TestApp, channel_id: &str, token: &str) -> Result<SseClient, u16> {
        let response = app
            .client
            .get(format!("{}/api/channels/{channel_id}/events", app.base))
            .bearer_auth(token)
            .send()
            .await
            .expect("SSE request");
        if !response.status().is_success() {
            return Err(response.status().as_u16());
        }
        assert_eq!(
            response.headers()["content-type"],
            "text/event-stream",
            "SSE content type"
        );
        let events = response
            .bytes_stream()
            .eventsource()
            .map(|e| e.map_err(|e| e.to_string()))
            .boxed();
        let mut client = SseClient { events };
        let ready = client
            .next_event(Duration::from_secs(10))
            .await
            .expect("ready");
        assert_eq!(ready.event, "ready");
        Ok(client)
    }

    /// The next event within `wait`.
    pub async fn next_event(&mut self, wait: Duration) -> Option<eventsource_stream::Event> {
        let event = tokio::time::timeout(wait, self.events.next())
            .await
            .ok()??;
        Some(event.expect("SSE stream error"))
    }

    /// The next event, which must be of `kind`: returns (SSE id, parsed JSON envelope).
    pub async fn expect_event(&mut self, kind: &str) -> (String, Value) {
        let event = self
            .next_event(Duration::from_secs(10))
            .await
            .unwrap_or_else(|| panic!("no {kind} SSE event within 10 s"));
        assert_eq!(event.event, kind, "SSE event: {event:?}");
        let json: Value = serde_json::from_str(&event.data).expect("SSE data is JSON");
        assert_eq!(json["type"], kind);
        (event.id, json)
    }

    /// Asserts that nothing arrives for `wait`.
    pub async fn expect_silence(&mut self, wait: Duration) {
        if let Some(event) = self.next_event(wait).await {
            panic!("expected no SSE event, got {event:?}");
        }
    }
}

/// One request the push service received.
#[derive(Debug, Clone)]
pub struct PushRequest {
    /// The path (`/push/<name>`).
    pub path: String,
    /// Request headers.
    pub headers: HeaderMap,
    /// The encrypted body.
    pub body: Vec<u8>,
    /// When it arrived.
    pub at: Instant,
}

#[derive(Default)]
struct PushState {
    status: AtomicU16,
    retry_after: Mutex<Option<String>>,
    received: Mutex<Vec<PushRequest>>,
    arrived: Notify,
}

/// A local push service: `POST /push/{name}` answers the configured status (201 by default),
/// with the configured `Retry-After` if any.
pub struct PushService {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    state: Arc<PushState>,
    task: tokio::task::JoinHandle<()>,
}

impl PushService {
    /// Starts on a free port.
    pub async fn start() -> PushService {
        Self::start_on(TcpListener::bind("127.0.0.1:0").await.unwrap())
    }

    /// Starts on `port` (a service that was down coming back).
    pub async fn start_at(port: u16) -> PushService {
        Self::start_on(TcpListener::bind(("127.0.0.1", port)).await.unwrap())
    }

    fn start_on(listener: TcpListener) -> PushService {
        let state = Arc::new(PushState::default());
        state.status.store(201, Ordering::SeqCst);
        let base = format!("http://{}", listener.local_addr().unwrap());
        let app = axum::Router::new()
            .route("/push/{name}", axum::routing::post(receive))
            .with_state(state.clone());
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        PushService { base, state, task }
    }

    /// Answers `status` from now on.
    pub fn set_status(&self, status: u16) {
        self.state.status.store(status, Ordering::SeqCst);
    }

    /// Answers with this `Retry-After` from now on (`None`: without one).
    pub fn set_retry_after(&self, value: Option<String>) {
        *self.state.retry_after.lock().unwrap() = value;
    }

    /// Requests received so far.
    pub fn received(&self) -> Vec<PushRequest> {
        self.state.received.lock().unwrap().clone()
    }

    /// Waits until at least `n` requests arrived (at most `wait`); returns them.
    pub async fn wait_for(&self, n: usize, wait: Duration) -> Vec<PushRequest> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let notified = self.state.arrived.notified();
            let received = self.received();
            if received.len() >= n {
                return received;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                panic!(
                    "the push service received {} requests, expected {n}",
                    received.len()
                );
            }
        }
    }

    /// Stops the service (its port refuses connections).
    pub fn stop(self) {
        self.task.abort();
    }
}

async fn receive(
    State(state): State<Arc<PushState>>,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, HeaderMap) {
    state.received.lock().unwrap().push(PushRequest {
        path: format!("/push/{name}"),
        headers,
        body: body.to_vec(),
        at: Instant::now(),
    });
    state.arrived.notify_waiters();
    let mut answer = HeaderMap::new();
    if let Some(value) = state.retry_after.lock().unwrap().as_deref() {
        answer.insert(axum::http::header::RETRY_AFTER, value.parse().unwrap());
    }
    (
        StatusCode::from_u16(state.status.load(Ordering::SeqCst)).unwrap(),
        answer,
    )
}

/// A browser's push subscription: its key pair and auth secret, generated as a browser does.
pub struct Subscriber {
    /// The endpoint URL at the push service.
    pub endpoint: String,
    keys: Box<dyn ece::LocalKeyPair>,
    auth: [u8; 16],
}

impl Subscriber {
    /// A new subscription at `service` under `name`.
    pub fn new(service_base: &str, name: &str) -> Subscriber {
        let (keys, auth) = ece::generate_keypair_and_auth_secret().unwrap();
        Subscriber {
            endpoint: format!("{service_base}/push/{name}"),
            keys,
            auth,
        }
    }

    /// The `PushSubscription.toJSON()` a browser posts.
    pub fn json(&self) -> Value {
        json!({
            "endpoint": self.endpoint,
            "expirationTime": null,
            "keys": {
                "p256dh": URL_SAFE_NO_PAD.encode(self.keys.pub_as_raw().unwrap()),
                "auth": URL_SAFE_NO_PAD.encode(self.auth),
            }
        })
    }

    /// Checks a received push as the push service and the browser would, and returns its
    /// decrypted JSON: `aes128gcm` encoding, a TTL, a VAPID token signed by `vapid_key` (the
    /// server's public key, base64url) for this endpoint's origin with a contact subject and
    /// an expiry within 24 hours.
    pub fn open(&self, request: &PushRequest, vapid_key: &str) -> Value {
        assert_eq!(request.headers["content-encoding"], "aes128gcm");
        assert!(request.headers.contains_key("ttl"), "TTL header missing");
        let authorization = request.headers["authorization"].to_str().unwrap();
        let rest = authorization
            .strip_prefix("vapid ")
            .unwrap_or_else(|| panic!("not a VAPID authorization: {authorization}"));
        let mut token = None;
        let mut key = None;
        for part in rest.split(',') {
            let (name, value) = part.trim().split_once('=').expect("t=..., k=...");
            match name {
                "t" => token = Some(value),
                "k" => key = Some(value),
                other => panic!("unexpected VAPID parameter {other}"),
            }
        }
        assert_eq!(key, Some(vapid_key), "k= must be the server's VAPID key");
        let public = ES256PublicKey::from_bytes(&URL_SAFE_NO_PAD.decode(vapid_key).unwrap())
            .expect("VAPID key is a P-256 point");
        let origin = self.endpoint.split("/push/").next().unwrap().to_owned();
        let options = VerificationOptions {
            allowed_audiences: Some([origin].into_iter().collect()),
            ..Default::default()
        };
        let claims = public
            .verify_token::<NoCustomClaims>(token.expect("t="), Some(options))
            .expect("VAPID JWT verifies with the server's key for this origin");
        let subject = claims.subject.expect("sub claim");
        assert!(
            subject.starts_with("mailto:") || subject.starts_with("https:"),
            "sub must be a contact URI: {subject}"
        );
        let expires = claims.expires_at.expect("exp claim").as_secs();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        assert!(
            expires > now && expires <= now + 24 * 3600,
            "exp within 24 h"
        );
        let components = self.keys.raw_components().unwrap();
        let plaintext = ece::decrypt(&components, &self.auth, &request.body)
            .expect("payload decrypts with the subscription's keys (RFC 8291)");
        serde_json::from_slice(&plaintext).expect("push payload is JSON")
    }
}
