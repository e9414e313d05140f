//! The HTTP API: router, shared state, and the edge every request passes (`server`: the
//! listener with its timeouts and connection cap; `edge`: logging by route template, one
//! error shape, metrics).

mod channels;
mod communities;
pub(crate) mod compat;
mod conn;
mod deliveries;
mod discord;
pub mod edge;
pub mod error;
mod examples;
mod execute;
pub mod extract;
mod health;
mod im;
mod live;
mod metrics;
pub mod openapi;
mod outgoing;
mod people;
pub(crate) mod plugins;
mod push;
mod send;
pub mod server;
pub mod session;
mod studio;
mod users;
mod webhooks;

use std::sync::Arc;

use axum::Router;
use axum::extract::Request;
use tower_http::trace::TraceLayer;

pub use error::ApiError;

use crate::ingest::Ingest;
use crate::live::Hub;
use crate::push::Push;
use crate::runtime::PluginEngine;
use crate::store::Store;

/// State shared by all handlers.
#[derive(Clone, Debug)]
pub struct AppState {
    /// The database.
    pub store: Store,
    /// The execute pipeline.
    pub ingest: Arc<Ingest>,
    /// The plugin runtime.
    pub plugins: Arc<PluginEngine>,
    /// Base URL used in webhook URLs, without a trailing slash.
    pub public_url: Arc<str>,
    /// Largest accepted plugin upload.
    pub max_plugin_bytes: usize,
    /// Successful deliveries kept per webhook.
    pub keep_deliveries: u32,
    /// Whether every user may create communities (else only instance administrators).
    pub allow_community_creation: bool,
    /// Live connections of this node.
    pub live: Arc<Hub>,
    /// The Web Push sender.
    pub push: Arc<Push>,
    /// Whether plain-http push endpoints are accepted.
    pub push_allow_http: bool,
    /// Outgoing webhook sending (the "test" action; the worker has its own handle).
    pub outgoing: Arc<crate::outbox::Outbound>,
    /// Whether `GET /metrics` is served.
    pub serve_metrics: bool,
}

/// The whole API.
pub fn router(state: AppState) -> Router {
    let metrics = if state.serve_metrics {
        metrics::router()
    } else {
        Router::new()
    };
    Router::new()
        .merge(health::router())
        .merge(metrics)
        .merge(users::router())
        .merge(communities::router())
        .merge(channels::router())
        .merge(webhooks::router())
        .merge(execute::router())
        .merge(compat::router())
        .merge(discord::router())
        .merge(plugins::router())
        .merge(deliveries::router())
        .merge(send::router())
        .merge(live::router())
        .merge(push::router())
        .merge(outgoing::router())
        .merge(im::router())
        .merge(session::router())
        .merge(people::router())
        .merge(openapi::router())
        .merge(crate::web::router())
        .fallback(edge::not_found)
        .layer(axum::middleware::from_fn(edge::edge))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request| edge::span(req)))
        .with_state(state)
}

/// The path with any webhook token replaced (the path a foreign-format delivery is stored
/// with; logs carry the route template instead).
pub fn redact_path(path: &str) -> String {
    const PREFIXES: [(&str, usize); 5] = [
        ("/api/webhooks/execute/", 0),
        ("/api/v1/hooks/", 0),
        ("/webhooks/", 1),
        ("/api/slack/", 0),
        ("/api/teams/", 0),
    ];
    // Mattermost `/hooks/{token}` and Rocket.Chat `/hooks/{id}/{token}`: every segment.
    if let Some(rest) = path.strip_prefix("/hooks/") {
        let segments: Vec<&str> = rest.split('/').map(|_| "[redacted]").collect();
        return format!("/hooks/{}", segments.join("/"));
    }
    for (prefix, skip) in PREFIXES {
        if let Some(rest) = path.strip_prefix(prefix) {
            let mut segments: Vec<&str> = rest.split('/').collect();
            if let Some(token) = segments.get_mut(skip) {
                *token = "[redacted]";
            }
            return format!("{prefix}{}", segments.join("/"));
        }
    }
    redact_discord_path(path).unwrap_or_else(|| path.to_owned())
}

/// Discord's URLs, `/api/webhooks/{id}/{token}[/...]`, share their prefix with the management
/// routes `/api/webhooks/{id}/regenerate` and the like: every second segment but those names
/// is a token.
fn redact_discord_path(path: &str) -> Option<String> {
    const MANAGEMENT: [&str; 4] = ["regenerate", "test", "deliveries", "dry-run"];
    let rest = path.strip_prefix("/api/webhooks/")?;
    let mut segments: Vec<&str> = rest.split('/').collect();
    let token = segments.get_mut(1)?;
    if token.is_empty() || MANAGEMENT.contains(token) {
        return None;
    }
    *token = "[redacted]";
    Some(format!("/api/webhooks/{}", segments.join("/")))
}

#[cfg(test)]
mod tests {
    use super::redact_path;

    #[test]
    fn redacts_tokens_on_every_execute_path() {
        assert_eq!(
            redact_path("/api/webhooks/execute/SECRET"),
            "/api/webhooks/execute/[redacted]"
        );
        assert_eq!(
            redact_path("/api/webhooks/execute/SECRET/github"),
            "/api/webhooks/execute/[redacted]/github"
        );
        assert_eq!(
            redact_path("/api/v1/hooks/SECRET"),
            "/api/v1/hooks/[redacted]"
        );
        assert_eq!(
            redact_path("/webhooks/0190-id/SECRET"),
            "/webhooks/0190-id/[redacted]"
        );
        assert_eq!(redact_path("/api/slack/SECRET"), "/api/slack/[redacted]");
        assert_eq!(redact_path("/api/teams/SECRET"), "/api/teams/[redacted]");
        assert_eq!(redact_path("/hooks/SECRET"), "/hooks/[redacted]");
        assert_eq!(
            redact_path("/hooks/0190abcd/SECRET"),
            "/hooks/[redacted]/[redacted]"
        );
        assert_eq!(
            redact_path("/api/webhooks/0190-id"),
            "/api/webhooks/0190-id"
        );
    }

    #[test]
    fn redacts_tokens_on_discord_paths_but_not_management_paths() {
        for (path, logged) in [
            (
                "/api/webhooks/0190-id/SECRET",
                "/api/webhooks/0190-id/[redacted]",
            ),
            (
                "/api/webhooks/0190-id/SECRET/github",
                "/api/webhooks/0190-id/[redacted]/github",
            ),
            (
                "/api/webhooks/0190-id/SECRET/messages/0191-m",
                "/api/webhooks/0190-id/[redacted]/messages/0191-m",
            ),
            (
                "/api/webhooks/0190-id/regenerate",
                "/api/webhooks/0190-id/regenerate",
            ),
            (
                "/api/webhooks/0190-id/deliveries",
                "/api/webhooks/0190-id/deliveries",
            ),
            ("/api/webhooks/0190-id/", "/api/webhooks/0190-id/"),
        ] {
            assert_eq!(redact_path(path), logged);
        }
    }
}
