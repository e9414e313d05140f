//! A real HTTP server on 127.0.0.1 that records every request it gets, for tests of outgoing
//! deliveries: it answers from a script of canned replies, then from a responder function
//! (which lets it speak a vendor's API), and lets tests wait for requests with a timeout.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use tokio::sync::Notify;

/// A request the receiver got.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// Method.
    pub method: String,
    /// Path.
    pub path: String,
    /// Raw query string.
    pub query: String,
    /// Headers.
    pub headers: HeaderMap,
    /// Body.
    pub body: Bytes,
    /// When it arrived.
    pub at: Instant,
}

impl Recorded {
    /// The body as JSON (panics when it is not).
    #[track_caller]
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("body is not JSON ({e}): {:?}", self.body))
    }

    /// A decoded query parameter.
    pub fn query_param(&self, name: &str) -> Option<String> {
        url_pairs(&self.query)
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }

    /// A header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

fn url_pairs(query: &str) -> Vec<(String, String)> {
    reqwest::Url::parse(&format!("http://x/?{query}"))
        .map(|u| u.query_pairs().into_owned().collect())
        .unwrap_or_default()
}

/// A reply to send.
#[derive(Debug, Clone)]
pub struct Canned {
    /// Status.
    pub status: u16,
    /// Extra headers.
    pub headers: Vec<(String, String)>,
    /// Body (sent as JSON when it parses as JSON).
    pub body: String,
}

impl Canned {
    /// A reply with a status and body.
    pub fn new(status: u16, body: impl Into<String>) -> Self {
        Canned {
            status,
            headers: Vec::new(),
            body: body.into(),
        }
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }
}

type Responder = Arc<dyn Fn(&Recorded) -> Canned + Send + Sync>;

struct Inner {
    requests: Mutex<Vec<Recorded>>,
    script: Mutex<VecDeque<Canned>>,
    responder: Responder,
    arrived: Notify,
}

/// The running receiver; stops when dropped.
pub struct Receiver {
    /// Base URL, e.g. `http://127.0.0.1:41234`.
    pub base: String,
    inner: Arc<Inner>,
    handle: tokio::task::JoinHandle<()>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.handle.abort();
    }
}

async fn record(State(inner): State<Arc<Inner>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, 16 * 1024 * 1024)
        .await
        .unwrap_or_default();
    let recorded = Recorded {
        method: parts.method.to_string(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().unwrap_or("").to_owned(),
        headers: parts.headers,
        body,
        at: Instant::now(),
    };
    let scripted = inner.script.lock().unwrap().pop_front();
    let canned = scripted.unwrap_or_else(|| (inner.responder)(&recorded));
    inner.requests.lock().unwrap().push(recorded);
    inner.arrived.notify_waiters();
    let mut response = (
        StatusCode::from_u16(canned.status).unwrap_or(StatusCode::OK),
        canned.body.clone(),
    )
        .into_response();
    if serde_json::from_str::<Value>(&canned.body).is_ok() {
        response.headers_mut().insert(
            "content-type",
            axum::http::HeaderValue::from_static("application/json"),
        );
    }
    for (name, value) in canned.headers {
        response.headers_mut().insert(
            axum::http::HeaderName::try_from(name).unwrap(),
            axum::http::HeaderValue::try_from(value).unwrap(),
        );
    }
    response
}

impl Receiver {
    /// A receiver answering 200 `ok` unless scripted otherwise.
    pub async fn start() -> Receiver {
        Self::with_responder(|_| Canned::new(200, "ok")).await
    }

    /// A receiver answering with `responder` unless scripted otherwise.
    pub async fn with_responder(
        responder: impl Fn(&Recorded) -> Canned + Send + Sync + 'static,
    ) -> Receiver {
        let inner = Arc::new(Inner {
            requests: Mutex::new(Vec::new()),
            script: Mutex::new(VecDeque::new()),
            responder: Arc::new(responder),
            arrived: Notify::new(),
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind receiver");
        let base = format!("http://{}", listener.local_addr().unwrap());
        let app = axum::Router::new()
            .fallback(record)
            .with_state(inner.clone());
        let handle = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Receiver {
            base,
            inner,
            handle,
        }
    }

    /// `base` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Answers the next request with `canned` (replies queue up in order).
    pub fn reply_next(&self, canned: Canned) {
        self.inner.script.lock().unwrap().push_back(canned);
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.inner.requests.lock().unwrap().clone()
    }

    /// Waits until at least `n` requests arrived (panics after `timeout`); returns them all.
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> Vec<Recorded> {
        let deadline = Instant::now() + timeout;
        loop {
            let notified = self.inner.arrived.notified();
            let got = self.requests();
            if got.len() >= n {
                return got;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "expected {n} requests within {timeout:?}, got {}: {:?}",
                got.len(),
                got.iter()
                    .map(|r| format!("{} {}", r.method, r.path))
                    .collect::<Vec<_>>()
            );
            let _ = tokio::time::timeout(left.min(Duration::from_millis(200)), notified).await;
        }
    }
}
