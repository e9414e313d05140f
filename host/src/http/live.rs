//! Live endpoints: `GET /api/ws` (WebSocket: every channel of the user, and the user's
//! notifications) and `GET /api/channels/{id}/events` (Server-Sent Events for one channel).
//!
//! Both send the same JSON: `{"type": "message.created" | "notification.created", "data": ...}`
//! where `data` is what the messages or notifications API returns. The first event is
//! `ready`, sent once the connection is registered, so nothing posted after it is missed. A
//! client that falls behind is disconnected: WebSocket close code 4008, or a final SSE
//! `lagged` event; it then resumes from `GET /api/channels/{id}/messages`.

use std::convert::Infallible;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures_util::stream::{self, Stream};
use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use uuid::Uuid;

use super::channels::readable_channel;
use super::extract::{ApiPath, LiveUser};
use super::openapi::schemas as doc;
use super::{ApiError, AppState};
use crate::live::{Connection, Subscription};

/// The close code of a client that fell behind (private-use range of RFC 6455).
pub const CLOSE_LAGGED: u16 = 4008;

/// The close reason sent with [`CLOSE_LAGGED`].
pub const LAGGED_REASON: &str = "client fell behind; resume from GET /api/channels/{id}/messages";

/// The close code at shutdown (RFC 6455: going away).
const CLOSE_GOING_AWAY: u16 = 1001;

/// How often the server pings an idle WebSocket client (and SSE sends a keep-alive comment).
const KEEPALIVE: Duration = Duration::from_secs(30);

/// Live routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/ws", get(websocket))
        .route("/api/channels/{id}/events", get(channel_events))
}

/// `GET /api/ws`: authenticated before the upgrade, so a bad token gets a 401 body.
#[utoipa::path(
    get,
    path = "/api/ws",
    tag = "live",
    responses((status = 101, description = "switching to the WebSocket protocol: JSON events `{type, data}`"), (status = 400, description = "bad_request: not a WebSocket upgrade", body = doc::ErrorBody), (status = 403, description = "forbidden: the caller's role does not allow this", body = doc::ErrorBody)),
    security(("bearer" = []), ("session" = []), ("access_token" = []))
)]
async fn websocket(
    State(state): State<AppState>,
    LiveUser(user): LiveUser,
    upgrade: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
) -> Result<Response, ApiError> {
    let upgrade = upgrade.map_err(|e| ApiError::BadRequest {
        code: "bad_request",
        message: format!("GET /api/ws must be a WebSocket upgrade: {e}"),
    })?;
    let hub = state.live.clone();
    // Clients only send pings and a close: small read buffers, a small message limit, and a
    // hard cap on what may wait to be written to a slow client.
    Ok(upgrade
        .read_buffer_size(4 << 10)
        .write_buffer_size(16 << 10)
        .max_write_buffer_size(1 << 20)
        .max_message_size(64 << 10)
        .on_upgrade(move |socket| async move {
            let subscription = hub.connect_user(user.id).await;
            serve_socket(socket, subscription, user.id).await;
        })
        .into_response())
}

async fn serve_socket(socket: WebSocket, mut sub: Subscription, user_id: Uuid) {
    let (mut sink, mut incoming) = socket.split();
    let ready = json!({ "type": "ready", "data": { "user_id": user_id } }).to_string();
    if sink.send(Message::Text(ready.into())).await.is_err() {
        return;
    }
    let mut ping = tokio::time::interval(KEEPALIVE);
    ping.tick().await;
    loop {
        tokio::select! {
            next = sub.next() => match next {
                Connection::Event(event) => {
                    let sent = tokio::select! {
                        sent = sink.send(Message::Text(event.json.clone())) => sent.is_ok(),
                        () = sub.lagging() => false,
                    };
                    if !sent {
                        break;
                    }
                }
                Connection::Lagged => break,
                Connection::Closing => {
                    let close = Message::Close(Some(CloseFrame {
                        code: CLOSE_GOING_AWAY,
                        reason: "server shutting down; reconnect".into(),
                    }));
                    let _ = tokio::time::timeout(Duration::from_secs(2), sink.send(close)).await;
                    return;
                }
            },
            frame = incoming.next() => match frame {
                // Pings are answered by the library; clients have nothing else to say.
                Some(Ok(Message::Close(_)) | Err(_)) | None => return,
                Some(Ok(_)) => {}
            },
            _ = ping.tick() => {
                if sink.send(Message::Ping(Default::default())).await.is_err() {
                    return;
                }
            }
        }
    }
    if sub.lagged() {
        tracing::info!(%user_id, "closing a WebSocket client that fell behind");
        let close = Message::Close(Some(CloseFrame {
            code: CLOSE_LAGGED,
            reason: LAGGED_REASON.into(),
        }));
        // The client is slow by definition: give the close frame a moment, no more.
        let _ = tokio::time::timeout(Duration::from_secs(2), sink.send(close)).await;
    }
}

/// `GET /api/channels/{id}/events`: members of the channel only.
#[utoipa::path(
    get,
    path = "/api/channels/{id}/events",
    tag = "live",
    params(("id" = Uuid, Path, description = "The channel id")),
    responses((status = 200, description = "Server-Sent Events: JSON `{type, data}` per event", body = String, content_type = "text/event-stream"), (status = 403, description = "forbidden: the caller's role does not allow this", body = doc::ErrorBody)),
    security(("bearer" = []), ("session" = []), ("access_token" = []))
)]
async fn channel_events(
    State(state): State<AppState>,
    LiveUser(user): LiveUser,
    ApiPath(channel_id): ApiPath<Uuid>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    readable_channel(&state.store, channel_id, user.id).await?;
    let sub = state.live.watch_channel(channel_id, user.id);
    let ready = Event::default()
        .event("ready")
        .data(json!({ "type": "ready", "data": { "channel_id": channel_id } }).to_string());
    let events = stream::unfold(Some(sub), |sub| async move {
        let mut sub = sub?;
        match sub.next().await {
            Connection::Event(event) => {
                let sse = Event::default()
                    .event(event.kind)
                    .id(event.id.to_string())
                    .data(event.json.as_str());
                Some((Ok(sse), Some(sub)))
            }
            Connection::Lagged => {
                tracing::info!("ending an SSE stream that fell behind");
                let sse = Event::default().event("lagged").data(
                    json!({ "type": "lagged", "data": { "reason": LAGGED_REASON } }).to_string(),
                );
                Some((Ok(sse), None))
            }
            // At shutdown the stream ends; `EventSource` reconnects by itself.
            Connection::Closing => None,
        }
    });
    Ok(Sse::new(stream::once(async { Ok(ready) }).chain(events))
        .keep_alive(KeepAlive::new().interval(KEEPALIVE)))
}
