//! One client connection at the edge: its socket wrapped to time the request heads and the
//! idle pauses between requests ([`ConnState`]), request bodies held to a deadline
//! ([`DeadlineBody`]), and hyper's own answers to unparseable requests (400, 414, 431, written
//! before any handler runs) rewritten into our JSON error shape ([`EdgeIo`]).

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll, ready};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use hyper::body::Incoming;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::{Notify, OwnedSemaphorePermit};
use tokio::time::Sleep;

use crate::telemetry;

const NONE: u64 = u64::MAX;

/// What a connection is doing, for its timeouts. All updates happen on the connection's own
/// task (reads, request dispatch and response bodies are polled there).
#[derive(Debug)]
pub(crate) struct ConnState {
    start: Instant,
    /// Requests dispatched whose response body has not ended.
    in_flight: AtomicUsize,
    /// When the head being read began (ms since `start`), or `NONE`.
    head_started: AtomicU64,
    /// When the connection last became idle (ms since `start`).
    idle_since: AtomicU64,
    changed: Notify,
}

impl ConnState {
    pub(crate) fn new() -> Arc<Self> {
        Arc::new(ConnState {
            start: Instant::now(),
            in_flight: AtomicUsize::new(0),
            // A new connection is reading its first head.
            head_started: AtomicU64::new(0),
            idle_since: AtomicU64::new(0),
            changed: Notify::new(),
        })
    }

    fn now(&self) -> u64 {
        self.start.elapsed().as_millis() as u64
    }

    fn is_idle(&self) -> bool {
        self.in_flight.load(Ordering::SeqCst) == 0
    }

    /// Bytes arrived: on an idle connection they begin the next request's head.
    fn on_read(&self) {
        if self.is_idle() && self.head_started.load(Ordering::SeqCst) == NONE {
            self.head_started.store(self.now(), Ordering::SeqCst);
            self.changed.notify_one();
        }
    }

    /// A request's head was read and handed to the router; the guard ends it with its
    /// response body.
    pub(crate) fn request_started(self: &Arc<Self>) -> RequestGuard {
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        self.head_started.store(NONE, Ordering::SeqCst);
        self.changed.notify_one();
        RequestGuard(self.clone())
    }

    /// Resolves with the kind of timeout (`header` or `idle`) once the connection has spent
    /// too long reading a head or waiting for one; never while a request is in flight.
    pub(crate) async fn expired(&self, header: Duration, idle: Duration) -> &'static str {
        loop {
            let notified = self.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let Some((at, kind)) = self.deadline(header, idle) else {
                notified.await;
                continue;
            };
            tokio::select! {
                _ = tokio::time::sleep_until((self.start + at).into()) => {
                    if self.deadline(header, idle).is_some_and(|(now_at, _)| now_at <= at) {
                        return kind;
                    }
                }
                _ = notified => {}
            }
        }
    }

    fn deadline(&self, header: Duration, idle: Duration) -> Option<(Duration, &'static str)> {
        if !self.is_idle() {
            return None;
        }
        let head = self.head_started.load(Ordering::SeqCst);
        if head != NONE {
            return Some((Duration::from_millis(head) + header, "header"));
        }
        let idle_since = self.idle_since.load(Ordering::SeqCst);
        Some((Duration::from_millis(idle_since) + idle, "idle"))
    }
}

/// A request in flight; dropped with its response body.
#[derive(Debug)]
pub(crate) struct RequestGuard(Arc<ConnState>);

impl Drop for RequestGuard {
    fn drop(&mut self) {
        if self.0.in_flight.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.0.idle_since.store(self.0.now(), Ordering::SeqCst);
            self.0.changed.notify_one();
        }
    }
}

/// A response body that keeps its request in flight until it ends (a live event stream
/// stays in flight, so no idle timeout applies to it).
pub(crate) struct GuardedBody {
    pub(crate) inner: axum::body::Body,
    pub(crate) _guard: RequestGuard,
}

impl Body for GuardedBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// Set on a request whose body missed its deadline (a request extension): the response
/// becomes 408.
#[derive(Debug, Clone, Default)]
pub(crate) struct BodyTimedOut(Arc<AtomicBool>);

