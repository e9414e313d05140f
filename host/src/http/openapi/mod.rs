//! The OpenAPI 3.1 document of the API, generated from the handlers' `#[utoipa::path]`
//! attributes and the types' `ToSchema` derives, served at `GET /api/openapi.json`, and a
//! page that renders it at `GET /api/docs` (no CDN: the page is ours and fetches only the
//! document).
//!
//! The error responses every operation shares are added here rather than on each handler
//! (`CommonErrors`): 401 where a credential is required, 404 where the path names a resource,
//! 400/413/415/422 where a JSON body is read, 400 for malformed query parameters, 500 and 503.

pub mod execute;
pub mod schemas;

use std::sync::LazyLock;

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Content, Ref, RefOr, ResponseBuilder};
use utoipa::{Modify, OpenApi};

use super::AppState;

/// The operations' tag of the foreign formats, whose errors keep their senders' shapes.
const FOREIGN: &str = "foreign formats";

/// The document.
#[derive(Debug, OpenApi)]
#[openapi(
    info(
        title = "wasmhook",
        description = "Self-hosted chat webhook service with WebAssembly transformer plugins.\n\n\
            Every error answers `{\"error\":{\"code\",\"message\"}}` (with `field` for 409 and 422), \
            except on the foreign formats' URLs (Slack, Mattermost, Rocket.Chat, Teams, Discord), \
            which answer as the original services do. Any request may also be refused before its \
            route by the HTTP layer: 405 `method_not_allowed` (with `Allow`), 408 \
            `request_timeout`, 413, 414 `uri_too_long`, 431 `headers_too_large`, in the same shape.\n\n\
            Authentication: `Authorization: Bearer <api token>` (from `POST /api/auth/login`), or \
            the web app's session cookie, with `X-CSRF-Token` on every state-changing request. \
            Webhook execute URLs carry their token in the path and need nothing else.\n\n\
            The web app's pages and assets (`/`, `/assets/...`, `/sw.js`) are not part of the API \
            and not described here."
    ),
    paths(
        super::health::get_health,
        super::health::get_ready,
        super::metrics::get_metrics,
        get_openapi,
        get_docs,
        super::session::post_session,
        super::session::get_session,
        super::session::delete_session,
        super::session::post_setup,
        super::session::post_password,
        super::users::post_login,
        super::users::get_me,
        super::users::patch_me,
        super::users::post_user,
        super::users::get_notifications,
        super::users::post_notification_read,
        super::outgoing::get_notices,
        super::communities::get_communities,
        super::communities::post_community,
        super::communities::post_member,
        super::people::get_members,
        super::communities::get_channels,
        super::communities::post_channel,
        super::channels::post_channel_member,
        super::channels::get_messages,
        super::channels::get_webhooks,
        super::channels::post_webhook,
        super::webhooks::get_webhook,
        super::webhooks::patch_webhook,
        super::webhooks::delete_webhook,
        super::webhooks::post_regenerate,
        super::webhooks::post_test,
        super::deliveries::get_deliveries,
        super::deliveries::post_dry_run,
        super::deliveries::get_delivery,
        super::deliveries::post_replay,
        super::send::post_send,
        execute::chatalot,
        execute::chatalot_suffix,
        execute::bitolink,
        execute::bitolink_suffix,
        execute::chattr,
        execute::chattr_suffix,
        super::compat::post_slack,
        super::compat::post_mattermost,
        super::compat::post_rocketchat,
        super::compat::post_teams,
        super::discord::execute_discord,
        super::discord::get_webhook,
        super::discord::execute_github,
        super::discord::execute_slack,
        super::discord::get_message,
        super::discord::edit_message,
        super::discord::delete_message,
        super::plugins::post_plugin,
        super::plugins::get_plugins,
        super::plugins::get_plugin,
        super::examples::get_examples,
        super::plugins::delete_plugin,
        super::plugins::get_runtime,
        super::outgoing::get_events,
        super::outgoing::get_outgoing_webhooks,
        super::outgoing::post_outgoing_webhook,
        super::outgoing::get_outgoing_webhook,
        super::outgoing::patch_outgoing_webhook,
        super::outgoing::delete_outgoing_webhook,
        super::outgoing::post_test,
        super::outgoing::get_deliveries,
        super::outgoing::post_retry,
        super::im::get_im_integration,
        super::im::put_im_integration,
        super::im::delete_im_integration,
        super::im::get_direct_messages,
        super::push::get_vapid_key,
        super::push::get_subscriptions,
        super::push::post_subscription,
        super::push::delete_subscription,
        super::live::websocket,
        super::live::channel_events,
    ),
    components(schemas(schemas::ErrorBody, crate::store::DeliveryStatus)),
    modifiers(&SecuritySchemes, &CommonErrors),
    security(("bearer" = []), ("session" = [])),
    tags(
        (name = "operations", description = "Health, readiness, metrics and this document"),
        (name = "session", description = "Signing in: API tokens and the web app's session"),
        (name = "users", description = "The caller, users, notifications and notices"),
        (name = "communities", description = "Communities and their members and channels"),
        (name = "channels", description = "Channel members and messages"),
        (name = "webhooks", description = "Managing incoming webhooks"),
        (name = "execute", description = "Posting through a webhook in the native dialects; the token in the path is the only credential"),
        (name = "foreign formats", description = "Slack, Mattermost, Rocket.Chat, Microsoft Teams and Discord URLs, answering as those services do"),
        (name = "deliveries", description = "The delivery log of plugin webhooks: inspect, replay, dry-run"),
        (name = "plugins", description = "WebAssembly transformer plugins and the sandbox"),
        (name = "outgoing webhooks", description = "Events sent to other services, and the IM integration"),
        (name = "push", description = "Web Push subscriptions"),
        (name = "live", description = "Live events: WebSocket and Server-Sent Events"),
    )
)]
pub struct ApiDoc;

