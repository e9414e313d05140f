//! The HTTP listener: accepts connections up to `--max-connections`, serves each with hyper
//! (HTTP/1.1 with upgrades, and HTTP/2), closes connections that are slow to send a request
//! head or idle too long, holds request bodies to their deadline, and drains on shutdown.

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tower::ServiceExt;

use super::conn::{
    BodyTimedOut, ConnState, DeadlineBody, EdgeIo, GuardedBody, Slot, json_error_response,
};
use crate::config::HttpConfig;
use crate::telemetry;

/// Serves `router` on `listener` until `shutdown` completes, then stops accepting and waits
/// for every open connection (upgraded ones included) to finish.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    cfg: HttpConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let max = cfg.max_connections;
    let slots = Arc::new(Semaphore::new(max as usize));
    let (stop, stopping) = watch::channel(false);
    let cfg = Arc::new(cfg);
    tokio::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of file descriptors and the like: wait rather than spin.
                    tracing::warn!(error = %e, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        match slots.clone().try_acquire_owned() {
            Ok(permit) => {
                let (router, cfg, stopping) = (router.clone(), cfg.clone(), stopping.clone());
                tokio::spawn(connection(stream, Slot::new(permit), router, cfg, stopping));
            }
            Err(_) => {
                metrics::counter!(telemetry::HTTP_CONNECTIONS_REFUSED).increment(1);
                tokio::spawn(refuse(stream));
            }
        }
    }
    drop(listener);
    let _ = stop.send(true);
    // Every slot back: every connection has ended.
    let _ = slots.acquire_many(max).await;
    Ok(())
}

/// Answers a connection over the cap with 503 and closes it, reading what the client sent
/// (briefly) so that closing does not reset the connection before the answer is read.
async fn refuse(mut stream: TcpStream) {
    let _ = tokio::time::timeout(Duration::from_secs(1), async {
        stream.write_all(&json_error_response(503)).await?;
        stream.shutdown().await?;
        let mut sink = [0u8; 4096];
        let mut left: usize = 64 * 1024;
        while left > 0 {
            let n = stream.read(&mut sink).await?;
            if n == 0 {
                break;
            }
            left = left.saturating_sub(n);
        }
        Ok::<_, std::io::Error>(())
    })
    .await;
}

async fn connection(
    stream: TcpStream,
    slot: Slot,
    router: Router,
    cfg: Arc<HttpConfig>,
    mut stopping: watch::Receiver<bool>,
) {
    let _ = stream.set_nodelay(true);
    let state = ConnState::new();
    let io = TokioIo::new(EdgeIo::new(stream, state.clone(), slot));
    let service = {
        let (state, cfg) = (state.clone(), cfg.clone());
        hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
            let (router, state, cfg) = (router.clone(), state.clone(), cfg.clone());
            async move {
                let guard = state.request_started();
                let timed_out = BodyTimedOut::default();
                let mut req = req.map(|body| {
                    Body::new(DeadlineBody::new(
                        body,
                        cfg.body_timeout,
                        cfg.body_min_bytes_per_second,
                        timed_out.clone(),
                    ))
                });
                req.extensions_mut().insert(timed_out);
                let response = match router.oneshot(req).await {
                    Ok(response) => response,
                    Err(never) => match never {},
                };
                Ok::<_, Infallible>(response.map(|inner| GuardedBody {
                    inner,
                    _guard: guard,
                }))
            }
        })
    };
    let builder = auto::Builder::new(TokioExecutor::new());
    let conn = builder.serve_connection_with_upgrades(io, service);
    tokio::pin!(conn);
    let expired = state.expired(cfg.header_timeout, cfg.idle_timeout);
    tokio::pin!(expired);
    let mut draining = *stopping.borrow();
    if draining {
        conn.as_mut().graceful_shutdown();
    }
    loop {
        tokio::select! {
            result = conn.as_mut() => {
                if let Err(e) = result {
                    tracing::debug!(error = %e, "connection ended with an error");
                }
                return;
            }
            kind = &mut expired => {
                telemetry::timeout(kind);
                tracing::debug!(kind, "connection closed by its timeout");
                return;
            }
            changed = stopping.changed(), if !draining => {
                draining = true;
                if changed.is_ok() {
                    conn.as_mut().graceful_shutdown();
                }
            }
        }
    }
}