impl BodyTimedOut {
    /// Whether the body missed its deadline.
    pub(crate) fn is_set(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// The error a late body ends with.
#[derive(Debug, thiserror::Error)]
#[error("the request body did not arrive in time")]
pub(crate) struct BodyTimeout;

/// A request body that must arrive within `grace` plus the time `min_rate` bytes a second
/// earns for what has arrived: a body trickled slower ends with [`BodyTimeout`].
pub(crate) struct DeadlineBody {
    inner: Incoming,
    start: Instant,
    grace: Duration,
    min_rate: u64,
    received: u64,
    sleep: Pin<Box<Sleep>>,
    timed_out: BodyTimedOut,
}

impl DeadlineBody {
    pub(crate) fn new(
        inner: Incoming,
        grace: Duration,
        min_rate: u64,
        timed_out: BodyTimedOut,
    ) -> Self {
        let start = Instant::now();
        DeadlineBody {
            inner,
            start,
            grace,
            min_rate,
            received: 0,
            sleep: Box::pin(tokio::time::sleep_until((start + grace).into())),
            timed_out,
        }
    }

    fn deadline(&self) -> Instant {
        let earned = if self.min_rate == 0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(self.received as f64 / self.min_rate as f64)
        };
        self.start + self.grace + earned
    }
}

impl Body for DeadlineBody {
    type Data = Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = self.get_mut();
        if this.timed_out.is_set() {
            return Poll::Ready(Some(Err(BodyTimeout.into())));
        }
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    this.received += data.len() as u64;
                    let deadline = this.deadline();
                    this.sleep.as_mut().reset(deadline.into());
                }
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(other) => Poll::Ready(other.map(|r| r.map_err(Into::into))),
            Poll::Pending => {
                ready!(this.sleep.as_mut().poll(cx));
                this.timed_out.0.store(true, Ordering::SeqCst);
                telemetry::timeout("body");
                Poll::Ready(Some(Err(BodyTimeout.into())))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// An open connection's slot under `--max-connections`, counted in the connections gauge.
pub(crate) struct Slot(#[expect(dead_code, reason = "held, not read")] OwnedSemaphorePermit);

impl Slot {
    pub(crate) fn new(permit: OwnedSemaphorePermit) -> Self {
        metrics::gauge!(telemetry::HTTP_CONNECTIONS).increment(1.0);
        Slot(permit)
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        metrics::gauge!(telemetry::HTTP_CONNECTIONS).decrement(1.0);
    }
}

/// The client's socket as hyper sees it. It holds the connection's slot (an upgraded
/// WebSocket keeps it), tells [`ConnState`] when bytes arrive, and replaces hyper's
/// empty-bodied error answers with JSON ones.
pub(crate) struct EdgeIo {
    inner: TcpStream,
    state: Arc<ConnState>,
    _slot: Slot,
    /// Our answer in place of hyper's, and how much of it is written.
    replacement: Option<(Vec<u8>, usize)>,
}

impl EdgeIo {
    pub(crate) fn new(inner: TcpStream, state: Arc<ConnState>, slot: Slot) -> Self {
        EdgeIo {
            inner,
            state,
            _slot: slot,
            replacement: None,
        }
    }

    fn poll_replacement(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while let Some((bytes, written)) = &mut self.replacement {
            if *written == bytes.len() {
                self.replacement = None;
                break;
            }
            let n = ready!(Pin::new(&mut self.inner).poll_write(cx, &bytes[*written..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            *written += n;
        }
        Poll::Ready(Ok(()))
    }
}

impl AsyncRead for EdgeIo {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        ready!(Pin::new(&mut self.inner).poll_read(cx, buf))?;
        if buf.filled().len() > before {
            self.state.on_read();
        }
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for EdgeIo {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        ready!(self.poll_replacement(cx))?;
        if self.state.is_idle()
            && let Some(status) = hyper_error_status(buf)
        {
            self.replacement = Some((json_error_response(status), 0));
            // hyper's bytes count as written; ours go out now or on the next flush.
            let _ = self.poll_replacement(cx)?;
            return Poll::Ready(Ok(buf.len()));
        }
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.poll_replacement(cx))?;
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.poll_replacement(cx))?;
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// The status of a response hyper wrote by itself for a request it could not parse: exactly
/// a head, status 400, 414 or 431, `content-length: 0` and no content type. Our own error
/// responses always have a JSON body, so they never look like this.
fn hyper_error_status(buf: &[u8]) -> Option<u16> {
    let end = buf.windows(4).position(|w| w == b"\r\n\r\n")?;
    if end + 4 != buf.len() {
        return None;
    }
    let head = std::str::from_utf8(&buf[..end]).ok()?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next()?;
    let rest = status_line
        .strip_prefix("HTTP/1.1 ")
        .or_else(|| status_line.strip_prefix("HTTP/1.0 "))?;
    let status: u16 = rest.get(..3)?.parse().ok()?;
    if !matches!(status, 400 | 414 | 431) {
        return None;
    }
    let mut empty = false;
    for line in lines {
        let line = line.to_ascii_lowercase();
        if line.starts_with("content-type:") {
            return None;
        }
        empty |= line.replace(' ', "") == "content-length:0";
    }
    empty.then_some(status)
}

/// A whole HTTP/1.1 response in our error shape, closing the connection.
pub(crate) fn json_error_response(status: u16) -> Vec<u8> {
    let (reason, code, message) = match status {
        414 => (
            "URI Too Long",
            "uri_too_long",
            "the request URI is too long",
        ),
        431 => (
            "Request Header Fields Too Large",
            "headers_too_large",
            "the request headers are too large",
        ),
        503 => (
            "Service Unavailable",
            "too_many_connections",
            "the server has too many open connections; retry later",
        ),
        _ => (
            "Bad Request",
            "bad_request",
            "the request is not valid HTTP/1.1",
        ),
    };
    let body = super::error::error_body(code, message, None).to_string();
    let retry = if status == 503 {
        "retry-after: 1\r\n"
    } else {
        ""
    };
    format!(
        "HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
         {retry}connection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_hyper_s_bodiless_parse_errors_are_rewritten() {
        let hyper = b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\ndate: Tue, 01 Dec 2026 00:00:00 GMT\r\n\r\n";
        assert_eq!(hyper_error_status(hyper), Some(431));
        let ours = b"HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: 0\r\n\r\n";
        assert_eq!(hyper_error_status(ours), None);
        let with_body = b"HTTP/1.1 400 Bad Request\r\ncontent-length: 2\r\n\r\n{}";
        assert_eq!(hyper_error_status(with_body), None);
        let ok = b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n";
        assert_eq!(hyper_error_status(ok), None);
        let text = String::from_utf8(json_error_response(414)).unwrap();
        let body = text.split("\r\n\r\n").nth(1).unwrap();
        let value: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(value["error"]["code"], "uri_too_long");
        assert!(text.contains(&format!("content-length: {}\r\n", body.len())));
    }
}