/// The document as served, built once.
static DOCUMENT: LazyLock<String> = LazyLock::new(|| {
    ApiDoc::openapi()
        .to_json()
        .expect("the OpenAPI document serializes")
});

/// The page rendering the document.
const DOCS_PAGE: &str = include_str!("docs.html");

/// The routes of the document and its page.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/openapi.json", get(get_openapi))
        .route("/api/docs", get(get_docs))
}

/// The OpenAPI 3.1 document of this API.
#[utoipa::path(
    get,
    path = "/api/openapi.json",
    tag = "operations",
    responses((status = 200, description = "This document", body = schemas::Object)),
    security(())
)]
pub async fn get_openapi() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        DOCUMENT.as_str(),
    )
}

/// A page listing the operations of the document, grouped by tag, with their parameters,
/// bodies and responses.
#[utoipa::path(
    get,
    path = "/api/docs",
    tag = "operations",
    responses((status = 200, description = "An HTML page", body = String, content_type = "text/html")),
    security(())
)]
pub async fn get_docs() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; connect-src 'self'; script-src 'unsafe-inline'; \
                 style-src 'unsafe-inline'; frame-ancestors 'none'",
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        DOCS_PAGE,
    )
}

/// The ways to authenticate.
struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An API token from `POST /api/auth/login` (or `wasmhook token`)",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                super::session::COOKIE_NAME,
                "The web app's session cookie (`POST /api/auth/session`); state-changing \
                 requests must carry the session's CSRF token in `X-CSRF-Token`",
            ))),
        );
        components.add_security_scheme(
            "access_token",
            SecurityScheme::ApiKey(ApiKey::Query(ApiKeyValue::with_description(
                "access_token",
                "An API token as a query parameter, for live connections only (browsers \
                 cannot set headers on a WebSocket or an EventSource)",
            ))),
        );
    }
}

/// The error responses every operation shares (see the module documentation).
struct CommonErrors;

impl Modify for CommonErrors {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let global_security = doc.security.as_ref().is_some_and(|s| !s.is_empty());
        for item in doc.paths.paths.values_mut() {
            let operations = [
                (&mut item.get, true),
                (&mut item.put, false),
                (&mut item.post, false),
                (&mut item.delete, false),
                (&mut item.patch, false),
            ];
            for (op, safe) in operations {
                if let Some(op) = op {
                    add_common_errors(op, safe, global_security);
                }
            }
        }
    }
}

fn add_common_errors(op: &mut Operation, safe: bool, global_security: bool) {
    let foreign = op
        .tags
        .as_ref()
        .is_some_and(|tags| tags.iter().any(|t| t == FOREIGN));
    let params = op.parameters.as_deref().unwrap_or_default();
    let in_path = params
        .iter()
        .any(|p| matches!(p.parameter_in, ParameterIn::Path));
    let in_query = params
        .iter()
        .any(|p| matches!(p.parameter_in, ParameterIn::Query));
    let json_body = op
        .request_body
        .as_ref()
        .is_some_and(|b| b.content.contains_key("application/json"));
    let secured = match &op.security {
        None => global_security,
        // `security(())` is one empty requirement: no credential needed.
        Some(requirements) => requirements.iter().any(|r| {
            serde_json::to_value(r).is_ok_and(|v| v.as_object().is_some_and(|o| !o.is_empty()))
        }),
    };
    let mut add = |status: &str, text: &str| {
        if !op.responses.responses.contains_key(status) {
            op.responses
                .responses
                .insert(status.to_owned(), error_response(text));
        }
    };
    if !foreign {
        if secured {
            add("401", "unauthorized: missing or invalid credentials");
        }
        if secured && !safe {
            add(
                "403",
                "forbidden: a request authenticated by the session cookie without its \
                 `X-CSRF-Token`",
            );
        }
        if in_path {
            add(
                "404",
                "not_found: no such resource, or one the caller may not see (the same answer)",
            );
        }
        if json_body {
            add(
                "400",
                "malformed_json, invalid_utf8: the body is not JSON in UTF-8",
            );
            add("413", "payload_too_large: the body is over the limit");
            add(
                "415",
                "unsupported_media_type: the body is not `application/json`",
            );
            add(
                "422",
                "validation_failed: a field broke a rule (`field` names it)",
            );
        }
        if in_query {
            add("400", "bad_request: a query parameter is malformed");
        }
    }
    add("500", "internal: an unexpected server error (logged)");
    add(
        "503",
        "unavailable: the database is unreachable; retry later",
    );
}

fn error_response(description: &str) -> RefOr<utoipa::openapi::Response> {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            Content::new(Some(Ref::from_schema_name("ErrorBody"))),
        )
        .into()
}
